"""Sequential consistency: is there one order of all the operations, keeping each process's
operations in the order it issued them (real time between processes does not count), in
which every operation is legal for the registers?

Unlike linearizability, sequential consistency is not compositional: each key's
sub-history can be sequentially consistent while the whole is not (process 1: put x 1,
get y -> null; process 2: put y 1, get x -> null). The check (`decide`, whose docstring
lists its steps) goes from cheap to expensive: linearizability per key; refutations of one
key alone (saturate.py, then a search of the key); witnesses built from per-key orders
(witness.py, and saturation with the linearizations as chains); saturation across keys;
and last the search over all keys together, over interleavings of the processes'
sequences of operations (`_Search`):

* A search state is (how far each process has got, every register's value); states are
  cached, so each is expanded once.
* A get whose value is the register's current value is taken at once, without branching:
  it changes nothing, and in any order that takes it later it could as well come now.
* A write that overwrites a value some read not yet placed still needs, with no other write
  of that value left to place, is not tried: that read could never be placed after it.
* Otherwise each process's next operation is tried, the one invoked earliest first, so a
  history from a linearizable system is usually accepted without backtracking.
* A process's last operation may have an unknown outcome (nothing follows it: the driver
  uses a fresh process after a timeout); it may be placed or left out.

Complexity: the steps before the search are polynomial. The search's states are at most
the product over processes of (their number of operations + 1) times the number of register
valuations, exponential in the number of processes; deciding sequential consistency is
NP-complete (Gibbons and Korach, 1997). So a history that the cheap steps cannot decide,
with many concurrent processes, may end `unknown` at the timeout. For an invalid history,
the operations are shrunk (shrink.py) within a time bound.
"""
from __future__ import annotations

import time

from . import linearizable, smt, witness
from .format import History, Op
from .model import CAS, GET, ILLEGAL, PUT, apply, appended_keys, effective_ops, keeps_sources, step_of, written
from .result import Deadline, Effort, OutOfTime, Result, Stats, Verdict
from .saturate import analyse_all, key_refutation, refutation
from .shrink import around, shrink

MODEL = "sequential"
CHECK_EVERY = 2048
SHRINK_SECONDS = 5.0
SEARCH_BEFORE_SMT = 0.25  # seconds of search before the question goes to Z3
LINEARIZE_SECONDS = 1.0  # at most this long looking for per-key linearizations (steps 1 and 5)


def check(history: History, timeout: float | None = None, shrink_seconds: float = SHRINK_SECONDS) -> Result:
    started = time.perf_counter()
    deadline = Deadline(timeout)
    effort = Effort()

    def done(verdict: Verdict, **extra) -> Result:
        stats = Stats(len(history.ops), len(history.keys), time.perf_counter() - started, effort.steps, effort.states)
        return Result(MODEL, verdict, stats, **extra)

    everything = list(history.ops)
    try:
        consistent, refuted = decide(everything, deadline, effort)
    except OutOfTime:
        return done(Verdict.UNKNOWN, reason=f"stopped after {timeout:g} s before the search finished")
    if consistent:
        return done(Verdict.VALID)
    budget = deadline.within(shrink_seconds)
    if refuted is None:
        small, minimal = shrink(everything, lambda ops: keeps_sources(ops, everything, False)
                                and _bad(ops, budget, effort), budget)
        return done(Verdict.INVALID, ops=tuple(small), minimal=minimal,
                    reason="no order of the operations keeps every process's program order and every read's value")
    key, cycle = refuted
    small, minimal = _shrink_refuted([op for op in everything if key in (None, op.key)], cycle, budget, effort)
    if key is not None:
        reason = (f"the operations on key {key!r} alone already have no order that keeps every process's "
                  "program order and every read's value")
    else:
        keys = ", ".join(sorted({op.key for op in small}))
        reason = ("no order of the operations keeps every process's program order and every read's value: "
                  f"they force a cycle of operations that must come before each other, through keys {keys}")
    return done(Verdict.INVALID, key=key, ops=tuple(small), minimal=minimal, reason=reason)


