"""The whole reachable state graph of a small model, for drawing (`modelcheck graph`).

Unlike bfs.py, which keeps only fingerprints, this keeps every state and every edge, so it
refuses (raises TooManyStates) as soon as it finds more than `max_states` distinct states.
Semantics follow bfs.py: states are identified by the model's fingerprint (symmetry
applies), a state outside the constraint is a leaf that is still checked against the
invariants, steps that change nothing are not edges, and a state without any successor is
a deadlock.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

from .model import Model, StateChecks


class TooManyStates(Exception):
    def __init__(self, limit: int):
        super().__init__(f"more than {limit} reachable states")
        self.limit = limit


@dataclass
class GraphNode:
    id: int
    depth: int                     # 1 for initial states (TLC's convention)
    state: dict[str, Any]          # described (ITF)
    initial: bool = False
    broken: tuple[str, ...] = ()   # invariants this state violates ("type: ..." if outside the types)
    deadlock: bool = False
    outside: bool = False          # outside the state constraint: not explored


@dataclass(frozen=True)
class GraphEdge:
    source: int
    target: int
    action: str
    args: dict[str, Any]


@dataclass
class StateGraph:
    nodes: list[GraphNode] = field(default_factory=list)
    edges: list[GraphEdge] = field(default_factory=list)
    invariants: tuple[str, ...] = ()


def state_graph(model: Model, invariants: Sequence[str] | None = None, max_states: int = 500) -> StateGraph:
    names = tuple(model.invariant_names if invariants is None else invariants)
    checks = StateChecks(model, names)
    constraint = model.constraint()
    graph = StateGraph(invariants=names)
    ids: dict[int, int] = {}
    edges: set[tuple[int, int, str, str]] = set()

    def node(s, depth: int) -> tuple[int, bool]:
        fp = model.fingerprint(s)
        if fp in ids:
            return ids[fp], False
        if len(graph.nodes) >= max_states:
            raise TooManyStates(max_states)
        n = GraphNode(len(graph.nodes), depth, model.describe(s))
        problem = checks.type_check(s) if checks.type_check is not None else None
        n.broken = (() if problem is None else (f"type: {problem}",)) + tuple(
            name for name, holds in checks.invariants if not holds(s))
        n.outside = constraint is not None and not constraint(s)
        ids[fp] = n.id
        graph.nodes.append(n)
        return n.id, True

    level = []
    for _names, _args, s in model.init_states():
        i, new = node(s, 1)
        graph.nodes[i].initial = True
        if new and not graph.nodes[i].outside:
            level.append((i, s))
    depth = 1
    while level:
        depth += 1
        following = []
        for i, s in level:
            produced = False
            for a, fn in enumerate(model.actions()):
                for arg_names, arg_values, t in fn(s):
                    produced = True
                    if t is s:
                        continue
                    j, new = node(t, depth)
                    args = model.describe_args(a, arg_names, arg_values)
                    key = (i, j, model.action_names[a], repr(args))
                    if key not in edges:
                        edges.add(key)
                        graph.edges.append(GraphEdge(i, j, model.action_names[a], args))
                    if new and not graph.nodes[j].outside:
                        following.append((j, t))
            graph.nodes[i].deadlock = not produced
        level = following
    return graph
