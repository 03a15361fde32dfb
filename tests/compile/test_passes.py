"""The compiler's optimisation passes (compile/optimise.py) change speed, never answers.

Every spec in specs/, at small constants, checked with and without `--no-opt`, gives the same
report: distinct and generated states, depth, per-action counts, verdict and counterexample.
Each pass is switched off alone too, and each one is shown to change the generated code of a
shipped spec (so the switch is live: a pass that no longer applies anywhere would pass the
differential tests vacuously).
"""
from __future__ import annotations

import pytest

from cli.inprocess import modelcheck
from conftest import SPECS
from modelcheck.compile import build
from modelcheck.compile.optimise import ALL_PASSES, NO_PASSES, PASSES
from modelcheck.explore.bfs import bfs
from modelcheck.lang.parser import parse_expr, parse_file
from modelcheck.lang.typecheck import typecheck

# (spec, constants and options): small enough that the unoptimised run takes seconds
CASES = [
    ("paxos.spec", ()),
    ("paxos_buggy.spec", ()),
    ("raft.spec", ("--const", "MaxMsgs=1")),
    ("raft_commit_old_term.spec", ("--const", "MaxMsgs=1", "--no-deadlock")),
    ("raft_restart_forgets_vote.spec", ("--const", "MaxMsgs=1", "--no-deadlock")),
    ("register.spec", ()),
    ("register.spec", ("--const", "LosingMerge=true")),
    ("two_phase.spec", ()),
]


def report(spec: str, *args: str) -> dict:
    run = modelcheck("check", SPECS / spec, "--json", *args)
    assert run.returncode in (0, 1), run.out
    obj = run.json()
    del obj["seconds"]
    return obj


def test_every_shipped_spec_is_covered():
    assert {spec for spec, _ in CASES} == {p.name for p in SPECS.glob("*.spec")}


@pytest.mark.parametrize("spec, args", CASES, ids=[f"{s}{' '.join(a)}" for s, a in CASES])
def test_no_opt_gives_the_same_report(spec, args):
    optimised = report(spec, *args)
    assert optimised["distinct_states"] > 1
    assert report(spec, *args, "--no-opt") == optimised


def checked(spec: str, **consts: str):
    return typecheck(parse_file(SPECS / spec), {n: parse_expr(v, f"--const {n}") for n, v in consts.items()})


def summary(result) -> tuple:
    s = result.stats
    violation = result.violation and (result.violation.name, len(result.violation.trace.steps))
    return result.outcome, s.distinct, s.generated, s.depth, dict(s.action_counts), violation


@pytest.mark.slow
@pytest.mark.parametrize("off", [p.name for p in PASSES])
def test_each_pass_alone_off_gives_the_same_states(off):
    for spec, consts in (("paxos.spec", {}), ("raft.spec", {"MaxMsgs": "1"})):
        spec_checked = checked(spec, **consts)
        expected = summary(bfs(build(spec_checked).model))
        assert summary(bfs(build(spec_checked, passes=ALL_PASSES - {off}).model)) == expected


def test_each_pass_changes_the_code_of_a_shipped_spec():
    specs = [checked("paxos.spec"), checked("raft.spec")]
    optimised = [build(c).source for c in specs]
    for p in PASSES:
        without = [build(c, passes=ALL_PASSES - {p.name}).source for c in specs]
        assert without != optimised, f"pass {p.name} changes nothing in paxos.spec and raft.spec"


def test_no_opt_reaches_the_compiler(tmp_path):
    plain = tmp_path / "plain.py"
    run = modelcheck("check", SPECS / "paxos.spec", "--no-opt", "--max-depth", "1", "--dump-code", plain)
    assert run.returncode == 3, run.out  # stopped at depth 1: the code is all this test wants
    code = plain.read_text()
    assert "index_by(" not in code and "_cache_" not in code and "K_0 =" not in code
    assert code == build(checked("paxos.spec"), passes=NO_PASSES).source
