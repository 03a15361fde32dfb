"""Histories as Jepsen writes them, read as is into a History (format.py's validation and
pairing apply, and every error names the line and column of the record at fault).

Two notations:

* EDN operation maps (edn.py), one per line or all in one vector or list: Jepsen's
  history.edn, Knossos's data/, Porcupine's kv logs, e.g.
  `{:process 0, :type :invoke, :f :cas, :value [1 2], :time 123}`;
  `#jepsen.history.Op{…}` records and Knossos's `[process type f value]` vectors too.
* jepsen.util log lines (Porcupine's etcd logs):
  `INFO  jepsen.util - 3	:invoke	:cas	[1 2]`; lines of other loggers are skipped.

What the fields become: `:process` an integer (events of `:nemesis` are skipped);
`:type` :invoke/:ok/:fail/:info; `:f` :read/:write/:cas (a register) or :get/:put/:append
(a key-value store) as get/put/cas/append; `:key` the key (the EDN text of a non-string
key); else, when operations' values are jepsen.independent tuples `[k v]`, k is the key and
v the value; else the one key "register". `:time` (nanoseconds) becomes seconds; other
fields are ignored. A :fail or :info completion often carries an error instead of the value
(`:timed-out`): the invocation's value stands for it, as Knossos does. `Conventions` says
what the history's initial value is and what a read of nil means.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .edn import EdnError, Keyword, Located, Tagged, dumps, loads, records
from .format import FORMAT, History, HistoryError, Value, history_from_document

REGISTER = "register"
FUNCTIONS = {"read": "get", "write": "put", "cas": "cas", "get": "get", "put": "put", "append": "append"}
TYPES = ("invoke", "ok", "fail", "info")
NIL_READS = ("absent", "unknown")
_LOG_LINE = re.compile(r"^.*?\bjepsen\.util(?::|\s+-)\s+(?P<process>\S+)\s+(?P<type>:\S+)\s+(?P<f>:\S+)"
                       r"(?:\s+(?P<value>\S.*?))?\s*$")


@dataclass(frozen=True)
class Conventions:
    """`initial`: every key's value before any operation (Knossos's tests use 0; Porcupine's
    kv logs ""). `nil_reads`: "absent" (a read of nil saw the key without a value) or
    "unknown" (Knossos: the read's value is not known; it constrains nothing and is left out)."""
    initial: Value = None
    nil_reads: str = "absent"


def looks_like_log(text: str) -> bool:
    """Is this jepsen.util log lines rather than EDN? (The first line that is not blank
    does not begin an EDN form.)"""
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return bool(first) and first[0] not in "{[(;#" and "jepsen.util" in text


def read_jepsen(text: str, source: str = "<history>", conventions: Conventions = Conventions()) -> History:
    if conventions.nil_reads not in NIL_READS:
        raise HistoryError(f"nil reads must be one of {', '.join(NIL_READS)}, not {conventions.nil_reads!r}")
    located = _log_records(text) if looks_like_log(text) else _edn_records(text)
    if not located:
        raise HistoryError("no operations: the file is empty or only comments (expected Jepsen's EDN operation maps, "
                           "jepsen.util log lines, or a JSON object of modelcheck's own format)")
    ops = [(record, _operation(record)) for record in located]
    ops = [(record, op) for record, op in ops if op is not None]
    independent = any(op.key is _NO_KEY and _independent_shape(op.f, op.value) for _, op in ops)
    converter = _Converter(conventions, independent)
    for record, op in ops:
        converter.add(record, op)
    document = {"format": FORMAT, "events": converter.events(), "initial": conventions.initial}
    try:
        return history_from_document(document, source)
    except HistoryError as e:
        if e.event is None:
            raise
        where = converter.where[converter.kept()[e.event]]
        message = str(e).removeprefix(f"event {e.event}: ")
        raise HistoryError(f"line {where.line}, column {where.column}: {message}", e.event) from None


def _edn_records(text: str) -> list[Located]:
    try:
        return records(text)
    except EdnError as e:
        raise HistoryError(f"not EDN: {e}") from None


def _log_records(text: str) -> list[Located]:
    out = []
    for number, line in enumerate(text.splitlines(), 1):
        if "jepsen.util" not in line:
            continue  # another logger's line: not an operation
        m = _LOG_LINE.match(line)
        if m is None:
            raise HistoryError(f"line {number}: a jepsen.util line that is not an operation "
                               "(expected `… jepsen.util - PROCESS :TYPE :F VALUE`)")
        fields = {}
        for name in ("process", "type", "f", "value"):
            column = m.start(name) + 1 if m.group(name) is not None else len(line) + 1
            try:
                fields[Keyword(name)] = loads(m.group(name)) if m.group(name) is not None else None
            except EdnError as e:
                raise HistoryError(f"line {number}, column {column + e.column - 1}: {e.reason}") from None
        out.append(Located(fields, number, m.start("process") + 1))
    return out


@dataclass(frozen=True)
class _Op:
    """One record's operation, before conversion."""
    process: int
    type: str
    f: str
    key: Any  # _NO_KEY if the record has no :key
    value: Any
    time: float | None


_NO_KEY = object()


class _Converter:
    """Jepsen records to modelcheck events, remembering where each came from."""

    def __init__(self, conventions: Conventions, independent: bool) -> None:
        self.conventions = conventions
        self.independent = independent
        self.out: list[dict | None] = []  # None: an event left out (a nil read, when those are unknown)
        self.where: list[Located] = []
        self.open: dict[int, int] = {}  # process -> index in out of its invocation
        self.names: dict[str, Any] = {}  # key name -> the EDN key it names (two must not share a name)

    def kept(self) -> list[int]:
        return [i for i, e in enumerate(self.out) if e is not None]

    def events(self) -> list[dict]:
        return [e for e in self.out if e is not None]

    def add(self, record: Located, op: _Op) -> None:
        at = f"line {record.line}, column {record.column}"
        opened = self.open.pop(op.process, None) if op.type != "invoke" else None
        invoked = self.out[opened] if opened is not None else None
        replaced = op.type in ("fail", "info") and invoked is not None  # the invocation's value stands
        key, value = op.key, op.value
        if key is not _NO_KEY:
            key = self._name(key, at)
        elif self.independent and not (replaced and not isinstance(value, tuple)):
            if not (isinstance(value, tuple) and len(value) == 2):
                raise HistoryError(f"{at}: the history's values are jepsen.independent [key value] tuples, "
                                   f"but this one is {dumps(value)}")
            key, value = self._name(value[0], at), value[1]
        else:
            key = invoked["key"] if invoked is not None else REGISTER
        if replaced:
            value = invoked["value"]
        elif op.f == "get" and op.type != "ok":
            value = None  # what a read is invoked with, or fails with, says nothing
        else:
            value = _value(value, op.f, at)
        event = {"type": op.type, "process": op.process, "f": op.f, "key": key, "value": value}
        if op.time is not None:
            event["time"] = op.time
        if op.type == "invoke":
            self.open[op.process] = len(self.out)
        elif op.f == "get" and op.type == "ok" and value is None and self.conventions.nil_reads == "unknown" \
                and opened is not None:
            self.out[opened], event = None, None  # a read whose value is not known: left out
        self.out.append(event)
        self.where.append(record)

    def _name(self, key: Any, at: str) -> str:
        """The history format's name of an EDN key: a string as is, anything else its EDN text."""
        if isinstance(key, (tuple, frozenset, dict, Tagged)) or key is None:
            raise HistoryError(f"{at}: a key must be a string, number, keyword or symbol, got {dumps(key)}")
        name = key if isinstance(key, str) else dumps(key)
        if self.names.setdefault(name, key) != key or type(self.names[name]) is not type(key):
            raise HistoryError(f"{at}: keys {dumps(self.names[name])} and {dumps(key)} would both be named "
                               f"{name!r}; use keys of one type")
        return name


def _independent_shape(f: str, value: Any) -> bool:
    """Is this surely a jepsen.independent [key value] tuple? (A register's values are
    scalars, its cas's a pair of scalars.)"""
    if f == "cas":
        return isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], tuple)
    return isinstance(value, tuple)


