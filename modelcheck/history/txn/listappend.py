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
it). A committed append that no read saw came after the whole longest read (else that read
would hold it), so it gets a ww edge from the last element's appender and an rw edge from
every reader of the whole list; among themselves such appends are unordered.

Also found here: aborted reads (G1a: an element appended by a failed transaction),
intermediate reads (G1b: a read ending in an element that is not its appender's last
append to that key), internal inconsistency (a read that disagrees with the same
transaction's earlier read and appends), garbage (an element nobody appended) and lost
updates (two committed transactions that read the same version of a key and both appended
to it). Appends of transactions with unknown outcome that nobody read give no edges.
"""
from __future__ import annotations

from collections import defaultdict

from .anomalies import Anomaly, Inference, lost_updates
from .format import Excerpt, Key, Txn, TxnHistory, show
from .graph import RW, WR, WW, Graph

WW_WHY = "{a} appended {prev} to {key}, and {b} appended {value} right after it ({evidence} read {key} = {read})"
WR_WHY = "{b} read {key} = {read}, whose last element {value} {a} appended"
RW_WHY = "{a} read {key} = {read}, and {b} appended {value}, the next element"
WW_LATER = ("{a} appended {prev} to {key}, the last element any read saw ({evidence} read {key} = {read}), and "
            "{b} appended {value}, which no read saw, so later")
RW_LATER = "{a} read {key} = {read}, all any read saw, and {b} appended {value}, which no read saw, so later"


def infer(history: TxnHistory) -> Inference:
    txns = history.txns
    graph = Graph(len(txns))
    found: list[Anomaly] = []
    appender: dict[tuple[Key, int], Txn] = {}
    failed: dict[tuple[Key, int], Txn] = {}
    last_append: dict[tuple[int, Key], int] = {}
    committed: dict[Key, list[tuple[int, Txn]]] = defaultdict(list)
    for t in txns:
        for op in t.ops:
            if op.f == "append":
                (failed if t.status == "fail" else appender)[(op.key, op.value)] = t
                last_append[(t.id, op.key)] = op.value
                if t.status == "ok":
                    committed[op.key].append((op.value, t))
    reads: dict[Key, list[tuple[Txn, tuple]]] = defaultdict(list)
    seen: list[tuple[Txn, Key, tuple, bool]] = []  # (reader, key, what it saw of others, external?)
    for t in txns:
        if t.status == "ok":
            _reads_of(t, reads, seen, found)
    orders = {}
    for key, key_reads in reads.items():
        order = _version_order(key, key_reads, found)
        if order is not None:
            values, evidence = order
            in_order = set(values)
            unread = [(v, t) for v, t in committed[key] if v not in in_order]
            orders[key] = (values, unread)
            _ww(graph, key, values, evidence, unread, appender, failed, found)
    read_then_wrote: dict[tuple, list[Txn]] = defaultdict(list)
    for t, key, saw, external in seen:
        if external and (t.id, key) in last_append:
            read_then_wrote[(key, saw[-1] if saw else None)].append(t)
        if key in orders:
            _read_edges(graph, t, key, saw, external, *orders[key], appender, last_append, found)
    found += lost_updates(read_then_wrote)
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
        at = next(i for i, v in enumerate(longest) if v in longest[:i])
        found.append(Anomaly("duplicate-elements", (longest_reader,), f"{longest_reader.name} read {key} = "
                             f"{show(longest, at)}, with {longest[at]} more than once"))
        return None
    for reader, read in key_reads:
        if longest[:len(read)] != read:
            at = next(i for i, (a, b) in enumerate(zip(read, longest)) if a != b)
            found.append(Anomaly("incompatible-order", (reader, longest_reader),
                                 f"{reader.name} read {key} = {show(read, at)} and {longest_reader.name} read "
                                 f"{key} = {show(longest, at)}: they differ at element {at}"))
            return None
    return longest, longest_reader


def _ww(graph: Graph, key: Key, values: tuple, evidence: Txn, unread: list[tuple[int, Txn]], appender: dict,
        failed: dict, found: list[Anomaly]) -> None:
    previous = None
    for i, v in enumerate(values):
        writer = appender.get((key, v))
        if writer is None:
            if (key, v) in failed:
                f = failed[(key, v)]
                found.append(Anomaly("G1a", (evidence, f), f"{evidence.name} read {key} = {show(values, i)}, which holds {v}, "
                                     f"appended by {f.name}, which failed"))
            else:
                found.append(Anomaly("garbage-read", (evidence,), f"{evidence.name} read {key} = {show(values, i)}, which "
                                     f"holds {v}, which no transaction appended to {key}"))
        elif previous is not None:
            graph.add(previous.id, writer.id, WW, (key, v, WW_WHY, {"prev": values[i - 1], "evidence": evidence.name,
                                                                    "read": Excerpt(values, i)}))
        previous = writer
    if previous is not None:
        for v, t in unread:
            graph.add(previous.id, t.id, WW, (key, v, WW_LATER, {"prev": values[-1], "evidence": evidence.name,
                                                                 "read": Excerpt(values)}))


def _read_edges(graph: Graph, t: Txn, key: Key, saw: tuple, external: bool, order: tuple,
                unread: list[tuple[int, Txn]], appender: dict, last_append: dict, found: list[Anomaly]) -> None:
    if saw:
        writer = appender.get((key, saw[-1]))
        if writer is not None and writer is not t:
            if external:
                graph.add(writer.id, t.id, WR, (key, saw[-1], WR_WHY, {"read": Excerpt(saw)}))
            final = last_append[(writer.id, key)]
            if final != saw[-1]:
                found.append(Anomaly("G1b", (t, writer), f"{t.name} read {key} = {show(saw)}, ending in {saw[-1]}, "
                                     f"but {writer.name} appended {final} to {key} after {saw[-1]}"))
    if external and len(saw) < len(order):
        writer = appender.get((key, order[len(saw)]))
        if writer is not None:
            graph.add(t.id, writer.id, RW, (key, order[len(saw)], RW_WHY, {"read": Excerpt(saw)}))
    elif external:
        for v, w in unread:
            graph.add(t.id, w.id, RW, (key, v, RW_LATER, {"read": Excerpt(saw)}))
