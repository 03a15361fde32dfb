"""The native backend's side of `--engine ray`: a worker that serves parallel.py's calls
(expand a slice of the level, keep and check the new states, count up to a stop point, pass
states to its neighbours) with its states as packed bytes, expanded and checked in C
(batch.c), and the Python model with the native fingerprints for the coordinator.

The coordinator is parallel.py's, so it keeps the visited set and the parent links in
Python as the Python engine does; its fingerprints are the native search's (of the state
bytes' canonical form), so it keeps them as search.c does and rebuilds traces by executing
the Python model and fingerprinting its states in C. What is rare (the message of a runtime
error, of a type violation) is computed again by the Python model, as driver.py does, so
messages and counts are those of the native search on one machine.
"""
from __future__ import annotations

import marshal
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from ..model import Model, StateChecks
from ..parallel import WorkerEvent
from .driver import (DEADLOCK, ERROR, FAILED, FINISHED, INVARIANT, SITE_CHECKS, SITE_CONSTRAINT, SITE_SUCCESSORS,
                     TYPE, NativeMismatch, NativeSearch, failing_action, failure_message, type_problem)

FP_MASK = (1 << 64) - 1


@dataclass(frozen=True)
class PackedStates:
    """States as one byte string: state i is data[bounds[i]:bounds[i + 1]]."""
    data: bytes
    bounds: np.ndarray  # uint64, one more than the states

    @classmethod
    def of(cls, states: Sequence[bytes]) -> "PackedStates":
        bounds = np.zeros(len(states) + 1, np.uint64)
        np.cumsum([len(s) for s in states], out=bounds[1:])
        return cls(b"".join(states), bounds)

    @classmethod
    def concat(cls, parts: Sequence["PackedStates"]) -> "PackedStates":
        ends, shift = [np.zeros(1, np.uint64)], 0
        for p in parts:
            ends.append(p.bounds[1:] - p.bounds[0] + np.uint64(shift))
            shift += len(p.data)
        return cls(b"".join(p.data for p in parts), np.concatenate(ends))

    def __len__(self) -> int:
        return len(self.bounds) - 1

    def state(self, i: int) -> bytes:
        return self.data[int(self.bounds[i]):int(self.bounds[i + 1])]

    def slice(self, a: int, b: int) -> "PackedStates":
        lo, hi = int(self.bounds[a]), int(self.bounds[b])
        return PackedStates(self.data[lo:hi], self.bounds[a:b + 1] - np.uint64(lo))

    def take(self, positions: Sequence[int]) -> "PackedStates":
        """The states at these positions, in this order."""
        chosen = np.asarray(positions, np.int64)
        starts = self.bounds[chosen].astype(np.int64)
        lengths = self.bounds[chosen + 1].astype(np.int64) - starts
        bounds = np.zeros(len(chosen) + 1, np.uint64)
        np.cumsum(lengths, out=bounds[1:])
        # byte k of the result comes from byte k + (its state's start - its new start)
        shift = np.repeat(starts - bounds[:-1].astype(np.int64), lengths)
        source = np.frombuffer(self.data, np.uint8)
        return PackedStates(source[np.arange(int(bounds[-1]), dtype=np.int64) + shift].tobytes(), bounds)


EMPTY = PackedStates(b"", np.zeros(1, np.uint64))


@dataclass(frozen=True)
class Expansion:
    """What batch.c's mcb_expand found, copied out of its buffers."""
    fps: np.ndarray        # uint64
    parents: np.ndarray    # int64
    actions: np.ndarray    # int16
    candidates: PackedStates
    counts: list[int]
    event: int
    site: int
    which: int
    action: int
    position: int
    parent: int
    state: bytes | None
    parent_counts: list[int]
    message: str


