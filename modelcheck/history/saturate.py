"""A quick proof that a history is not sequentially consistent, when one is easy to find.

When every write of a key writes a different value, the write each read saw is known (its
value says which), and every sequentially consistent order must contain:

* program order between a process's operations;
* write -> read, for the write whose value the read returned; a read of null (no write of
  null) comes before every write of its key;
* for a read r that saw write w and another write w' of the same key: if w' must come
  before r, it must come before w (else r would see w'); if w must come before w', so must r.

Adding the edges the last rule implies until nothing changes, a cycle (or a read of a value
nobody wrote) proves the history is not sequentially consistent. No cycle proves nothing;
sequential.py goes on then. Keys whose values are written twice (or null is written) keep
only their program order edges, which is still sound.

Each key alone can be tried first (`key_refutation`): restricting a sequentially consistent order to one key's
operations gives one for that key's sub-history, so a key that fails alone fails the
whole; its graph is small, and the answer names the key. `refutation` takes all keys
together, which also finds cycles through several keys. Polynomial: each round is a pass over the reads with
bitsets of what must come before and after what.
"""
from __future__ import annotations

import heapq

from .format import Op
from .model import appended_keys, effective_ops, read_value, written
from .result import Deadline


def key_refutation(ops: list[Op], deadline: Deadline) -> tuple[str, list[Op]] | None:
    """A key whose operations alone saturate to a contradiction, with the operations on the
    cycle (or the read of a value nobody wrote); None if there is none. Raises OutOfTime
    past the deadline."""
    by_key: dict[str, list[Op]] = {}
    for op in sorted(effective_ops(ops), key=lambda op: op.invoke):
        by_key.setdefault(op.key, []).append(op)
    for key, key_ops in by_key.items():
        cycle = _refuted(key_ops, deadline)
        if cycle:
            return key, cycle
    return None


def refutation(ops: list[Op], deadline: Deadline) -> list[Op]:
    """All keys together: the operations on a cycle (or a read of a value nobody wrote), or
    [] if saturation finds no contradiction. Raises OutOfTime past the deadline."""
    return analyse(sorted(effective_ops(ops), key=lambda op: op.invoke), deadline)[0]


def analyse_all(ops: list[Op], deadline: Deadline, chains: list[list[Op]] = ()) -> tuple[list[Op], list[Op]]:
    """analyse() of all keys together."""
    return analyse(sorted(effective_ops(ops), key=lambda op: op.invoke), deadline, chains)


def _refuted(ops: list[Op], deadline: Deadline) -> list[Op]:
    """The operations on a cycle, or a read of a value nobody wrote, or [] if none is found."""
    return analyse(ops, deadline)[0]


def analyse(ops: list[Op], deadline: Deadline, chains: list[list[Op]] = ()) -> tuple[list[Op], list[Op]]:
    """(a contradiction, []), or ([], an order of the operations that keeps every
    must-come-before edge, earliest completed first where the edges leave a choice). That
    order need not be legal (witness.legal says); when it is, it proves the history
    sequentially consistent. `chains` are orders to follow too (e.g. a linearization of a
    key): a choice, so a contradiction found with them proves nothing, and without them
    nothing is chosen. Raises OutOfTime past the deadline."""
    writes: dict[str, dict] = {}  # key -> value -> the write of it; None for a key where that is ambiguous
    appended = appended_keys(ops)
    for op in ops:
        if op.writes:
            of_key = writes.setdefault(op.key, {})
            if of_key is not None and (op.key in appended or written(op) in of_key or written(op) == op.initial
                                       or op.f == "cas" and op.arg[0] == op.arg[1]):
                # an append, a value written twice, or the initial one: which write a read saw is not known
                writes[op.key] = None
            elif of_key is not None:
                of_key[written(op)] = op
    reads = {op: read_value(op) for op in ops if op.status == "ok" and op.f in ("get", "cas")}
    ever = {(op.key, written(op)) for op in ops if op.writes and op.key not in appended}
    nowhere = [r for r, v in reads.items() if v != r.initial and r.key not in appended and (r.key, v) not in ever]
    if nowhere:
        return nowhere[:1], []
    read_from = {r: writes[r.key].get(v) for r, v in reads.items() if writes.get(r.key) is not None}
    needed = {w for w in read_from.values() if w is not None}
    graph = _Graph([op for op in ops if op.status == "ok" or op in needed])
    for r, w in read_from.items():
        if w is not None:
            graph.add(w, r)
        else:  # a read of the initial null: before every write of the key
            for x in graph.ops:
                if x.writes and x.key == r.key and x is not r:
                    graph.add(r, x)
    for chain in chains:
        placed = [op for op in chain if op in graph.index]
        for a, b in zip(placed, placed[1:]):
            graph.add(a, b)
    cycle = graph.saturate([(r, w) for r, w in read_from.items() if w is not None], deadline)
    return (cycle, []) if cycle else ([], graph.earliest_first())


