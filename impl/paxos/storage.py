"""Stable storage for Paxos roles: what must survive a crash.

An acceptor that forgot its promise after a restart could accept a value in a ballot it
had promised to ignore; one that forgot its vote could report "no vote" to a later
proposer, which might then propose a different value after one was chosen. A proposer that
forgot which ballots it had started could start one again and propose a second value in
it. Each `save` is one atomic, durable write; the roles read it back on restart().
"""
from __future__ import annotations

from typing import Any, Optional

from .messages import NO_BALLOT


class AcceptorStorage:
    def __init__(self) -> None:
        self.promised = NO_BALLOT
        self.accepted_ballot = NO_BALLOT
        self.accepted_value: Optional[Any] = None

    def save(self, promised: int, accepted_ballot: int, accepted_value: Optional[Any]) -> None:
        self.promised = promised
        self.accepted_ballot = accepted_ballot
        self.accepted_value = accepted_value


class ProposerStorage:
    def __init__(self) -> None:
        self.last_ballot = NO_BALLOT   # the highest ballot this proposer has started

    def save_ballot(self, ballot: int) -> None:
        self.last_ballot = ballot
