"""ITF traces: what we write follows the format (and Quint's model-based-testing fields), and
writing then reading gives the trace back, for Paxos and Raft counterexamples."""
from __future__ import annotations

import json

import pytest

from conftest import PAXOS_BUGGY, SPECS, I, M, S, T
from modelcheck import pipeline
from modelcheck.explore.result import Trace, TraceStep
from modelcheck.explore.simulate import simulate
from modelcheck.itfvalue import canonical, order_key
from modelcheck.report.itf import ItfError, itf_text, itf_to_expression, itf_to_trace, trace_to_itf
from modelcheck.values import ModelValue

RAFT = SPECS / "raft.spec"


@pytest.fixture(scope="module")
def paxos_trace() -> Trace:
    result = pipeline.check(pipeline.load(PAXOS_BUGGY), ["Agreement"])
    return result.violation.trace


@pytest.fixture(scope="module")
def raft_trace() -> Trace:
    """The longest of 20 random walks of Raft: bags of messages, nested maps, sequences of records."""
    compiled = pipeline.load(RAFT)
    traces = []
    simulate(compiled.model, [], runs=20, depth=40, seed=1, on_trace=lambda run, t: traces.append(t))
    longest = max(traces, key=len)
    assert len(longest) > 20
    return longest


def canonical_trace(trace: Trace) -> Trace:
    return Trace(tuple(TraceStep(s.action, {k: canonical(v) for k, v in s.args.items()},
                                 {k: canonical(v) for k, v in s.state.items()}) for s in trace.steps))


def deep_types(v):
    """The value with every string replaced by its type: round trips must keep ModelValue apart from str."""
    if isinstance(v, str):
        return type(v).__name__
    if isinstance(v, list):
        return [deep_types(x) for x in v]
    if isinstance(v, dict):
        return {k: deep_types(x) for k, x in v.items()}
    return v


@pytest.mark.parametrize("which", ["paxos_trace", "raft_trace"])
def test_round_trip_through_json_text(which, request):
    trace = request.getfixturevalue(which)
    itf = trace_to_itf(trace, {"source": "x.spec"})
    back = itf_to_trace(json.loads(itf_text(itf)))  # through the file format, not just the dict
    assert back == canonical_trace(trace)
    assert [deep_types(s.state) for s in back.steps] == [deep_types(canonical(s.state)) for s in trace.steps]
    assert trace_to_itf(back, {"source": "x.spec"}) == itf  # and writing it again gives the same document


def test_format_follows_itf_and_quint_mbt(paxos_trace):
    itf = trace_to_itf(paxos_trace, {"source": "specs/paxos_buggy.spec"})
    assert set(itf) == {"#meta", "params", "vars", "states"}
    assert itf["#meta"]["format"] == "ITF"
    assert itf["#meta"]["source"] == "specs/paxos_buggy.spec"
    assert itf["params"] == []
    assert itf["vars"] == ["maxBal", "maxVBal", "maxVal", "msgs", "mbt::actionTaken", "mbt::nondetPicks"]
    assert len(itf["states"]) == len(paxos_trace) == 13
    first, fourth = itf["states"][0], itf["states"][3]
    assert first["#meta"] == {"index": 0}
    assert first["mbt::actionTaken"] == "init"
    assert first["maxBal"] == M(["a1", I(-1)], ["a2", I(-1)], ["a3", I(-1)])
    assert first["msgs"] == S()
    none = {"tag": "None", "value": T()}
    assert first["mbt::nondetPicks"] == {"a": none, "b": none, "m": none, "v": none}
    assert fourth["#meta"] == {"index": 3}
    assert fourth["mbt::actionTaken"] == "Phase1b"
    picks = fourth["mbt::nondetPicks"]
    assert picks["a"] == {"tag": "Some", "value": "a1"}
    assert picks["m"]["tag"] == "Some" and picks["m"]["value"]["type"] == "1a"
    assert picks["b"] == none and picks["v"] == none
    assert all(set(s) == set(itf["vars"]) | {"#meta"} for s in itf["states"])


def test_ints_are_always_bigints_and_sets_are_canonically_ordered(raft_trace):
    text = itf_text(trace_to_itf(raft_trace))
    doc = json.loads(text)

    def walk(v):
        assert not isinstance(v, (int, float)) or isinstance(v, bool), f"bare number {v!r}"
        if isinstance(v, list):
            for x in v:
                walk(x)
        elif isinstance(v, dict):
            if "#set" in v:
                keys = [order_key(x) for x in v["#set"]]
                assert keys == sorted(keys) and len(set(keys)) == len(keys)
            if "#map" in v:
                keys = [order_key(k) for k, _ in v["#map"]]
                assert keys == sorted(keys)
            for k, x in v.items():
                if k != "#meta":
                    walk(x)
    for state in doc["states"]:
        walk({k: x for k, x in state.items() if k != "#meta"})
    assert '"#bigint"' in text and '"#map"' in text and '"#set"' in text


