"""Read transactional histories (docs/history.md, "Transactions"): our JSON form

    {"format": "modelcheck-txn/1", "events": [
      {"type": "invoke", "process": 0, "f": "txn", "value": [["append", "x", 1], ["r", "y", null]]},
      {"type": "ok",     "process": 0, "f": "txn", "value": [["append", "x", 1], ["r", "y", [1, 2]]]}]}

or Elle's EDN (edn_txn.py turns it into this document). Each invocation is paired with its
process's next completion into a `Txn`; everything the checkers rely on is validated here
(one kind of history, list-append or read-write register; reads known only on `ok`; every
value written to a key at most once), so a problem is a `HistoryError` naming the event.
"""
from __future__ import annotations

import json
import re
from operator import itemgetter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Literal, NamedTuple, Union

from ...explore.resources import few_full_collections
from ..format import HistoryError, _is_number, _kind, read_text  # the same JSON checks as register histories

FORMAT = "modelcheck-txn/1"
LIST_APPEND, RW_REGISTER = "list-append", "rw-register"
COMPLETIONS = ("ok", "fail", "info")

JSON_START = re.compile(r'\s*\{\s*"')

Key = Union[str, int]
Status = Literal["ok", "fail", "info"]


LONG = 12  # elements of a read shown in full; a longer one is shown around the element that matters


class Excerpt:
    """A read list as text, made only when shown (most edges never are)."""
    __slots__ = ("values", "at")

    def __init__(self, values: tuple, at: int | None = None) -> None:
        self.values, self.at = values, at

    def __str__(self) -> str:
        values = self.values
        if len(values) <= LONG:
            return f"[{' '.join(map(str, values))}]"
        at = len(values) - 1 if self.at is None else self.at
        lo, hi = max(0, at - 2), min(len(values), at + 3)
        shown = ["..."] * (lo > 0) + [str(v) for v in values[lo:hi]] + ["..."] * (hi < len(values))
        return f"[{' '.join(shown)}] ({len(values)} elements)"


def show(values: tuple, at: int | None = None) -> str:
    return str(Excerpt(values, at))


class MicroOp(NamedTuple):
    """`append k v`, `w k v` (v an int), or `r k v`: v is what was read (a tuple of ints for
    list-append, an int or None for a register), None while unknown (not ok). A tuple, not
    a dataclass: a history holds hundreds of thousands of them."""
    f: str
    key: Key
    value: Any

    def describe(self) -> str:
        if self.f != "r":
            return f"{self.f} {self.key} {self.value}"
        if isinstance(self.value, tuple):
            return f"r {self.key} {Excerpt(self.value)}"
        return f"r {self.key} {'null' if self.value is None else self.value}"


@dataclass(frozen=True, slots=True)
class Txn:
    """One transaction: its micro-operations (with the values read, if ok) and what became of
    it. `ok` committed, `fail` certainly did not, `info` unknown (it may have committed)."""
    id: int
    process: int
    ops: tuple[MicroOp, ...]
    status: Status
    invoke: int
    complete: int | None
    invoke_time: float | None = None
    complete_time: float | None = None

    @property
    def name(self) -> str:
        return f"T{self.id}"

    def describe(self) -> str:
        return ", ".join(op.describe() for op in self.ops) or "(empty)"


@dataclass(frozen=True)
class TxnHistory:
    txns: tuple[Txn, ...]  # in order of invocation
    kind: str  # LIST_APPEND or RW_REGISTER
    events: int
    source: str = "<history>"

    @property
    def keys(self) -> frozenset:
        return frozenset(op.key for t in self.txns for op in t.ops)


def read_txn_history(path: str | Path) -> TxnHistory:
    return parse_txn_history(read_text(path), str(path))


def parse_txn_history(text: str, source: str = "<history>") -> TxnHistory:
    """Our JSON form (an object whose first field is quoted), else Elle's EDN. A history is
    millions of small containers, all kept: Python's full collections would traverse them
    again and again (a third of the time, measured on 100,000 transactions)."""
    with few_full_collections():
        return _parse(text, source)


def _parse(text: str, source: str) -> TxnHistory:
    if not JSON_START.match(text):
        from .edn_txn import txn_document
        document, where = txn_document(text)
        return txn_history_from_document(document, source, where)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as e:
        raise HistoryError(f"not JSON: line {e.lineno}, column {e.colno}: {e.msg}") from None
    except RecursionError:
        raise HistoryError("not a history: the JSON is nested too deeply") from None
    return txn_history_from_document(document, source)


