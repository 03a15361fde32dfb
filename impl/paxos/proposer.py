"""The proposer: drives ballots to get a client's value chosen."""
from __future__ import annotations

from enum import Enum
from typing import Any, Iterable, Optional

from .messages import NO_BALLOT, Accept, Message, NodeId, Prepare, Promise, Rejected, is_majority
from .storage import ProposerStorage


class Phase(Enum):
    IDLE = "idle"            # no ballot in progress
    PREPARING = "preparing"  # phase 1: collecting promises for `ballot`
    ACCEPTING = "accepting"  # phase 2: `ballot`'s value has been sent to the acceptors


class Proposer:
    """Runs ballots until a value is chosen (learning that is the learners' job; the
    runtime stops the timer once a learner reports a decision).

    Ballots are partitioned among proposers: proposer `index` of `count` owns the ballots
    b with b % count == index, so no two proposers ever run the same ballot. A proposer
    never runs one of its own ballots twice either: it records each ballot durably before
    sending a single Prepare for it. In a ballot, it proposes the value of the
    highest-ballot vote a majority of acceptors report, and its client's value only if none
    of them has voted: any value that may already be chosen is then the one proposed.
    """

    def __init__(self, node_id: NodeId, index: int, count: int, acceptors: Iterable[NodeId],
                 storage: Optional[ProposerStorage] = None, max_ballot: Optional[int] = None):
        if not 0 <= index < count:
            raise ValueError(f"proposer index {index} not in 0..{count - 1}")
        self.id = node_id
        self.index = index
        self.count = count
        self.acceptors = tuple(sorted(acceptors))
        self.storage = storage if storage is not None else ProposerStorage()
        self.max_ballot = max_ballot   # give up beyond this ballot (None: never)
        self.value: Optional[Any] = None   # what the client asked for
        self.restart()

    def restart(self) -> None:
        """Crash and recover: the ballot in progress is abandoned; the ballots already
        started are remembered, so the next one is new. The client's value survives only
        if the client asks again."""
        self.ballot = NO_BALLOT
        self.phase = Phase.IDLE
        self.promises: dict[NodeId, Promise] = {}
        self.highest_seen = self.storage.last_ballot
        self.proposed: Optional[Any] = None

    # ------------------------------------------------------------------ inputs
    def client_request(self, value: Any) -> list[Message]:
        """Ask for `value` to be chosen. Starts a ballot if none is in progress; a ballot
        whose promises are already in, waiting only for a value, proceeds at once."""
        self.value = value
        if self.phase is Phase.IDLE:
            return self._start_ballot()
        if self.phase is Phase.PREPARING:
            return self._maybe_propose()
        return []

    def on_timeout(self) -> list[Message]:
        """The ballot in progress made no progress in time (lost messages, a competing
        proposer): start a higher one."""
        return self._start_ballot()

    def handle(self, msg: Message) -> list[Message]:
        if isinstance(msg, Promise):
            if msg.ballot == self.ballot and self.phase is Phase.PREPARING:
                self.promises[msg.src] = msg
                return self._maybe_propose()
            return []
        if isinstance(msg, Rejected):
            # Someone runs a higher ballot; the next one we start must be above it.
            self.highest_seen = max(self.highest_seen, msg.promised)
            return []
        return []

    # ------------------------------------------------------------------ ballots
    def next_ballot(self) -> int:
        """The lowest ballot of ours above every ballot we have started or seen."""
        floor = max(self.storage.last_ballot, self.highest_seen)
        b = self.index
        while b <= floor:
            b += self.count
        return b

    def _start_ballot(self) -> list[Message]:
        b = self.next_ballot()
        if self.max_ballot is not None and b > self.max_ballot:
            return []
        self.storage.save_ballot(b)   # durable before any Prepare for it leaves
        self.ballot = b
        self.phase = Phase.PREPARING
        self.promises = {}
        self.proposed = None
        return [Prepare(self.id, a, b) for a in self.acceptors]

    def _maybe_propose(self) -> list[Message]:
        if not is_majority(self.promises, self.acceptors):
            return []
        voted = [p for p in self.promises.values() if p.accepted_ballot != NO_BALLOT]
        if voted:
            value = max(voted, key=lambda p: p.accepted_ballot).accepted_value
        elif self.value is not None:
            value = self.value
        else:
            return []  # free to propose anything, but no client has asked for anything yet
        self.phase = Phase.ACCEPTING
        self.proposed = value
        return [Accept(self.id, a, self.ballot, value) for a in self.acceptors]

    def __repr__(self) -> str:
        return f"Proposer({self.id}, ballot={self.ballot}, {self.phase.value}, value={self.value!r})"
