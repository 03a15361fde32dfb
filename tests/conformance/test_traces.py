"""Trace suites from a spec: coverage and random strategies, the files, the command, and the
stored suites in traces/ (each stored trace must still be a behaviour of its spec)."""
from __future__ import annotations

import json

import pytest

from modelcheck import pipeline
from modelcheck.conform.tracefiles import load_suite
from modelcheck.conform.tracegen import classes_of_trace, coverage_suite, measure, random_suite
from modelcheck.explore.replay import replay
from traces import suite_dir

from cli.inprocess import modelcheck
from conftest import PAXOS, SPECS

RAFT = SPECS / "raft.spec"

COUNTER = """
spec Counter
const N = 3
var x : 0..N
var y : 0..1
init { x := 0  y := 0 }
action Inc { require x < N  x := x + 1 }
action Flip { y := 1 - y }
action Reset { require x == N  x := 0  y := 0 }
action Never { require x > N  x := 0 }
"""


@pytest.fixture(scope="module")
def paxos():
    return pipeline.load(PAXOS).model


def test_coverage_suite_takes_every_reachable_class_and_pair():
    model = pipeline.load_text(COUNTER).model
    suite, cov = coverage_suite(model, pairs=True)
    names = {(a, tuple(sorted(vs))) for a, vs in cov.reachable}
    assert names == {("Inc", ("x",)), ("Flip", ("y",)), ("Reset", ("x",)), ("Reset", ("x", "y"))}
    assert cov.covered == cov.reachable and cov.covered_pairs == cov.reachable_pairs
    assert cov.actions_missing == ["Never"]          # never enabled, not even beyond the constraint
    taken = {c for st in suite for c in classes_of_trace(st.trace)}
    assert taken == cov.reachable
    for st in suite:
        assert replay(model, st.trace).ok


def test_paxos_coverage_is_complete_and_every_trace_is_a_behaviour(paxos):
    suite, cov = coverage_suite(paxos, pairs=True)
    s = cov.summary()
    assert s["actions_covered"] == 4 and s["transition_classes_covered"] == s["transition_classes_reachable"] == 7
    assert s["class_pairs_covered"] == s["class_pairs_reachable"] == 39
    assert all(replay(paxos, st.trace).ok for st in suite)


def test_random_suite_is_reproducible_per_seed(paxos):
    a = [st.trace for st in random_suite(paxos, 5, 20, seed=3)]
    b = [st.trace for st in random_suite(paxos, 5, 20, seed=3)]
    c = [st.trace for st in random_suite(paxos, 5, 20, seed=4)]
    assert a == b and a != c
    assert all(replay(paxos, t).ok for t in a)
    assert measure(paxos, a).actions_covered


def test_traces_command_writes_itf_files_and_reports_coverage(tmp_path):
    out = tmp_path / "suite"
    r = modelcheck("traces", PAXOS, "--out", out, "--strategy", "coverage")
    assert r.returncode == 0, r.stderr
    assert "transition classes (action, changed variables) covered: 7/7" in r.stdout
    files = sorted(out.glob("coverage-*.itf.json"))
    assert files and json.loads((out / "coverage.json").read_text())["traces"] == len(files)
    loaded = load_suite(out)
    assert loaded[0].meta["strategy"] == "coverage" and loaded[0].constants["Ballots"] == {"#set": [
        {"#bigint": "0"}, {"#bigint": "1"}]}
    r = modelcheck("traces", PAXOS, "--out", out, "--strategy", "random", "--count", "3", "--depth", "5")
    assert r.returncode == 0, r.stderr
    assert len(list(out.glob("random-*.itf.json"))) == 3
    assert len(list(out.glob("coverage-*.itf.json"))) == len(files)   # the other suite is kept


STORED = [("paxos", "coverage", PAXOS), ("paxos", "random", PAXOS), ("paxos", "criteria", PAXOS),
          ("raft", "coverage", RAFT), ("raft", "random", RAFT), ("raft", "criteria", RAFT),
          ("raft", "criteria-term3", RAFT)]


@pytest.mark.parametrize("name,strategy,spec", STORED, ids=[f"{n}-{s}" for n, s, _ in STORED])
def test_stored_suites_are_behaviours_of_their_specs(name, strategy, spec):
    """Fails when a spec changes under its suite: run `python -m traces.regenerate`."""
    files = load_suite(suite_dir(name, strategy))
    assert files
    model = pipeline.load(spec, files[0].const_overrides()).model
    for f in files:
        result = replay(model, f.spec_steps())
        assert result.ok, f"{f.path.name}: {result.rejection}"


def test_stored_coverage_summaries_are_complete():
    for name in ("paxos", "raft"):
        summary = json.loads((suite_dir(name, "coverage") / "coverage.json").read_text())["coverage"]
        assert summary["actions_covered"] == summary["actions"]
        assert summary["transition_classes_covered"] == summary["transition_classes_reachable"]


def test_target_strategy_writes_a_shortest_trace_to_the_scenario(tmp_path):
    out = tmp_path / "scen"
    r = modelcheck("traces", PAXOS, "--out", out, "--strategy", "target", "--name", "vote",
                "--target", 'exists m in msgs: m.type == "2b"')
    assert r.returncode == 0, r.stderr
    (f,) = load_suite(out)
    assert f.name == "vote-0001" and f.meta["strategy"] == "target" and f.meta["target"]
    assert f.trace.actions == ["Phase1a", "Phase1b", "Phase1b", "Phase2a", "Phase2b"]   # the shortest way
    r = modelcheck("traces", PAXOS, "--out", out, "--strategy", "target", "--name", "vote",
                "--target", 'exists m in msgs: m.type == "2b"', "--then", "Phase2b")
    assert r.returncode == 0 and len(load_suite(out)) == 3   # one more vote: by a1, a2 or a3 (a repeat)
    r = modelcheck("traces", PAXOS, "--out", out, "--strategy", "target", "--target", "size(msgs) > 100")
    assert r.returncode == 1 and "nothing written" in r.stdout
    r = modelcheck("traces", PAXOS, "--out", out, "--target", "true")
    assert r.returncode == 2


def test_stored_criteria_summaries_meet_every_reachable_goal():
    for name, strategy in (("paxos", "criteria"), ("raft", "criteria"), ("raft", "criteria-term3")):
        summary = json.loads((suite_dir(name, strategy) / "coverage.json").read_text())
        assert summary["criteria"] == ["classes", "guards", "boundaries", "branches", "messages"]
        for criterion, goals in summary["goals"].items():
            assert goals["covered"] == goals["reachable"] and not goals["missing"], (strategy, criterion)
