"""The anomalies, which consistency models each one rules out, and the naming of cycles.

Following Adya's definitions as Jepsen's Elle uses them:

    G0              a cycle of write-write dependencies (ww) only: dirty write
    G1a             an aborted read: a committed transaction saw a write of a failed one
    G1b             an intermediate read: it saw a version its writer later overwrote
    G1c             a cycle of ww and wr dependencies (circular information flow)
    G-single        a cycle with exactly one anti-dependency (rw): read skew
    G-nonadjacent   a cycle with rw edges, no two of them adjacent
    G2-item         a cycle with two adjacent rw edges: write skew
    lost-update     two committed transactions read the same version of a key and both
                    wrote it (a G2-item cycle, which snapshot isolation forbids as well)
    internal        a transaction's read disagrees with its own earlier reads and writes

and the errors in the data itself: incompatible-order (two reads of a list that cannot both
be prefixes of one order), duplicate-elements (a list with a value twice), cyclic-versions
(register versions that must precede each other), garbage-read (a value nobody wrote).

A cycle that needs process order is named with `-process` (G1c-process: the transactions of
one process did not see each other's writes, in session order), one that needs real-time
order with `-realtime` (a transaction did not see one that completed before it started).
"""
from __future__ import annotations

from dataclasses import dataclass

from . import MODELS
from .format import Key, Txn
from .graph import PROCESS, REALTIME, RW, WR, Graph

CYCLES = ("G0", "G1c", "G-single", "G-nonadjacent", "G2-item")

_UNCOMMITTED = frozenset({"G0", "duplicate-elements", "cyclic-versions", "garbage-read"})
_COMMITTED = _UNCOMMITTED | {"G1a", "G1b", "G1c", "incompatible-order"}
_REPEATABLE = _COMMITTED | {"G-single", "G-nonadjacent", "G2-item", "lost-update"}
_SNAPSHOT = _COMMITTED | {"internal", "G-single", "G-nonadjacent", "lost-update"}
_SERIALIZABLE = _REPEATABLE | {"internal"}


def _with(base: frozenset, suffix: str) -> frozenset:
    return base | {f"{name}-{suffix}" for name in CYCLES if name in base}


# What each model forbids. Repeatable read is Adya's PL-2.99: all our reads are of items,
# not predicates, so it forbids every cycle serializability does; as in Elle, it does not
# forbid internal inconsistency.
FORBIDS: dict[str, frozenset] = {
    "read-uncommitted": _UNCOMMITTED,
    "read-committed": _COMMITTED,
    "repeatable-read": _REPEATABLE,
    "snapshot-isolation": _SNAPSHOT,
    "serializable": _SERIALIZABLE,
    "strong-session-snapshot-isolation": _with(_SNAPSHOT, "process"),
    "strong-session-serializable": _with(_SERIALIZABLE, "process"),
    "strict-serializable": _with(_SERIALIZABLE, "realtime"),
}
# The order edges a model's cycles may use besides the data dependencies. Under strict
# serializability process order adds nothing: a process's next transaction starts after
# the previous one completed, so real time orders them too.
ORDER_EDGES = {"strong-session-snapshot-isolation": PROCESS, "strong-session-serializable": PROCESS,
               "strict-serializable": REALTIME}
assert set(FORBIDS) == set(MODELS)

EXPLAIN = {
    "G0": "write cycle: the transactions overwrote each other's versions in a cycle",
    "G1a": "aborted read: a committed transaction read a value written by a transaction that failed",
    "G1b": "intermediate read: a transaction read a version that its writer itself overwrote",
    "G1c": "circular information flow: the transactions read or overwrote each other's writes in a cycle",
    "G-single": "read skew: a cycle with exactly one anti-dependency (a read that missed a write)",
    "G-nonadjacent": "a cycle whose anti-dependencies (reads that missed writes) are never adjacent",
    "G2-item": "write skew: a cycle with adjacent anti-dependencies (reads that missed writes)",
    "internal": "a transaction's read contradicts its own earlier reads and writes",
    "lost-update": "two committed transactions read the same version of a key and both wrote it",
    "incompatible-order": "two reads of a key are not prefixes of one order of its elements",
    "duplicate-elements": "a read list holds a value twice, but each value was appended once",
    "cyclic-versions": "the versions of a register must precede each other in a cycle",
    "garbage-read": "a read saw a value that no transaction wrote",
}


SUFFIXES = {"-process": ", using the order of a process's transactions",
            "-realtime": ", using real-time order (a transaction started after another completed)"}


def explain(name: str) -> str:
    for suffix, how in SUFFIXES.items():
        if name.endswith(suffix):
            return EXPLAIN[name.removesuffix(suffix)] + how
    return EXPLAIN[name]


def ruled_out(name: str) -> tuple[str, ...]:
    """The models (of ours) that an anomaly rules out, weakest first."""
    return tuple(m for m in MODELS if name in FORBIDS[m])


@dataclass(frozen=True)
class Step:
    """One edge of a cycle: `src` precedes `dst` because of `kind` (why: `text`)."""
    src: Txn
    kind: str
    dst: Txn
    key: Key | None
    value: object
    text: str


@dataclass(frozen=True)
class Anomaly:
    name: str
    txns: tuple[Txn, ...]
    text: str  # what happened, naming transactions, keys and values
    steps: tuple[Step, ...] = ()  # for a cycle, its edges in order (the last returns to the first)


def cycle_name(kinds: list[int]) -> str:
    """Adya's name for a cycle whose edges (in order, wrapping around) are of `kinds`."""
    anti = [i for i, k in enumerate(kinds) if k == RW]
    if not anti:
        base = "G1c" if WR in kinds else "G0"
    elif len(anti) == 1:
        base = "G-single"
    else:
        n = len(kinds)
        adjacent = any(kinds[(i + 1) % n] == RW for i in anti)
        base = "G2-item" if adjacent else "G-nonadjacent"
    if REALTIME in kinds:
        return f"{base}-realtime"
    if PROCESS in kinds:
        return f"{base}-process"
    return base



@dataclass(frozen=True)
class Inference:
    """What the data of a history says: the dependency graph (data edges; order edges are
    added by the checker) and the anomalies found without looking for cycles."""
    graph: Graph
    anomalies: tuple[Anomaly, ...]
    keys: int


def lost_updates(read_then_wrote: dict[tuple, list[Txn]]) -> list[Anomaly]:
    """From (key, the version read) -> the committed transactions that read it and then
    wrote the key: each version two of them wrote over."""
    found = []
    for (key, version), txns in read_then_wrote.items():
        if len(txns) > 1:
            names = ", ".join(t.name for t in txns[:6]) + (", ..." if len(txns) > 6 else "")
            seen = "the initial (empty) version" if version is None else f"the version ending in {version}"
            found.append(Anomaly("lost-update", tuple(txns), f"{names} each read {seen} of {key} and then wrote "
                                 f"{key}: all but one of their writes overwrote a version its writer never saw"))
    return found
