"""The behaviour graph, recorded during the search for checking temporal properties.

While the search expands a state it records every step that changes the state as an edge:
the expanded state's index, the successor's fingerprint and a label saying which action
instance took it. Packed arrays, 16 bytes per edge (int32 source, int64 fingerprint, int32
label); after the search the fingerprints are turned into state indices at once
(`resolve`, numpy); the native search records the same arrays with its successors
resolved to state indices already (explore/native/record.c). Under a memory budget
(--memory) the recorded edges that exceed it go to temporary files, and `resolve` then works through them in pieces and writes the
resolved graph to temporary files mapped back into memory (numpy memmap): the graph is
never a Python object per edge, and what the operating system cannot keep in memory stays
on disk. Steps to states outside the constraint are recorded too: they are not
edges of the graph (TLC does not explore those states) but they make the instance enabled
(TLC evaluates ENABLED without the constraint). Steps that change nothing are not recorded:
they are stuttering, which every state allows, and they do not make <<A>>_vars enabled.

A label is an action instance: for an action with fairness, the action and the values of
its parameters (TLA+'s \\A p: WF_vars(A(p)) is one condition per p); for any other action,
the action alone. The state predicates of the properties are evaluated once per new state
and kept as one byte per state and predicate.
"""
from __future__ import annotations

import tempfile
from array import array
from dataclasses import dataclass
from typing import IO, Any, Callable, Iterator, Sequence

import numpy as np

from .model import Model

Instance = tuple[int, tuple | None]  # (action index, parameter values; None: the action alone)


@dataclass(frozen=True)
class TemporalProperty:
    """P and Q are state predicates, or (what eventually happens) an action's index for
    the action predicate taken(A)."""
    name: str
    shape: str                                  # "always", "eventually", "always eventually", ...
    left: Callable[[Any], bool] | int           # P
    right: Callable[[Any], bool] | int | None   # Q, for "leadsto"

    @property
    def predicates(self) -> list[Callable[[Any], bool]]:
        return [f for f in (self.left, self.right) if callable(f)]

    @property
    def taken(self) -> int | None:
        return next((f for f in (self.left, self.right) if isinstance(f, int)), None)


def properties_of(model: Model, names: Sequence[str] | None = None) -> list[TemporalProperty]:
    declared = [TemporalProperty(*p) for p in getattr(model, "properties", ())]
    return declared if names is None else [p for p in declared if p.name in names]


COLUMNS = ("i", "q", "i")  # typecodes of an edge's source, successor fingerprint and label
RESOLVE_PIECE = 1 << 22    # edges resolved at once when they are on disk


