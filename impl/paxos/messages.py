"""The messages of single-decree Paxos, as immutable values.

Ballots are integers from 0 up; NO_BALLOT (-1) sorts below all of them and stands for
"none" (an acceptor that has promised or accepted nothing). Every message names its
sender (`src`) and receiver (`dst`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Union

NodeId = str
NO_BALLOT = -1


@dataclass(frozen=True)
class Prepare:
    """Phase 1a: a proposer asks an acceptor to join `ballot`."""
    src: NodeId
    dst: NodeId
    ballot: int


@dataclass(frozen=True)
class Promise:
    """Phase 1b: the acceptor joins `ballot` (it will accept nothing lower from now on)
    and reports its latest vote: (accepted_ballot, accepted_value), or (NO_BALLOT, None)."""
    src: NodeId
    dst: NodeId
    ballot: int
    accepted_ballot: int
    accepted_value: Optional[Any]


@dataclass(frozen=True)
class Accept:
    """Phase 2a: the proposer of `ballot` asks the acceptor to vote for `value`."""
    src: NodeId
    dst: NodeId
    ballot: int
    value: Any


@dataclass(frozen=True)
class Accepted:
    """Phase 2b: the acceptor voted for `value` in `ballot`; sent to every learner."""
    src: NodeId
    dst: NodeId
    ballot: int
    value: Any


@dataclass(frozen=True)
class Rejected:
    """The acceptor has joined `promised`, so it ignores `ballot`: the proposer should try
    a ballot above `promised` rather than wait for a timeout to find out."""
    src: NodeId
    dst: NodeId
    ballot: int
    promised: int


Message = Union[Prepare, Promise, Accept, Accepted, Rejected]


def is_majority(voters, acceptors) -> bool:
    """Any two majorities of the acceptors share one: the heart of Paxos' safety."""
    return 2 * len(set(voters) & set(acceptors)) > len(set(acceptors))