def _shrink_refuted(ops: list[Op], cycle: list[Op], budget: Deadline, effort: Effort) -> tuple[list[Op], bool]:
    """A small part of a key's operations that are inconsistent alone: if saturation found a
    cycle, near it and shrunk while saturation still refutes it (fast); then shrunk while it
    stays inconsistent."""
    def refuted(subset: list[Op]) -> bool:
        return keeps_sources(subset, ops, False) and _saturation_refutes(subset, budget)

    start = ops
    if cycle:
        first = min(op.invoke for op in cycle)
        last = max(op.complete if op.complete is not None else op.invoke for op in cycle)
        start, _ = shrink(around(ops, first, last, refuted, real_time=False) or ops, refuted, budget)
    return shrink(start, lambda subset: keeps_sources(subset, ops, False) and _bad(subset, budget, effort), budget)


def decide(ops: list[Op], deadline: Deadline, effort: Effort) -> tuple[bool, tuple[str | None, list[Op]] | None]:
    """Sequentially consistent? If not, and saturation or a key alone proved it: the key
    (None for a contradiction through several keys) and the cycle saturation found (empty if
    the search of a key found none). The cheap answers first:

    1. every key linearizable: consistent (real-time order includes program order). The
       keys' searches take turns for LINEARIZE_SECONDS; a key not decided by then is treated
       as one without a linearization (which costs only time in the steps below);
    2. a key that saturation (saturate.py), or a search of that key alone (key_orders: the
       keys in turns, Z3 if they stall), shows to have no order keeping program order:
       inconsistent (the restriction of a consistent order to a key would be one);
    3. an order of each key (a linearization, or the one that search found) that merges with
       program order (witness.py): consistent;
    4. saturation of all keys together finds a contradiction: inconsistent;
    5. saturation of all keys with each key's linearization as a chain (for a key that has
       none, of the key without the few operations the search is stuck at) gives an order,
       earliest completed first, that is legal: consistent;
    6. sequential_order of all keys together: the search, and Z3 if the search stalls."""
    by_key = list(linearizable.ops_by_key(ops).values())
    found = linearizable.linearizations(by_key, deadline.within(LINEARIZE_SECONDS), effort)
    deadline.check()
    orders = [s.answer for s in found if isinstance(s.answer, list)]  # a linearization of each key that has one
    pending = [(key_ops, s) for key_ops, s in zip(by_key, found) if not isinstance(s.answer, list)]
    bad = [key_ops for key_ops, _ in pending]  # or not known to have one yet
    if not bad:
        return True, None
    for key_ops in bad:
        refuted = key_refutation(key_ops, deadline)
        if refuted is not None:
            return False, refuted
    searched = key_orders(bad, deadline, effort, [s for _, s in pending])
    if isinstance(searched, str):
        return False, (searched, [])
    if witness.merge(orders + searched) is not None:
        return True, None
    cycle, _ = analyse_all(ops, deadline)
    if cycle:
        return False, (None, cycle)
    if follows_linearizations(ops, orders, bad, deadline, effort):
        return True, None
    return sequential_order(ops, deadline, effort) is not None, None


def key_orders(keys: list[list[Op]], deadline: Deadline, effort: Effort,
               linearizing: list[linearizable.Linearizing]) -> list[list[Op]] | str:
    """A sequentially consistent order of each key's operations alone, or the first key
    found to have none. The keys' searches take turns (one key quickly shown inconsistent
    decides, however long the others' searches), and so, for equal time, does each key's
    undecided search for a linearization (`linearizing`, which may end first: a
    linearization is such an order); after SEARCH_BEFORE_SMT seconds, Z3 decides the keys
    it can (smt.py). Raises OutOfTime past the deadline."""
    searches = [_Search(effective_ops(key_ops)) for key_ops in keys]
    running = {i: search.searching() for i, search in enumerate(searches)}
    orders: dict[int, list[Op]] = {}
    smt_after = Deadline(SEARCH_BEFORE_SMT)
    spent = [[0.0, 0.0] for _ in keys]  # seconds in each key's (linearization, sequential) search
    try:
        while running:
            for i, steps in list(running.items()):
                deadline.check()
                started = time.perf_counter()
                if linearizing[i].answer is linearizable.UNDECIDED and spent[i][0] <= spent[i][1]:
                    ended = linearizing[i].advance()
                    spent[i][0] += time.perf_counter() - started
                    if ended and linearizing[i].answer is not None:
                        orders[i] = linearizing[i].answer
                        del running[i]
                    continue
                try:
                    next(steps)
                    spent[i][1] += time.perf_counter() - started
                except StopIteration:
                    del running[i]
                    if searches[i].found is None:
                        return keys[i][0].key
                    orders[i] = searches[i].order()
            if smt_after.expired():
                for i in list(running):
                    del running[i]
                    order = smt.sequential_order(keys[i], deadline)
                    if order is None:
                        return keys[i][0].key
                    orders[i] = order
    finally:
        effort.steps += sum(search.steps for search in searches)
        effort.states += sum(len(search.seen) for search in searches)
    return [orders[i] for i in range(len(keys))]