class EdgeRecorder:
    """Edges and instance labels of one process's part of the search.

    memory_budget: bytes of edges to hold in memory (None: no limit); beyond it,
    `spill_over_budget` writes them to temporary files in spill_dir (None: the system's).
    targets_are_indices: the successors come as state indices (-1: none) instead of
    fingerprints, as the native search resolves them itself."""

    def __init__(self, model: Model, memory_budget: int | None = None, spill_dir: str | None = None,
                 targets_are_indices: bool = False):
        fairness = getattr(model, "fairness", ())
        params = getattr(model, "action_params", ())
        self.kinds = list(fairness) or [None] * len(model.action_names)
        # parameters that make an instance; -1: the action has no fairness, one label for all
        self.params = [k if kind else -1 for kind, k in zip(self.kinds, params or [0] * len(self.kinds))]
        self.instances: dict[Instance, int] = {}
        self.keys: list[Instance] = []
        self.arg_names: list[tuple[str, ...]] = []
        for a in range(len(self.kinds)):
            self._intern((a, None), ())
        self.sent = 0  # labels already reported to the coordinator (parallel search)
        self.sources = array("i")  # a search holds far fewer than 2**31 states
        self.targets = array("q")
        self.labels = array("i")
        self._budget = memory_budget
        self.spill_dir = spill_dir
        self._files: list[IO[bytes]] = []  # one per column, once edges went to disk
        self.spilled = 0                     # edges written to disk
        self.targets_are_indices = targets_are_indices

    def _intern(self, key: Instance, names: tuple[str, ...]) -> int:
        label = self.instances[key] = len(self.keys)
        self.keys.append(key)
        self.arg_names.append(names)
        return label

    def record(self, source: int, target_fp: int, action: int, names: tuple[str, ...], args: tuple) -> None:
        k = self.params[action]
        if k < 0:
            label = action
        else:
            key = (action, args[:k])
            label = self.instances.get(key)
            if label is None:
                label = self._intern(key, names[:k])
        self.sources.append(source)
        self.targets.append(target_fp)
        self.labels.append(label)

    def take(self) -> tuple[bytes, bytes, bytes, list]:
        """The edges recorded since the last call, with the labels new since then."""
        out = (self.sources.tobytes(), self.targets.tobytes(), self.labels.tobytes(),
               [(self.keys[i], self.arg_names[i]) for i in range(self.sent, len(self.keys))])
        self.sent = len(self.keys)
        self.sources, self.targets, self.labels = array("i"), array("q"), array("i")
        return out

    def merge(self, recorded: tuple[bytes, bytes, bytes, list], mapping: list[int]) -> None:
        """Add another recorder's edges (`take`'s output); `mapping` (its labels -> ours) grows."""
        sources, targets, labels, new = recorded
        for key, names in new:
            mapping.append(self.instances[key] if key in self.instances else self._intern(key, names))
        self.sources.frombytes(sources)
        self.targets.frombytes(targets)
        local = np.frombuffer(labels, dtype=np.int32)
        self.labels.frombytes(np.asarray(mapping, dtype=np.int32)[local].tobytes() if len(local) else b"")

    @property
    def nbytes(self) -> int:
        """Bytes of the edges recorded so far, in memory and on disk."""
        return sum(a.itemsize * len(a) for a in self._columns()) + self.spilled_bytes

    @property
    def spilled_bytes(self) -> int:
        return self.spilled * sum(np.dtype(t).itemsize for t in COLUMNS)

    def _columns(self) -> tuple[array, array, array]:
        return self.sources, self.targets, self.labels

    def spill_over_budget(self) -> None:
        """Write the edges held in memory to disk if they exceed the memory budget. Called
        where the search checks its resources, never per edge."""
        if self._budget is not None and sum(a.itemsize * len(a) for a in self._columns()) > self._budget:
            self._spill()

    def _spill(self) -> None:
        if not self._files:
            self._files = [tempfile.TemporaryFile(prefix="modelcheck-edges-", dir=self.spill_dir)
                           for _ in COLUMNS]
        for f, column in zip(self._files, self._columns()):
            column.tofile(f)
        self.spilled += len(self.sources)
        self.sources, self.targets, self.labels = (array(t) for t in COLUMNS)

    def pieces(self) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """The edges recorded, as (sources, successor fingerprints, labels) arrays: all at
        once from memory, or, once some went to disk, in pieces of RESOLVE_PIECE edges read
        from the files (the edges still in memory are written there first)."""
        if not self._files:
            yield tuple(np.frombuffer(a, dtype=np.dtype(a.typecode)) if len(a) else np.empty(0, np.dtype(a.typecode))
                        for a in self._columns())
            return
        if len(self.sources):
            self._spill()
        columns = [_mapped(f, np.dtype(t)) for f, t in zip(self._files, COLUMNS)]
        for start in range(0, self.spilled, RESOLVE_PIECE):
            yield tuple(np.asarray(c[start:start + RESOLVE_PIECE]) for c in columns)

    def close(self) -> None:
        """Delete the files of the edges on disk (they vanish with the process anyway)."""
        for f in self._files:
            f.close()
        self._files = []


class PredicateValues:
    """The value of every property's state predicates in every stored state, a byte each."""

    def __init__(self, properties: Sequence[TemporalProperty]):
        self.functions = [f for p in properties for f in p.predicates]
        self.values = [bytearray() for _ in self.functions]

    def evaluate(self, state) -> bytes:
        return bytes(1 if f(state) else 0 for f in self.functions)

    def append(self, row: bytes) -> None:
        for column, v in zip(self.values, row):
            column.append(v)

    def extend(self, rows: bytes) -> None:
        """Rows of evaluate() concatenated (from a worker)."""
        width = len(self.functions)
        for i, column in enumerate(self.values):
            column.extend(rows[i::width])

    def column(self, i: int) -> np.ndarray:
        return np.frombuffer(bytes(self.values[i]), dtype=np.uint8).astype(bool)


