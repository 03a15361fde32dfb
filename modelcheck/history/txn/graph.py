"""The dependency graph between transactions, and the searches for its cycles.

Nodes are transaction ids. Kinds of edges: ww (b overwrote a's version), wr (b read a's
version), rw (b overwrote the version a read), process (b is the next transaction of a's
process) and realtime (a completed before b was invoked). Each data edge comes with the
reason it was added (shown only for the edges of a reported cycle, so it is kept as data,
not text).

A history of 100,000 transactions has about a million edges, and a valid one has no cycle:
`Graph` keeps the edges as flat lists of ints and finds the strongly connected components
of the whole graph with scipy. Only the components that hold a cycle become a `Subgraph`
(a dict of successors per transaction, an edge a -> b carrying a bit mask of its kinds),
which the cycle searches walk: Tarjan's components with an explicit stack and breadth-first
searches for the shortest path that closes a cycle (nothing recurses).
"""
from __future__ import annotations

from collections import deque
from typing import Callable, Iterable, Sequence

import numpy as np

from ..result import Deadline
from .format import Txn

WW, WR, RW, PROCESS, REALTIME = 1, 2, 4, 8, 16
KIND_NAME = {WW: "ww", WR: "wr", RW: "rw", PROCESS: "process", REALTIME: "realtime"}
# Which kind names a cycle's step when a pair is related in several ways: data dependencies
# first, and rw last, so that a cycle counts as few anti-dependencies as it can.
PREFERENCE = (WW, WR, PROCESS, REALTIME, RW)
CHECK_EVERY = 4096  # search steps between looks at the clock