def sequential_order(ops: list[Op], deadline: Deadline, effort: Effort) -> list[Op] | None:
    """A sequentially consistent order of the operations (left-out unknown outcomes not in
    it), or None if there is none: the search's, or, if the search has not finished within
    SEARCH_BEFORE_SMT seconds, Z3's (smt.py). Raises OutOfTime past the deadline."""
    budget = deadline.within(SEARCH_BEFORE_SMT)
    try:
        search = run_search(ops, budget, effort)
        return search.order() if search.found is not None else None
    except OutOfTime:
        deadline.check()  # the whole check's time is up, not just the search's
    return smt.sequential_order(ops, deadline)


def follows_linearizations(ops: list[Op], orders: list[list[Op]], bad: list[list[Op]], deadline: Deadline,
                            effort: Effort) -> bool:
    """Step 5's witness: saturation of all keys with each key's linearization as a chain (a
    non-linearizable key's with the few operations it is stuck at left out to float), then
    its order, if legal."""
    chains = list(orders)
    try:
        for key_ops in bad:  # a heuristic: it may give up, but not hold up the steps after it
            found = linearizable.linearization_without(key_ops, deadline.within(LINEARIZE_SECONDS), effort)
            if found is None:
                return False
            chains.append(found[0])
    except OutOfTime:
        deadline.check()
        return False
    cycle, order = analyse_all(ops, deadline, chains)
    return not cycle and witness.legal(order)


def run_search(ops: list[Op], deadline: Deadline, effort: Effort | None) -> "_Search":
    """The search over these operations, run (raises OutOfTime past the deadline)."""
    search = _Search(effective_ops(ops))
    try:
        search.run(deadline)
    finally:
        if effort is not None:
            effort.steps += search.steps
            effort.states += len(search.seen)
    return search


def sequentially_consistent(ops: list[Op], deadline: Deadline = Deadline(None), effort: Effort | None = None) -> bool:
    """The search alone (step 4 of decide). Raises OutOfTime past the deadline."""
    return run_search(ops, deadline, effort).found is not None


