"""The set of visited states, held as 64-bit fingerprints, with parent links for traces.

Per distinct state we keep 26 bytes: its fingerprint twice (once in discovery order for
trace replay, once in a sorted array for membership), its parent's index and the index of
the action that produced it. States themselves are never stored here.
Membership is tested a batch at a time with numpy (sort + searchsorted), which keeps the
per-state Python work out of the dedup step.
"""
from __future__ import annotations

from array import array

import numpy as np


class VisitedStates:
    def __init__(self) -> None:
        self._sorted = np.empty(0, dtype=np.int64)
        self.fps = array("q")       # fingerprint of state i, in discovery order
        self.parents = array("q")   # index of state i's parent; -1 for an initial state
        self.actions = array("h")   # index of the action that produced state i; -1 for initial

    def __len__(self) -> int:
        return len(self.fps)

    def __contains__(self, fp: int) -> bool:
        pos = int(np.searchsorted(self._sorted, fp))
        return pos < len(self._sorted) and int(self._sorted[pos]) == fp

    def add_batch(self, fps: list[int], parents: list[int], actions: list[int], limit: int | None = None) -> list[int]:
        """Add the candidates that are new; return their positions in the batch, in order.

        A candidate is new if its fingerprint is neither visited nor equal to that of an
        earlier candidate in the batch, so the first occurrence wins, as in a sequential BFS.
        With `limit`, only the first `limit` new candidates are added (--max-states).
        """
        if not fps or limit == 0:
            return []
        batch = np.fromiter(fps, dtype=np.int64, count=len(fps))
        unique, first = np.unique(batch, return_index=True)
        if len(self._sorted):
            pos = np.searchsorted(self._sorted, unique)
            seen = self._sorted[np.minimum(pos, len(self._sorted) - 1)] == unique
            first = first[~seen]
        if not len(first):
            return []
        new_positions = np.sort(first)
        if limit is not None:
            new_positions = new_positions[:limit]
        self._sorted = np.concatenate((self._sorted, batch[new_positions]))
        self._sorted.sort(kind="stable")
        new = new_positions.tolist()
        for j in new:
            self.fps.append(fps[j])
            self.parents.append(parents[j])
            self.actions.append(actions[j])
        return new

    @classmethod
    def restore(cls, fps: array, parents: array, actions: array) -> "VisitedStates":
        """The visited set as saved in a checkpoint."""
        v = cls()
        v.fps, v.parents, v.actions = fps, parents, actions
        v._sorted = np.sort(np.frombuffer(fps.tobytes(), dtype=np.int64))
        return v

    def prefix_bytes(self, n: int) -> tuple[bytes, bytes, bytes]:
        """The arrays of the first n states, for a checkpoint."""
        return self.fps[:n].tobytes(), self.parents[:n].tobytes(), self.actions[:n].tobytes()

    def path_to(self, index: int) -> list[int]:
        """Indices of the states from an initial state to state `index`, inclusive."""
        path = []
        while index >= 0:
            path.append(index)
            index = self.parents[index]
        return path[::-1]

    @property
    def nbytes(self) -> int:
        return self._sorted.nbytes + self.fps.itemsize * len(self.fps) * 2 + self.actions.itemsize * len(self.actions)