def txn_history_from_document(document: Any, source: str = "<history>",
                              where: Callable[[int], str] = lambda i: f"event {i}") -> TxnHistory:
    """Validate a parsed document; `where` names an event in messages (EDN: its line)."""
    if not isinstance(document, dict):
        raise HistoryError(f"expected a JSON object with \"format\": \"{FORMAT}\" and \"events\", got {_kind(document)}")
    if document.get("format") != FORMAT:
        hint = (" (that is a register history: check it with --model linearizable, sequential or eventual)"
                if document.get("format") == "modelcheck-history/1" else "")
        raise HistoryError(f"\"format\" must be \"{FORMAT}\" for a transactional model, got "
                           f"{_short(document.get('format'))}{hint}")
    events = document.get("events")
    if not isinstance(events, list):
        raise HistoryError(f"\"events\" must be a list of events, got {_kind(events)}")
    pairing = _Pairing(where)
    for index, raw in enumerate(events):
        event = _well_formed(raw)
        if event is None:
            raise HistoryError(f"{where(index)}: {_event_problem(raw)}")
        pairing.add(index, event)
    txns = pairing.finish()
    kind = _history_kind(txns, where)
    _check_values(txns, kind, where)
    if kind == LIST_APPEND:
        txns = [_empty_reads(t) for t in txns]
    return TxnHistory(tuple(txns), kind, len(events), source)


# ---------------------------------------------------------------- events

class WorkerEvent(NamedTuple):
    type: str
    process: int
    ops: tuple[MicroOp, ...]
    time: float | None


TYPES = ("invoke",) + COMPLETIONS
INT = {int}


def _well_formed(raw: Any) -> WorkerEvent | None:
    """The event, or None if anything about it is wrong (then `_event_problem` says what).
    This runs once per event of histories with hundreds of thousands: it accepts exactly
    what `_event_problem` finds nothing wrong with, in as few steps as it can."""
    if type(raw) is not dict:
        return None
    kind, process, value, time = raw.get("type"), raw.get("process"), raw.get("value"), raw.get("time")
    if (type(kind) is not str or kind not in TYPES or type(process) is not int or raw.get("f") != "txn"
            or type(value) is not list or (time is not None and not _is_number(time))):
        return None
    ops = []
    for m in value:
        if type(m) is not list or len(m) != 3:
            return None
        f, key, v = m
        if type(key) is not str and type(key) is not int:
            return None
        if f == "r":
            if v is None:
                pass
            elif kind != "ok":
                return None
            elif type(v) is list:
                if not set(map(type, v)) <= INT:
                    return None
                v = tuple(v)
            elif type(v) is not int:
                return None
        elif (f != "append" and f != "w") or type(v) is not int:
            return None
        ops.append(MicroOp(f, key, v))
    return WorkerEvent(kind, process, tuple(ops), time)


def _event_problem(raw: Any) -> str:
    """What is wrong with an event that `_well_formed` refused."""
    if not isinstance(raw, dict):
        return f"expected an object, got {_kind(raw)}"
    for name in ("type", "process", "f", "value"):
        if name not in raw:
            return f"missing field \"{name}\""
    kind, process, f, value, time = raw["type"], raw["process"], raw["f"], raw["value"], raw.get("time")
    if kind not in TYPES:
        return f"\"type\" must be one of invoke, ok, fail, info; got {_short(kind)}"
    if not _is_int(process):
        return f"\"process\" must be an integer, got {_short(process)}"
    if f != "txn":
        return f"\"f\" must be \"txn\" in a transactional history, got {_short(f)}"
    if time is not None and not (_is_number(time)):
        return f"\"time\" must be a number (seconds), got {_short(time)}"
    if not isinstance(value, list):
        return f"\"value\" must be a list of micro-operations like [\"append\", \"x\", 1], got {_short(value)}"
    for position, m in enumerate(value):
        problem = _micro_op_problem(m, kind)
        if problem:
            return f"micro-operation {position} {_short(m)}: {problem}"
    raise AssertionError(f"_well_formed refused an event with nothing wrong: {_short(raw)}")


def _micro_op_problem(raw: Any, kind: str) -> str:
    """What is wrong with a micro-operation, or ""."""
    if not (type(raw) is list and len(raw) == 3):
        return "expected [f, key, value], e.g. [\"append\", \"x\", 1], [\"r\", \"x\", null] or [\"w\", \"x\", 1]"
    f, key, value = raw
    if f not in ("append", "r", "w"):
        return f"the function must be \"append\", \"r\" or \"w\", got {_short(f)}"
    if type(key) is not str and type(key) is not int:
        return "the key must be a string or an integer"
    if f != "r":
        return "" if type(value) is int else f"the value of {f} must be an integer"
    if value is None:
        return ""
    if kind != "ok":
        return f"a read's value must be null in an {kind} event (only an ok completion says what was read)"
    if type(value) is list:
        return "" if set(map(type, value)) <= INT else "a list read must hold integers"
    return "" if type(value) is int else "a read's value must be a list of integers (list-append), an integer (register) or null"


