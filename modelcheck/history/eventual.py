"""Eventual convergence: once the writes have stopped, do the replicas agree, on a value
that was written?

The cluster driver ends a run with a quiet period and then reads every key directly from
every replica, tagging those gets with `node`. The final reads are the successful,
node-tagged gets invoked after the quiet point: `quiet_after` (a time) if the history gives
it, else after the last event of every write (its completion, or its invocation when the
history ends before one). For each key they read, all final reads must return the same
value, and that value must be one a write could have left: the value of a put or the new
value of a cas that succeeded or has an unknown outcome, or null if no write of the key
is known to have succeeded.
"""
from __future__ import annotations

import time

from .format import History, HistoryError, Op, show
from .model import written
from .result import Result, Stats, Verdict

MODEL = "eventual"


def check(history: History, timeout: float | None = None) -> Result:
    """`timeout` is accepted for a uniform interface; this check is linear in the history."""
    started = time.perf_counter()
    finals = final_reads(history)
    by_key: dict[str, list[Op]] = {}
    for op in finals:
        by_key.setdefault(op.key, []).append(op)
    unread = sorted({op.key for op in history.ops if op.writes} - set(by_key))
    notes = (f"not read by any replica after the writes: {', '.join(unread)}",) if unread else ()

    def done(verdict: Verdict, **extra) -> Result:
        stats = Stats(len(history.ops), len(history.keys), time.perf_counter() - started)
        return Result(MODEL, verdict, stats, notes=notes, **extra)

    for key, reads in by_key.items():
        problem = _disagreement(reads) or _unwritten(history, key, reads[0].result)
        if problem:
            return done(Verdict.INVALID, key=key, ops=tuple(reads), reason=problem, reads=_per_replica(reads))
    return done(Verdict.VALID)


def final_reads(history: History) -> list[Op]:
    ops = history.ops
    if history.quiet_after is not None:
        untimed = next((op for op in ops if op.node is not None and op.invoke_time is None), None)
        if untimed is not None:
            raise HistoryError(f"event {untimed.invoke}: the history has \"quiet_after\", so reads tagged with "
                               "\"node\" need a \"time\"")
        finals = [op for op in ops if op.node is not None and op.invoke_time >= history.quiet_after]
        after = f"quiet_after ({history.quiet_after:g} s)"
    else:
        last = max((op.complete if op.complete is not None else op.invoke for op in ops if op.writes), default=-1)
        finals = [op for op in ops if op.invoke > last]
        after = f"the last write's last event ({last})" if last >= 0 else "the start"
    finals = [op for op in finals if op.f == "get" and op.status == "ok" and op.node is not None]
    if not finals:
        raise HistoryError(f"the eventual model needs the replicas' final reads: successful gets with a \"node\" "
                           f"field, invoked after {after}; this history has none")
    return finals


def _per_replica(reads: list[Op]) -> dict[str, list]:
    out: dict[str, list] = {}
    for op in reads:
        out.setdefault(op.node, []).append(op.result)
    return out


def _disagreement(reads: list[Op]) -> str:
    replicas = _per_replica(reads)
    if len({v for values in replicas.values() for v in values}) <= 1:
        return ""
    said = "; ".join(f"{node} read {', '.join(show(v) for v in values)}" for node, values in sorted(replicas.items()))
    return f"the replicas disagree on key {reads[0].key!r} after the writes ended: {said}"


def _unwritten(history: History, key: str, value) -> str:
    writes = [op for op in history.ops if op.key == key and op.writes and op.status != "fail"]
    if any(op.f == "append" for op in writes):  # any concatenation could be left: not judged
        return ""
    possible = {written(op) for op in writes}
    succeeded = [op for op in writes if op.status == "ok"]
    initial = history.ops[0].initial
    if value in possible or (value == initial and not succeeded):
        return ""
    if value == initial:
        state = "has no value" if initial is None else f"has the initial value {show(initial)}"
        return (f"every replica {state} for key {key!r}, but {succeeded[0].describe()} by process "
                f"{succeeded[0].process} succeeded")
    return f"every replica read {show(value)} for key {key!r}, a value no write of {key!r} could have left"