def _operation(record: Located) -> _Op | None:
    """The operation of a record, or None for a record of the nemesis. An error names the
    record's line and column."""
    at = f"line {record.line}, column {record.column}"
    fields = record.value
    if isinstance(fields, Tagged) and fields.tag == "jepsen.history.Op":
        fields = fields.value
    if isinstance(fields, tuple) and len(fields) == 4:  # Knossos's [process type f value]
        fields = dict(zip(map(Keyword, ("process", "type", "f", "value")), fields))
    if not isinstance(fields, dict):
        raise HistoryError(f"{at}: expected an operation map like {{:process 0, :type :invoke, :f :read, "
                           f":value nil}} (Jepsen's history format; modelcheck's own is a JSON object), "
                           f"got {dumps(fields)[:60]}")
    for name in ("process", "type", "f"):
        if Keyword(name) not in fields:
            raise HistoryError(f"{at}: the operation has no :{name}")
    process, kind, f = fields[Keyword("process")], fields[Keyword("type")], fields[Keyword("f")]
    if process == Keyword("nemesis"):
        return None
    if not isinstance(process, int) or isinstance(process, bool):
        raise HistoryError(f"{at}: :process must be an integer (or :nemesis), got {dumps(process)}")
    if not (isinstance(kind, Keyword) and kind.name in TYPES):
        raise HistoryError(f"{at}: :type must be :invoke, :ok, :fail or :info, got {dumps(kind)}")
    if not (isinstance(f, Keyword) and f.name in FUNCTIONS):
        raise HistoryError(f"{at}: :f {dumps(f)} is not an operation this checker knows: :read, :write, :cas "
                           "(a register) or :get, :put, :append (a key-value store)")
    time = fields.get(Keyword("time"))
    if time is not None and (not isinstance(time, (int, float)) or isinstance(time, bool)):
        raise HistoryError(f"{at}: :time must be a number of nanoseconds, got {dumps(time)}")
    return _Op(process, kind.name, FUNCTIONS[f.name], fields.get(Keyword("key"), _NO_KEY),
               fields.get(Keyword("value")), time / 1e9 if time is not None else None)


def _value(value: Any, f: str, at: str) -> Any:
    """A value as the history format has it: an integer, a string, null, or a cas's pair."""
    def scalar(v: Any) -> bool:
        return v is None or isinstance(v, str) or isinstance(v, int) and not isinstance(v, bool)

    if f == "cas":
        if isinstance(value, tuple) and len(value) == 2 and all(map(scalar, value)):
            return list(value)
        raise HistoryError(f"{at}: a cas's value must be [expected new], got {dumps(value)}")
    if not scalar(value):
        raise HistoryError(f"{at}: the value of {f} must be an integer, a string or nil, got {dumps(value)}")
    return value