class NativeBatch:
    """batch.c's mcb_batch: one thread's expansion and checks of packed states."""

    def __init__(self, native: NativeSearch, invariants: Sequence[str], check_deadlock: bool):
        self.native = native
        ffi, lib = native.ffi, native.lib
        names = native.names(lib.mc_invariant_count, lib.mc_invariant_name)
        indices = ffi.new("int[]", [names.index(n) for n in invariants] or [0])
        batch = lib.mcb_new(indices, len(invariants), int(check_deadlock))
        if batch == ffi.NULL:
            raise MemoryError("cannot start a native batch")
        self.batch = ffi.gc(batch, lib.mcb_free)
        self.nact = lib.mc_action_count()

    def _buffers(self, states: PackedStates):
        ffi = self.native.ffi
        return ffi.from_buffer("uint8_t[]", states.data or b"\0"), ffi.from_buffer("uint64_t[]", states.bounds)

    def expand(self, states: PackedStates, base: int) -> Expansion:
        ffi, lib = self.native.ffi, self.native.lib
        out = ffi.new("mcb_expansion *")
        data, bounds = self._buffers(states)
        if lib.mcb_expand(self.batch, data, bounds, len(states), base, out) != 0:
            raise MemoryError(ffi.string(out.message).decode())
        n = out.n

        def array(pointer, ctype: str, dtype, count: int) -> np.ndarray:
            return np.frombuffer(ffi.buffer(ffi.cast(ctype, pointer), count * np.dtype(dtype).itemsize),
                                 dtype).copy()

        candidate_bounds = array(out.bounds, "uint64_t *", np.uint64, n + 1)
        candidates = PackedStates(bytes(ffi.buffer(out.states, int(candidate_bounds[-1]))) if n else b"",
                                  candidate_bounds)
        return Expansion(array(out.fps, "uint64_t *", np.uint64, n), array(out.parents, "int64_t *", np.int64, n),
                         array(out.actions, "int16_t *", np.int16, n), candidates,
                         list(out.counts[0:self.nact]), out.event, out.site, out.which, out.action, out.position,
                         out.parent, bytes(ffi.buffer(out.state, out.state_len)) if out.state != ffi.NULL else None,
                         list(out.parent_counts[0:self.nact]), ffi.string(out.message).decode())

    def check(self, states: PackedStates) -> tuple[int, int, int] | None:
        """None if every state passes its checks, else (index, outcome, which) of the first
        that does not (search.h's outcomes)."""
        ffi = self.native.ffi
        index, which = ffi.new("uint64_t *"), ffi.new("int *")
        data, bounds = self._buffers(states)
        outcome = self.native.lib.mcb_check(self.batch, data, bounds, len(states), index, which)
        return None if outcome == FINISHED else (index[0], outcome, which[0])

    def count_through(self, states: PackedStates, action: int, fp: int, match: bytes | None) -> list[int]:
        """batch.h's mcb_count_through."""
        ffi = self.native.ffi
        counts = ffi.new("uint64_t[]", self.nact + 1)
        data, bounds = self._buffers(states)
        rc = self.native.lib.mcb_count_through(self.batch, data, bounds, len(states), action, fp & FP_MASK,
                                              match if match is not None else ffi.NULL, len(match or b""), counts)
        if rc != 0:
            raise NativeMismatch("a successor of the native search could not be generated again")
        return list(counts[0:self.nact])

    def fingerprint(self, state: bytes) -> int:
        """The native search's fingerprint, as the signed 64 bits the visited set holds."""
        fp = self.native.lib.mcb_fingerprint(self.batch, state, len(state))
        return fp - (1 << 64) if fp >= 1 << 63 else fp


class NativeFingerprints:
    """The Python model with the native search's fingerprints: the coordinator's visited set
    holds these, and it rebuilds traces by matching them."""

    def __init__(self, native: NativeSearch):
        self._model = native.model
        self._codec = native.codec
        self._batch = NativeBatch(native, [], False)

    def fingerprint(self, s: Any) -> int:
        return self._batch.fingerprint(self._codec.encode(s))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._model, name)


