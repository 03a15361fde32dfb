"""Read, validate and write client histories (`modelcheck-history/1`, docs/history.md).

A history file is a list of events; this module pairs each invocation with its completion
and hands the checkers a list of operations (`Op`). Everything the checkers rely on is
validated here, so they never meet a malformed history: a problem raises `HistoryError`
naming the event's index and what is wrong. Unknown fields are ignored, so producers can
add their own.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Union

if TYPE_CHECKING:
    from .jepsen import Conventions

FORMAT = "modelcheck-history/1"
FUNCTIONS = ("get", "put", "cas", "append")
COMPLETIONS = ("ok", "fail", "info")

Value = Union[int, str, None]
Status = Literal["ok", "fail", "info"]


class HistoryError(Exception):
    """The history cannot be read: not JSON, or an event that breaks the format (`event`:
    its index, when one event is to blame)."""

    def __init__(self, message: str, event: int | None = None) -> None:
        super().__init__(message)
        self.event = event


@dataclass(frozen=True, slots=True)
class Op:
    """One operation: its invocation and what became of it.

    `arg` is the put's or append's value or the cas's (expected, new) pair (None for a get);
    `result` is the value a successful get read; `initial` the value the key's register
    holds before any operation (the history's, null unless it says). `complete` is the index of the completion event, None
    when the history ends before one. An info operation may take effect at any time after
    `invoke`, however late, so `returns` (the position real-time order uses) is infinite
    for it."""
    id: int
    process: int
    f: str
    key: str
    arg: Any
    result: Value
    status: Status
    invoke: int
    complete: int | None
    invoke_time: float | None = None
    complete_time: float | None = None
    node: str | None = None
    initial: Value = None

    @property
    def returns(self) -> float:
        return self.complete if self.status != "info" else math.inf

    @property
    def writes(self) -> bool:
        return self.f != "get"

    def describe(self) -> str:
        """The operation as people write it: `put k1 5`, `get k1 -> 5`, `cas k1 5->6 (fail)`."""
        if self.f == "get":
            text = f"get {self.key}" + (f" -> {show(self.result)}" if self.status == "ok" else "")
        elif self.f in ("put", "append"):
            text = f"{self.f} {self.key} {show(self.arg)}"
        else:
            text = f"cas {self.key} {show(self.arg[0])}->{show(self.arg[1])}"
        return text if self.status == "ok" else f"{text} ({self.status})"


@dataclass(frozen=True)
class History:
    """The operations in order of invocation, and what else the file said."""
    ops: tuple[Op, ...]
    events: int
    quiet_after: float | None = None
    source: str = "<history>"
    keys: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "keys", tuple(sorted({op.key for op in self.ops})))


def show(v: Value) -> str:
    return "null" if v is None else json.dumps(v) if isinstance(v, str) else str(v)


# ---------------------------------------------------------------- reading

def read_history(path: str | Path, conventions: "Conventions | None" = None) -> History:
    """The history in the file: modelcheck's JSON format, or Jepsen's EDN or log lines
    (jepsen.py, read with `conventions`)."""
    return parse_history(read_text(path), str(path), conventions)


def read_text(path: str | Path) -> str:
    """A history file's text; HistoryError (exit 2) if it cannot be read as UTF-8."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as e:
        raise HistoryError(f"cannot read {path}: {e.strerror or e}") from None
    except UnicodeDecodeError:
        raise HistoryError(f"{path} is not a text file (not UTF-8)") from None


def parse_history(text: str, source: str = "<history>", conventions: "Conventions | None" = None) -> History:
    """JSON if the text is a JSON object (`{"…`, `{}`), else Jepsen's notations. `conventions`
    (the initial value, what a nil read means) apply to Jepsen's; a JSON document says
    its own initial value, and a different one in `conventions` is an error."""
    if not re.match(r'\s*\{\s*("|\}|$)', text):
        from .jepsen import Conventions as JepsenConventions, read_jepsen
        return read_jepsen(text, source, conventions or JepsenConventions())
    try:
        document = json.loads(text)
    except json.JSONDecodeError as e:
        raise HistoryError(f"not JSON: line {e.lineno}, column {e.colno}: {e.msg}") from None
    except RecursionError:
        raise HistoryError("not a history: the JSON is nested too deeply") from None
    if conventions is not None and isinstance(document, dict):
        if conventions.nil_reads != "absent":
            raise HistoryError("nil reads can only be taken as unknown in Jepsen's formats: in this format a "
                               "read's value is always known (null: the key has no value)")
        if "initial" in document and document["initial"] != conventions.initial:
            raise HistoryError(f"the history says \"initial\": {_short(document['initial'])}, the options "
                               f"{_short(conventions.initial)}: leave one out")
        document = {**document, "initial": conventions.initial}
    return history_from_document(document, source)


def history_from_document(document: Any, source: str = "<history>") -> History:
    """Validate a parsed document and pair its events into operations."""
    if not isinstance(document, dict):
        raise HistoryError(f"expected a JSON object with \"format\": \"{FORMAT}\" and \"events\", "
                           f"got {_kind(document)}")
    if document.get("format") != FORMAT:
        raise HistoryError(f"\"format\" must be \"{FORMAT}\", got {_short(document.get('format'))}")
    events = document.get("events")
    if not isinstance(events, list):
        raise HistoryError(f"\"events\" must be a list of events, got {_kind(events)}")
    quiet = document.get("quiet_after")
    if quiet is not None and not _is_number(quiet):
        raise HistoryError(f"\"quiet_after\" must be a number (seconds), got {_short(quiet)}")
    initial = document.get("initial")
    if not _is_value(initial):
        raise HistoryError(f"\"initial\" must be an integer, a string or null, got {_short(initial)}")
    pairing = _Pairing(initial)
    for index, event in enumerate(events):
        pairing.add(index, _event(index, event))
    ops = tuple(pairing.finish())
    _check_appends(ops, initial)
    return History(ops, len(events), quiet, source)


def _check_appends(ops: tuple[Op, ...], initial: Value) -> None:
    """A key that is appended to holds strings only, so that an append is always defined."""
    appended = {op.key for op in ops if op.f == "append"}
    if appended and not isinstance(initial, str):
        op = next(op for op in ops if op.f == "append")
        raise HistoryError(f"event {op.invoke}: append on key {op.key!r} needs every key to start as a string: "
                           f"give the history \"initial\": \"\" (or modelcheck history --initial '\"\"'); "
                           f"it starts as {_short(initial)}", op.invoke)
    for op in ops:
        if op.key in appended and op.f in ("put", "cas") and op.status != "fail":
            values = (op.arg,) if op.f == "put" else op.arg
            if not all(isinstance(v, str) for v in values):
                raise HistoryError(f"event {op.invoke}: key {op.key!r} is appended to, so its {op.f} must write "
                                   f"strings; got {_short(_json_value(op.arg))}", op.invoke)


@dataclass(frozen=True, slots=True)
class WorkerEvent:
    type: str
    process: int
    f: str
    key: str
    value: Any
    time: float | None
    node: str | None


def _event(index: int, raw: Any) -> WorkerEvent:
    def fail(message: str) -> HistoryError:
        return HistoryError(f"event {index}: {message}", index)

    if not isinstance(raw, dict):
        raise fail(f"expected an object, got {_kind(raw)}")
    for name in ("type", "process", "f", "key"):
        if name not in raw:
            raise fail(f"missing field \"{name}\"")
    kind, process, f, key = raw["type"], raw["process"], raw["f"], raw["key"]
    if kind not in ("invoke",) + COMPLETIONS:
        raise fail(f"\"type\" must be one of invoke, ok, fail, info; got {_short(kind)}")
    if not _is_int(process):
        raise fail(f"\"process\" must be an integer, got {_short(process)}")
    if f not in FUNCTIONS:
        raise fail(f"\"f\" must be one of get, put, cas, append; got {_short(f)}")
    if not isinstance(key, str):
        raise fail(f"\"key\" must be a string, got {_short(key)}")
    time, node = raw.get("time"), raw.get("node")
    if time is not None and not _is_number(time):
        raise fail(f"\"time\" must be a number (seconds), got {_short(time)}")
    if node is not None and not isinstance(node, str):
        raise fail(f"\"node\" must be a string naming a replica, got {_short(node)}")
    value = raw.get("value")
    if f == "cas":
        if not (isinstance(value, list) and len(value) == 2 and all(_is_value(v) for v in value)):
            raise fail(f"a cas's \"value\" must be [expected, new], each an integer, a string or null; "
                       f"got {_short(value)}")
        value = tuple(value)
    elif f == "append" and not isinstance(value, str):
        raise fail(f"\"value\" of append must be the string it appends, got {_short(value)}")
    elif (f == "put" or kind != "invoke") and not _is_value(value):
        raise fail(f"\"value\" of {f} must be an integer, a string or null, got {_short(value)}")
    return WorkerEvent(kind, process, f, key, value, time, node)


class _Pairing:
    """Matches each completion to its process's outstanding invocation."""

    def __init__(self, initial: Value) -> None:
        self.initial = initial
        self.ops: list[Op] = []
        self.open: dict[int, tuple[int, WorkerEvent]] = {}  # process -> (index, invoke event)
        self.retired: dict[int, int] = {}  # process -> index of the info that ended it

    def add(self, index: int, e: WorkerEvent) -> None:
        if e.process in self.retired:
            raise HistoryError(
                f"event {index}: process {e.process} got an unknown outcome (info) at event "
                f"{self.retired[e.process]} and cannot issue more operations; use a fresh process id", index)
        opened = self.open.pop(e.process, None)
        if e.type == "invoke":
            if opened is not None:
                raise HistoryError(f"event {index}: process {e.process} invokes {e.f} while its {opened[1].f} "
                                   f"(invoked at event {opened[0]}) has not completed", index)
            self.open[e.process] = (index, e)
            return
        if opened is None:
            if e.type != "info":
                raise HistoryError(f"event {index}: {e.type} of {e.f} by process {e.process}, "
                                   "which has no operation outstanding", index)
            opened = (index, e)  # an info on its own: invoked and given up at once
        start, invoked = opened
        _check_completion(index, start, invoked, e)
        self._op(invoked, start, e, index)

    def _op(self, invoked: WorkerEvent, start: int, done: WorkerEvent | None, end: int | None) -> None:
        status = done.type if done is not None else "info"
        if status == "info":
            self.retired[invoked.process] = end if end is not None else start
        result = done.value if done is not None and invoked.f == "get" and status == "ok" else None
        node = (done.node if done is not None else None) or invoked.node
        self.ops.append(Op(0, invoked.process, invoked.f, invoked.key, None if invoked.f == "get" else invoked.value,
                           result, status, start, end, invoked.time, done.time if done else None, node,
                           self.initial))

    def finish(self) -> list[Op]:
        for start, invoked in self.open.values():  # never completed: the same as info
            self._op(invoked, start, None, None)
        ordered = sorted(self.ops, key=lambda op: op.invoke)
        return [_renumber(op, i) for i, op in enumerate(ordered)]


def _check_completion(index: int, start: int, invoked: WorkerEvent, done: WorkerEvent) -> None:
    if (done.f, done.key) != (invoked.f, invoked.key):
        raise HistoryError(f"event {index}: {done.type} of {done.f} {done.key!r} by process {done.process} does not "
                           f"match its invocation at event {start} ({invoked.f} {invoked.key!r})", index)
    if invoked.f != "get" and done.value != invoked.value:
        raise HistoryError(f"event {index}: {done.type} of {done.f} by process {done.process} has value "
                           f"{_short(_json_value(done.value))}, its invocation at event {start} has "
                           f"{_short(_json_value(invoked.value))}", index)


def _renumber(op: Op, i: int) -> Op:
    return replace(op, id=i)


def _is_int(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _is_value(x: Any) -> bool:
    return x is None or _is_int(x) or isinstance(x, str)


def _is_number(x: Any) -> bool:
    return (_is_int(x) or isinstance(x, float)) and math.isfinite(x)


def _kind(x: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", type(None): "null",
            bool: "a boolean"}.get(type(x), "a number")


def _short(x: Any) -> str:
    text = json.dumps(x) if not isinstance(x, tuple) else json.dumps(list(x))
    return text if len(text) <= 40 else text[:37] + "..."


def _json_value(v: Any) -> Any:
    return list(v) if isinstance(v, tuple) else v


# ---------------------------------------------------------------- writing

def history_document(ops: list[Op] | tuple[Op, ...], quiet_after: float | None = None) -> dict:
    """The operations as a history file's JSON document (the inverse of reading, up to
    event indices: the events keep their relative order and are renumbered)."""
    events: list[tuple[int, dict]] = []
    for op in ops:
        value = _json_value(op.arg)
        base = {"process": op.process, "f": op.f, "key": op.key}
        extra = {"node": op.node} if op.node is not None else {}
        events.append((op.invoke, {"type": "invoke", **base, "value": value,
                                   **_time(op.invoke_time), **extra}))
        if op.complete is not None:
            done = op.result if op.f == "get" else value
            events.append((op.complete, {"type": op.status, **base, "value": done,
                                         **_time(op.complete_time), **extra}))
    document: dict = {"format": FORMAT, "events": [e for _, e in sorted(events, key=lambda p: p[0])]}
    if ops and ops[0].initial is not None:
        document["initial"] = ops[0].initial
    if quiet_after is not None:
        document["quiet_after"] = quiet_after
    return document


def _time(t: float | None) -> dict:
    return {"time": t} if t is not None else {}


def write_history(path: str | Path, ops: list[Op] | tuple[Op, ...], quiet_after: float | None = None) -> None:
    Path(path).write_text(json.dumps(history_document(ops, quiet_after), indent=1) + "\n", encoding="utf-8")
