"""Transactional histories for tests, written compactly.

    txn("a x 1", "r y [1 2]")          a committed list-append transaction
    txn("w x 1", "r y 3", "r z nil")   a committed register transaction
    txn("a x 2", status="fail")

`concurrent(t1, t2, ...)` invokes them all, then completes them all (no real-time order
between them), each by its own process; `serial(t1, t2, ...)` runs them one after the
other; `timed((start, end, t), ...)` places each at the times given. `document(...)` is
the JSON document (modelcheck-txn/1); `edn(...)` the same history as Elle writes it.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class T:
    ops: tuple[list, ...]
    status: str = "ok"
    process: int | None = None


def txn(*ops: str, status: str = "ok", process: int | None = None) -> T:
    return T(tuple(_op(o) for o in ops), status, process)


def _op(text: str) -> list:
    f, key, *rest = text.split()
    f = {"a": "append"}.get(f, f)
    value = " ".join(rest)
    if f != "r":
        return [f, key, int(value)]
    if value.startswith("["):
        return [f, key, [int(v) for v in value.strip("[]").split()]]
    return [f, key, None if value == "nil" else int(value)]


def timed(*placed: tuple[float, float, T]) -> list[dict]:
    """Events of transactions invoked and completed at the times given."""
    stamped = []
    for i, (start, end, t) in enumerate(placed):
        process = t.process if t.process is not None else i
        invoked = [[f, k, None if f == "r" else v] for f, k, v in t.ops]
        stamped.append((start, 0, {"type": "invoke", "process": process, "f": "txn", "value": invoked}))
        done = [list(op) for op in t.ops] if t.status == "ok" else invoked
        stamped.append((end, 1, {"type": t.status, "process": process, "f": "txn", "value": done}))
    return [e for _, _, e in sorted(stamped, key=lambda s: (s[0], s[1]))]


def concurrent(*txns: T) -> list[dict]:
    return timed(*((0, 1, t) for t in txns))


def serial(*txns: T) -> list[dict]:
    return timed(*((2 * i, 2 * i + 1, t) for i, t in enumerate(txns)))


def document(events: list[dict]) -> dict:
    return {"format": "modelcheck-txn/1", "events": events}


def edn(events: list[dict]) -> str:
    """One EDN map per line, keys as keywords, as Elle and Jepsen write histories."""
    def value(v) -> str:
        if v is None:
            return "nil"
        if isinstance(v, list):
            return "[" + " ".join(value(x) for x in v) + "]"
        return str(v)

    lines = []
    for i, e in enumerate(events):
        ops = " ".join(f"[:{f} :{k} {value(v)}]" for f, k, v in e["value"])
        lines.append(f"{{:index {i}, :type :{e['type']}, :f :txn, :value [{ops}], :process {e['process']}, "
                     f":time {i * 1000}}}")
    return "\n".join(lines) + "\n"
