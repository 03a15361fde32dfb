"""A sequentially consistent order of a whole history, built from one order per key.

Given an order of each key's operations that is legal for that key's register (a
linearization, or a sequentially consistent order of the key alone), any total order that
extends them all and every process's program order is legal for all registers: each
register sees its own operations in its own legal order. Such an order exists iff the graph
of those edges has no cycle, and a topological sort finds it in linear time.

This is a sufficient test, not a complete one (another choice of per-key orders might
merge where these do not), so it comes before the exhaustive search: a history whose
inconsistency is confined to one key's stale reads is then accepted without searching the
interleavings of every process. The merged order is replayed before it is believed.
"""
from __future__ import annotations

from .format import Op
from .model import ILLEGAL, apply, step_of


def merge(orders: list[list[Op]]) -> list[Op] | None:
    """One order extending every per-key order and program order, checked legal; or None."""
    ops = [op for order in orders for op in order]
    succ: dict[int, list[int]] = {op.id: [] for op in ops}
    for order in orders:
        for a, b in zip(order, order[1:]):
            succ[a.id].append(b.id)
    by_process: dict[int, list[Op]] = {}
    for op in sorted(ops, key=lambda op: op.invoke):
        by_process.setdefault(op.process, []).append(op)
    for lane in by_process.values():
        for a, b in zip(lane, lane[1:]):
            succ[a.id].append(b.id)
    merged = _topological(succ)
    if merged is None:
        return None
    by_id = {op.id: op for op in ops}
    result = [by_id[i] for i in merged]
    return result if legal(result) else None


def _topological(succ: dict[int, list[int]]) -> list[int] | None:
    indegree = dict.fromkeys(succ, 0)
    for targets in succ.values():
        for b in targets:
            indegree[b] += 1
    ready = sorted((i for i, d in indegree.items() if d == 0), reverse=True)
    order = []
    while ready:
        a = ready.pop()
        order.append(a)
        for b in succ[a]:
            indegree[b] -= 1
            if indegree[b] == 0:
                ready.append(b)
    return order if len(order) == len(succ) else None


def legal(order: list[Op]) -> bool:
    """Every operation legal for its register in this order, and program order kept."""
    values: dict[str, object] = {}
    last: dict[int, int] = {}
    for op in order:
        after = apply(step_of(op), values.get(op.key, op.initial))
        if after is ILLEGAL or last.get(op.process, -1) > op.invoke:
            return False
        values[op.key] = after
        last[op.process] = op.invoke
    return True
