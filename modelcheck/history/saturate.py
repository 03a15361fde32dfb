"""A quick proof that a history is not sequentially consistent, when one is easy to find.

Restricting a sequentially consistent order to one key's operations gives a legal order of
that key's sub-history that keeps program order; so if some key's sub-history has none,
neither has the whole history. For a key whose writes all write different values, the
write each read saw is known (its value says which), and every legal order must contain:

* program order between a process's operations on the key;
* write -> read, for the write whose value the read returned; a read of null (no write of
  null) comes before every write;
* for a read r that saw write w and another write w' of the key: if w' must come before r,
  it must come before w (else r would see w'); if w must come before w', so must r.

Adding the edges the last rule implies until nothing changes, a cycle (or a read of a value
nobody wrote) proves the history is not sequentially consistent. No cycle proves nothing;
the search in sequential.py decides then. Polynomial: each round is a pass over the reads
with bitsets of what reaches what.
"""
from __future__ import annotations

from .format import Op
from .model import effective_ops, written
from .result import Deadline


def refutation(ops: list[Op], deadline: Deadline) -> tuple[str, list[Op]] | None:
    """A key whose sub-history has no sequentially consistent order, found by saturation,
    with the operations on a cycle of must-come-before (or the read of a value nobody
    wrote); None if saturation finds none. Raises OutOfTime past the deadline."""
    by_key: dict[str, list[Op]] = {}
    for op in sorted(effective_ops(ops), key=lambda op: op.invoke):
        by_key.setdefault(op.key, []).append(op)
    for key, key_ops in by_key.items():
        cycle = _refuted(key_ops, deadline)
        if cycle:
            return key, cycle
    return None


def _refuted(ops: list[Op], deadline: Deadline) -> list[Op]:
    writer = {}
    for op in ops:
        if op.writes:
            if written(op) in writer or written(op) is None or op.f == "cas" and op.arg[0] == op.arg[1]:
                return []  # which write a read saw is not known (a value written twice, or null)
            writer[written(op)] = op
    reads = {op: _read_value(op) for op in ops if op.status == "ok" and op.f != "put"}
    nowhere = [op for op, v in reads.items() if v is not None and v not in writer]
    if nowhere:
        return nowhere[:1]
    required = [op for op in ops if op.status == "ok" or op in {writer.get(v) for v in reads.values()}]
    graph = _Graph(required)
    for r, v in reads.items():
        if v is None and None not in writer:
            for w in required:
                if w.writes and w is not r:
                    graph.add(r, w)
        else:
            graph.add(writer[v], r)
    return graph.saturate([(r, writer[v]) for r, v in reads.items() if v in writer], deadline)


def _read_value(op: Op):
    return op.result if op.f == "get" else op.arg[0]


class _Graph:
    """Must-come-before edges over a key's operations, with program order built in."""

    def __init__(self, ops: list[Op]) -> None:
        self.ops = ops
        self.index = {op: i for i, op in enumerate(ops)}
        self.succ: list[set[int]] = [set() for _ in ops]
        last: dict[int, int] = {}
        for i, op in enumerate(ops):
            if op.process in last:
                self.succ[last[op.process]].add(i)
            last[op.process] = i
        self.writes = sum(1 << i for i, op in enumerate(ops) if op.writes)

    def add(self, a: Op, b: Op) -> None:
        self.succ[self.index[a]].add(self.index[b])

    def saturate(self, read_from: list[tuple[Op, Op]], deadline: Deadline) -> list[Op]:
        """Add the implied edges until none is new; the operations on a cycle if one appears."""
        pairs = [(self.index[r], self.index[w]) for r, w in read_from]
        while True:
            deadline.check()
            order = self._topological()
            if len(order) < len(self.ops):
                return self._cycle(set(range(len(self.ops))) - set(order))
            after, before = self._reach(order)
            new = []
            for r, w in pairs:
                # writes that come before r must come before w
                for x in _bits(before[r] & self.writes & ~before[w] & ~(1 << w) & ~(1 << r)):
                    new.append((x, w))
                # writes that come after w must come after r
                for x in _bits(after[w] & self.writes & ~after[r] & ~(1 << r)):
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


def _bits(n: int):
    while n:
        low = n & -n
        yield low.bit_length() - 1
        n ^= low
