"""Linearizability: is there one order of the operations, consistent with real time (an
operation that completed before another was invoked comes first), in which every operation
is legal for the register?

The search is Wing and Gong's, with Lowe's improvements, as Porcupine does it:

* **Per key.** Operations on different keys do not interact and linearizability is
  compositional (Herlihy and Wing): the history is linearizable iff each key's
  sub-history is. Each key is searched alone, which turns one product of searches into a sum;
  the keys' searches take turns, so one bad key found quickly decides the history.
* **Depth-first over an entry list.** Every operation has a call entry (at its invocation)
  and a return entry (at its completion; at the very end for an unknown outcome). Walking
  the list from its head, a call whose operation is legal now is linearized: its call and
  return entries are lifted out of the doubly linked list and the walk restarts at the head.
  Reaching a return entry means an operation that has completed was not linearized:
  backtrack (unlift the last linearized call and try the call after it).
* **A cache of (linearized set, register value).** Two paths that linearized the same set
  and left the same value have the same futures, so the second is pruned. The set is a
  Python int used as a bitset.

A get that can read the register's value now is linearized now, without trying
alternatives: wherever a linearization from here puts it later, it could be moved here (it
has been invoked, everything that must precede it is linearized, and it changes nothing).
If the state after it fails, the state before it fails too. This keeps concurrent reads of
one value from making 2^n search states.

An operation with an unknown outcome may be linearized anywhere after its invocation or not
at all: its return entry is at the end, and the search succeeds as soon as every operation
that completed is linearized. One more pruning keeps such operations from multiplying the
search: one is only linearized if the next operation observes the value it wrote (a get or
a cas, not a put: `observe` in the search state). An order where a put follows instead,
or nothing does, stays an order without the unknown write, which the search also tries, so
nothing is lost; without this, every subset of the timed-out writes pending at a point
made its own search states.

For an invalid key the answer is made small (`offending`): the shortest prefix of the
history (cut after a completion) that is already not linearizable, whose last completion is
the operation that cannot be placed; then the operations near that one (and the writes
their reads saw) that are still not linearizable; then shrunk by leaving operations out
while the rest stays not linearizable (shrink.py), all within a time bound.
"""
from __future__ import annotations

import time
from dataclasses import replace

from .format import History, Op, show
from .model import (ILLEGAL, apply, appended_keys, effective_ops, keeps_sources, read_value, sources, step_of,
                    with_sources)
from .result import Deadline, Effort, OutOfTime, Result, Stats, Verdict
from .shrink import around, shrink

MODEL = "linearizable"
CHECK_EVERY = 4096  # search steps between looks at the clock
_NO_READ = object()  # what a put reads
SHRINK_SECONDS = 5.0  # at most this long making a counterexample small


def check(history: History, timeout: float | None = None, shrink_seconds: float = SHRINK_SECONDS) -> Result:
    started = time.perf_counter()
    deadline = Deadline(timeout)
    search = Effort()
    by_key = ops_by_key(history.ops)

    def done(verdict: Verdict, **extra) -> Result:
        stats = Stats(len(history.ops), len(history.keys), time.perf_counter() - started, search.steps, search.states)
        return Result(MODEL, verdict, stats, **extra)

    try:
        key = first_bad_key(by_key, deadline, search)
        if key is not None:
            ops = by_key[key]
            culprit, small, minimal = offending(ops, deadline.within(shrink_seconds), search)
            return done(Verdict.INVALID, key=key, ops=tuple(small), culprit=culprit, minimal=minimal,
                        reason=f"the operations on key {key!r} have no linearization: {culprit.describe()} "
                               f"by process {culprit.process} cannot be placed" + _from_nowhere(culprit, ops))
    except OutOfTime:
        return done(Verdict.UNKNOWN, reason=f"stopped after {timeout:g} s before the search finished")
    return done(Verdict.VALID)


def ops_by_key(ops: tuple[Op, ...] | list[Op]) -> dict[str, list[Op]]:
    out: dict[str, list[Op]] = {}
    for op in ops:
        out.setdefault(op.key, []).append(op)
    return out


