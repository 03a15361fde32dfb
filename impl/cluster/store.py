"""The state machine of the cluster: the key-value store of impl/raft/kv.py, plus `cas`,
reads through the log, and exactly-once application of retried operations.

Commands are tuples, each ending with the client's operation id:

    ("put", key, value, op_id)  ("cas", key, expected, new, op_id)  ("get", key, op_id)
    ("txn", [[f, key, value], ...], op_id)   micro-operations applied together: ["append",
                key, v] appends the integer v to the key's list, ["r", key, null] reads the
                list (a key never appended to reads []); the result is the micro-operations
                with the reads filled in. One log entry, so atomic on every replica.
    ("noop",)   appended by a new leader, so that it commits an entry of its own term

(A `get` goes through the log only while a new leader has not yet committed its no-op;
otherwise it is served by the read index, readindex.py.)

A client that timed out retries the same operation id elsewhere, so one operation may sit in
the log twice; the second application returns the first one's result and changes nothing.
"""
from __future__ import annotations

from typing import Any

from impl.raft.kv import KeyValueStore


class ClusterStore(KeyValueStore):
    def __init__(self) -> None:
        super().__init__()
        self.results: dict[str, Any] = {}   # op id -> result, for writes already applied

    def execute(self, command: tuple) -> Any:
        """Apply `command`; its result (put: None, cas: whether it swapped, get: the value)."""
        op = command[0]
        if op == "noop":
            return None
        if op == "get":
            return self.data.get(command[1])
        op_id = command[-1]
        if op_id not in self.results:
            self.results[op_id] = self._write(command)
        return self.results[op_id]

    def _write(self, command: tuple) -> Any:
        if command[0] == "put":
            _, key, value, _ = command
            self.apply(("put", key, value))
            return None
        if command[0] == "cas":
            _, key, expected, new, _ = command
            swapped = self.data.get(key) == expected
            if swapped:
                self.apply(("put", key, new))
            return swapped
        if command[0] == "txn":
            return self.transaction(command[1])
        raise ValueError(f"unknown command {command!r}")

    def transaction(self, ops: list) -> list:
        """Apply the micro-operations in order; they with the values read. A list is replaced,
        never changed in place, so a result already given out stays as it was."""
        done, lists = self._play(ops)
        for key, value in lists.items():
            self.apply(("put", key, value))
        return done

    def preview(self, ops: list) -> list:
        """What the micro-operations would read if applied now, changing nothing (the reads
        of the txn-local-reads variant)."""
        return self._play(ops)[0]

    def _play(self, ops: list) -> tuple[list, dict]:
        """The micro-operations with their reads filled in, and the lists they leave."""
        lists: dict = {}
        done = []
        for f, key, value in ops:
            current = lists.get(key, self.data.get(key, []))
            if f == "append":
                lists[key] = [*current, value]
                done.append([f, key, value])
            else:
                done.append([f, key, list(current)])
        return done, lists
