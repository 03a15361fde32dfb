"""The known-bad variants of the store, each one switch the server consults at one place.

They exist to show that the fault-injecting driver and the history checkers catch real bugs:

    correct      reads and writes go through the Raft log; a client is answered once its
                 entry is committed (stored durably on a majority) and applied
    stale-reads  every server answers `get` at once from its own state machine, with no
                 read through the log: a partitioned old leader or a lagging follower serves
                 old values (not linearizable, yet every replica converges)
    early-ack    the leader answers a `put` as soon as the entry is in its own log, before a
                 majority stores it: a leader cut off or killed then loses writes it
                 acknowledged (not linearizable)
"""
from __future__ import annotations

from enum import Enum


class Variant(Enum):
    CORRECT = "correct"
    STALE_READS = "stale-reads"
    EARLY_ACK = "early-ack"
    TXN_LOCAL_READS = "txn-local-reads"

    @property
    def local_reads(self) -> bool:
        """Serve `get` from the local state machine on any server."""
        return self is Variant.STALE_READS

    @property
    def ack_on_append(self) -> bool:
        """Acknowledge `put` when the leader has appended it, not when it is committed."""
        return self is Variant.EARLY_ACK

    @property
    def local_txn_reads(self) -> bool:
        """Serve a transaction's reads from the local state machine when it arrives."""
        return self is Variant.TXN_LOCAL_READS
