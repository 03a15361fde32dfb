"""Sequential consistency: is there one order of all the operations, keeping each process's
operations in the order it issued them (real time between processes does not count), in
which every operation is legal for the registers?

Unlike linearizability, sequential consistency is not compositional: each key's
sub-history can be sequentially consistent while the whole is not (process 1: put x 1,
get y -> null; process 2: put y 1, get x -> null). So all keys are searched together,
over interleavings of the processes' sequences of operations:

* A search state is (how far each process has got, every register's value); states are
  cached, so each is expanded once.
* A get whose value is the register's current value is taken at once, without branching:
  it changes nothing, and in any order that takes it later it could as well come now.
* Otherwise each process's next operation is tried, the one invoked earliest first, so a
  history from a linearizable system is usually accepted without backtracking.
* A process's last operation may have an unknown outcome (nothing follows it: the driver
  uses a fresh process after a timeout); it may be placed or left out.

Complexity: the number of search states is at most the product over processes of (their
number of operations + 1) times the number of register valuations, exponential in the
number of processes; deciding sequential consistency is NP-complete (Gibbons and Korach,
1997), so an invalid history with many concurrent processes may end in `unknown` at the
timeout. For an invalid history, the operations are shrunk (shrink.py) within a time bound.
"""
from __future__ import annotations

import time

from .format import History, Op
from .model import GET, ILLEGAL, apply, effective_ops, keeps_sources, step_of
from .result import Deadline, OutOfTime, Result, Stats, Verdict
from .shrink import shrink

MODEL = "sequential"
CHECK_EVERY = 2048
SHRINK_SECONDS = 5.0


def check(history: History, timeout: float | None = None, shrink_seconds: float = SHRINK_SECONDS) -> Result:
    started = time.perf_counter()
    deadline = Deadline(timeout)
    counts = [0, 0]  # steps, states

    def done(verdict: Verdict, **extra) -> Result:
        stats = Stats(len(history.ops), len(history.keys), time.perf_counter() - started, *counts)
        return Result(MODEL, verdict, stats, **extra)

    try:
        if sequentially_consistent(list(history.ops), deadline, counts):
            return done(Verdict.VALID)
    except OutOfTime:
        return done(Verdict.UNKNOWN, reason=f"stopped after {timeout:g} s before the search finished")
    budget = deadline.within(shrink_seconds)
    everything = list(history.ops)
    small, minimal = shrink(everything, lambda ops: keeps_sources(ops, everything) and _bad(ops, budget, counts),
                            budget)
    return done(Verdict.INVALID, ops=tuple(small), minimal=minimal,
                reason="no order of the operations keeps every process's program order "
                       "and every read's value")


def sequentially_consistent(ops: list[Op], deadline: Deadline = Deadline(None), counts: list[int] | None = None) -> bool:
    """Raises OutOfTime past the deadline. counts[0] += steps, counts[1] += states, if given."""
    search = _Search(effective_ops(ops))
    try:
        return search.run(deadline)
    finally:
        if counts is not None:
            counts[0] += search.steps
            counts[1] += len(search.seen)


class _Search:
    def __init__(self, ops: list[Op]) -> None:
        by_process: dict[int, list[Op]] = {}
        for op in sorted(ops, key=lambda op: op.invoke):
            by_process.setdefault(op.process, []).append(op)
        keys = sorted({op.key for op in ops})
        slot = {key: i for i, key in enumerate(keys)}
        self.lanes = list(by_process.values())
        # per process, per position: (register index, step, invoked at)
        self.plan = [[(slot[op.key], step_of(op), op.invoke) for op in lane] for lane in self.lanes]
        # a process is done at its length, or one short of it if its last operation may be left out
        self.done_at = [len(lane) - (lane[-1].status == "info") for lane in self.lanes]
        self.start = (tuple(0 for _ in self.lanes), tuple(None for _ in keys))
        self.seen: set = set()
        self.steps = 0

    def run(self, deadline: Deadline) -> bool:
        stack = [self._reads(*self.start)]
        self.seen.add(stack[0])
        while stack:
            where, values = stack.pop()
            if all(w >= d for w, d in zip(where, self.done_at)):
                return True
            self.steps += 1
            if self.steps % CHECK_EVERY == 0:
                deadline.check()
            for nxt in reversed(self._moves(where, values)):  # the stack pops the earliest first
                if nxt not in self.seen:
                    self.seen.add(nxt)
                    stack.append(nxt)
        return False

    def _moves(self, where: tuple[int, ...], values: tuple) -> list[tuple]:
        """The states one operation further, earliest-invoked operation first; leaving out a
        last unknown-outcome operation is a move too."""
        candidates = []
        for p, at in enumerate(where):
            if at < len(self.plan[p]):
                slot, step, invoked = self.plan[p][at]
                after = apply(step, values[slot])
                if after is not ILLEGAL:
                    candidates.append((invoked, p, slot, after))
                if at == self.done_at[p]:  # the unknown-outcome last operation: leave it out
                    candidates.append((invoked, p, None, None))
        candidates.sort(key=lambda c: c[0])  # stable: placing before leaving out
        return [self._reads(*_advance(where, values, p, slot, after)) for _, p, slot, after in candidates]

    def _reads(self, where: tuple[int, ...], values: tuple) -> tuple:
        """Take every get that reads the current value, until none does (see the module
        docstring for why that loses no order)."""
        moved = True
        while moved:
            moved = False
            for p, at in enumerate(where):
                plan = self.plan[p]
                while at < len(plan) and plan[at][1].kind == GET and values[plan[at][0]] == plan[at][1].a:
                    at += 1
                if at != where[p]:
                    where = where[:p] + (at,) + where[p + 1:]
                    moved = True
        return where, values


def _advance(where: tuple[int, ...], values: tuple, p: int, slot: int | None, after) -> tuple:
    where = where[:p] + (where[p] + 1,) + where[p + 1:]
    if slot is not None:
        values = values[:slot] + (after,) + values[slot + 1:]
    return where, values


def _bad(ops: list[Op], deadline: Deadline, counts: list[int]) -> bool:
    """Known not to be sequentially consistent (undecided in time counts as not known)."""
    try:
        return not sequentially_consistent(ops, deadline, counts)
    except OutOfTime:
        return False