class _Search:
    def __init__(self, ops: list[Op]) -> None:
        by_process: dict[int, list[Op]] = {}
        for op in sorted(ops, key=lambda op: op.invoke):
            by_process.setdefault(op.process, []).append(op)
        keys = sorted({op.key for op in ops})
        slot = {key: i for i, key in enumerate(keys)}
        initial = {op.key: op.initial for op in ops}
        # on a key with appends a value can be built again, so overwriting it loses nothing for good
        self.rebuildable = {slot[key] for key in appended_keys(ops)}
        self.lanes = list(by_process.values())
        # per process, per position: (register index, step, invoked at)
        self.plan = [[(slot[op.key], step_of(op), op.invoke) for op in lane] for lane in self.lanes]
        # a process is done at its length, or one short of it if its last operation may be left out
        self.done_at = [len(lane) - (lane[-1].status == "info") for lane in self.lanes]
        self.readers: dict[tuple[int, object], list[tuple[int, int]]] = {}  # (register, value) -> (process, position)
        self.writers: dict[tuple[int, object], list[tuple[int, int]]] = {}
        for p, lane in enumerate(self.lanes):
            for at, op in enumerate(lane):
                s = self.plan[p][at][1]
                if s.kind in (GET, CAS) and op.status == "ok":  # an unknown-outcome cas need not read
                    self.readers.setdefault((slot[op.key], s.a), []).append((p, at))
                if s.kind in (PUT, CAS):
                    self.writers.setdefault((slot[op.key], written(op)), []).append((p, at))
        self.start = (tuple(0 for _ in self.lanes), tuple(initial[key] for key in keys))
        self.seen: dict = {}  # state -> (the state before, process that moved, placed or left out)
        self.found = None
        self.steps = 0

    def run(self, deadline: Deadline) -> bool:
        """Search to the end (raises OutOfTime past the deadline): is there an order?"""
        for _ in self.searching():
            deadline.check()
        return self.found is not None

    def searching(self):
        """The search as a generator that pauses every CHECK_EVERY steps, so that a caller
        can look at the clock or run several searches in turns; `found` is set at the end."""
        first = self._reads(*self.start)
        self.seen[first] = None
        stack = [first]
        while stack:
            state = stack.pop()
            where = state[0]
            if all(w >= d for w, d in zip(where, self.done_at)):
                self.found = state
                return
            self.steps += 1
            if self.steps % CHECK_EVERY == 0:
                yield
            for nxt, p, placed in reversed(self._moves(*state)):  # the stack pops the earliest first
                if nxt not in self.seen:
                    self.seen[nxt] = (state, p, placed)
                    stack.append(nxt)

    def order(self) -> list[Op]:
        """After run() returned True: the operations in the order found (left-out ones not)."""
        steps: list[list[Op]] = []
        state = self.found
        while state is not None:
            came = self.seen[state]
            before = came[0][0] if came else tuple(0 for _ in self.lanes)
            placed: list[Op] = []
            if came and came[2]:  # the move itself, then the reads taken after it
                placed.append(self.lanes[came[1]][before[came[1]]])
            for p, (a, b) in enumerate(zip(before, state[0])):
                skip = 1 if came and p == came[1] else 0
                placed.extend(self.lanes[p][a + skip:b])
            steps.append(placed)
            state = came[0] if came else None
        return [op for placed in reversed(steps) for op in placed]

    def _moves(self, where: tuple[int, ...], values: tuple) -> list[tuple]:
        """The states one operation further, earliest-invoked operation first, each with the
        process that moved and whether its operation was placed (leaving out a last
        unknown-outcome operation is a move too)."""
        candidates = []
        for p, at in enumerate(where):
            if at < len(self.plan[p]):
                slot, step, invoked = self.plan[p][at]
                after = apply(step, values[slot])
                if after is not ILLEGAL and (after == values[slot] or slot in self.rebuildable
                                             or not self._needed(slot, values[slot], where, p)):
                    candidates.append((invoked, p, slot, after))
                if at == self.done_at[p]:  # the unknown-outcome last operation: leave it out
                    candidates.append((invoked, p, None, None))
        candidates.sort(key=lambda c: c[0])  # stable: placing before leaving out
        return [(self._reads(*_advance(where, values, p, slot, after)), p, slot is not None)
                for _, p, slot, after in candidates]

    def _needed(self, slot: int, value, where: tuple[int, ...], mover: int) -> bool:
        """Would overwriting `value` (by `mover`'s next operation) lose it for good while a
        read still needs it? Then no order goes on from here."""
        def pending(q: int, at: int) -> bool:
            return at > where[q] or (at == where[q] and q != mover)
        return (any(pending(q, at) for q, at in self.readers.get((slot, value), ()))
                and not any(pending(q, at) for q, at in self.writers.get((slot, value), ())))

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


def _saturation_refutes(ops: list[Op], deadline: Deadline) -> bool:
    """Proved not sequentially consistent by saturation, within the deadline."""
    try:
        return bool(refutation(ops, deadline))
    except OutOfTime:
        return False


def _bad(ops: list[Op], deadline: Deadline, effort: Effort) -> bool:
    """Known not to be sequentially consistent (undecided in time counts as not known)."""
    try:
        return not decide(ops, deadline, effort)[0]
    except OutOfTime:
        return False
