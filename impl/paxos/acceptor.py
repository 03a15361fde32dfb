"""The acceptor: the memory of Paxos. A value is chosen when a majority of acceptors
have accepted it in the same ballot."""
from __future__ import annotations

from typing import Iterable, Optional

from .messages import NO_BALLOT, Accept, Accepted, Message, NodeId, Prepare, Promise, Rejected
from .storage import AcceptorStorage


class Acceptor:
    """Promises to ignore ballots below the highest it has joined, and votes in the
    ballots it has not promised to ignore.

    Durable state: `promised` (the highest ballot joined), and the latest vote
    (`accepted_ballot`, `accepted_value`). Both are written before the message that
    reveals them is sent.
    """

    def __init__(self, node_id: NodeId, learners: Iterable[NodeId], storage: Optional[AcceptorStorage] = None):
        self.id = node_id
        self.learners = tuple(sorted(learners))
        self.storage = storage if storage is not None else AcceptorStorage()
        self.restart()

    def restart(self) -> None:
        """Crash and recover: an acceptor's whole state is durable."""
        s = self.storage
        self.promised, self.accepted_ballot, self.accepted_value = s.promised, s.accepted_ballot, s.accepted_value

    def handle(self, msg: Message) -> list[Message]:
        if isinstance(msg, Prepare):
            return self._on_prepare(msg)
        if isinstance(msg, Accept):
            return self._on_accept(msg)
        return []  # acceptors take no part in anything else

    def on_timeout(self) -> list[Message]:
        return []  # acceptors only ever answer

    def _on_prepare(self, msg: Prepare) -> list[Message]:
        """Join a ballot higher than any joined so far, and report the latest vote, so the
        proposer can keep a value that may have been chosen. A ballot already joined is
        not joined again: a second promise could report a vote cast after the first."""
        if msg.ballot <= self.promised:
            return [Rejected(self.id, msg.src, msg.ballot, self.promised)]
        self.promised = msg.ballot
        self._persist()
        return [Promise(self.id, msg.src, msg.ballot, self.accepted_ballot, self.accepted_value)]

    def _on_accept(self, msg: Accept) -> list[Message]:
        """Vote for the value of a ballot not below the promise, and tell the learners."""
        if msg.ballot < self.promised:
            return [Rejected(self.id, msg.src, msg.ballot, self.promised)]
        self.promised = msg.ballot
        self.accepted_ballot = msg.ballot
        self.accepted_value = msg.value
        self._persist()
        return [Accepted(self.id, learner, msg.ballot, msg.value) for learner in self.learners]

    def _persist(self) -> None:
        self.storage.save(self.promised, self.accepted_ballot, self.accepted_value)

    def __repr__(self) -> str:
        return f"Acceptor({self.id}, promised={self.promised}, accepted=({self.accepted_ballot}, {self.accepted_value!r}))"
