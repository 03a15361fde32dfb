"""Transactional consistency (modelcheck/history/txn): hand-made histories with each known
anomaly, the models each rules out and those it does not, and properties of histories from
a simulated store that applies each transaction atomically."""
from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modelcheck.history.format import HistoryError
from modelcheck.history.result import Verdict
from modelcheck.history.txn import MODELS
from modelcheck.history.txn.check import check
from modelcheck.history.txn.format import parse_txn_history, txn_history_from_document

from txn_histories import concurrent, document, edn, serial, timed, txn

ALL = set(MODELS)
COMMITTED = ALL - {"read-uncommitted"}
SNAPSHOT_AND_UP = {"snapshot-isolation", "serializable", "strong-session-snapshot-isolation",
                   "strong-session-serializable", "strict-serializable"}
SERIALIZABLE_AND_UP = {"serializable", "strong-session-serializable", "strict-serializable"}
ITEM_CYCLES = {"repeatable-read"} | SNAPSHOT_AND_UP  # G-single and G-nonadjacent
SKEW = {"repeatable-read"} | SERIALIZABLE_AND_UP  # G2-item

# (name, events, the anomaly, the models it rules out)
CASES = [
    ("G0 list-append", concurrent(txn("a x 1", "a y 2"), txn("a x 2", "a y 1"), txn("r x [1 2]", "r y [1 2]")),
     "G0", ALL),
    ("G1a list-append", concurrent(txn("a x 1", status="fail"), txn("r x [1]")), "G1a", COMMITTED),
    ("G1b list-append", concurrent(txn("a x 1", "a x 2"), txn("r x [1]")), "G1b", COMMITTED),
    ("G1c list-append", concurrent(txn("a x 1", "r y [1]"), txn("a y 1", "r x [1]")), "G1c", COMMITTED),
    ("G-single list-append", concurrent(txn("a x 1", "a y 1"), txn("r x []", "r y [1]"), txn("r x [1]")),
     "G-single", ITEM_CYCLES),
    ("G-nonadjacent list-append", concurrent(txn("a x 1"), txn("r x [1]", "r y []"), txn("a y 1"),
                                             txn("r y [1]", "r x []")), "G-nonadjacent", ITEM_CYCLES),
    ("G2-item list-append", concurrent(txn("r x []", "a y 1"), txn("r y []", "a x 1"), txn("r x [1]", "r y [1]")),
     "G2-item", SKEW),
    ("lost update list-append", concurrent(txn("r x []", "a x 1"), txn("r x []", "a x 2"), txn("r x [1 2]")),
     "lost-update", ITEM_CYCLES),
    ("internal list-append", concurrent(txn("a x 1", "r x []")), "internal", SNAPSHOT_AND_UP | SERIALIZABLE_AND_UP),
    ("incompatible order", concurrent(txn("a x 1"), txn("a x 2"), txn("r x [1 2]"), txn("r x [2 1]")),
     "incompatible-order", COMMITTED),
    ("duplicate elements", concurrent(txn("a x 1"), txn("r x [1 1]")), "duplicate-elements", ALL),
    ("garbage list-append", concurrent(txn("r x [7]")), "garbage-read", ALL),
    ("G-single-realtime", timed((0, 1, txn("a x 1")), (2, 3, txn("r x []"))), "G-single-realtime",
     {"strict-serializable"}),
    ("G-single-process", timed((0, 1, txn("a x 1", process=0)), (2, 3, txn("r x []", process=0))),
     "G-single-process", {"strong-session-snapshot-isolation", "strong-session-serializable", "strict-serializable"}),
    ("G1a register", concurrent(txn("w x 1", status="fail"), txn("r x 1")), "G1a", COMMITTED),
    ("G1b register", concurrent(txn("w x 1", "w x 2"), txn("r x 1")), "G1b", COMMITTED),
    ("G1c register", concurrent(txn("w x 1", "r y 1"), txn("w y 1", "r x 1")), "G1c", COMMITTED),
    ("G-single register", concurrent(txn("w x 1", "w y 1"), txn("r x nil", "r y 1")), "G-single", ITEM_CYCLES),
    ("lost update register", concurrent(txn("r x nil", "w x 1"), txn("r x nil", "w x 2")), "lost-update",
     ITEM_CYCLES),
    ("G2-item register", concurrent(txn("r x nil", "w y 1"), txn("r y nil", "w x 1")), "G2-item", SKEW),
    ("internal register", concurrent(txn("w x 1", "r x 2"), txn("w x 2")), "internal",
     SNAPSHOT_AND_UP | SERIALIZABLE_AND_UP),
    ("cyclic versions", concurrent(txn("r x 1", "w x 2"), txn("r x 2", "w x 3"), txn("r x 3", "w x 1")),
     "cyclic-versions", ALL),
    ("garbage register", concurrent(txn("r x 7")), "garbage-read", ALL),
]


