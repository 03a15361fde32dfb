"""Elle's EDN histories as our transactional document (format.py validates it):

    {:type :invoke, :f :txn, :value [[:append :x 1] [:r :y nil]], :process 0, :time 12345}
    {:type :ok,     :f :txn, :value [[:append :x 1] [:r :y [1 2]]], :process 0, :time 23456}

one map per line or one vector of maps (edn.py reads them). Keywords become their names
(`:append` -> "append", a key `:x` -> "x"), `nil` null, vectors lists; `:time` (nanoseconds)
becomes seconds; the `:nemesis` process's events are skipped; other fields (`:index`,
`:node`, `:error`) are ignored. Messages name an event by its line and column.
"""
from __future__ import annotations

from typing import Any, Callable

from ..edn import EdnError, Keyword, Located, dumps, records
from ..format import HistoryError
from .format import FORMAT


def txn_document(text: str) -> tuple[dict, Callable[[int], str]]:
    """The document, and how to name its event i in a message."""
    try:
        located = records(text)
    except EdnError as e:
        raise HistoryError(f"not EDN (nor JSON): {e}") from None
    kept: list[Located] = []
    events = []
    keys: dict[str, Any] = {}  # a key's name -> how it was written, so :x and "x" are not mixed up
    for record in located:
        event = _event(record, keys)
        if event is not None:
            kept.append(record)
            events.append(event)
    return {"format": FORMAT, "events": events}, lambda i: f"line {kept[i].line}, column {kept[i].column}"


def _event(record: Located, keys: dict) -> dict | None:
    at = f"line {record.line}, column {record.column}"
    e = record.value
    if not isinstance(e, dict):
        raise HistoryError(f"{at}: expected a map like {{:type :invoke, :f :txn, :value [[:append :x 1]], "
                           f":process 0}}, got {type(e).__name__}")
    fields = {k.name: v for k, v in e.items() if isinstance(k, Keyword)}
    if fields.get("process") == Keyword("nemesis"):
        return None
    out = {name: _plain(fields[name]) for name in ("type", "process", "f") if name in fields}
    if "value" in fields:
        value = fields["value"]
        out["value"] = ([_micro_op(at, m, keys) for m in value] if isinstance(value, tuple)
                        else _plain(value))
    if isinstance(fields.get("time"), int):
        out["time"] = fields["time"] / 1e9
    return out


def _micro_op(at: str, m: Any, keys: dict) -> Any:
    if not (isinstance(m, tuple) and len(m) == 3):
        return _plain(m)  # format.py says what is wrong with it
    f, key, value = m
    plain_key = _plain(key)
    if isinstance(plain_key, str):
        written = keys.setdefault(plain_key, key)
        if written != key:
            raise HistoryError(f"{at}: the key {dumps(key)} and the key {dumps(written)} would both be called {plain_key}; "
                               "write every key the same way (all keywords or all strings)")
    return [_plain(f), plain_key, _plain(value)]


def _plain(x: Any) -> Any:
    """Keywords as their names, vectors and lists as lists; the rest as it is."""
    if isinstance(x, Keyword):
        return x.name
    if isinstance(x, tuple):
        return [_plain(v) for v in x]
    return x
