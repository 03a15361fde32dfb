"""Small random histories for property tests, and brute-force checkers to compare with.

The brute-force checkers share nothing with modelcheck/history but the Op type: they try
every order (all keys together, no caching, no pruning of operations) and are only
usable on a handful of operations.
"""
from __future__ import annotations

from hypothesis import strategies as st

from modelcheck.history.format import FORMAT, History, Op, history_from_document

VALUES = (None, 1, 2)


STRINGS = ("", "a", "b", "ab", "ba", "aa")  # what appends of a and b to "" make, and more


def histories(max_processes: int = 3, max_ops: int = 8):
    """The kinds of _histories: values from a small domain, or every write's value new, or
    strings with appends (every key starting as ""); and an initial value other than null."""
    return st.one_of(_histories(max_processes, max_ops, False), _histories(max_processes, max_ops, True),
                     _histories(max_processes, max_ops, False, strings=True),
                     _histories(max_processes, max_ops, False, initial=1))


@st.composite
def _histories(draw, max_processes: int, max_ops: int, unique: bool, strings: bool = False,
               initial=None) -> History:
    """Up to max_processes concurrent clients, up to max_ops operations on keys a and b,
    with results drawn at random (so both verdicts are common), and some failed and
    unknown-outcome (info) operations. Values come from a small domain, or (unique) each
    write writes a new one and reads and cas expect one written to the key before or null,
    which is what the saturation of sequential consistency needs to say anything. A client
    whose operation ends in info is replaced by one with a fresh process id; operations
    still running at the end never complete."""
    keys = ["a", "b"][:draw(st.integers(1, 2))]
    written: dict[str, list] = {key: [None] for key in keys}

    def old(key: str):
        return draw(st.sampled_from(written[key] if unique else STRINGS if strings else VALUES))

    def new(key: str):
        if strings:
            return draw(st.sampled_from(STRINGS[1:3]))
        if not unique:
            return draw(st.sampled_from(VALUES[1:]))
        written[key].append(10 + sum(map(len, written.values())))
        return written[key][-1]

    slots = list(range(draw(st.integers(1, max_processes))))
    running: dict[int, dict] = {}  # slot -> its invoke event
    events: list[dict] = []
    started = 0
    n_ops = draw(st.integers(0, max_ops))
    while started < n_ops or running:
        idle = [s for s in slots if s not in running]
        if started < n_ops and idle and (not running or draw(st.booleans())):
            slot = draw(st.sampled_from(idle))
            f, key = draw(st.sampled_from(["get", "put", "cas"] + ["append"] * strings)), draw(st.sampled_from(keys))
            value = {"get": lambda: None, "put": lambda: new(key), "append": lambda: new(key),
                     "cas": lambda: [old(key), new(key)]}[f]()
            running[slot] = {"type": "invoke", "process": slot, "f": f, "key": key, "value": value}
            events.append(running[slot])
            started += 1
        else:
            slot = draw(st.sampled_from(sorted(running)))
            invoke = running.pop(slot)
            outcome = draw(st.sampled_from(["ok", "ok", "ok", "fail", "info", "none"]))
            if outcome == "none" and started < n_ops:
                outcome = "info"
            if outcome == "none":
                continue
            value = old(invoke["key"]) if invoke["f"] == "get" else invoke["value"]
            events.append({**invoke, "type": outcome, "value": value})
            if outcome == "info":
                slots[slots.index(slot)] = max(slots) + 1
    return history_from_document({"format": FORMAT, "events": events, "initial": "" if strings else initial})


def _legal(op: Op, values: dict):
    """The registers after op, or None if op cannot happen now."""
    now = values.get(op.key, op.initial)
    if op.f == "get":
        return values if now == op.result else None
    if op.f == "cas":
        if now != op.arg[0]:
            return None
        return {**values, op.key: op.arg[1]}
    if op.f == "append":
        return {**values, op.key: now + op.arg}
    return {**values, op.key: op.arg}


def could_be_sources(read: Op, ops, real_time: bool) -> list[Op]:
    """The writes in `ops` that could have left the value `read` saw (for a get that
    succeeded or a cas that did not fail, of a value other than the initial one): writes of
    that value that did not fail, not a cas from that value to itself, and (real_time)
    not invoked after the read completed."""
    if read.f in ("put", "append") or read.status == "fail" or read.f == "get" and read.status != "ok":
        return []
    value = read.result if read.f == "get" else read.arg[0]
    if value == read.initial:
        return []
    found = []
    for w in ops:
        wrote = w.arg if w.f == "put" else w.arg[1] if w.f == "cas" else None
        if w.f != "get" and w.id != read.id and w.key == read.key and w.status != "fail" and wrote == value \
                and not (w.f == "cas" and w.arg[0] == w.arg[1]) \
                and not (real_time and read.status == "ok" and w.invoke > read.complete):
            found.append(w)
    return found


def _happening(ops) -> list[Op]:
    return [op for op in ops if op.status == "ok" or (op.status == "info" and op.f != "get")]


def brute_linearizable(history: History) -> bool:
    ops = _happening(history.ops)

    def extend(placed: frozenset, values: dict) -> bool:
        if all(op.id in placed for op in ops if op.status == "ok"):
            return True
        for op in ops:
            if op.id in placed:
                continue
            if any(q.status == "ok" and q.complete < op.invoke and q.id not in placed for q in ops):
                continue
            after = _legal(op, values)
            if after is not None and extend(placed | {op.id}, after):
                return True
        return False

    return extend(frozenset(), {})


def brute_sequential(history: History) -> bool:
    lanes: dict[int, list[Op]] = {}
    for op in _happening(history.ops):
        lanes.setdefault(op.process, []).append(op)
    sequences = list(lanes.values())

    def extend(where: tuple, values: dict) -> bool:
        if all(at == len(seq) or (at == len(seq) - 1 and seq[at].status == "info")
               for at, seq in zip(where, sequences)):
            return True
        for p, (at, seq) in enumerate(zip(where, sequences)):
            if at == len(seq):
                continue
            after = _legal(seq[at], values)
            moved = where[:p] + (at + 1,) + where[p + 1:]
            if after is not None and extend(moved, after):
                return True
            if seq[at].status == "info" and extend(moved, values):  # left out
                return True
        return False

    return extend(tuple(0 for _ in sequences), {})


def history(*ops: tuple, **extra) -> dict:
    """A history document from operations written as intervals:
    (process, "put x 1" | "get x 1" | "get x null" | "cas x 1 2", start, end[, status[, node]]).
    `end` None: the history ends before the operation completes. No two times may be equal."""
    events = []
    for process, text, start, end, *rest in ops:
        status = rest[0] if rest else "ok"
        f, key, *args = text.split()
        vals = [None if a == "null" else int(a) for a in args]
        value = {"put": vals[0] if vals else None, "get": None, "cas": vals}[f]
        done = vals[0] if f == "get" else value
        node = {"node": rest[1]} if len(rest) > 1 else {}
        events.append((start, {"type": "invoke", "process": process, "f": f, "key": key, "value": value,
                               "time": start, **node}))
        if end is not None:
            events.append((end, {"type": status, "process": process, "f": f, "key": key, "value": done,
                                 "time": end, **node}))
    return {"format": FORMAT, "events": [e for _, e in sorted(events, key=lambda p: p[0])], **extra}


def parse(*ops: tuple, **extra) -> History:
    return history_from_document(history(*ops, **extra))