def test_canonical_order_is_by_value_not_by_spelling():
    # other tools may write elements in any order and small ints as plain numbers
    a = {"#set": [{"#bigint": "10"}, 2, {"#bigint": "-1"}]}
    assert canonical(a) == S(I(-1), I(2), I(10))
    m = {"#map": [["b", 1], ["a", {"#bigint": "2"}]]}
    assert canonical(m) == M(["a", I(2)], ["b", I(1)])
    assert canonical({"#set": [1, {"#bigint": "1"}]}) == S(I(1))  # duplicates collapse


def test_reading_a_quint_style_trace():
    doc = {"#meta": {"format": "ITF", "source": "bank.qnt"},
           "vars": ["balances", "mbt::actionTaken", "mbt::nondetPicks", "mbt::actionTaken"],
           "states": [
               {"#meta": {"index": 0}, "balances": {"#map": [["bob", 0], ["alice", {"#bigint": "0"}]]},
                "mbt::actionTaken": "init",
                "mbt::nondetPicks": {"amount": {"tag": "None", "value": {"#tup": []}}}},
               {"#meta": {"index": 1}, "balances": {"#map": [["alice", {"#bigint": "5"}], ["bob", 0]]},
                "mbt::actionTaken": "deposit",
                "mbt::nondetPicks": {"amount": {"tag": "Some", "value": {"#bigint": "5"}}}}]}
    trace = itf_to_trace(doc)
    assert trace.actions == ["deposit"]
    assert trace.steps[0].action is None and trace.steps[0].args == {}
    assert trace.steps[1].args == {"amount": I(5)}
    assert trace.steps[1].state == {"balances": M(["alice", I(5)], ["bob", I(0)])}


def test_reading_an_apalache_style_trace_without_actions():
    doc = {"vars": ["x"], "states": [{"#meta": {"index": 0}, "x": 1}, {"x": {"#bigint": "2"}}]}
    trace = itf_to_trace(doc)
    assert [s.action for s in trace.steps] == [None, ""]  # "": unknown, replay tries every action
    assert trace.steps[1].state == {"x": I(2)}


def test_model_values_are_restored_from_meta(paxos_trace):
    back = itf_to_trace(json.loads(itf_text(trace_to_itf(paxos_trace))))
    value = back.steps[0].state["maxVal"]["#map"][0]
    assert isinstance(value[0], ModelValue) and isinstance(value[1], ModelValue)
    assert not isinstance(back.steps[1].state["msgs"]["#set"][0]["type"], ModelValue)  # "1a" is a string


@pytest.mark.parametrize("doc, message", [
    ([], "expected a JSON object"),
    ({"vars": ["x"]}, "list 'states'"),
    ({"vars": ["x"], "states": [{"y": 1}]}, "no value for variable x"),
    ({"vars": ["x"], "states": [{"x": 1.5}]}, "not an integer"),
    ({"vars": ["x"], "states": [{"x": {"#bigint": "ten"}}]}, "bad #bigint"),
    ({"vars": ["x"], "states": [{"x": {"#map": [[1]]}}]}, "[key, value] pairs"),
    ({"vars": ["x"], "states": [{"x": 1, "mbt::actionTaken": 3}]}, "must be a string"),
    ({"vars": ["x"], "states": [{"x": 1, "mbt::actionTaken": "A", "mbt::nondetPicks": {"p": 3}}]}, "Some"),
])
def test_what_is_not_itf_is_rejected_with_a_reason(doc, message):
    with pytest.raises(ItfError, match=message.replace("[", r"\[").replace("]", r"\]")):
        itf_to_trace(doc)


def test_constants_become_spec_expressions():
    assert itf_to_expression(S(ModelValue("a1"), ModelValue("a2"))) == "{a1, a2}"
    assert itf_to_expression(S(I(0), I(1))) == "{0, 1}"
    assert itf_to_expression({"k": "x", "n": I(3), "t": T(True, [I(1)])}) == '{k: "x", n: 3, t: <<true, <<1>> >>}'
    expr = itf_to_expression(M([ModelValue("a"), I(1)]))
    assert expr == "put([x in {} -> 0], a, 1)"
    from conftest import evaluate
    assert evaluate(expr, "const P = {a}") == M(["a", I(1)])
