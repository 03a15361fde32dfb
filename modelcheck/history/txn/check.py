"""Check a transactional history against a consistency model.

The data of the history gives the dependency graph and the anomalies that need no cycle
(listappend.py, register.py); the model says which anomalies it forbids (anomalies.py) and
which order edges its cycles may use (process order, real time). The cycle search first
splits the graph, restricted to the edge kinds the forbidden cycles use, into strongly
connected components: a valid history usually has none with more than one transaction, and
then the check is done. In each component that holds a cycle it looks for the worst
forbidden one first, each time restricting the edges further:

    G0             a cycle of ww edges
    G1c            a wr edge closed into a cycle by ww and wr edges
    G-single       an rw edge closed by a path of ww and wr edges
    G-nonadjacent  an rw edge closed by a path in which no two rw edges follow each other
    G2-item        an rw edge closed by any path

each a shortest such cycle (breadth-first; of the few candidates the first searches give,
the shortest),
first with data edges only, then with the model's order edges too (G0-realtime, ...). One
cycle is reported per component.
"""
from __future__ import annotations

import time
from collections import defaultdict
from itertools import islice
from dataclasses import dataclass
from typing import Callable, Iterator, Sequence

from ...explore.resources import few_full_collections
from ..result import Deadline, OutOfTime, Stats, Verdict
from . import listappend, register
from .anomalies import CYCLES, FORBIDS, ORDER_EDGES, Anomaly, Step, cycle_name, explain
from .format import LIST_APPEND, Txn, TxnHistory
from .graph import (KIND_NAME, PROCESS, REALTIME, RW, WR, WW, Graph, Subgraph, cyclic_components, order_edges,
                    path_to, reachable, shortest_path)

SUFFIX = {PROCESS: "process", REALTIME: "realtime"}
CANDIDATES = 16  # cycles found in a component before the shortest of them is reported
Cycle = list[tuple[int, int, int]]  # its edges (from, to, kind), the last returning to the first


@dataclass(frozen=True)
class TxnResult:
    """`anomalies` are those the model forbids (the history is invalid iff there are any);
    `allowed` those found that the model permits (shown, not counted)."""
    model: str
    verdict: Verdict
    kind: str  # list-append or rw-register
    stats: Stats
    anomalies: tuple[Anomaly, ...] = ()
    allowed: tuple[Anomaly, ...] = ()
    reason: str = ""


def check(history: TxnHistory, model: str, timeout: float | None = None) -> TxnResult:
    with few_full_collections():  # the graph is a million kept containers (see format.py)
        return _check(history, model, timeout)


def _check(history: TxnHistory, model: str, timeout: float | None) -> TxnResult:
    started = time.perf_counter()
    deadline = Deadline(timeout)
    forbidden = FORBIDS[model]
    try:
        inference = (listappend.infer(history) if history.kind == LIST_APPEND
                     else register.infer(history, deadline))
        deadline.check()
        order = ORDER_EDGES.get(model, 0)
        if order:
            order_edges(inference.graph, history.txns)
        cycles = find_cycles(inference.graph, history.txns, forbidden, order, deadline)
    except OutOfTime:
        stats = Stats(len(history.txns), len(history.keys), time.perf_counter() - started)
        return TxnResult(model, Verdict.UNKNOWN, history.kind, stats,
                         reason=f"the cycle search did not finish within {timeout:g} s")
    found = inference.anomalies + tuple(cycles)
    bad = tuple(a for a in found if a.name in forbidden)
    stats = Stats(len(history.txns), inference.keys, time.perf_counter() - started)
    return TxnResult(model, Verdict.INVALID if bad else Verdict.VALID, history.kind, stats, bad,
                     tuple(a for a in found if a.name not in forbidden))


# ---------------------------------------------------------------- the cycle search

def find_cycles(graph: Graph, txns: Sequence[Txn], forbidden: frozenset, order: int, deadline: Deadline) -> list[Anomaly]:
    rungs = [(name, 0) for name in CYCLES if name in forbidden]
    if order:
        rungs += [(name, order) for name in CYCLES if f"{name}-{SUFFIX[order]}" in forbidden]
    if not rungs:
        return []
    mask = WW | order | (WR if any(n != "G0" for n, _ in rungs) else 0)
    mask |= RW if any(n in ("G-single", "G-nonadjacent", "G2-item") for n, _ in rungs) else 0
    cyclic = graph.cyclic_subgraph(mask)
    found = []
    for component in cyclic.components:
        for name, extra in rungs:
            candidates = list(islice(SEARCHES[name](cyclic, component, extra, deadline), CANDIDATES))
            if candidates:
                found.append(_anomaly(cyclic, txns, min(candidates, key=len)))
                break
    return found