@dataclass(frozen=True)
class BehaviourGraph:
    """The recorded graph with state indices: edges src -> dst (dst -1: a step to a state
    outside the constraint, which only makes its instance enabled), never src == dst."""
    states: int
    src: np.ndarray          # int32
    dst: np.ndarray          # int32
    label: np.ndarray        # int32
    initial: np.ndarray      # indices of the initial states
    kinds: np.ndarray        # per label: 0 no fairness, 1 weak, 2 strong
    keys: list[Instance]
    arg_names: list[tuple[str, ...]]


def resolve(recorder: EdgeRecorder, fps: array, parents: array) -> BehaviourGraph:
    """Fingerprints of successors -> state indices (one sort and one binary search per
    piece; nothing to search when the recorder has indices already). With edges on disk the
    graph's edge arrays are temporary files, mapped."""
    n = len(fps)
    by_fp = np.frombuffer(fps, dtype=np.int64) if n else np.empty(0, dtype=np.int64)
    if not recorder.targets_are_indices:
        order = np.argsort(by_fp, kind="stable")
        ordered = by_fp[order]
    out = _Resolved(recorder.spilled > 0, recorder.spill_dir)
    for src, targets, labels in recorder.pieces():
        if recorder.targets_are_indices:
            dst = targets.astype(np.int32)
        elif n:
            pos = np.minimum(np.searchsorted(ordered, targets), n - 1)
            dst = np.where(ordered[pos] == targets, order[pos], -1).astype(np.int32)
        else:
            dst = np.full(len(targets), -1, dtype=np.int32)
        keep = src != dst  # a step back to the same state (modulo fingerprint) is stuttering
        out.add(src[keep], dst[keep], labels[keep])
    src, dst, label = out.arrays()
    kind_code = {None: 0, "weak": 1, "strong": 2}
    kinds = np.array([kind_code[recorder.kinds[a]] if args is not None else 0 for a, args in recorder.keys],
                     dtype=np.int8)
    initial = np.flatnonzero(np.frombuffer(parents, dtype=np.int64) < 0) if n else np.empty(0, np.int64)
    return BehaviourGraph(n, src, dst, label, initial, kinds, list(recorder.keys), list(recorder.arg_names))


class _Resolved:
    """The resolved edge columns (source, destination, label; int32 each): in memory, or
    appended piece by piece to temporary files and mapped back at the end."""

    def __init__(self, on_disk: bool, spill_dir: str | None):
        self.files = [tempfile.TemporaryFile(prefix="modelcheck-graph-", dir=spill_dir)
                      for _ in range(3)] if on_disk else []
        self.pieces: list[tuple[np.ndarray, ...]] = []

    def add(self, *columns: np.ndarray) -> None:
        if self.files:
            for f, column in zip(self.files, columns):
                np.asarray(column, dtype=np.int32).tofile(f)
        else:
            self.pieces.append(columns)

    def arrays(self) -> tuple[np.ndarray, ...]:
        if not self.files:
            (piece,) = self.pieces  # the recorder gives the edges held in memory as one piece
            return tuple(np.asarray(c, dtype=np.int32) for c in piece)
        mapped = tuple(_mapped(f, np.dtype(np.int32)) for f in self.files)
        for f in self.files:  # the mappings keep the data; the files have no name
            f.close()
        return mapped


def _mapped(f: IO[bytes], dtype: np.dtype) -> np.ndarray:
    """A file of `dtype` values, mapped read-only (an empty file: an empty array)."""
    f.flush()
    size = f.seek(0, 2)
    if size == 0:
        return np.empty(0, dtype)
    return np.memmap(f, dtype=dtype, mode="r", shape=(size // dtype.itemsize,))
