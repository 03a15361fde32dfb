"""A replicated key-value store: the example application on top of Raft.

Writes are commands in the Raft log; every replica applies committed entries in log order to
its own dictionary, so replicas that have applied the same number of entries hold the same
data. Reads here are local (possibly stale) reads of one replica; a linearizable read would
go through the log too, or confirm leadership with a round of heartbeats first.

The state machine is volatile: after a restart a replica starts from an empty dictionary
and applies the log again as it learns, from the leader, how much of it is committed.
"""
from __future__ import annotations

from typing import Any, Optional

from .messages import Message
from .node import RaftNode


class KeyValueStore:
    """The state machine: commands are ("put", key, value) and ("delete", key)."""

    def __init__(self) -> None:
        self.data: dict[Any, Any] = {}

    def apply(self, command: Any) -> None:
        op = command[0]
        if op == "put":
            _, key, value = command
            self.data[key] = value
        elif op == "delete":
            self.data.pop(command[1], None)
        else:
            raise ValueError(f"unknown command {command!r}")


class ReplicatedKV:
    """One replica: a Raft server and the store it applies committed entries to."""

    def __init__(self, node: RaftNode):
        self.node = node
        self.store = KeyValueStore()
        self.last_applied = 0
        self.applied: list[Any] = []   # every command applied since the last restart, in order

    def put(self, key: Any, value: Any) -> list[Message]:
        """Submit a write; raises NotLeader unless this replica leads. The write takes
        effect once its entry is committed and applied."""
        return self.node.client_request(("put", key, value))

    def delete(self, key: Any) -> list[Message]:
        return self.node.client_request(("delete", key))

    def get(self, key: Any, default: Optional[Any] = None) -> Any:
        return self.store.data.get(key, default)

    def apply_committed(self) -> int:
        """Apply the entries committed since the last call; how many were applied. The
        node's commit index can move back (it follows the leader's latest message); what
        is applied never does."""
        applied = 0
        while self.last_applied < min(self.node.commit_index, len(self.node.log)):
            self.last_applied += 1
            command = self.node.log[self.last_applied - 1].command
            self.store.apply(command)
            self.applied.append(command)
            applied += 1
        return applied

    def restart(self) -> None:
        """The replica's process crashed and came back."""
        self.node.restart()
        self.reset_state_machine()

    def reset_state_machine(self) -> None:
        """Forget what was applied (for a runtime that restarts the node itself)."""
        self.store = KeyValueStore()
        self.last_applied = 0
        self.applied = []
