"""Reading and writing history files: every malformed input is a HistoryError naming the
event and what is wrong; unknown fields are ignored; writing and reading again round-trips."""
from __future__ import annotations

import json

import pytest
from hypothesis import given, settings

from modelcheck.history.format import FORMAT, HistoryError, history_document, parse_history

from histories import histories

PUT = {"type": "invoke", "process": 1, "f": "put", "key": "k", "value": 5, "time": 0.1}


def doc(*events, **top) -> str:
    return json.dumps({"format": FORMAT, "events": list(events), **top})


def with_(event: dict, **changes) -> dict:
    out = {**event, **changes}
    return {k: v for k, v in out.items() if v is not DROP}


DROP = object()

MALFORMED = [
    ("not json", "{", "not JSON: line 1"),
    ("not an object", "[1, 2]", "line 1, column 2: expected an operation map like"),
    ("wrong format", json.dumps({"format": "other/2", "events": []}), '"format" must be "modelcheck-history/1"'),
    ("no events", json.dumps({"format": FORMAT}), '"events" must be a list'),
    ("quiet_after not a number", doc(quiet_after="soon"), '"quiet_after" must be a number'),
    ("event not an object", doc(PUT, 7), "event 1: expected an object, got a number"),
    ("missing type", doc(with_(PUT, type=DROP)), 'event 0: missing field "type"'),
    ("unknown type", doc(with_(PUT, type="done")), 'event 0: "type" must be one of invoke, ok, fail, info; got "done"'),
    ("process a string", doc(with_(PUT, process="p1")), 'event 0: "process" must be an integer, got "p1"'),
    ("process a boolean", doc(with_(PUT, process=True)), 'event 0: "process" must be an integer, got true'),
    ("unknown function", doc(with_(PUT, f="delete")), 'event 0: "f" must be one of get, put, cas, append; got "delete"'),
    ("key a number", doc(with_(PUT, key=3)), 'event 0: "key" must be a string, got 3'),
    ("value a float", doc(with_(PUT, value=1.5)), 'event 0: "value" of put must be an integer, a string or null, got 1.5'),
    ("cas value not a pair", doc(with_(PUT, f="cas", value=[1])), "event 0: a cas's \"value\" must be [expected, new]"),
    ("time a string", doc(with_(PUT, time="now")), 'event 0: "time" must be a number'),
    ("node a number", doc(with_(PUT, node=2)), 'event 0: "node" must be a string'),
    ("completion without invoke", doc(with_(PUT, type="ok")),
     "event 0: ok of put by process 1, which has no operation outstanding"),
    ("two outstanding", doc(PUT, with_(PUT, f="get", value=None)),
     "event 1: process 1 invokes get while its put (invoked at event 0) has not completed"),
    ("completion of another op", doc(PUT, with_(PUT, type="ok", key="other")),
     "event 1: ok of put 'other' by process 1 does not match its invocation at event 0 (put 'k')"),
    ("completion changes the value", doc(PUT, with_(PUT, type="ok", value=6)),
     "event 1: ok of put by process 1 has value 6, its invocation at event 0 has 5"),
    ("read value not a value", doc(with_(PUT, f="get", value=None), with_(PUT, type="ok", f="get", value=[5])),
     'event 1: "value" of get must be an integer, a string or null, got [5]'),
    ("append of a number", doc(with_(PUT, f="append")), 'event 0: "value" of append must be the string it appends, got 5'),
    ("append without a string initial", doc(with_(PUT, f="append", value="x")),
     "event 0: append on key 'k' needs every key to start as a string"),
    ("operation after info", doc(PUT, with_(PUT, type="info"), PUT),
     "event 2: process 1 got an unknown outcome (info) at event 1 and cannot issue more operations"),
]


@pytest.mark.parametrize("text, message", [c[1:] for c in MALFORMED], ids=[c[0] for c in MALFORMED])
def test_malformed_input_is_a_clear_error(text, message):
    with pytest.raises(HistoryError) as e:
        parse_history(text)
    assert message in str(e.value)


def test_unknown_fields_are_ignored():
    history = parse_history(doc(with_(PUT, trace_id="abc", extra=[1]), with_(PUT, type="ok"), generator="cluster"))
    assert [op.describe() for op in history.ops] == ["put k 5"]


def test_pairing():
    history = parse_history(doc(
        PUT,
        with_(PUT, process=2, f="get", value=None),
        with_(PUT, type="ok"),
        with_(PUT, process=3, type="info", key="j", value=7),  # an info on its own: invoked and given up
        with_(PUT, process=2, type="ok", f="get", value=5, node="n1"),
        with_(PUT, process=4, f="cas", value=[5, 6]),  # never completes
    ))
    assert [(op.process, op.describe(), op.invoke, op.complete) for op in history.ops] == [
        (1, "put k 5", 0, 2), (2, "get k -> 5", 1, 4), (3, "put j 7 (info)", 3, 3), (4, "cas k 5->6 (info)", 5, None)]
    assert history.ops[1].node == "n1" and history.keys == ("j", "k")


@settings(max_examples=200, deadline=None)
@given(histories())
def test_write_then_read_gives_the_same_operations(history):
    again = parse_history(json.dumps(history_document(history.ops)))
    assert [(op.process, op.describe(), op.status) for op in again.ops] == \
           [(op.process, op.describe(), op.status) for op in history.ops]
