"""Checkpoints of the native search, in the Python explorer's format (explore/checkpoint.py):
the parent links of the stored states, the states of the level about to be expanded (decoded
to the Python backend's values) and the statistics, written at level starts when due and on
Ctrl-C; and a search resumed from one.

The fingerprints are the native search's (of the state bytes), so a checkpoint names its
backend in its identity: one backend does not resume the other's.
"""
from __future__ import annotations

import time
from typing import Any

import numpy as np

from ..checkpoint import Checkpointer, Snapshot, check_against
from ..checkpoint import load as checkpoint_load


def identity(native, invariants: list[str], check_deadlock: bool) -> str:
    """As the Python explorer's Search.identity, for the native backend."""
    return f"native|{getattr(native.model, 'identity', '')}|{','.join(invariants)}|{check_deadlock}"


class NativeCheckpoints:
    """Writes checkpoints of one native search (from its level-start callback and after an
    interrupt) and restores one before it runs."""

    def __init__(self, native, search, ident: str, checkpointer: Checkpointer | None, started: float):
        self.native, self.search, self.identity = native, search, ident
        self.checkpointer = checkpointer
        self.started = started
        self.failure: BaseException | None = None  # raised in the callback: re-raised after the run

    def level_started(self, _user) -> None:
        """The C search's callback (its thread, every worker idle)."""
        try:
            if self.checkpointer is not None and self.checkpointer.due():
                self.write()
        except BaseException as e:  # cffi would print it and go on: keep it for the caller
            self.failure = e

    def write(self) -> None:
        """The search's state at the start of its current level, if it has one."""
        snap = self.snapshot()
        if snap is not None:
            self.checkpointer.write(snap)

    def snapshot(self) -> Snapshot | None:
        ffi, lib, model = self.native.ffi, self.native.lib, self.native.model
        where = ffi.new("mcs_position *")
        lib.mcs_where(self.search, where)
        if where.depth_of_level == 0:
            return None
        n = where.stored
        fps, parents, actions = np.empty(n, np.uint64), np.empty(n, np.int64), np.empty(n, np.int16)
        if lib.mcs_links(self.search, ffi.from_buffer("uint64_t[]", fps), ffi.from_buffer("int64_t[]", parents),
                         ffi.from_buffer("int16_t[]", actions)) != 0:
            raise OSError("cannot read the native search's parent links")
        data, size = ffi.new("uint8_t **"), ffi.new("size_t *")
        frontier = []
        for i in range(where.level_size):
            if lib.mcs_level_state(self.search, i, data, size) != 0:
                raise OSError("cannot read the native search's queue of states")
            frontier.append(self.native.codec.decode(bytes(ffi.buffer(data[0], size[0]))))
        counts = {a: where.action_counts[i] for i, a in enumerate(model.action_names)}
        return Snapshot(self.identity, fps.tobytes(), parents.tobytes(), actions.tobytes(),
                        where.level_base, frontier, where.depth_of_level, where.generated, counts, where.depth,
                        time.perf_counter() - self.started)

    def restore(self, directory: str) -> float:
        """Loads the checkpoint in `directory` into the search; returns its seconds so far."""
        snap = checkpoint_load(directory, self.identity)
        ffi, lib, model, codec = self.native.ffi, self.native.lib, self.native.model, self.native.codec
        check_against(snap, self._fingerprint, model.action_names, directory)
        fps = np.frombuffer(snap.fps, np.uint64)
        parents, actions = np.frombuffer(snap.parents, np.int64), np.frombuffer(snap.actions, np.int16)
        states = [codec.encode(s) for s in snap.frontier]
        lens = np.array([len(b) for b in states], np.uint32)
        counts = np.array([snap.action_counts[a] for a in model.action_names] or [0], np.uint64)
        blob = b"".join(states) or b"\0"
        if lib.mcs_restore(self.search, len(fps), ffi.from_buffer("uint64_t[]", fps),
                           ffi.from_buffer("int64_t[]", parents), ffi.from_buffer("int16_t[]", actions),
                           len(states), blob, ffi.from_buffer("uint32_t[]", lens) if len(lens) else ffi.NULL,
                           snap.depth, snap.generated, snap.max_depth_seen, ffi.from_buffer("uint64_t[]", counts)) != 0:
            raise MemoryError("cannot restore the native search from its checkpoint")
        return snap.seconds

    def _fingerprint(self, state: Any) -> int:
        """The search's fingerprint of a state, as the signed 64 bits a checkpoint stores."""
        data = self.native.codec.encode(state)
        fp = self.native.lib.mcs_fingerprint(self.search, data, len(data))
        return fp - (1 << 64) if fp >= 1 << 63 else fp