class NativeWorker:
    """parallel.py's _Worker over packed states: the same calls and answers, the work in C."""

    def __init__(self, native: NativeSearch, invariants: list[str], check_deadlock: bool):
        self.model: Model = native.model
        self.codec = native.codec
        self.invariants = invariants
        self.batch = NativeBatch(native, invariants, check_deadlock)
        self.frontier = self.candidates = self.new = EMPTY

    def serve(self, method: str, args: tuple):
        return getattr(self, method)(*args)

    def expand(self, base: int):
        e = self.batch.expand(self.frontier, base)
        self.candidates = e.candidates
        counts = list(e.counts)
        event = self._event(e, base, counts)
        return e.fps.tobytes(), e.parents.tobytes(), e.actions.tobytes(), counts, event, None

    def _event(self, e: Expansion, base: int, counts: list[int]) -> WorkerEvent | None:
        """The expansion's stop as parallel.py's WorkerEvent, worded by the Python model; `counts`
        lose what the native search does not count at a runtime error (driver.py)."""
        if e.event == FINISHED:
            return None
        if e.event == FAILED:
            raise MemoryError(e.message)
        if e.event == DEADLOCK:
            return WorkerEvent(e.position, "deadlock", "deadlock", e.parent)
        state = self.codec.decode(e.state) if e.state is not None else None
        if e.event in (INVARIANT, TYPE):
            name = self.invariants[e.which] if e.event == INVARIANT else type_problem(self.model, state)
            return WorkerEvent(e.position, "outside", name, e.parent, e.action, marshal.dumps(state),
                          "invariant" if e.event == INVARIANT else "type")
        assert e.event == ERROR
        if e.site == SITE_CHECKS:  # of a state outside the constraint, which ends the trace
            message = failure_message(self.model, lambda: StateChecks(self.model, self.invariants).first_broken(state))
            return WorkerEvent(e.position, "error", message, e.parent, e.action, marshal.dumps(state))
        if e.site == SITE_CONSTRAINT:
            failed, message = e.action, failure_message(self.model, lambda: self.model.constraint()(state))
        else:
            assert e.site == SITE_SUCCESSORS
            failed, message = failing_action(self.model, self.codec.decode(self.frontier.state(e.parent - base)))
        for a in range(failed, len(counts)):  # the failing action's successors, and none after it
            counts[a] -= e.parent_counts[a]
        return WorkerEvent(e.position, "error", message, e.parent, failed)

    def keep(self, positions: list[int]):
        self.new = self.candidates.take(positions)
        self.candidates = EMPTY
        broken = self.batch.check(self.new)
        if broken is None:
            return None, b""
        k, outcome, which = broken
        if outcome == INVARIANT:
            return (k, "invariant", self.invariants[which]), b""
        state = self.codec.decode(self.new.state(k))
        if outcome == TYPE:
            return (k, "type", type_problem(self.model, state)), b""
        message = failure_message(self.model, lambda: StateChecks(self.model, self.invariants).first_broken(state))
        return (k, "error", message), b""

    def counts_until(self, offset: int, action: int, fp: int, state: bytes | None) -> list[int]:
        match = self.codec.encode(marshal.loads(state)) if state is not None else None
        return self.batch.count_through(self.frontier.slice(0, offset + 1), action, fp, match)

    def rebalance(self, mine: tuple[int, int], give: list[tuple[int, int, int]]):
        out = {w: self.new.slice(a, b) for w, a, b in give}
        self.frontier = self.new.slice(*mine)
        self.new = EMPTY
        return out

    def receive(self, before: list[PackedStates], after: list[PackedStates]):
        self.frontier = PackedStates.concat([*before, self.frontier, *after])
        return len(self.frontier)

    def set_frontier(self, blob: bytes):
        self.frontier = PackedStates.of([self.codec.encode(s) for s in marshal.loads(blob)])
        return len(self.frontier)