def first_bad_key(by_key: dict[str, list[Op]], deadline: Deadline, search: Effort) -> str | None:
    """A key whose operations are not linearizable, or None if the whole history is.

    The keys' searches run in turns, a slice of steps each, so that a key quickly shown bad
    is found before keys whose searches are long (any bad key decides the history); a
    search is paused between its turns, not begun again, so nothing is done twice."""
    running = {key: _searching(ops, search) for key, ops in by_key.items()}
    while running:
        for key, steps in list(running.items()):
            try:
                next(steps)
            except StopIteration as finished:
                if finished.value is not None:
                    return key
                del running[key]
            deadline.check()
    return None


UNDECIDED = "undecided"  # Linearizing.answer while the search goes on


class Linearizing:
    """A search for a linearization of one key's operations that runs a slice at a time."""

    def __init__(self, ops: list[Op], search: Effort) -> None:
        self.order: list[Op] = []
        self.steps = _searching(ops, search, self.order)
        self.answer: list[Op] | None | str = UNDECIDED  # a linearization, None if there is none

    def advance(self) -> bool:
        """Search one slice further; True once it has ended (`answer` says how)."""
        try:
            next(self.steps)
            return False
        except StopIteration as finished:
            self.answer = self.order if finished.value is None else None
            return True


def linearizations(keys: list[list[Op]], deadline: Deadline, search: Effort) -> list[Linearizing]:
    """A search for each key's linearization, run in turns until all have ended or the
    deadline has passed (so the quick ones end however long the others are); those still
    UNDECIDED can be advanced further."""
    searches = [Linearizing(ops, search) for ops in keys]
    running = list(searches)
    while running and not deadline.expired():
        running = [s for s in running if not s.advance()]
    return searches


def linearizable(ops: list[Op], deadline: Deadline = Deadline(None), search: Effort | None = None) -> bool:
    """Is this single key's history linearizable? Raises OutOfTime past the deadline."""
    return _search(ops, deadline, search) is None


def linearization(ops: list[Op], deadline: Deadline, search: Effort) -> list[Op] | None:
    """A linearization of a single key's history (the operations left out not in it), or None."""
    order: list[Op] = []
    return order if _search(ops, deadline, search, order) is None else None


def linearization_without(ops: list[Op], deadline: Deadline, search: Effort,
                          most: int = 5) -> tuple[list[Op], list[Op]] | None:
    """A linearization of a key's history with a few operations left out (each time the
    search is stuck, the operation it is stuck at), and those; None if `most` are not enough."""
    left_out: list[Op] = []
    while len(left_out) <= most:
        order: list[Op] = []
        stuck = _search([op for op in ops if op not in left_out], deadline, search, order)
        if stuck is None:
            return order, left_out
        left_out.append(stuck)
    return None


def _stuck_at(ops: list[Op], deadline: Deadline, search: Effort) -> Op | None:
    try:
        return _search(ops, deadline, search)
    except OutOfTime:
        return None


def _search(ops: list[Op], deadline: Deadline, search: Effort | None, order: list[Op] | None = None) -> Op | None:
    """None if the key's history is linearizable (and then `order`, if given, is filled with
    the linearization), else the operation whose completion the search got furthest to
    without linearizing it (where it was stuck). Raises OutOfTime past the deadline."""
    steps = _searching(ops, search, order)
    while True:
        try:
            next(steps)
        except StopIteration as finished:
            return finished.value
        deadline.check()


