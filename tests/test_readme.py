"""The README's spec-language tour is a real spec: it must parse, check and behave as described."""
from __future__ import annotations

from pathlib import Path

from modelcheck import pipeline
from modelcheck.explore.result import Outcome

README = Path(__file__).resolve().parent.parent / "README.md"


def tour_spec() -> str:
    section = README.read_text().split("## The spec language in five minutes", 1)[1]
    return section.split("```", 2)[1]


def test_readme_tour_spec_checks_clean():
    compiled = pipeline.load_text(tour_spec(), filename="README.md")
    result = pipeline.check(compiled)
    assert result.outcome is Outcome.OK
    assert result.stats.distinct > 1
    assert set(result.stats.action_counts) == {"Take", "Release", "Reset"}
    assert all(n > 0 for n in result.stats.action_counts.values())


def test_readme_variant_example_is_the_shipped_variant():
    section = README.read_text().split("### Modules and variants", 1)[1]
    example = section.split("```", 2)[1].strip()
    shipped = (README.parent / "specs" / "raft_restart_forgets_vote.spec").read_text()
    body = shipped[shipped.index("spec RaftRestartForgetsVote"):]
    # the shipped file says the same, with comments
    strip = lambda text: [line.split("//")[0].rstrip() for line in text.splitlines() if line.split("//")[0].strip()]
    assert strip(example) == strip(body)
