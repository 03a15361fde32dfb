"""Raft: leader election, log replication and commitment, with restarts from stable storage."""
from .kv import KeyValueStore, ReplicatedKV
from .messages import AppendEntries, AppendEntriesReply, Entry, Message, RequestVote, RequestVoteReply
from .node import NotLeader, Progress, RaftNode, Role
from .storage import MemoryStorage

__all__ = ["AppendEntries", "AppendEntriesReply", "Entry", "KeyValueStore", "MemoryStorage", "Message",
           "NotLeader", "Progress", "RaftNode", "ReplicatedKV", "RequestVote", "RequestVoteReply", "Role"]