def history(events):
    return txn_history_from_document(document(events))


@pytest.mark.parametrize("name, events, anomaly, ruled_out", CASES, ids=[c[0] for c in CASES])
def test_each_anomaly_rules_out_its_models_and_no_others(name, events, anomaly, ruled_out):
    h = history(events)
    for model in MODELS:
        result = check(h, model)
        if model in ruled_out:
            assert result.verdict is Verdict.INVALID, model
            # strict serializability orders a process's transactions by real time
            expected = anomaly.replace("-process", "-realtime") if model == "strict-serializable" else anomaly
            assert expected in {a.name for a in result.anomalies}, (model, result.anomalies)
        else:
            assert result.verdict is Verdict.VALID, (model, result.anomalies)


def test_transactions_one_after_another_that_see_each_other_are_valid_under_every_model():
    h = history(serial(txn("a x 1"), txn("r x [1]", "a x 2", "r y []"), txn("r x [1 2]", "a y 3"),
                       txn("r y [3]", "r x [1 2]")))
    assert {m: check(h, m).verdict for m in MODELS} == {m: Verdict.VALID for m in MODELS}


def test_a_cycle_names_each_edge_with_its_key_and_value():
    result = check(history(CASES[4][1]), "serializable")  # G-single
    (anomaly,) = result.anomalies
    assert [(s.src.id, s.kind, s.dst.id, s.key, s.value) for s in anomaly.steps] == [
        (1, "rw", 0, "x", 1), (0, "wr", 1, "y", 1)]
    assert anomaly.steps[0].text == "T1 read x = [], and T0 appended 1, the next element"
    assert anomaly.steps[1].text == "T1 read y = [1], whose last element 1 T0 appended"


def test_the_realtime_cycle_says_which_events_order_it():
    result = check(history(timed((0, 1, txn("a x 1")), (2, 3, txn("r x []")))), "strict-serializable")
    kinds = {s.kind: s.text for s in result.anomalies[0].steps}
    assert kinds["realtime"] == "T0 completed (event 1) before T1 was invoked (event 2)"


def test_anomalies_a_model_allows_are_reported_apart():
    result = check(history(CASES[6][1]), "snapshot-isolation")  # G2-item: write skew is allowed
    assert result.verdict is Verdict.VALID and not result.anomalies
    assert check(history(CASES[1][1]), "read-uncommitted").allowed[0].name == "G1a"


def test_an_info_transaction_may_have_committed_but_a_failed_one_did_not():
    info = concurrent(txn("a x 1", status="info"), txn("r x [1]"))
    assert check(history(info), "strict-serializable").verdict is Verdict.VALID
    unseen_info = timed((0, 1, txn("a x 1", status="info")), (2, 3, txn("r x []")))
    assert check(history(unseen_info), "strict-serializable").verdict is Verdict.VALID


def test_elle_edn_reads_as_the_json_does():
    events = CASES[6][1]  # G2-item
    from_edn = parse_txn_history(edn(events), "h.edn")
    assert [t.describe() for t in from_edn.txns] == [t.describe() for t in history(events).txns]
    assert check(from_edn, "serializable").anomalies[0].name == "G2-item"


def test_an_elle_history_with_nemesis_events_and_comments():
    text = """; T0 and T1 each miss the other's append: write skew
{:type :invoke, :f :txn, :value [[:r :x nil] [:append :y 1]], :process 0, :time 10}
{:type :invoke, :f :start-partition, :value nil, :process :nemesis}
{:type :invoke, :f :txn, :value [[:r :y nil] [:append :x 1]], :process 1, :time 20}
{:type :ok, :f :txn, :value [[:r :x nil] [:append :y 1]], :process 0, :time 30}
{:type :ok, :f :txn, :value [[:r :y []] [:append :x 1]], :process 1, :time 40}
{:type :invoke, :f :txn, :value [[:r :x nil] [:r :y nil]], :process 2, :time 50}
{:type :ok, :f :txn, :value [[:r :x [1]] [:r :y [1]]], :process 2, :time 60}
"""
    h = parse_txn_history(text)
    assert len(h.txns) == 3 and h.txns[0].invoke_time == 10e-9
    assert check(h, "snapshot-isolation").verdict is Verdict.VALID
    assert check(h, "serializable").anomalies[0].name == "G2-item"


