"""The README's walkthrough "Conforming a modified implementation" works as written: its
my_raft.py, run with its command, prints its output."""
from __future__ import annotations

import shlex

from conftest import REPO

README = REPO / "README.md"


def blocks(section: str) -> list[tuple[str, str]]:
    """(language, text) of each fenced code block in a README section."""
    text = README.read_text().split(section, 1)[1].split("\n## ", 1)[0]
    parts = text.split("```")
    return [(p.split("\n", 1)[0].strip(), p.split("\n", 1)[1]) for p in parts[1::2]]


def test_readme_walkthrough_prints_what_it_shows(run_cli, tmp_path):
    code = blocks("### Conforming a modified implementation")
    source = next(t for lang, t in code if lang == "python")
    command = next(t for lang, t in code if lang == "sh").strip()
    expected = next(t for lang, t in code if lang == "text")
    (tmp_path / "my_raft.py").write_text(source)
    env_part, _, rest = command.partition(" modelcheck ")
    assert env_part == "PYTHONPATH=."
    r = run_cli(*shlex.split(rest), env={"PYTHONPATH": str(tmp_path)})
    assert r.returncode == 1, r.stderr
    assert r.stdout == expected


def test_readme_conformance_commands_are_real_subcommands(run_cli):
    code = blocks("## Conformance testing: impl/ against the specs")
    commands = [line for lang, t in code if lang == "sh" for line in t.splitlines() if line.startswith("modelcheck ")]
    assert {c.split()[1] for c in commands} == {"traces", "conform"}
    for sub in ("traces", "conform"):
        assert run_cli(sub, "--help").returncode == 0