class _Pairing:
    """Matches each completion to its process's outstanding invocation."""

    def __init__(self, where: Callable[[int], str]) -> None:
        self.where = where
        self.txns: list[tuple] = []  # a Txn's fields but its id, which is its place in invocation order
        self.open: dict[int, tuple[int, WorkerEvent]] = {}
        self.retired: dict[int, int] = {}  # process -> the event of the info that ended it

    def add(self, index: int, e: WorkerEvent) -> None:
        if e.process in self.retired:
            raise HistoryError(f"{self.where(index)}: process {e.process} got an unknown outcome (info) at "
                               f"{self.where(self.retired[e.process])} and cannot issue more transactions; use a fresh process id")
        opened = self.open.pop(e.process, None)
        if e.type == "invoke":
            if opened is not None:
                raise HistoryError(f"{self.where(index)}: process {e.process} invokes a transaction while its "
                                   f"transaction invoked at {self.where(opened[0])} has not completed")
            self.open[e.process] = (index, e)
            return
        if opened is None:
            if e.type != "info":
                raise HistoryError(f"{self.where(index)}: {e.type} of a transaction by process {e.process}, "
                                   "which has none outstanding")
            opened = (index, e)  # an info on its own: invoked and given up at once
        start, invoked = opened
        _check_completion(self.where(index), self.where(start), invoked, e)
        self._txn(invoked, start, e, index)

    def _txn(self, invoked: WorkerEvent, start: int, done: WorkerEvent | None, end: int | None) -> None:
        status = done.type if done is not None else "info"
        if status == "info":
            self.retired[invoked.process] = end if end is not None else start
        ops = done.ops if status == "ok" else invoked.ops
        self.txns.append((start, invoked.process, ops, status, end, invoked.time,
                          done.time if done is not None else None))

    def finish(self) -> list[Txn]:
        for start, invoked in self.open.values():  # never completed: the same as info
            self._txn(invoked, start, None, None)
        self.txns.sort(key=itemgetter(0))
        return [Txn(i, process, ops, status, start, end, invoke_time, complete_time)
                for i, (start, process, ops, status, end, invoke_time, complete_time) in enumerate(self.txns)]


def _check_completion(at: str, start: str, invoked: WorkerEvent, done: WorkerEvent) -> None:
    if len(done.ops) != len(invoked.ops):
        raise HistoryError(f"{at}: the completion has {len(done.ops)} micro-operations, its invocation "
                           f"at {start} has {len(invoked.ops)}")
    for position, (a, b) in enumerate(zip(invoked.ops, done.ops)):
        if (a.f, a.key) != (b.f, b.key) or (a.f != "r" and a.value != b.value):
            raise HistoryError(f"{at}: micro-operation {position} ({b.describe()}) does not match its "
                               f"invocation at {start} ({a.describe()})")


# ---------------------------------------------------------------- the whole history

def _history_kind(txns: list[Txn], where: Callable[[int], str]) -> str:
    """list-append or rw-register, from the writes (or, with none, the values read)."""
    first: dict[str, Txn] = {}
    for t in txns:
        for op in t.ops:
            kind = (LIST_APPEND if op.f == "append" else RW_REGISTER if op.f == "w"
                    else LIST_APPEND if isinstance(op.value, tuple) else RW_REGISTER if op.value is not None else None)
            if kind is not None:
                first.setdefault(kind, t)
    if len(first) == 2:
        la, rw = first[LIST_APPEND], first[RW_REGISTER]
        raise HistoryError(f"the history mixes list-append (the transaction invoked at {where(la.invoke)}: "
                           f"{la.describe()}) and read-write register ({where(rw.invoke)}: {rw.describe()}); "
                           "a history is one or the other")
    return next(iter(first), LIST_APPEND)


def _check_values(txns: list[Txn], kind: str, where: Callable[[int], str]) -> None:
    """Reads of the right shape, and every value written to a key at most once: a read then
    names the write it saw, which is what the version orders are inferred from."""
    writer: dict[tuple, Txn] = {}
    for t in txns:
        here: set[tuple] = set()
        for op in t.ops:
            if op.f == "r":
                if kind == LIST_APPEND and op.value is not None and not isinstance(op.value, tuple):
                    raise HistoryError(f"{where(t.complete)}: {op.describe()}: in a list-append history a "
                                       "read is a list (or null: nothing yet)")
                if kind == RW_REGISTER and isinstance(op.value, tuple):
                    raise HistoryError(f"{where(t.complete)}: {op.describe()}: in a register history a read is "
                                       "an integer or null")
                continue
            written = (op.key, op.value)
            if written in here:
                raise HistoryError(f"{where(t.invoke)}: the transaction writes {op.value} to {op.key} twice; "
                                   "the checker needs every value written to a key at most once")
            here.add(written)
            earlier = writer.setdefault(written, t)
            if earlier is not t:
                raise HistoryError(f"{where(t.invoke)}: {op.describe()} writes a value that the transaction invoked "
                                   f"at {where(earlier.invoke)} already wrote to {op.key}; the checker needs every "
                                   "value written to a key at most once (so that a read names its write)")


def _empty_reads(t: Txn) -> Txn:
    """A committed list-append read of null read the empty list (Elle writes nil for it)."""
    if t.status != "ok" or all(op.value is not None for op in t.ops if op.f == "r"):
        return t
    ops = tuple(MicroOp("r", op.key, ()) if op.f == "r" and op.value is None else op for op in t.ops)
    return Txn(t.id, t.process, ops, t.status, t.invoke, t.complete, t.invoke_time, t.complete_time)


def _is_int(x: Any) -> bool:
    return type(x) is int


def _short(x: Any) -> str:
    text = json.dumps(x, default=str)
    return text if len(text) <= 40 else text[:37] + "..."