@pytest.mark.parametrize("events, message", [
    ([{"type": "invoke", "process": 0, "f": "txn", "value": [["append", "x", 1], ["w", "y", 2]]}],
     "mixes list-append"),
    (concurrent(txn("a x 1"), txn("a x 1")), "already wrote to x"),
    ([{"type": "invoke", "process": 0, "f": "txn", "value": [["r", "x", [1]]]}],
     "event 0: micro-operation 0 [\"r\", \"x\", [1]]: a read's value must be null in an invoke event"),
    ([{"type": "invoke", "process": 0, "f": "txn", "value": [["append", "x", 1]]},
      {"type": "ok", "process": 0, "f": "txn", "value": [["append", "x", 2]]}],
     "event 1: micro-operation 0 (append x 2) does not match its invocation at event 0 (append x 1)"),
    ([{"type": "invoke", "process": 0, "f": "get", "value": []}], "\"f\" must be \"txn\""),
    ([{"type": "invoke", "process": 0, "f": "txn", "value": [["put", "x", 1]]}], "must be \"append\", \"r\" or \"w\""),
])
def test_malformed_histories_are_named_errors(events, message):
    with pytest.raises(HistoryError, match=None) as e:
        history(events)
    assert message in str(e.value)


def test_an_edn_error_names_line_and_column():
    text = '{:type :invoke, :f :txn, :value [[:append :x 1]], :process 0}\n{:type :ok, :f :txn, :value [[:append :x 2]], :process 0}\n'
    with pytest.raises(HistoryError) as e:
        parse_txn_history(text)
    assert str(e.value).startswith("line 2, column 1: micro-operation 0 (append x 2) does not match its invocation "
                                   "at line 1, column 1")
    with pytest.raises(HistoryError, match="would both be called x"):
        parse_txn_history('{:type :invoke, :f :txn, :value [[:append :x 1] [:append "x" 2]], :process 0}\n')


# ---------------------------------------------------------------- a simulated store

def simulate(seed: int, n: int, keys: int, atomic_order: list[int] | None = None, register: bool = False) -> list[dict]:
    """n transactions by 4 processes, each applied atomically at a moment between its
    invocation and completion (or, with `atomic_order`, in that order regardless of time,
    while the history shows them one after the other)."""
    rng = random.Random(seed)
    state: dict[str, list[int] | int | None] = {}
    specs, counter = [], iter(range(1, 10 ** 6))
    for _ in range(n):
        ops = []
        for _ in range(rng.randint(1, 4)):
            key = f"k{rng.randrange(keys)}"
            write = rng.random() < 0.5
            ops.append(("w" if register else "append", key, next(counter)) if write else ("r", key, None))
        specs.append(ops)
    status = [rng.choice(["ok"] * 8 + ["info", "fail"]) for _ in range(n)]

    def apply(i: int) -> list:
        done = []
        for f, key, v in specs[i]:
            if f == "r":
                current = state.get(key)
                done.append([f, key, list(current or []) if not register else current])
            elif register:
                state[key] = v
                done.append([f, key, v])
            else:
                state.setdefault(key, []).append(v)
                done.append([f, key, v])
        return done

    if atomic_order is not None:
        results = {i: apply(i) for i in atomic_order}
        placed = [(2 * i, 2 * i + 1, i) for i in range(n)]
    else:
        placed = []
        process_free = [0.0] * 4
        for i in range(n):
            p = i % 4
            start = process_free[p] + rng.random()
            end = start + rng.random() * 3
            process_free[p] = end
            placed.append((start, end, i))
        moments = sorted((rng.uniform(s, e), i) for s, e, i in placed)
        results = {}
        for _, i in moments:
            if status[i] == "ok" or (status[i] == "info" and rng.random() < 0.5):
                results[i] = apply(i)
    stamped = []
    for start, end, i in placed:
        kind = status[i] if atomic_order is None else "ok"
        p = 100 + i if kind == "info" else i % 4  # an info retires its process: fresh ids
        invoked = [[f, k, None if f == "r" else v] for f, k, v in specs[i]]
        stamped.append((start, {"type": "invoke", "process": p, "f": "txn", "value": invoked}))
        done = results[i] if kind == "ok" else invoked
        stamped.append((end, {"type": kind, "process": p, "f": "txn", "value": done}))
    return [e for _, e in sorted(stamped, key=lambda s: s[0])]


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10 ** 6), n=st.integers(1, 40), keys=st.integers(1, 4), register=st.booleans())
def test_a_store_that_applies_transactions_atomically_is_strict_serializable(seed, n, keys, register):
    h = history(simulate(seed, n, keys, register=register))
    for model in MODELS:
        result = check(h, model)
        assert result.verdict is Verdict.VALID, (model, result.anomalies)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10 ** 6), n=st.integers(2, 30), keys=st.integers(1, 3), data=st.data())
