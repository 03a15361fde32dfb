"""A lease lock server and its clients: a user's implementation, checked against lock.spec
through lease_adapter.py (the README's walkthrough of coverage criteria and mutation testing)."""
from __future__ import annotations

from typing import Optional


class LockServer:
    def __init__(self, max_epoch: int):
        self.max_epoch = max_epoch
        self.taken = False
        self.epoch = 0

    def grant(self) -> Optional[int]:
        """The lock with a new epoch, or None if it is taken or the epochs are used up."""
        if self.taken or self.epoch >= self.max_epoch:
            return None
        self.epoch = self._next_epoch()
        self.taken = True
        return self.epoch

    def _next_epoch(self) -> int:
        e = self.epoch
        while e <= self.epoch:
            e += 1
        return e

    def expire(self) -> None:
        self.taken = False

    def release(self, epoch: int) -> None:
        """A release frees the lock only if it is of the current lease."""
        if epoch == self.epoch:
            self.taken = False


class LockClient:
    def __init__(self):
        self.holding = False
        self.epoch = 0          # the epoch of the last lease taken

    def take(self, epoch: int) -> bool:
        if self.holding:
            return False
        self.holding = True
        self.epoch = epoch
        return True

    def release(self) -> int:
        self.holding = False
        return self.epoch
