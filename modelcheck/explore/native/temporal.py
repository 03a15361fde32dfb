"""Temporal properties with the native search: the behaviour graph the C search records
(record.c) goes, level by level, into the Python explorer's EdgeRecorder and PredicateValues
(behaviour.py), and is checked by the same code (bfs.check_temporal, liveness.py).

The C search gives each level's steps in the order the Python explorer records them, with
the same labels: the actions without fairness first, then the instances of fair actions in
the order first met, each decoded here to (action, parameter values) as the Python explorer
keys them. The state predicates are the spec's compiled to C (mc_predicate), evaluated in
every new state. The successors come as state indices (the C search resolves its
fingerprints). So the graph is the Python explorer's; a lasso is replayed with the native
search's fingerprints (mcs_fingerprint).
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..behaviour import EdgeRecorder, PredicateValues, TemporalProperty
from ..bfs import check_temporal
from ..result import Stats, Violation


class NativeRecording:
    """The behaviour graph of one native search, taken from it in its level_started callback
    (every worker idle) and once more after it ends."""

    def __init__(self, native, temporal: Sequence[TemporalProperty], memory_budget: int | None):
        self.native = native
        self.temporal = list(temporal)
        self.recorder = EdgeRecorder(native.model, memory_budget, targets_are_indices=True)
        self.predicates = PredicateValues(self.temporal)
        self.mapping: list[int] = list(range(len(native.model.action_names)))  # C labels -> recorder's
        self.failure: BaseException | None = None  # raised in the callback: re-raised after the run
        lib, ffi = native.lib, native.ffi
        names = [ffi.string(lib.mc_predicate_name(k)).decode() for k in range(lib.mc_predicate_count())]
        wanted = [f"{p.name}.{side}" for p in self.temporal
                  for side, f in (("left", p.left), ("right", p.right)) if callable(f)]
        missing = [n for n in wanted if n not in names]
        if missing:
            raise AssertionError(f"the C model has no state predicate {', '.join(missing)} (it has {names})")
        # cffi objects the options point at: alive as long as this
        self.c_predicates = ffi.new("int[]", [names.index(n) for n in wanted] or [0])
        self.c_fair = ffi.new("uint8_t[]", [int(k >= 0) for k in self.recorder.params] or [0])
        self.predicate_count = len(wanted)

    def options(self) -> dict[str, Any]:
        """mcs_options fields that make the search record."""
        return {"record": 1, "fair": self.c_fair, "predicates": self.c_predicates,
                "predicate_count": self.predicate_count}

    def level_started(self, search) -> None:
        try:
            self.take(search)
        except BaseException as e:  # cffi would print it and go on: keep it for the caller
            self.failure = e

    def take(self, search) -> None:
        """The steps and predicate values recorded since the last call."""
        ffi, lib = self.native.ffi, self.native.lib
        src, dst, lab = ffi.new("int32_t **"), ffi.new("int64_t **"), ffi.new("int32_t **")
        rows, edges, states = ffi.new("uint8_t **"), ffi.new("uint64_t *"), ffi.new("uint64_t *")
        lib.mcs_recorded(search, src, dst, lab, edges, rows, states)
        n = edges[0]
        self.recorder.merge((ffi.buffer(src[0], 4 * n), ffi.buffer(dst[0], 8 * n), ffi.buffer(lab[0], 4 * n),
                             self._new_labels(search)), self.mapping)
        self.recorder.spill_over_budget()
        if states[0] and self.predicate_count:
            self.predicates.extend(bytes(ffi.buffer(rows[0], states[0] * self.predicate_count)))
        lib.mcs_clear_recorded(search)

    def _new_labels(self, search) -> list:
        """The instances the search met since the last call, as EdgeRecorder.take gives them."""
        ffi, lib, codec = self.native.ffi, self.native.lib, self.native.codec
        data, size = ffi.new("uint8_t **"), ffi.new("size_t *")
        new = []
        for label in range(len(self.mapping), lib.mcs_label_count(search)):
            action = lib.mcs_label(search, label, data, size)
            params = bytes(ffi.buffer(data[0], size[0])) if size[0] else b""
            k = self.recorder.params[action]
            names = tuple(name for name, _ in codec.params[action][:k])
            new.append(((action, codec.decode_params(action, params)[:k]), names))
        return new

    def check(self, search, stats: Stats) -> Violation | None:
        """After a complete search: the first violated property with its lasso, or None."""
        ffi, lib = self.native.ffi, self.native.lib
        where = ffi.new("mcs_position *")
        lib.mcs_where(search, where)
        n = where.stored
        fps, parents, actions = np.empty(n, np.uint64), np.empty(n, np.int64), np.empty(n, np.int16)
        if n and lib.mcs_links(search, ffi.from_buffer("uint64_t[]", fps), ffi.from_buffer("int64_t[]", parents),
                               ffi.from_buffer("int16_t[]", actions)) != 0:
            raise OSError("cannot read the native search's parent links")
        codec = self.native.codec

        def fingerprint(state) -> int:
            data = codec.encode(state)
            fp = lib.mcs_fingerprint(search, data, len(data))
            return fp - (1 << 64) if fp >= 1 << 63 else fp  # as the recorded ones: int64
        return check_temporal(self.native.model, self.temporal, self.recorder, self.predicates,
                              fps.view(np.int64), parents, stats, fingerprint)
