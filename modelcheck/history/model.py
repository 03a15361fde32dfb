"""The key-value store's semantics: one register per key, initially null.

Each operation becomes a `Step` the checkers apply to a register's value; `effective_ops`
removes the operations that cannot matter to any order, so the searches see fewer.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from .format import Op, Value

GET, PUT, CAS = 0, 1, 2
ILLEGAL = object()  # apply()'s answer when the operation cannot happen in this state


@dataclass(frozen=True, slots=True)
class Step:
    """What an operation does to its register: a get that read `a` needs the value to be a;
    a put writes `a`; a cas needs `a` and writes `b`."""
    kind: int
    a: Value
    b: Value = None


def step_of(op: Op) -> Step:
    if op.f == "get":
        return Step(GET, op.result)
    if op.f == "put":
        return Step(PUT, op.arg)
    return Step(CAS, op.arg[0], op.arg[1])


def apply(step: Step, value: Value):
    """The register's value after the step, or ILLEGAL if the step cannot happen now."""
    if step.kind == PUT:
        return step.a
    if value != step.a:
        return ILLEGAL
    return value if step.kind == GET else step.b


def effective_ops(ops: Iterable[Op]) -> list[Op]:
    """The operations an order has to account for.

    Dropped: failed operations (they did not happen), gets with an unknown outcome (no value
    read, no effect), reads tagged with a replica (`node`: the driver's direct look at one
    replica's own state, not a client operation of the store; the eventual model judges
    those), and unknown-outcome writes whose written value nobody observes (no
    get reads it, no cas expects it, on that key). Such a write, if it took effect, must be
    followed at once by another write (nothing could observe it in between), so leaving it
    out changes no later value and only removes ordering constraints: the history is
    consistent with it iff it is without it. Histories with many timeouts need this; each
    unknown-outcome write otherwise doubles the orders to try."""
    kept = [op for op in ops if op.writes and op.status != "fail" or op.status == "ok" and op.node is None]
    observed = {(op.key, op.result) for op in kept if op.f == "get"}
    observed |= {(op.key, op.arg[0]) for op in kept if op.f == "cas"}
    return [op for op in kept if op.status == "ok" or (op.key, written(op)) in observed]


def written(op: Op) -> Value:
    """The value a write leaves in its register."""
    return op.arg if op.f == "put" else op.arg[1]


def keeps_sources(ops: list[Op], among: Iterable[Op]) -> bool:
    """Does every value read in `ops` (by a get, or expected by a cas) that a write in `among`
    wrote still have such a write in `ops`? A counterexample that dropped the write a read
    saw would be inconsistent for a dull reason (a value from nowhere), so shrinking keeps
    to subsets where this holds."""
    def sources(writes: Iterable[Op]) -> set:
        return {(op.key, written(op)) for op in writes if op.writes and op.status != "fail"}

    wanted = {(op.key, op.result) for op in ops if op.f == "get" and op.status == "ok" and op.result is not None}
    wanted |= {(op.key, op.arg[0]) for op in ops if op.f == "cas" and op.status != "fail" and op.arg[0] is not None}
    return (wanted & sources(among)) <= sources(ops)


def with_sources(ops: list[Op], among: list[Op]) -> list[Op]:
    """`ops` and, from `among`, the writes of every value they read, and of what those read
    (a cas reads too), in history order: the smallest superset that keeps_sources allows."""
    chosen = {op.id: op for op in ops}
    writers: dict[tuple, list[Op]] = {}
    for op in among:
        if op.writes and op.status != "fail":
            writers.setdefault((op.key, written(op)), []).append(op)
    todo = list(ops)
    while todo:
        op = todo.pop()
        read = op.result if op.f == "get" else op.arg[0] if op.f == "cas" else None
        for w in writers.get((op.key, read), ()) if read is not None else ():
            if w.id not in chosen:
                chosen[w.id] = w
                todo.append(w)
    return sorted(chosen.values(), key=lambda op: op.invoke)
