"""What a list-append history says (Elle's list-append test).

Every value is appended to a key at most once, and a read returns the key's whole list, so
a read names every append it saw, in order. All committed reads of a key must then be
prefixes of one list, the longest read: that is the key's version order (a read that is
not a prefix is incompatible-order, a list with a value twice duplicate-elements). From it:

    ww  the appender of element i -> the appender of element i+1
    wr  the appender of a read's last element -> the reader
    rw  the reader of a prefix -> the appender of the element after it (for an empty read,
        the first element)

using each transaction's external reads (its first read of a key, before it appends to
it). Also found here: aborted reads (G1a: an element appended by a failed transaction),
intermediate reads (G1b: a read ending in an element that is not its appender's last
append to that key), internal inconsistency (a read that disagrees with the same
transaction's earlier read and appends), and garbage (an element nobody appended).
Appends nobody read have no place in the order and give no edges.
"""
from __future__ import annotations

from collections import defaultdict

from .anomalies import Anomaly, Inference
from .format import Key, Txn, TxnHistory
from .graph import RW, WR, WW, Graph

WW_WHY = "{a} appended {prev} to {key}, and {b} appended {value} right after it ({evidence} read {key} = {read})"
WR_WHY = "{b} read {key} = {read}, whose last element {value} {a} appended"
RW_WHY = "{a} read {key} = {read}, and {b} appended {value}, the next element"


def show(values: tuple) -> str:
    return f"[{' '.join(map(str, values))}]"


def infer(history: TxnHistory) -> Inference:
    txns = history.txns
    graph = Graph(len(txns))
    found: list[Anomaly] = []
    appender: dict[tuple[Key, int], Txn] = {}
    failed: dict[tuple[Key, int], Txn] = {}
    last_append: dict[tuple[int, Key], int] = {}
    for t in txns:
        for op in t.ops:
            if op.f == "append":
                (failed if t.status == "fail" else appender)[(op.key, op.value)] = t
                last_append[(t.id, op.key)] = op.value
    reads: dict[Key, list[tuple[Txn, tuple]]] = defaultdict(list)
    seen: list[tuple[Txn, Key, tuple, bool]] = []  # (reader, key, what it saw of others, external?)
    for t in txns:
        if t.status == "ok":
            _reads_of(t, reads, seen, found)
    orders = {}
    for key, key_reads in reads.items():
        order = _version_order(key, key_reads, found)
        if order is not None:
            orders[key] = order
            _ww(graph, key, *order, appender, failed, found)
    for t, key, saw, external in seen:
        if key in orders:
            _read_edges(graph, t, key, saw, external, orders[key][0], appender, last_append, found)
    return Inference(graph, tuple(found), len(history.keys))


def _reads_of(t: Txn, reads: dict, seen: list, found: list[Anomaly]) -> None:
    """Record t's reads, and check each against t's own earlier reads and appends."""
    expected: dict[Key, tuple] = {}  # what a read of the key must return, from t's own ops
    mine: dict[Key, list[int]] = {}  # t's appends to a key it has not read yet
    for op in t.ops:
        key = op.key
        if op.f == "append":
            if key in expected:
                expected[key] += (op.value,)
            else:
                mine.setdefault(key, []).append(op.value)
            continue
        got = op.value or ()
        reads[key].append((t, got))
        if key in expected:
            if got != expected[key]:
                found.append(Anomaly("internal", (t,), f"{t.name} read {key} = {show(got)}, but its own earlier read "
                                     f"and appends say {show(expected[key])}"))
        elif key in mine:
            own = tuple(mine[key])
            if got[len(got) - len(own):] != own or len(got) < len(own):
                found.append(Anomaly("internal", (t,), f"{t.name} appended {show(own)} to {key} and then read "
                                     f"{key} = {show(got)}, which does not end with its own appends"))
            else:
                seen.append((t, key, got[:len(got) - len(own)], False))
        else:
            seen.append((t, key, got, True))
        expected[key] = got


def _version_order(key: Key, key_reads: list[tuple[Txn, tuple]], found: list[Anomaly]) -> tuple[tuple, Txn] | None:
    """The longest read and its reader, if every read is a prefix of it and it has no value twice."""
    longest_reader, longest = max(key_reads, key=lambda r: len(r[1]))
    if len(set(longest)) != len(longest):
        twice = next(v for i, v in enumerate(longest) if v in longest[:i])
        found.append(Anomaly("duplicate-elements", (longest_reader,),
                             f"{longest_reader.name} read {key} = {show(longest)}, with {twice} more than once"))
        return None
    for reader, read in key_reads:
        if longest[:len(read)] != read:
            found.append(Anomaly("incompatible-order", (reader, longest_reader),
                                 f"{reader.name} read {key} = {show(read)} and {longest_reader.name} read "
                                 f"{key} = {show(longest)}: the first is not a prefix of the second"))
            return None
    return longest, longest_reader


def _ww(graph: Graph, key: Key, values: tuple, evidence: Txn, appender: dict, failed: dict,
        found: list[Anomaly]) -> None:
    read = show(values)
    previous = None
    for i, v in enumerate(values):
        writer = appender.get((key, v))
        if writer is None:
            if (key, v) in failed:
                f = failed[(key, v)]
                found.append(Anomaly("G1a", (evidence, f), f"{evidence.name} read {key} = {read}, which holds {v}, "
                                     f"appended by {f.name}, which failed"))
            else:
                found.append(Anomaly("garbage-read", (evidence,), f"{evidence.name} read {key} = {read}, which "
                                     f"holds {v}, which no transaction appended to {key}"))
        elif previous is not None:
            graph.add(previous.id, writer.id, WW, (key, v, WW_WHY, {"prev": values[i - 1], "evidence": evidence.name,
                                                                    "read": read}))
        previous = writer


def _read_edges(graph: Graph, t: Txn, key: Key, saw: tuple, external: bool, order: tuple,
                appender: dict, last_append: dict, found: list[Anomaly]) -> None:
    if saw:
        writer = appender.get((key, saw[-1]))
        if writer is not None and writer is not t:
            if external:
                graph.add(writer.id, t.id, WR, (key, saw[-1], WR_WHY, {"read": show(saw)}))
            final = last_append[(writer.id, key)]
            if final != saw[-1]:
                found.append(Anomaly("G1b", (t, writer), f"{t.name} read {key} = {show(saw)}, ending in {saw[-1]}, "
                                     f"but {writer.name} appended {final} to {key} after {saw[-1]}"))
    if external and len(saw) < len(order):
        writer = appender.get((key, order[len(saw)]))
        if writer is not None:
            graph.add(t.id, writer.id, RW, (key, order[len(saw)], RW_WHY, {"read": show(saw)}))
