"""What a read-write register history says (Elle's rw-register test).

Every value is written to a key at most once, so a read names its write: that gives the wr
edges exactly. A register's version order is only partly known: every version follows the
initial null, and a transaction that read version u of a key and then wrote v (or wrote u
and then v) put v after u. These facts are all we use (no assumption that the store is
linearizable). A fact u < v need not be adjacent in the true order, so the edges drawn
from it stand for paths of the true graph with the same anti-dependencies:

    ww  the writer of u -> the writer of v
    rw  every reader of u -> the writer of v; readers of null -> the writers of the
        versions with no known predecessor

Facts that put versions in a cycle are cyclic-versions. Also found here: aborted reads
(G1a), intermediate reads (G1b: a version its writer overwrote in the same transaction),
internal inconsistency and garbage reads.
"""
from __future__ import annotations

from collections import defaultdict

from ..result import Deadline
from .anomalies import Anomaly, Inference, lost_updates
from .format import Key, Txn, TxnHistory
from .graph import RW, WR, WW, Graph, components

WW_WHY = "{a} wrote {key} = {prev} and {b} wrote {key} = {value} after it ({evidence})"
WR_WHY = "{b} read {key} = {value}, which {a} wrote"
RW_WHY = "{a} read {key} = {read}, and {b} wrote {key} = {value} after that version ({evidence})"
INITIAL = "every version follows the initial null"
MISSING = object()


def infer(history: TxnHistory, deadline: Deadline) -> Inference:
    txns = history.txns
    graph = Graph(len(txns))
    found: list[Anomaly] = []
    writer: dict[tuple[Key, int], Txn] = {}
    failed: dict[tuple[Key, int], Txn] = {}
    last_write: dict[tuple[int, Key], int] = {}
    facts: dict[Key, dict[tuple[int, int], Txn]] = defaultdict(dict)  # key -> (u, v) -> who showed u < v
    readers: dict[tuple[Key, int | None], list[Txn]] = defaultdict(list)  # external reads
    for t in txns:
        for op in t.ops:
            if op.f == "w":
                (failed if t.status == "fail" else writer)[(op.key, op.value)] = t
                last_write[(t.id, op.key)] = op.value
        if t.status != "fail":
            _ops_of(t, facts, readers, found)
    for (key, value), who in readers.items():
        if value is not None:
            _check_source(key, value, who, writer, failed, last_write, graph, found)
    versions: dict[Key, list[int]] = defaultdict(list)
    for key, value in writer:
        versions[key].append(value)
    for key in {op.key for t in txns for op in t.ops}:
        _order_edges(graph, key, facts.get(key, {}), versions[key], writer, readers, found, deadline)
    found += lost_updates({(key, value): wrote for (key, value), who in readers.items()
                           if len(wrote := [t for t in who if (t.id, key) in last_write]) > 1})
    return Inference(graph, tuple(found), len(history.keys))


def _ops_of(t: Txn, facts: dict, readers: dict, found: list[Anomaly]) -> None:
    """t's external reads and version-order facts; its reads checked against its own ops.
    Reads of an info transaction are unknown: only its writes count."""
    current: dict[Key, object] = {}  # the key's value as t's own ops left it
    for op in t.ops:
        key, before = op.key, current.get(op.key, MISSING)
        if op.f == "w":
            if before is not MISSING and before is not None:
                facts[key].setdefault((before, op.value), t)
            current[key] = op.value
        elif t.status == "ok":
            if before is MISSING:
                readers[(key, op.value)].append(t)
            elif before != op.value:
                found.append(Anomaly("internal", (t,), f"{t.name} read {key} = {_show(op.value)}, but its own "
                                     f"earlier read or write says {_show(before)}"))
            current[key] = op.value


def _check_source(key: Key, value: int, who: list[Txn], writer: dict, failed: dict, last_write: dict,
                  graph: Graph, found: list[Anomaly]) -> None:
    w = writer.get((key, value))
    if w is None:
        f = failed.get((key, value))
        name, text = (("G1a", f"{who[0].name} read {key} = {value}, written by {f.name}, which failed") if f
                      else ("garbage-read", f"{who[0].name} read {key} = {value}, which no transaction wrote"))
        found.append(Anomaly(name, (who[0],) + ((f,) if f else ()), text))
        return
    final = last_write[(w.id, key)]
    for t in who:
        graph.add(w.id, t.id, WR, (key, value, WR_WHY, {}))
        if final != value and t is not w:
            found.append(Anomaly("G1b", (t, w), f"{t.name} read {key} = {value}, but {w.name} then wrote "
                                 f"{key} = {final}"))


def _order_edges(graph: Graph, key: Key, facts: dict[tuple[int, int], Txn], versions: list[int], writer: dict,
                 readers: dict, found: list[Anomaly], deadline: Deadline) -> None:
    after: dict[int, list[int]] = defaultdict(list)
    for u, v in facts:
        after[u].append(v)
    for cycle in (c for c in components(list(after), lambda u: after.get(u, []), deadline) if len(c) > 1):
        shown = sorted(cycle)[:6]
        who = sorted({facts[(u, v)] for u in cycle for v in after[u] if v in cycle}, key=lambda t: t.id)
        found.append(Anomaly("cyclic-versions", tuple(who), f"the transactions {', '.join(t.name for t in who[:6])} "
                             f"put the versions {', '.join(map(str, shown))} of {key} before each other in a cycle "
                             "(each read one and then wrote the next)"))
        return
    for (u, v), t in facts.items():
        a, b = writer.get((key, u)), writer.get((key, v))
        evidence = f"{t.name} read or wrote {u} and then wrote {v}"
        if a is not None and b is not None:
            graph.add(a.id, b.id, WW, (key, v, WW_WHY, {"prev": u, "evidence": evidence}))
        for r in readers.get((key, u), ()):
            if b is not None:
                graph.add(r.id, b.id, RW, (key, v, RW_WHY, {"read": u, "evidence": evidence}))
    preceded = {v for _, v in facts}
    firsts = [v for v in versions if v not in preceded]
    for r in readers.get((key, None), ()):
        for v in firsts:
            graph.add(r.id, writer[(key, v)].id, RW, (key, v, RW_WHY, {"read": "null", "evidence": INITIAL}))


def _show(value: object) -> str:
    return "null" if value is None else str(value)