def _searching(ops: list[Op], search: Effort | None, order: list[Op] | None = None):
    """_search as a generator that pauses every CHECK_EVERY steps (so that a caller can look
    at the clock, or run several searches in turns) and returns its answer. One function,
    with the list's arrays in locals, because this is the inner loop (see the module
    docstring for what each part does)."""
    ops = effective_ops(ops)
    search = search if search is not None else Effort()
    if not ops:
        return None
    steps = [step_of(op) for op in ops]
    needed = [op.status == "ok" for op in ops]
    blind = [op.f == "put" for op in ops]
    reads = [op.result if op.f == "get" else _NO_READ for op in ops]
    entries = _Entries(ops)
    nxt, op_of, is_call = entries.nxt, entries.op, entries.is_call
    head = entries.head
    remaining = sum(needed)
    cache: set[tuple[int, object, bool]] = set()
    stack: list[tuple[int, object, bool, bool]] = []  # (call entry, value before it, observe, forced)
    linearized, value, observe = 0, ops[0].initial, False
    entry, fresh = nxt[head], True
    count = 0
    stuck = 0  # the furthest return entry reached
    while remaining:
        count += 1
        if count % CHECK_EVERY == 0:
            yield
        if fresh:  # a new state: a get that can read the value now is taken without branching
            fresh = False
            get = nxt[head]
            while is_call[get] and reads[op_of[get]] != value:
                get = nxt[get]
            if is_call[get]:
                state = (linearized | 1 << op_of[get], value, False)
                if state in cache:
                    entry = -1  # failed before, so does this state: backtrack
                else:
                    cache.add(state)
                    stack.append((get, value, observe, True))
                    linearized, value, observe = state
                    remaining -= 1
                    entries.lift(get)
                    fresh = True
                    continue
            else:
                entry = nxt[head]
        if entry != -1 and is_call[entry]:
            i = op_of[entry]
            after = apply(steps[i], value) if not (observe and blind[i]) else ILLEGAL
            if after is not ILLEGAL:
                state = (linearized | 1 << i, after, not needed[i])
                if state not in cache:
                    cache.add(state)
                    stack.append((entry, value, observe, False))
                    linearized, value, observe = state
                    remaining -= needed[i]
                    entries.lift(entry)
                    fresh = True
                    continue
            entry = nxt[entry]
            continue
        # a completed operation is not linearized yet: undo the last choice, try the next
        stuck = max(stuck, entry)
        forced = True
        while forced:
            if not stack:
                return _account(search, count, cache, ops[op_of[stuck]])
            entry, value, observe, forced = stack.pop()
            i = op_of[entry]
            linearized &= ~(1 << i)
            remaining += needed[i]
            entries.unlift(entry)
        entry = nxt[entry]
    if order is not None:
        order.extend(ops[op_of[e]] for e, *_ in stack)
    return _account(search, count, cache, None)


def _account(search: Effort, steps: int, cache: set, answer: Op | None) -> Op | None:
    search.steps += steps
    search.states += len(cache)
    return answer


class _Entries:
    """The doubly linked list of call and return entries, in history order, with lift
    (take an operation's two entries out) and unlift (put them back, in reverse order of
    lifting). Entry 0 is the head; arrays, not objects, because this is the inner loop."""

    def __init__(self, ops: list[Op]) -> None:
        order = sorted([(op.invoke, 0, i) for i, op in enumerate(ops)]
                       + [(op.returns, 1, i) for i, op in enumerate(ops)])
        n = len(order) + 1
        self.head = 0
        self.op = [-1] + [i for _, _, i in order]
        self.is_call = [False] + [kind == 0 for _, kind, _ in order]
        self.nxt = list(range(1, n)) + [n]  # n: past the end
        self.prv = [-1] + list(range(n - 1))
        self.match = [0] * n  # call entry -> its return entry
        call_of = {}
        for e in range(1, n):
            if self.is_call[e]:
                call_of[self.op[e]] = e
            else:
                self.match[call_of[self.op[e]]] = e

    def _unlink(self, e: int) -> None:
        nxt, prv = self.nxt, self.prv
        nxt[prv[e]] = nxt[e]
        if nxt[e] < len(prv):
            prv[nxt[e]] = prv[e]

    def _relink(self, e: int) -> None:
        nxt, prv = self.nxt, self.prv
        nxt[prv[e]] = e
        if nxt[e] < len(prv):
            prv[nxt[e]] = e

    def lift(self, call: int) -> None:
        self._unlink(call)
        self._unlink(self.match[call])

    def unlift(self, call: int) -> None:
        self._relink(self.match[call])
        self._relink(call)


# ---------------------------------------------------------------- a small counterexample

