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


def temporal_section() -> tuple[str, str]:
    """The spec and the printed lasso of the README's section on temporal properties."""
    section = README.read_text().split("## Temporal properties and fairness", 1)[1].split("\n## ", 1)[0]
    blocks = section.split("```")
    return blocks[1], blocks[3].removeprefix("text\n")


def test_readme_lasso_is_what_check_prints(tmp_path):
    from tests.cli.inprocess import modelcheck
    spec_text, lasso = temporal_section()
    spec = tmp_path / "lock.spec"
    spec.write_text(spec_text)
    run = modelcheck("check", spec)
    assert run.returncode == 1
    assert lasso.strip() in run.stdout


def test_readme_temporal_claims():
    spec_text, _ = temporal_section()
    strong = spec_text.replace("fairness weak Enter, Leave", "fairness strong Enter\nfairness weak Leave")
    assert pipeline.check(pipeline.load_text(strong), properties=None).outcome is Outcome.OK
    unfair_leave = spec_text.replace("fairness weak Enter, Leave", "fairness strong Enter")
    trace = pipeline.check(pipeline.load_text(unfair_leave), properties=None).violation.trace
    assert trace.loop == len(trace) - 1 and trace.back is None  # it stutters for ever