def _g0(graph: Subgraph, inside: set[int], extra: int, deadline: Deadline) -> Iterator[Cycle]:
    mask = WW | extra
    for sub in cyclic_components(sorted(inside), graph.successors(mask, inside), deadline):
        successors = graph.successors(mask, sub)
        for start in sorted(sub):
            parent = reachable(start, successors, deadline)
            last = min((u for u in parent if start in successors(u)), key=lambda u: len(path_to(parent, u)))
            yield _steps(graph, path_to(parent, last) + [start], mask)


def _g1c(graph: Subgraph, inside: set[int], extra: int, deadline: Deadline) -> Iterator[Cycle]:
    return _closed(graph, inside, WR, WW | WR | extra, deadline)


def _g2(graph: Subgraph, inside: set[int], extra: int, deadline: Deadline) -> Iterator[Cycle]:
    return _closed(graph, inside, RW, WW | WR | RW | extra, deadline)


def _closed(graph: Subgraph, inside: set[int], closing: int, mask: int, deadline: Deadline) -> Iterator[Cycle]:
    """A `closing` edge a -> b and the shortest path back from b to a within `mask` (there
    is one: a and b are in one component)."""
    for sub in cyclic_components(sorted(inside), graph.successors(mask, inside), deadline):
        successors = graph.successors(mask, sub)
        for a, b in graph.edges(closing, sub):
            yield [(a, b, closing)] + _steps(graph, shortest_path(b, a, successors, deadline), mask)


def _g_single(graph: Subgraph, inside: set[int], extra: int, deadline: Deadline) -> Iterator[Cycle]:
    """An rw edge a -> b with a path from b back to a without rw edges."""
    mask = WW | WR | extra
    successors = graph.successors(mask, inside)
    for b, sources in _anti_dependencies(graph, inside).items():
        parent = reachable(b, successors, deadline)
        closing = [a for a in sources if a in parent]
        for a in closing:
            yield [(a, b, RW)] + _steps(graph, path_to(parent, a), mask)
        if closing:
            return  # another head costs another search of the component


def _g_nonadjacent(graph: Subgraph, inside: set[int], extra: int, deadline: Deadline) -> Iterator[Cycle]:
    """An rw edge a -> b with a path from b back to a in which no rw edge follows another,
    nor the closing one: a search over (transaction, did an rw edge lead here)."""
    mask = WW | WR | extra
    out = graph.out

    def successors(state: tuple[int, bool]) -> list[tuple[int, bool]]:
        node, after_rw = state
        return [(b, not m & mask) for b, m in out[node].items()
                if b in inside and (m & mask or (m & RW and not after_rw))]

    for b, sources in _anti_dependencies(graph, inside).items():
        parent = reachable((b, True), successors, deadline)
        closing = [a for a in sources if (a, False) in parent]
        for a in closing:
            states = path_to(parent, (a, False))
            yield [(a, b, RW)] + [(x, y, RW if after_rw else graph.step_kind(x, y, mask))
                                  for (x, _), (y, after_rw) in zip(states, states[1:])]
        if closing:
            return  # another head costs another search of the component


def _anti_dependencies(graph: Subgraph, inside: set[int]) -> dict[int, list[int]]:
    """The rw edges within `inside`, grouped by their head: one search from each head."""
    heads: dict[int, list[int]] = defaultdict(list)
    for a, b in graph.edges(RW, inside):
        heads[b].append(a)
    return heads


SEARCHES: dict[str, Callable[[Subgraph, set[int], int, Deadline], Iterator[Cycle]]] = {
    "G0": _g0, "G1c": _g1c, "G-single": _g_single, "G-nonadjacent": _g_nonadjacent, "G2-item": _g2}


def _steps(graph: Subgraph, path: list[int], mask: int) -> Cycle:
    return [(a, b, graph.step_kind(a, b, mask)) for a, b in zip(path, path[1:])]


# ---------------------------------------------------------------- reporting a cycle

def _anomaly(graph: Subgraph, txns: Sequence[Txn], cycle: Cycle) -> Anomaly:
    name = cycle_name([kind for _, _, kind in cycle])
    steps = tuple(_step(graph, txns[a], txns[b], kind) for a, b, kind in cycle)
    return Anomaly(name, tuple(txns[a] for a, _, _ in cycle), explain(name), steps)


def _step(graph: Subgraph, a: Txn, b: Txn, kind: int) -> Step:
    if kind == PROCESS:
        return Step(a, "process", b, None, None, f"{b.name} is process {a.process}'s next transaction after {a.name}")
    if kind == REALTIME:
        return Step(a, "realtime", b, None, None, f"{a.name} completed (event {a.complete}) before {b.name} was "
                                                  f"invoked (event {b.invoke})")
    key, value, template, extra = graph.reasons[(a.id, b.id, kind)]
    return Step(a, KIND_NAME[kind], b, key, value,
                template.format(a=a.name, b=b.name, key=key, value=value, **extra))