def offending(ops: list[Op], deadline: Deadline, search: Effort) -> tuple[Op, list[Op], bool]:
    """For a key's history that is not linearizable: the operation that cannot be placed,
    a small set of operations that is not linearizable either, and whether that set is
    minimal (no operation can be left out). Within the deadline.

    Each search of a bad history is long (it must try everything before it gives up), so
    the expensive steps work on a small part of it: first the operations near where the
    search got stuck, if those are already bad; in them the shortest bad prefix (about
    log2(n) searches) and its culprit; near the culprit; then shrink."""
    def bad(subset: list[Op]) -> bool:
        return _bad(subset, deadline, search)

    key_ops = ops
    stuck = _stuck_at(ops, deadline, search)
    if stuck is not None:
        ops = around(prefix(ops, stuck.complete + 1), stuck.invoke, stuck.complete, bad) or ops
    culprit, bad_prefix = shortest_bad_prefix(ops, deadline, search)
    start = around(bad_prefix, culprit.invoke, culprit.complete, bad) or bad_prefix
    start = _with_cut_off_sources(start, key_ops, bad)
    culprit = next(op for op in start if op.id == culprit.id)
    small, minimal = shrink(start, lambda subset: keeps_sources(subset, key_ops) and bad(subset), deadline,
                            (culprit,))
    return culprit, small, minimal


def _with_cut_off_sources(part: list[Op], key_ops: list[Op], bad) -> list[Op]:
    """A part of a prefix may lack sources that the prefix cut off: a write invoked after the
    cut that an unknown-outcome cas in it could have read. Then: the part's operations as
    the history has them, with those sources, if that is still bad; else the whole key's
    history (which has every source): honest before small."""
    if keeps_sources(part, key_ops):
        return part
    original = {op.id: op for op in key_ops}
    grown = with_sources([original[op.id] for op in part], key_ops)
    return grown if bad(grown) else key_ops


def shortest_bad_prefix(ops: list[Op], deadline: Deadline, search: Effort) -> tuple[Op, list[Op]]:
    """The shortest prefix of a bad history that is bad, and the operation whose completion
    ends it (binary search: a linearizable history's prefixes are linearizable)."""
    ends = sorted(op.complete for op in ops if op.status == "ok")
    lo, hi = 0, len(ends) - 1  # the history cut after ends[hi] is not linearizable
    while lo < hi:
        mid = (lo + hi) // 2
        if _bad(prefix(ops, ends[mid] + 1), deadline, search):
            hi = mid
        else:
            lo = mid + 1
    return next(op for op in ops if op.complete == ends[hi]), prefix(ops, ends[hi] + 1)


def prefix(ops: list[Op], cut: int) -> list[Op]:
    """The history up to (not including) event `cut`: operations still running there have
    an unknown outcome, failed ones never happened. A linearizable history's prefixes are
    all linearizable, so the shortest bad prefix ends with the completion that breaks it."""
    out = []
    for op in ops:
        if op.invoke >= cut:
            continue
        if op.complete is not None and op.complete >= cut and op.status != "info":
            if op.status == "fail":
                continue
            op = replace(op, result=None, status="info", complete=None, complete_time=None)
        out.append(op)
    return out


def _from_nowhere(culprit: Op, ops: list[Op]) -> str:
    """A note when the culprit read a value that no write could have left (before it
    completed)."""
    if culprit.f == "put" or culprit.status != "ok" or culprit.key in appended_keys(ops) \
            or read_value(culprit) == culprit.initial or sources(culprit, ops):
        return ""
    value = show(read_value(culprit))
    if sources(culprit, ops, real_time=False):
        return f" (only writes invoked after it completed wrote {value})"
    return f" (no write of {culprit.key!r} wrote {value})"


def _bad(ops: list[Op], deadline: Deadline, search: Effort) -> bool:
    """Known not to be linearizable. Undecided within the budget counts as not known bad,
    so that the counterexample never holds a subset that was not proved bad."""
    try:
        return not linearizable(ops, deadline, search)
    except OutOfTime:
        return False
