"""The behaviour graph, recorded during the search for checking temporal properties.

While the search expands a state it records every step that changes the state as an edge:
the expanded state's index, the successor's fingerprint and a label saying which action
instance took it. Packed arrays, 16 bytes per edge (int32 source, int64 fingerprint, int32
label); after the search the fingerprints are turned into state indices at once
(`resolve`, numpy). Steps to states outside the constraint are recorded too: they are not
edges of the graph (TLC does not explore those states) but they make the instance enabled
(TLC evaluates ENABLED without the constraint). Steps that change nothing are not recorded:
they are stuttering, which every state allows, and they do not make <<A>>_vars enabled.

A label is an action instance: for an action with fairness, the action and the values of
its parameters (TLA+'s \\A p: WF_vars(A(p)) is one condition per p); for any other action,
the action alone. The state predicates of the properties are evaluated once per new state
and kept as one byte per state and predicate.
"""
from __future__ import annotations

from array import array
from dataclasses import dataclass
from typing import Any, Callable, Sequence

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


class EdgeRecorder:
    """Edges and instance labels of one process's part of the search."""

    def __init__(self, model: Model):
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
        return sum(a.itemsize * len(a) for a in (self.sources, self.targets, self.labels))


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
    """Fingerprints of successors -> state indices (one sort and one binary search)."""
    n = len(fps)
    by_fp = np.frombuffer(fps, dtype=np.int64) if n else np.empty(0, dtype=np.int64)
    order = np.argsort(by_fp, kind="stable")
    ordered = by_fp[order]
    targets = np.frombuffer(recorder.targets, dtype=np.int64) if len(recorder.targets) else np.empty(0, np.int64)
    src = np.frombuffer(recorder.sources, dtype=np.int32) if len(recorder.sources) else np.empty(0, np.int32)
    labels = np.frombuffer(recorder.labels, dtype=np.int32) if len(recorder.labels) else np.empty(0, np.int32)
    if n:
        pos = np.minimum(np.searchsorted(ordered, targets), n - 1)
        dst = np.where(ordered[pos] == targets, order[pos], -1).astype(np.int32)
    else:
        dst = np.full(len(targets), -1, dtype=np.int32)
    keep = src != dst  # a step back to the same state (modulo fingerprint) is stuttering
    kind_code = {None: 0, "weak": 1, "strong": 2}
    kinds = np.array([kind_code[recorder.kinds[a]] if args is not None else 0 for a, args in recorder.keys],
                     dtype=np.int8)
    initial = np.flatnonzero(np.frombuffer(parents, dtype=np.int64) < 0) if n else np.empty(0, np.int64)
    return BehaviourGraph(n, src[keep].copy(), dst[keep], labels[keep].copy(), initial, kinds,
                          list(recorder.keys), list(recorder.arg_names))
