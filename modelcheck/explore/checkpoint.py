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
    except (EOFError, ValueError, TypeError) as e:
        raise CheckpointError(f"the checkpoint {target} is damaged ({e})") from None
    if not isinstance(payload, tuple) or len(payload) != 12 or payload[0] != FORMAT:
        raise CheckpointError(f"{target} is not a checkpoint of this version of modelcheck")
    (_, ident, fps, parents, actions, base, frontier, depth, generated, counts, deepest, seconds) = payload
    if ident != identity:
        raise CheckpointError(f"the checkpoint in {directory} was made for another spec, other "
                              "constants or other invariants; resume with the same command line")
    return Snapshot(ident, fps, parents, actions, base, list(frontier), depth, generated, dict(counts),
                    deepest, seconds)


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