class Graph:
    """Every edge as it was added: parallel lists, one entry per edge (repeats and
    self-edges included; they are dropped when a component is taken out)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.src: list[int] = []
        self.dst: list[int] = []
        self.kind: list[int] = []
        self.why: list[tuple | None] = []

    def add(self, a: int, b: int, kind: int, reason: tuple) -> None:
        """A data edge a -> b of `kind`, and why."""
        self.src.append(a)
        self.dst.append(b)
        self.kind.append(kind)
        self.why.append(reason)

    def add_into(self, sources: Sequence[int], b: int, kind: int) -> None:
        """Order edges (their reason is their kind) from each of `sources` to b."""
        n = len(sources)
        self.src.extend(sources)
        self.dst.extend([b] * n)
        self.kind.extend([kind] * n)
        self.why.extend([None] * n)

    def cyclic_subgraph(self, mask: int) -> Subgraph:
        """The strongly connected components, within the edges of `mask`, that hold a
        cycle: each with the edges between its own transactions (of any kind)."""
        from scipy.sparse import csr_matrix
        from scipy.sparse.csgraph import connected_components

        src, dst = np.asarray(self.src, dtype=np.int64), np.asarray(self.dst, dtype=np.int64)
        kind = np.asarray(self.kind, dtype=np.int64)
        chosen = (kind & mask != 0) & (src != dst)
        matrix = csr_matrix((np.ones(int(chosen.sum()), dtype=np.int8), (src[chosen], dst[chosen])),
                            shape=(self.size, self.size))
        _, label = connected_components(matrix, directed=True, connection="strong")
        cyclic = np.bincount(label)[label] > 1  # no self-edges, so a cycle needs two transactions
        groups: dict[int, set[int]] = {}
        for node in np.flatnonzero(cyclic).tolist():
            groups.setdefault(int(label[node]), set()).add(node)
        within = np.flatnonzero(cyclic[src] & (label[src] == label[dst]) & (src != dst))
        return Subgraph(list(groups.values()),
                        [(self.src[i], self.dst[i], self.kind[i], self.why[i]) for i in within.tolist()])


class Subgraph:
    """Some components of the graph, as successor dicts: `out[a][b]` is the mask of the
    kinds of the edges a -> b, `reasons[(a, b, kind)]` why the first such edge was added."""

    def __init__(self, components: list[set[int]], edges: Iterable[tuple[int, int, int, tuple | None]]) -> None:
        self.components = components
        self.out: dict[int, dict[int, int]] = {node: {} for c in components for node in c}
        self.reasons: dict[tuple[int, int, int], tuple | None] = {}
        for a, b, kind, why in edges:
            kinds = self.out[a].get(b, 0)
            if not kinds & kind:
                self.out[a][b] = kinds | kind
                self.reasons[(a, b, kind)] = why

    def step_kind(self, a: int, b: int, mask: int) -> int:
        """The kind that names the step a -> b of a cycle searched within `mask`."""
        kinds = self.out[a][b] & mask
        return next(k for k in PREFERENCE if kinds & k)

    def successors(self, mask: int, inside: set[int]) -> Callable[[int], list[int]]:
        out = self.out
        return lambda a: [b for b, m in out[a].items() if m & mask and b in inside]

    def edges(self, mask: int, inside: set[int]) -> Iterable[tuple[int, int]]:
        for a in inside:
            for b, m in self.out[a].items():
                if m & mask and b in inside:
                    yield a, b


def order_edges(graph: Graph, txns: Sequence[Txn]) -> None:
    """Process order and real-time order between the transactions that may have happened
    (ok and info). Real time is kept small: b gets an edge only from the transactions that
    completed before its invocation and are not already before another such one, which
    implies the rest by transitivity."""
    last_of: dict[int, int] = {}
    events: list[tuple[int, int, int]] = []  # (event index, 0 invoke / 1 complete, txn)
    for t in txns:
        if t.status == "fail":
            continue
        if t.process in last_of:
            graph.add_into((last_of[t.process],), t.id, PROCESS)
        last_of[t.process] = t.id
        events.append((t.invoke, 0, t.id))
        if t.status == "ok":
            events.append((t.complete, 1, t.id))
    events.sort()
    frontier: set[int] = set()  # completed, and no completed transaction known to follow them
    before: dict[int, tuple[int, ...]] = {}
    for _, what, t in events:
        if what == 0:
            before[t] = tuple(frontier)
            graph.add_into(before[t], t, REALTIME)
        else:
            frontier.difference_update(before.pop(t))
            frontier.add(t)


# ---------------------------------------------------------------- components

def components(nodes: Iterable[int], successors: Callable[[int], list[int]], deadline: Deadline) -> list[list[int]]:
    """Tarjan's strongly connected components, with an explicit stack."""
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    on_stack: set[int] = set()
    stack: list[int] = []
    found: list[list[int]] = []
    steps = 0
    for root in nodes:
        if root in index:
            continue
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        work = [(root, iter(successors(root)))]
        while work:
            steps += 1
            if steps % CHECK_EVERY == 0:
                deadline.check()
            v, todo = work[-1]
            for w in todo:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(successors(w))))
                    break
                if w in on_stack and index[w] < low[v]:
                    low[v] = index[w]
            else:
                work.pop()
                if work and low[v] < low[work[-1][0]]:
                    low[work[-1][0]] = low[v]
                if low[v] == index[v]:
                    component = []
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        component.append(w)
                        if w == v:
                            break
                    found.append(component)
    return found


def cyclic_components(nodes: Iterable[int], successors: Callable[[int], list[int]],
                      deadline: Deadline) -> list[set[int]]:
    """The components that hold a cycle (more than one transaction: there are no self-edges)."""
    return [set(c) for c in components(nodes, successors, deadline) if len(c) > 1]


# ---------------------------------------------------------------- shortest paths

def reachable(start: int, successors: Callable[[int], list[int]], deadline: Deadline,
              goal: int | None = None) -> dict[int, int | None]:
    """Every node reachable from `start` (up to `goal`, if given), each with the node before
    it on a shortest path."""
    parent: dict[int, int | None] = {start: None}
    queue = deque([start])
    steps = 0
    while queue:
        steps += 1
        if steps % CHECK_EVERY == 0:
            deadline.check()
        a = queue.popleft()
        for b in successors(a):
            if b not in parent:
                parent[b] = a
                if b == goal:
                    return parent
                queue.append(b)
    return parent


def path_to(parent: dict, end) -> list:
    path = [end]
    while parent[path[-1]] is not None:
        path.append(parent[path[-1]])
    return path[::-1]


def shortest_path(start: int, goal: int, successors: Callable[[int], list[int]], deadline: Deadline) -> list[int] | None:
    parent = reachable(start, successors, deadline, goal)
    return path_to(parent, goal) if goal in parent and goal != start else None
