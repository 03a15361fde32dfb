"""Replay: a trace we wrote is accepted; a corrupted one is rejected at the right step, for
the right reason (the guard that failed, or the variable that differs)."""
from __future__ import annotations

import copy
import json

import pytest

from conftest import PAXOS, PAXOS_BUGGY, SPECS, I
from modelcheck import pipeline
from modelcheck.compile.explain import explain_disabled
from modelcheck.explore.replay import replay
from modelcheck.explore.result import Trace
from modelcheck.explore.simulate import simulate
from modelcheck.report.itf import itf_text, itf_to_trace, trace_to_itf
from modelcheck.report.runs import render_replay


@pytest.fixture(scope="module")
def buggy():
    return pipeline.load(PAXOS_BUGGY)


@pytest.fixture(scope="module")
def paxos():
    return pipeline.load(PAXOS)


@pytest.fixture(scope="module")
def written(buggy) -> dict:
    """The Agreement counterexample of paxos_buggy as the ITF document we write."""
    trace = pipeline.check(buggy, ["Agreement"]).violation.trace
    return json.loads(itf_text(trace_to_itf(trace, {"constants": buggy.model.describe_constants()})))


def run(compiled, doc):
    return replay(compiled.model, itf_to_trace(doc), compiled.model.invariant_names,
                  explain=lambda a, s, args: explain_disabled(compiled, a, s, args))


def test_our_trace_is_accepted(buggy, written):
    result = run(buggy, written)
    assert result.ok, result.rejection
    assert len(result.trace) == 13
    assert (12, "Agreement") in result.violations  # the last state breaks it, as the checker said


def test_raft_walk_replays():
    compiled = pipeline.load(SPECS / "raft.spec")
    traces = []
    simulate(compiled.model, [], runs=5, depth=30, seed=3, on_trace=lambda r, t: traces.append(t))
    for t in traces:
        doc = json.loads(itf_text(trace_to_itf(t)))
        result = run(compiled, doc)
        assert result.ok, result.rejection
        assert result.trace.actions == t.actions


def test_a_changed_variable_is_named_at_its_step(buggy, written):
    doc = copy.deepcopy(written)
    entry = doc["states"][5]["maxBal"]["#map"][0]   # state 6 (index 5): maxBal[a1]
    assert entry[0] == "a1"
    old = entry[1]
    entry[1] = I(7)
    r = run(buggy, doc).rejection
    assert r is not None and r.step == 5 and r.reason == "state differs"
    assert [(d.name, d.trace) for d in r.diffs] == [("maxBal", doc["states"][5]["maxBal"])]
    text = render_replay("PaxosBuggy", "t.itf.json", run(buggy, doc), 13)
    assert "step 5 (from state 5 to state 6)" in text
    assert f"maxBal[a1]: the trace has 7, the spec gives {old['#bigint']}" in text


def test_the_failing_pick_condition_is_named(paxos, written):
    # The buggy spec's counterexample against the correct spec: the first vote in a ballot
    # the acceptor promised to skip is not a transition, because of the pick's condition.
    result = run(paxos, written)
    r = result.rejection
    assert r is not None
    assert r.step == 9 and r.action == "Phase2b" and r.reason == "arguments"
    assert len(result.trace) == 9  # the steps before it were accepted
    (why,) = r.why
    assert why.what == "condition" and why.binder == "m"
    assert "m.bal >= maxBal[a]" in why.text and why.where.startswith("paxos.spec:")
    assert why.value == written["states"][9]["mbt::nondetPicks"]["m"]["value"]
    assert "maxBal" in why.reads
    text = render_replay("Paxos", "t.itf.json", result, 13)
    assert "m.bal >= maxBal[a]" in text and "where maxBal = [a1 -> 1" in text


def test_a_failing_require_is_named(buggy, written):
    doc = copy.deepcopy(written)
    state = doc["states"][3]
    state["mbt::actionTaken"] = "Phase2a"   # no quorum has answered yet
    state["mbt::nondetPicks"] = {"b": {"tag": "Some", "value": I(0)}, "v": {"tag": "Some", "value": "v1"}}
    r = run(buggy, doc).rejection
    assert r.step == 3 and r.reason == "not enabled"
    assert [w.what for w in r.why] == ["require"]
    assert r.why[0].text.startswith("require exists Q in Quorums")


def test_a_value_outside_a_parameter_domain_is_named(buggy, written):
    doc = copy.deepcopy(written)
    doc["states"][1]["mbt::nondetPicks"]["b"]["value"] = I(5)
    r = run(buggy, doc).rejection
    assert r.step == 1 and r.reason == "arguments"
    assert [(w.what, w.binder, w.value) for w in r.why] == [("param", "b", I(5))]
    assert r.why[0].text == "b in Ballots"


def test_recorded_arguments_that_do_not_lead_to_the_state(buggy, written):
    doc = copy.deepcopy(written)
    doc["states"][1]["mbt::nondetPicks"]["b"]["value"] = I(1)
    r = run(buggy, doc).rejection
    assert r.step == 1 and r.reason == "arguments"
    assert r.closest == "Phase1a" and r.closest_args == {"b": I(0)}


def test_unknown_action_and_wrong_initial_state(buggy, written):
    doc = copy.deepcopy(written)
    doc["states"][2]["mbt::actionTaken"] = "Prepare"
    r = run(buggy, doc).rejection
    assert r.step == 2 and r.reason == "unknown action" and "Phase1a" in r.message
    doc = copy.deepcopy(written)
    doc["states"][0]["msgs"] = {"#set": [{"type": "1a", "bal": I(0)}]}
    r = run(buggy, doc).rejection
    assert r.step == 0 and r.reason == "initial state" and [d.name for d in r.diffs] == ["msgs"]


def test_variables_must_match(buggy, written):
    doc = copy.deepcopy(written)
    for s in doc["states"]:
        s["ballot"] = s.pop("maxBal")
    doc["vars"] = [v if v != "maxBal" else "ballot" for v in doc["vars"]]
    r = run(buggy, doc).rejection
    assert r.reason == "variables" and "maxBal" in r.message and "ballot" in r.message


def test_a_trace_without_actions_is_checked_against_every_action(buggy, written):
    doc = copy.deepcopy(written)
    for s in doc["states"]:
        del s["mbt::actionTaken"], s["mbt::nondetPicks"]
    doc["vars"] = doc["vars"][:4]
    result = run(buggy, doc)
    assert result.ok
    assert result.trace.actions == [s["mbt::actionTaken"] for s in written["states"][1:]]  # found again
    doc["states"][4]["msgs"]["#set"].pop()
    r = run(buggy, doc).rejection
    assert r.step == 4 and r.reason == "state differs" and r.message == "no action leads to this state"


def test_empty_trace_is_rejected(buggy):
    assert replay(buggy.model, Trace(())).rejection.reason == "no states"


def test_an_argument_the_action_does_not_have(buggy, written):
    doc = copy.deepcopy(written)
    doc["states"][1]["mbt::nondetPicks"]["a"] = {"tag": "Some", "value": "a1"}  # Phase1a(b) has no a
    r = run(buggy, doc).rejection
    assert r.step == 1 and r.reason == "arguments"
    assert [(w.what, w.binder, w.text) for w in r.why] == [("argument", "a", "b")]