class _Graph:
    """Must-come-before edges over operations, with program order built in."""

    def __init__(self, ops: list[Op]) -> None:
        self.ops = ops
        self.index = {op: i for i, op in enumerate(ops)}
        self.succ: list[set[int]] = [set() for _ in ops]
        last: dict[int, int] = {}
        for i, op in enumerate(ops):
            if op.process in last:
                self.succ[last[op.process]].add(i)
            last[op.process] = i
        self.writes: dict[str, int] = {}  # key -> bitset of its writes
        for i, op in enumerate(ops):
            if op.writes:
                self.writes[op.key] = self.writes.get(op.key, 0) | 1 << i

    def add(self, a: Op, b: Op) -> None:
        self.succ[self.index[a]].add(self.index[b])

    def saturate(self, read_from: list[tuple[Op, Op]], deadline: Deadline) -> list[Op]:
        """Add the implied edges until none is new; the operations on a cycle if one appears."""
        pairs = [(self.index[r], self.index[w], self.writes[r.key]) for r, w in read_from]
        while True:
            deadline.check()
            order = self._topological()
            if len(order) < len(self.ops):
                return self._cycle(set(range(len(self.ops))) - set(order))
            after, before = self._reach(order)
            new = []
            for r, w, writes in pairs:
                # writes of the key that come before r must come before w
                for x in _bits(before[r] & writes & ~before[w] & ~(1 << w) & ~(1 << r)):
                    new.append((x, w))
                # writes of the key that come after w must come after r
                for x in _bits(after[w] & writes & ~after[r] & ~(1 << r)):
                    new.append((r, x))
            if not new:
                return []
            for a, b in new:
                self.succ[a].add(b)

    def _topological(self) -> list[int]:
        """The operations in an order that respects the edges, as far as there is one: those
        on or after a cycle are missing."""
        indegree = [0] * len(self.ops)
        for targets in self.succ:
            for b in targets:
                indegree[b] += 1
        ready = [i for i, d in enumerate(indegree) if d == 0]
        order = []
        while ready:
            a = ready.pop()
            order.append(a)
            for b in self.succ[a]:
                indegree[b] -= 1
                if indegree[b] == 0:
                    ready.append(b)
        return order

    def earliest_first(self) -> list[Op]:
        """A topological order (of an acyclic graph), the earliest completed ready operation first."""
        indegree = [0] * len(self.ops)
        for targets in self.succ:
            for b in targets:
                indegree[b] += 1
        ready = [(_when(op), i) for i, op in enumerate(self.ops) if indegree[i] == 0]
        heapq.heapify(ready)
        order = []
        while ready:
            _, a = heapq.heappop(ready)
            order.append(self.ops[a])
            for b in self.succ[a]:
                indegree[b] -= 1
                if indegree[b] == 0:
                    heapq.heappush(ready, (_when(self.ops[b]), b))
        return order

    def _cycle(self, stuck: set[int]) -> list[Op]:
        """A cycle among the operations a topological order could not reach: each of them has
        a predecessor among them, so walking back from one must come round."""
        before = {b: a for a in stuck for b in self.succ[a] if b in stuck}
        walk, at = [], next(iter(stuck))
        while at not in walk:
            walk.append(at)
            at = before[at]
        return [self.ops[i] for i in sorted(walk[walk.index(at):])]

    def _reach(self, order: list[int]) -> tuple[list[int], list[int]]:
        """For each operation, the bitsets of those that must come after it and before it."""
        after = [0] * len(self.ops)
        for a in reversed(order):
            for b in self.succ[a]:
                after[a] |= after[b] | (1 << b)
        before = [0] * len(self.ops)
        for a in order:
            for b in self.succ[a]:
                before[b] |= before[a] | (1 << a)
        return after, before


def _when(op: Op) -> int:
    """Where an operation probably took effect, for choosing among ready ones: its completion
    (an order of completions is right for most operations of a well-behaved store), or its
    invocation if it never completed."""
    return op.complete if op.complete is not None else op.invoke


def _bits(n: int):
    while n:
        low = n & -n
        yield low.bit_length() - 1
        n ^= low
