"""The key-value store's semantics: one register per key, holding the history's initial
value (null unless it says) until an operation changes it.

Each operation becomes a `Step` the checkers apply to a register's value; `effective_ops`
removes the operations that cannot matter to any order, so the searches see fewer.

A put and a cas leave a value known in advance (`written`), so a read's value names the
writes it can have seen. An append (of a string) leaves one that depends on the value
before it; on a key that is appended to, the checkers give up what relies on known written
values (`appended_keys`) and a read's possible sources are the writes whose text it contains.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from .format import Op, Value

GET, PUT, CAS, APPEND = 0, 1, 2, 3
ILLEGAL = object()  # apply()'s answer when the operation cannot happen in this state


@dataclass(frozen=True, slots=True)
class Step:
    """What an operation does to its register: a get that read `a` needs the value to be a;
    a put writes `a`; a cas needs `a` and writes `b`; an append writes the value followed by `a`."""
    kind: int
    a: Value
    b: Value = None


def step_of(op: Op) -> Step:
    if op.f == "get":
        return Step(GET, op.result)
    if op.f == "put":
        return Step(PUT, op.arg)
    if op.f == "append":
        return Step(APPEND, op.arg)
    return Step(CAS, op.arg[0], op.arg[1])


def apply(step: Step, value: Value):
    """The register's value after the step, or ILLEGAL if the step cannot happen now."""
    if step.kind == PUT:
        return step.a
    if step.kind == APPEND:
        return value + step.a  # format.py makes sure an appended key holds strings
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
    appended = appended_keys(kept)  # an append observes the value before it: keep every write
    return [op for op in kept if op.status == "ok" or op.key in appended or (op.key, written(op)) in observed]


def written(op: Op) -> Value:
    """The value a put or cas leaves in its register (an append's depends on the one before)."""
    return op.arg if op.f == "put" else op.arg[1]


def appended_keys(ops: Iterable[Op]) -> set[str]:
    return {op.key for op in ops if op.f == "append"}


def read_value(op: Op) -> Value:
    """The value a successful get read, or a cas expected."""
    return op.result if op.f == "get" else op.arg[0]


def keeps_sources(ops: list[Op], among: Iterable[Op], real_time: bool = True) -> bool:
    """Does every read in `ops` (a successful get, or a cas that did not fail) that has a
    possible source in `among` (`sources`) keep one in `ops`; on a key with appends, every
    write whose text it contains? A counterexample that dropped the write a read saw would
    be inconsistent for a dull reason (a value from nowhere), so shrinking keeps to subsets
    where this holds."""
    kept = {op.id for op in ops}
    appended = appended_keys(among)
    for op in ops:
        found = sources(op, among, real_time)
        if found and not (all if op.key in appended else any)(w.id in kept for w in found):
            return False
    return True


def with_sources(ops: list[Op], among: list[Op], real_time: bool = True) -> list[Op]:
    """`ops` and, from `among`, every possible source of what they read, and of what those
    read (a cas reads too), in history order: a superset that keeps_sources allows."""
    chosen = {op.id: op for op in ops}
    todo = list(ops)
    while todo:
        for w in sources(todo.pop(), among, real_time):
            if w.id not in chosen:
                chosen[w.id] = w
                todo.append(w)
    return sorted(chosen.values(), key=lambda op: op.invoke)


def sources(read: Op, among: Iterable[Op], real_time: bool = True) -> list[Op]:
    """The writes in `among` that could have left the value `read` saw (a get's result, a
    cas's expected value): writes of its key that did not fail, other than `read` itself,
    except a cas that expects the value it writes (it can only leave a value that was
    already there, so something else wrote it), and, with `real_time` (linearizability),
    except writes invoked after `read` completed (they come after it in every order). On a
    key with puts and cas only, the writes of exactly that value; on a key with appends,
    every write whose text occurs in it. A read of the initial value needs no source."""
    if not (read.f == "cas" and read.status != "fail" or read.f == "get" and read.status == "ok"):
        return []
    value = read_value(read)
    if value == read.initial:
        return []
    among = list(among)
    pieces = isinstance(value, str) and any(w.f == "append" and w.key == read.key for w in among)
    out = []
    for w in among:
        if w.key != read.key or not w.writes or w.status == "fail" or w.id == read.id:
            continue
        if w.f == "cas" and w.arg[0] == w.arg[1] or real_time and read.complete is not None and \
                read.status != "info" and w.invoke > read.complete:
            continue
        text = w.arg if w.f in ("put", "append") else w.arg[1]
        if text == value or pieces and isinstance(text, str) and text and text in value:
            out.append(w)
    return out
