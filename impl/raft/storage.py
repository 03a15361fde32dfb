"""Stable storage for a Raft server: what must survive a crash.

Raft is only safe if a server never forgets, across a restart, the term it is in, whom it
voted for in that term, and its log: a server that forgot its vote could vote twice in one
term and elect two leaders; one that forgot log entries could let a committed entry be lost.
Everything else a server knows (its role, its commit index, the votes and acknowledgements
it has counted) is rebuilt from messages after a restart.

`MemoryStorage` keeps the data in memory, but the node only ever reaches it through these
methods and reads it back in `RaftNode.restart()`, so a crash in a test is as faithful as a
crash of a process that wrote to disk with fsync after every call.
"""
from __future__ import annotations

from typing import Optional

from .messages import Entry, NodeId


class MemoryStorage:
    """The durable state of one server. Each method is one atomic, durable write."""

    def __init__(self, term: int = 0, voted_for: Optional[NodeId] = None, log: tuple[Entry, ...] = ()):
        self._term = term
        self._voted_for = voted_for
        self._log = list(log)

    def save_term_and_vote(self, term: int, voted_for: Optional[NodeId]) -> None:
        """The term and the vote are written together: a vote belongs to a term."""
        self._term = term
        self._voted_for = voted_for

    def append(self, entry: Entry) -> None:
        self._log.append(entry)

    def truncate(self, length: int) -> None:
        """Keep the first `length` entries."""
        del self._log[length:]

    def load(self) -> tuple[int, Optional[NodeId], list[Entry]]:
        """What a restarting server reads back: (term, vote, log)."""
        return self._term, self._voted_for, list(self._log)
