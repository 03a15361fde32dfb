"""Jepsen's history format, for a single register: one EDN map per operation event,

    {:type :invoke, :f :write, :value 3, :process 0, :time 1234}
    {:type :ok, :f :read, :value 3, :process 1}
    {:type :fail, :f :cas, :value [1 2], :process 2}

as lines (or one vector of maps). `:read`, `:write` and `:cas` become get, put and cas on
the key "register"; `:time` (nanoseconds) becomes seconds; events of the `:nemesis` process
are skipped, other fields ignored. The result is a document of our own format, validated
by format.py like any other, so errors still name the event.
"""
from __future__ import annotations

import re

from .format import FORMAT, HistoryError

KEY = "register"
FUNCTIONS = {"read": "get", "write": "put", "cas": "cas"}
TOKEN = re.compile(r'[\s,]*(?:(?P<open>[{\[])|(?P<close>[}\]])|(?P<str>"(?:\\.|[^"\\])*")|(?P<atom>[^\s,{}\[\]"]+))')


def edn_document(text: str) -> dict:
    events = []
    for item in _parse_all(text):
        if isinstance(item, list):  # a vector of maps
            events.extend(item)
        else:
            events.append(item)
    converted = [_event(i, e) for i, e in enumerate(events)]
    return {"format": FORMAT, "events": [e for e in converted if e is not None]}


def _event(index: int, e) -> dict | None:
    if not isinstance(e, dict):
        raise HistoryError(f"EDN operation {index}: expected a map like {{:type :invoke, :f :read, ...}}")
    if e.get("process") == ":nemesis":
        return None
    f = e.get("f")
    out = {"type": _name(e.get("type")), "process": e.get("process"), "key": KEY,
           "f": FUNCTIONS.get(_name(f), _name(f)), "value": e.get("value")}
    if isinstance(e.get("time"), (int, float)):
        out["time"] = e["time"] / 1e9
    return out


def _name(x):
    return x[1:] if isinstance(x, str) and x.startswith(":") else x


def _parse_all(text: str) -> list:
    tokens = [(m.lastgroup, m.group(m.lastgroup)) for m in TOKEN.finditer(text) if m.lastgroup]
    items, at = [], 0
    while at < len(tokens):
        item, at = _value(tokens, at)
        items.append(item)
    return items


def _value(tokens: list, at: int):
    kind, text = tokens[at]
    if kind == "open":
        close = "}" if text == "{" else "]"
        elems, at = [], at + 1
        while at < len(tokens) and tokens[at] != ("close", close):
            elem, at = _value(tokens, at)
            elems.append(elem)
        if at == len(tokens):
            raise HistoryError(f"EDN: a '{text}' is never closed")
        if text == "[":
            return elems, at + 1
        if len(elems) % 2:
            raise HistoryError("EDN: a map with an odd number of forms")
        return {_name(k): v for k, v in zip(elems[::2], elems[1::2])}, at + 1
    if kind == "close":
        raise HistoryError(f"EDN: an unexpected '{text}'")
    if kind == "str":
        return text[1:-1], at + 1
    return _atom(text), at + 1


def _atom(text: str):
    if text == "nil":
        return None
    if text in ("true", "false"):
        return text == "true"
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text  # a keyword (:ok) or a symbol
