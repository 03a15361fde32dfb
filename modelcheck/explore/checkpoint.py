"""Checkpoints: the search state at the start of a level, written to disk and read back.

Because the search goes level by level, the state at the start of a level is small and
exact: the visited fingerprints with their parent links, the states of the level (the only
states held), and the statistics. Resuming from it redoes at most one level and reaches the
same final counts. States are written with marshal: the runtime values (ints, bools, tuples,
frozensets) are exactly what marshal stores, fast and without pickle's generality.
"""
from __future__ import annotations

import marshal
import os
import time
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FORMAT = 1
FILE = "checkpoint.bin"


class CheckpointError(Exception):
    """A checkpoint that is missing, damaged or made for another spec."""


@dataclass
class Snapshot:
    identity: str                 # the spec, constants and invariants it was made for
    fps: bytes                    # VisitedStates arrays, as bytes
    parents: bytes
    actions: bytes
    frontier_base: int            # index of the first state of the level
    frontier: list                # the level's states, in index order
    depth: int                    # depth of the level's states
    generated: int
    action_counts: dict[str, int]
    max_depth_seen: int
    seconds: float                # time spent before the checkpoint
    extra: dict[str, Any] = field(default_factory=dict)


def save(directory: str | Path, snap: Snapshot) -> Path:
    """Write atomically: a crash while writing leaves the previous checkpoint intact."""
    path = Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    target = path / FILE
    tmp = path / (FILE + ".tmp")
    payload = (FORMAT, snap.identity, snap.fps, snap.parents, snap.actions, snap.frontier_base,
               tuple(snap.frontier), snap.depth, snap.generated, tuple(snap.action_counts.items()),
               snap.max_depth_seen, snap.seconds)
    with open(tmp, "wb") as f:
        marshal.dump(payload, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, target)
    return target


def load(directory: str | Path, identity: str) -> Snapshot:
    target = Path(directory) / FILE
    try:
        with open(target, "rb") as f:
            payload = marshal.load(f)
    except FileNotFoundError:
        raise CheckpointError(f"no checkpoint in {directory} (expected {target})") from None
    except (EOFError, ValueError, TypeError, MemoryError) as e:
        raise CheckpointError(f"the checkpoint {target} is damaged ({e})") from None
    if not isinstance(payload, tuple) or len(payload) != 12 or payload[0] != FORMAT:
        raise CheckpointError(f"{target} is not a checkpoint of this version of modelcheck")
    (_, ident, fps, parents, actions, base, frontier, depth, generated, counts, deepest, seconds) = payload
    if ident != identity:
        raise CheckpointError(f"the checkpoint in {directory} was made for another spec, other "
                              "constants or other invariants; resume with the same command line")
    damage = _damage(fps, parents, actions, base, frontier, depth, generated, counts, deepest, seconds)
    if damage:
        raise CheckpointError(f"the checkpoint {target} is damaged ({damage})")
    return Snapshot(ident, fps, parents, actions, base, list(frontier), depth, generated, dict(counts),
                    deepest, seconds)


def _damage(fps, parents, actions, base, frontier, depth, generated, counts, deepest, seconds) -> str | None:
    """What is wrong with the fields of a checkpoint whose identity is right (a disk error,
    an edit), or None; the frontier's states are checked against their fingerprints when the
    search resumes (bfs.py)."""
    import numpy as np

    def whole(v, low=0) -> bool:
        return isinstance(v, int) and not isinstance(v, bool) and v >= low
    if not all(isinstance(b, bytes) for b in (fps, parents, actions)):
        return "the visited states are not byte strings"
    n = len(fps) // 8
    if len(fps) % 8 or len(parents) != 8 * n or len(actions) != 2 * n:
        return "the visited states' arrays differ in length"
    if not (isinstance(counts, tuple) and all(isinstance(c, tuple) and len(c) == 2 and isinstance(c[0], str)
                                              and whole(c[1]) for c in counts)):
        return "bad action counts"
    if not (whole(base) and isinstance(frontier, tuple) and base + len(frontier) == n and whole(depth, 1)
            and whole(generated) and whole(deepest) and isinstance(seconds, (int, float))
            and 0 <= seconds < float("inf")):
        return "bad statistics or frontier"
    p = np.frombuffer(parents, dtype=np.int64)
    a = np.frombuffer(actions, dtype=np.int16)
    if n and not (np.all((p >= -1) & (p < np.arange(n))) and np.all((a >= -1) & (a < len(counts)))):
        return "a state's parent or action is out of range"
    return None


def check_against(snap: Snapshot, fingerprint, action_names, directory: str | Path) -> None:
    """The checkpoint must count this spec's actions, and each state of the saved level must
    have the fingerprint saved for it."""
    if set(snap.action_counts) != set(action_names):
        reason = "its action counts name other actions than the spec's"
    elif not _frontier_intact(snap, fingerprint):
        reason = "its states do not match their fingerprints"
    else:
        return
    raise CheckpointError(f"the checkpoint {Path(directory) / FILE} is damaged ({reason})")


def _frontier_intact(snap: Snapshot, fingerprint) -> bool:
    fps = array("q")
    fps.frombytes(snap.fps)
    try:
        return all(fingerprint(s) == fps[snap.frontier_base + k] for k, s in enumerate(snap.frontier))
    except Exception:  # not a state of this spec at all
        return False


class Checkpointer:
    """Decides when to write; the search calls `level_started` at each level boundary."""

    def __init__(self, directory: str | Path, every_seconds: float):
        self.directory = directory
        self.every = every_seconds
        self.last = time.monotonic()
        self.written = 0

    def due(self) -> bool:
        return time.monotonic() - self.last >= self.every

    def write(self, snap: Snapshot) -> None:
        save(self.directory, snap)
        self.last = time.monotonic()
        self.written += 1


def arrays_from(snap: Snapshot) -> tuple[array, array, array]:
    fps, parents, actions = array("q"), array("q"), array("h")
    fps.frombytes(snap.fps)
    parents.frombytes(snap.parents)
    actions.frombytes(snap.actions)
    return fps, parents, actions