def test_applied_in_another_order_than_real_time_only_strict_serializability_fails(seed, n, keys, data):
    order = data.draw(st.permutations(range(n)))
    h = history(simulate(seed, n, keys, atomic_order=list(order)))
    assert check(h, "serializable").verdict is Verdict.VALID
    strict = check(h, "strict-serializable")
    assert all(a.name.endswith("-realtime") for a in strict.anomalies)
    if list(order) == list(range(n)):
        assert strict.verdict is Verdict.VALID



# Values that are right in some field and wrong in others, for the reader's property test.
ANYTHING = st.sampled_from([None, 0, 1, -5, 2 ** 70, 1.5, float("inf"), True, "x", "", "txn", "ok", "invoke",
                            "info", "fail", "r", "w", "append", "put", [], [1, 2], [1, "a"], [True], {}])


@st.composite
def raw_events(draw) -> dict:
    """An event in which each field, and each part of a micro-operation, is usually right
    but may be anything or (a field) missing."""
    def field(right):
        return right if draw(st.integers(0, 5)) else draw(ANYTHING)

    kind = field(draw(st.sampled_from(["invoke", "ok", "fail", "info"])))
    write = draw(st.sampled_from(["append", "w"]))  # one kind of history
    ops = []
    for i in range(draw(st.integers(0, 3))):
        f = draw(st.sampled_from([write, "r"]))
        right = (i if f != "r" else None if kind != "ok" or draw(st.booleans())
                 else draw(st.lists(st.integers(0, 9), max_size=3) if write == "append" else st.integers(0, 9)))
        op = [field(f), field(draw(st.sampled_from(["x", 3]))), field(right)]
        ops.append(op if draw(st.integers(0, 5)) else draw(st.one_of(st.sampled_from([op[:2], op + [1]]), ANYTHING)))
    event = {"type": kind, "process": field(0), "f": field("txn"), "value": field(ops),
             "time": field(draw(st.one_of(st.none(), st.floats(allow_nan=True))))}
    return {k: v for k, v in event.items() if draw(st.integers(0, 19))}


def _valid(event: dict) -> bool:
    """The format's rules for one event (docs/history.md), written out independently."""
    def integer(x):
        return type(x) is int

    def op_ok(op):
        if type(op) is not list or len(op) != 3 or type(op[1]) not in (str, int):
            return False
        f, _, v = op
        if f in ("append", "w"):
            return integer(v)
        return f == "r" and (v is None or event["type"] == "ok" and
                             (integer(v) or type(v) is list and all(map(integer, v))))

    def one_history(ops):  # one kind, and each value written to a key once
        shapes = {"list" if f == "append" or type(v) is list else "int" for f, _, v in ops if f != "r" or v is not None}
        writes = [(k, v) for f, k, v in ops if f != "r"]
        return len(shapes) < 2 and len(set(writes)) == len(writes)

    time = event.get("time")
    return (all(k in event for k in ("type", "process", "f", "value")) and event["type"] in ("invoke", "ok", "fail", "info")
            and integer(event["process"]) and event["f"] == "txn" and type(event["value"]) is list
            and (time is None or type(time) in (int, float) and abs(time) != float("inf") and time == time)
            and all(map(op_ok, event["value"])) and one_history(event["value"]))


@settings(max_examples=300, deadline=None)
@given(raw_events())
def test_an_event_is_read_iff_it_follows_the_rules_and_else_named(event):
    """The reader validates each event in one quick pass and explains a refusal in a second:
    both must agree with the rules, on events with any field wrong or missing."""
    if _valid(event):
        invocation = {**event, "type": "invoke", "value": [[f, k, None if f == "r" else v] for f, k, v in event["value"]]}
        history([event] if event["type"] in ("invoke", "info") else [invocation, event])
    else:
        with pytest.raises(HistoryError, match="event 0"):
            history([event])
