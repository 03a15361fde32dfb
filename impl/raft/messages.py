"""The four Raft RPCs, as immutable values.

Every message names its sender (`src`) and receiver (`dst`) and carries the sender's term:
whoever receives a message from a newer term learns that its own term is over. Messages are
frozen dataclasses, so a network may hold, copy and compare them freely.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Union

NodeId = str


@dataclass(frozen=True)
class Entry:
    """One log entry: the client's command and the term of the leader that accepted it."""
    term: int
    command: Any


@dataclass(frozen=True)
class RequestVote:
    """A candidate asks for a vote, describing how up to date its log is."""
    src: NodeId
    dst: NodeId
    term: int
    last_log_index: int
    last_log_term: int


@dataclass(frozen=True)
class RequestVoteReply:
    src: NodeId
    dst: NodeId
    term: int
    granted: bool


@dataclass(frozen=True)
class AppendEntries:
    """A leader replicates entries after (prev_log_index, prev_log_term), or just asserts its
    leadership when `entries` is empty. `leader_commit` is the leader's commit index, capped
    at the last entry this message lets the follower check."""
    src: NodeId
    dst: NodeId
    term: int
    prev_log_index: int
    prev_log_term: int
    entries: tuple[Entry, ...]
    leader_commit: int


@dataclass(frozen=True)
class AppendEntriesReply:
    """`match_index` is the index of the last entry the follower now agrees with the leader
    on (meaningful only when `success`)."""
    src: NodeId
    dst: NodeId
    term: int
    success: bool
    match_index: int


Message = Union[RequestVote, RequestVoteReply, AppendEntries, AppendEntriesReply]
RESPONSES = (RequestVoteReply, AppendEntriesReply)
