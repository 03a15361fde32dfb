"""Jepsen's history format (EDN maps, edn.py) as a modelcheck history document."""
from __future__ import annotations

from .edn import EdnError, Keyword, records
from .format import FORMAT, HistoryError

KEY = "register"
FUNCTIONS = {"read": "get", "write": "put", "cas": "cas"}


def edn_document(text: str) -> dict:
    try:
        located = records(text)
    except EdnError as e:
        raise HistoryError(f"not EDN: {e}") from None
    converted = [_event(i, r.value) for i, r in enumerate(located)]
    return {"format": FORMAT, "events": [e for e in converted if e is not None]}


def _event(index: int, e) -> dict | None:
    if not isinstance(e, dict):
        raise HistoryError(f"EDN operation {index}: expected a map like {{:type :invoke, :f :read, ...}}")
    e = {_plain(k): _plain(v) for k, v in e.items()}
    if e.get("process") == "nemesis":
        return None
    f = e.get("f")
    out = {"type": e.get("type"), "process": e.get("process"), "key": KEY,
           "f": FUNCTIONS.get(f, f), "value": e.get("value")}
    if isinstance(e.get("time"), (int, float)):
        out["time"] = e["time"] / 1e9
    return out


def _plain(x):
    if isinstance(x, Keyword):
        return x.name
    if isinstance(x, tuple):
        return [_plain(v) for v in x]
    return x
