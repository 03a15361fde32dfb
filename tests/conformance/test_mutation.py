"""The mutation script: every mutant still applies to impl/, a mutant is judged in its own
process against a copy (never the working tree), and, with -m slow, the whole score; and the
automatic mutants of bench/mutate against docs/mutation.md (-m slow)."""
from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from impl.mutation.mutants import MUTANTS
from impl.mutation.run import IMPL, REPO, apply, judge


def test_there_are_at_least_20_mutants_with_unique_names_over_both_protocols():
    names = [m.name for m in MUTANTS]
    assert len(names) >= 20 and len(set(names)) == len(names)
    assert {m.protocol for m in MUTANTS} == {"paxos", "raft"}


@pytest.mark.parametrize("mutant", MUTANTS, ids=[m.name for m in MUTANTS])
def test_every_mutant_applies_to_a_copy_and_changes_it(mutant, tmp_path):
    original = (IMPL / mutant.file).read_text()
    apply(mutant, tmp_path)
    mutated = (tmp_path / "impl" / mutant.file).read_text()
    assert mutated != original and mutant.new in mutated
    assert (IMPL / mutant.file).read_text() == original       # the working tree is untouched
    compile(mutated, mutant.file, "exec")


def test_a_mutant_is_judged_in_its_own_process_and_killed():
    mutant = next(m for m in MUTANTS if m.name == "raft-timeout-keeps-old-vote")
    result = judge(mutant, "raft", runs=2, events=60, timeout=600)
    assert result["killed"] and result["replay"]["killed"]
    assert "votedFor" in result["replay"]["first"]


@pytest.mark.slow
def test_mutation_score_is_at_least_95_percent():
    proc = subprocess.run([sys.executable, "-m", "impl.mutation", "--runs", "300"], cwd=REPO,
                          capture_output=True, text=True, timeout=7200)
    match = re.search(r"mutation score: (\d+)/(\d+) killed", proc.stdout)
    assert match, proc.stdout + proc.stderr
    killed, total = map(int, match.groups())
    assert killed / total >= 0.95, proc.stdout


# ---------------------------------------------------------------- automatic mutants (modelcheck mutate)

def documented_survivors(protocol: str) -> tuple[set[int], set[int]]:
    """From docs/mutation.md's survivor table of a protocol: (every survivor listed, the
    equivalent ones -- those not marked a real miss)."""
    section = (REPO / "docs" / "mutation.md").read_text().split(f"\n## {protocol}\n", 1)[1].split("\n## ", 1)[0]
    listed, equivalent = set(), set()
    for row in section.splitlines():
        cells = [c.strip() for c in row.strip("|").split("|")]
        if row.startswith("| ") and cells[0][:1].isdigit():
            numbers = {int(n) for n in re.findall(r"\d+", cells[0])}
            listed |= numbers
            if not cells[-1].startswith("a real miss"):
                equivalent |= numbers
    return listed, equivalent


@pytest.mark.slow
@pytest.mark.parametrize("protocol,runs", [("Raft", 10), ("Paxos", 20)])
def test_automatic_mutants_of_impl_are_killed_but_the_documented_equivalent_ones(protocol, runs, tmp_path):
    """bench/mutate: every survivor is in docs/mutation.md, and at least 95% of the judged
    mutants that are not equivalent are killed."""
    proc = subprocess.run([sys.executable, "bench/mutate", "--rows", protocol.lower(), "--runs", str(runs),
                           "--json", str(tmp_path)], cwd=REPO, capture_output=True, text=True, timeout=3600)
    report = json.loads((tmp_path / f"{protocol.lower()}.json").read_text())
    survivors = {m["number"] for m in report["mutants"] if m["how"] == "survived"}
    listed, equivalent = documented_survivors(protocol)
    assert survivors <= listed, proc.stdout
    killed, judged = report["score"]
    assert killed / (judged - len(equivalent & survivors)) >= 0.95
