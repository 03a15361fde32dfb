"""Coverage criteria from the spec (modelcheck/conform/criteria.py): the goals, what is
unreachable, the suite that meets every reachable goal, refused steps, and the stale-term and
stale-ballot mutants of impl/ that the criteria suites kill and the transition-class suites
let through."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from modelcheck import pipeline
from modelcheck.conform import mutate as M
from modelcheck.conform.criteria import CRITERIA, criteria_suite
from modelcheck.conform.tracefiles import load_suite
from modelcheck.explore.replay import replay
from traces import suite_dir

from cli.inprocess import modelcheck
from conftest import PAXOS, REPO

LOCK = REPO / "examples" / "lease" / "lock.spec"

GATES = """
spec Gates
const N = 2
var x : 0..N
var y : 0..N
init { x := 0  y := 0 }
action Both { require x < N and y == 0  x := x + 1 }
action Either { require x == N or y == 1  y := 1 }
action Branch {
  if x == 1 { y := 2 } else { require y == 2  x := 0 }
}
"""


def texts(cov, criterion: str, reached: bool = True) -> set[str]:
    return {g.text for g in cov.goals[criterion] if (g in cov.reached) == reached}


def test_guards_are_mcdc_over_and_or_chains_and_boundaries_are_less_equal_greater():
    suite, cov = criteria_suite(pipeline.load_text(GATES), ["guards", "boundaries", "branches"])
    guards = texts(cov, "guards")
    assert "Both: in `x < N and y == 0` (<spec>:7), operand 1 `x < N` decides (false, the ones before it true)" in guards
    assert "Both: in `x < N and y == 0` (<spec>:7), operand 2 `y == 0` decides (false, the ones before it true)" in guards
    assert "Both: in `x < N and y == 0` (<spec>:7), every operand of the and chain true" in guards
    assert "Either: in `x == N or y == 1` (<spec>:8), every operand of the or chain false" in guards
    # y becomes 1 only once x is N, and 2 only while x is 1 (which it then stays): what the
    # exhaustive search never meets is unreachable
    assert texts(cov, "guards", reached=False) == {
        "Either: in `x == N or y == 1` (<spec>:8), operand 2 `y == 1` decides (true, the ones before it false)",
        "Branch: `y == 2` (<spec>:10) true"}
    assert {"Both: `x < N` (<spec>:7) with left greater than right",
            "Branch: `y == 2` (<spec>:10) with left equal to right"} <= texts(cov, "boundaries", reached=False)
    assert "Both: `y == 0` (<spec>:7) with left greater than right" in texts(cov, "boundaries")
    assert texts(cov, "branches") == {"Branch: `if x == 1` (<spec>:10) then branch"}
    assert texts(cov, "branches", reached=False) == {"Branch: `if x == 1` (<spec>:10) else branch"}
    assert cov.complete and cov.covered == cov.reached
    model = pipeline.load_text(GATES).model
    assert all(replay(model, st.trace).ok for st in suite)


def test_lock_messages_by_receiver_state_class_and_refused_steps():
    compiled = pipeline.load(LOCK)
    suite, cov = criteria_suite(compiled, CRITERIA)
    assert texts(cov, "messages") == {"Take receives a grant message at a receiver with role = Idle",
                                      "HandleRelease receives a release message"}   # the server has no role
    assert texts(cov, "messages", reached=False) == {"Take receives a grant message at a receiver with role = Holding"}
    assert "HandleRelease: `m.epoch == epoch` (lock.spec:56) with left less than right" in texts(cov, "boundaries")
    assert cov.covered == cov.reached and cov.states == 135
    refused = [st for st in suite if st.refused]
    assert refused, "a grant to a client that holds the lock: no spec step takes it"
    for st in suite:
        steps = [s for k, s in enumerate(st.trace.steps) if k not in st.refused]
        assert replay(compiled.model, type(st.trace)(tuple(steps))).ok
        if st.refused:
            assert st.refused == (len(st.trace) - 1,) and st.trace.steps[-1].state == st.trace.steps[-2].state
            assert not replay(compiled.model, st.trace).ok      # the refused step is no step of the spec


def test_a_cut_short_exploration_says_not_reached_instead_of_unreachable():
    _, cov = criteria_suite(pipeline.load(LOCK), ["boundaries"], max_states=20)
    assert not cov.complete
    assert any("not reached (exploration cut short at 20 states)" in line for line in cov.lines())
    assert "not_reached" in cov.summary()["boundaries"]


def test_traces_command_with_criteria_writes_the_suite_and_its_goals(tmp_path):
    out = tmp_path / "suite"
    r = modelcheck("traces", PAXOS, "--out", out, "--criteria", "guards,boundaries,branches,messages")
    assert r.returncode == 0, r.out
    assert "guards (each decision true and false, each and/or operand deciding): 10/10 reachable covered" in r.stdout
    assert "branches (each if/either branch taking a step): none in this spec" in r.stdout
    summary = json.loads((out / "coverage.json").read_text())
    assert summary["criteria"] == ["guards", "boundaries", "branches", "messages"]
    assert summary["goals"]["boundaries"] == {"goals": 6, "reachable": 6, "covered": 6, "unreachable": [], "missing": []}
    files = load_suite(out)
    assert any(f.refused for f in files)
    model = pipeline.load(PAXOS).model
    assert all(replay(model, f.spec_steps()).ok for f in files)


@pytest.mark.parametrize("args,message", [
    (["--criteria", "guards,colours"], "--criteria guards,colours: no criterion colours"),
    (["--criteria", ","], "no criterion given"),
    (["--criteria", "guards", "--pairs"], "--criteria LIST goes with --strategy coverage, without --pairs"),
    (["--criteria", "guards", "--strategy", "random"], "--criteria LIST goes with --strategy coverage"),
])
def test_bad_criteria_are_errors(tmp_path, args, message):
    r = modelcheck("traces", PAXOS, "--out", tmp_path / "x", *args)
    assert r.returncode == 2 and message in r.stderr


# ---------------------------------------------------------------- the stale-epoch class of bug

def mutant_of(path: str, module: str, line_text: str, function: str, change: str) -> M.Mutant:
    """The mutant of `path` making `change` on the line holding `line_text` inside `function`."""
    source = (REPO / path).read_text()
    lines = source.splitlines()
    start = next(i for i, t in enumerate(lines, 1) if t.strip().startswith(f"def {function}("))
    line = next(i for i, t in enumerate(lines, 1) if i > start and line_text in t)
    return next(m for m in M.mutants_of(source, path, module) if m.line == line and m.change == change)


def killed_by(mutant: M.Mutant, adapter: str, suite: Path) -> dict:
    files = load_suite(suite)
    verdicts = M.judge_all([mutant], lambda m: (M.install(m), M.judge_here(adapter, files, None, 0, 0, None))[1],
                           timeout=300)
    return verdicts[mutant.number]


def test_a_stale_term_check_inverted_in_raft_is_killed_by_the_criteria_suite_alone(monkeypatch):
    """raft.spec at its default MaxTerm 2 has no stale terms (the criteria say so); at MaxTerm 3
    the criteria suite has a follower refuse an append of a term it has left. The default
    suite of transition classes misses the inverted check."""
    monkeypatch.chdir(REPO)
    mutant = mutant_of("impl/raft/node.py", "impl.raft.node", "if msg.term < self.current_term:", "_step_append",
                       "`<` -> `>`")
    verdict = killed_by(mutant, "impl.adapters.raft:RaftAdapter", suite_dir("raft", "criteria-term3"))
    assert verdict.killed and verdict.how == "replay", verdict
    assert "HandleAppendEntriesRequest" in verdict.detail
    survivor = killed_by(mutant, "impl.adapters.raft:RaftAdapter", suite_dir("raft", "coverage"))
    assert not survivor.killed, survivor


def test_a_stale_ballot_accepted_by_paxos_is_killed_by_the_criteria_suite_alone(monkeypatch):
    """The acceptor's check of an Accept against its promise: inverted, it is killed by both
    suites; deleted (a stale ballot accepted), only the criteria suite's refused step -- an
    Accept of a ballot below the promise delivered anyway -- kills it."""
    monkeypatch.chdir(REPO)
    inverted = mutant_of("impl/paxos/acceptor.py", "impl.paxos.acceptor", "if msg.ballot < self.promised:",
                         "_on_accept", "`<` -> `>`")
    assert killed_by(inverted, "impl.adapters.paxos:PaxosAdapter", suite_dir("paxos", "criteria")).killed
    source = (REPO / "impl/paxos/acceptor.py").read_text()
    deleted = next(m for m in M.mutants_of(source, "impl/paxos/acceptor.py", "impl.paxos.acceptor")
                   if m.line == inverted.line + 1 and m.operator == "deleted")
    verdict = killed_by(deleted, "impl.adapters.paxos:PaxosAdapter", suite_dir("paxos", "criteria"))
    assert verdict.killed and "Phase2b" in verdict.detail, verdict
    assert not killed_by(deleted, "impl.adapters.paxos:PaxosAdapter", suite_dir("paxos", "coverage")).killed


def test_count_caps_the_suite_and_the_goals_left_are_named(tmp_path):
    r = modelcheck("traces", LOCK, "--out", tmp_path / "one", "--criteria", "guards", "--count", "1")
    assert r.returncode == 0, r.out
    assert r.stdout.startswith("Wrote 1 coverage traces of Lock")
    assert "  not covered (guards): " in r.stdout
    summary = json.loads((tmp_path / "one" / "coverage.json").read_text())["goals"]["guards"]
    assert summary["covered"] < summary["reachable"] == 14 and summary["missing"]
