"""Linearizable reads without a log entry: Raft's read index (Ongaro's thesis, §6.4).

A leader answers a `get` from its own store once

  1. it has committed an entry of its own term (its no-op, server.py), so its commit index
     covers every write acknowledged by any earlier leader;
  2. the read index, its commit index when the read arrived, is applied; and
  3. a majority, itself included, has answered in its term an AppendEntries sent *after* the
     read arrived: at that moment no newer leader could have committed anything, so no
     write acknowledged before the read began is missing from the read index.

For 3, the server numbers the AppendEntries it sends to each peer ("seq" on the wire) and a
follower's reply echoes the number ("ack"); RaftNode knows nothing of this. A read whose
leader loses office before it is confirmed is refused (the client asks elsewhere).
"""
from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass


@dataclass
class PendingRead:
    key: str
    index: int                 # the read index
    term: int                  # the leader's term when the read arrived
    after: dict[str, int]      # per peer: the first heartbeat number sent after the read arrived
    future: asyncio.Future


class ReadIndex:
    def __init__(self, peers: list[str]):
        # Numbers start at the wall clock in nanoseconds, so that those of this process are
        # above any an earlier incarnation sent (a late echo of one proves nothing now).
        start = time.time_ns()
        self.sent = {p: start for p in peers}   # the number of the last AppendEntries sent to each peer
        self.acked = {p: 0 for p in peers}    # the highest number a peer answered in our term
        self.quorum = (len(peers) + 1) // 2 + 1
        self.reads: list[PendingRead] = []

    def number(self, peer: str) -> int:
        """The number of an AppendEntries about to be sent to `peer`."""
        self.sent[peer] += 1
        return self.sent[peer]

    def acknowledge(self, peer: str, number: int) -> None:
        """`peer` answered, in the leader's current term, AppendEntries `number`."""
        self.acked[peer] = max(self.acked[peer], number)

    def add(self, key: str, index: int, term: int, future: asyncio.Future) -> None:
        self.reads.append(PendingRead(key, index, term, {p: n + 1 for p, n in self.sent.items()}, future))

    def needs_heartbeat(self) -> bool:
        """Whether some read waits for AppendEntries that have not been sent yet."""
        return any(read.after[p] > self.sent[p] for read in self.reads for p in self.sent)

    def settle(self, leader_term: int | None, applied: int) -> list[tuple[PendingRead, bool]]:
        """The reads that are decided: (read, True) to answer from the store now, (read,
        False) to refuse (the leader of their term is gone). `leader_term` is the current
        term if this server leads, else None."""
        decided, waiting = [], []
        for read in self.reads:
            if read.term != leader_term:
                decided.append((read, False))
            elif self._confirmed(read) and applied >= read.index:
                decided.append((read, True))
            else:
                waiting.append(read)
        self.reads = waiting
        return decided

    def _confirmed(self, read: PendingRead) -> bool:
        return 1 + sum(self.acked[p] >= n for p, n in read.after.items()) >= self.quorum
