"""Stable storage on disk for a Raft server process: what `kill -9` must not take away.

Two files per server, in its own directory:

    state.json   {"term": 3, "voted_for": "n2"}: replaced whole (write a temporary file,
                 fsync it, rename it over the old one, fsync the directory), so a crash
                 leaves the old or the new state, never a mix
    log.jsonl    one entry per line, [term, command]: appended; a truncation cuts the file
                 at the first dropped entry's offset

Term and vote are durable when `save_term_and_vote` returns. Log writes are durable after
`sync()`: the server calls it once per batch of work, before it sends anything or answers a
client (one fsync for many appended entries). A crash before the sync can leave a torn last
line; no one was told about it, so `load` drops it.

The interface is `MemoryStorage`'s (impl/raft/storage.py) plus `sync()`, so `RaftNode` is
unchanged.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Optional

from impl.raft.messages import Entry, NodeId


class FileStorage:
    def __init__(self, directory: Path):
        directory.mkdir(parents=True, exist_ok=True)
        self._dir = directory
        self._state_path = directory / "state.json"
        self._term, self._voted_for = self._read_state()
        log_path = directory / "log.jsonl"
        log_path.touch()
        self._entries, self._offsets, end = _read_log(log_path)
        self._log = open(log_path, "r+b")
        self._log.truncate(end)   # a torn last line from a crash
        self._log.seek(end)
        self._dirty = False

    # ---------------------------------------------------------------- MemoryStorage's interface
    def save_term_and_vote(self, term: int, voted_for: Optional[NodeId]) -> None:
        tmp = self._state_path.with_suffix(".tmp")
        with open(tmp, "w") as f:
            json.dump({"term": term, "voted_for": voted_for}, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self._state_path)
        _fsync_dir(self._dir)   # the rename itself must survive
        self._term, self._voted_for = term, voted_for

    def append(self, entry: Entry) -> None:
        self._offsets.append(self._log.tell())
        self._log.write(json.dumps([entry.term, entry.command]).encode() + b"\n")
        self._entries.append(entry)
        self._dirty = True

    def truncate(self, length: int) -> None:
        """Keep the first `length` entries."""
        if length >= len(self._entries):
            return
        self._log.flush()
        self._log.truncate(self._offsets[length])
        self._log.seek(self._offsets[length])
        del self._entries[length:], self._offsets[length:]
        self._dirty = True

    def load(self) -> tuple[int, Optional[NodeId], list[Entry]]:
        return self._term, self._voted_for, list(self._entries)

    # ---------------------------------------------------------------- durability
    def sync(self) -> None:
        """Make every log write so far durable."""
        if self._dirty:
            self._log.flush()
            os.fsync(self._log.fileno())
            self._dirty = False

    def close(self) -> None:
        self.sync()
        self._log.close()

    def _read_state(self) -> tuple[int, Optional[NodeId]]:
        if not self._state_path.exists():
            return 0, None
        state = json.loads(self._state_path.read_text())
        return state["term"], state["voted_for"]


def _read_log(path: Path) -> tuple[list[Entry], list[int], int]:
    """The entries of a log file, the offset of each, and where the intact part ends."""
    entries: list[Entry] = []
    offsets: list[int] = []
    offset = 0
    with open(path, "rb") as f:
        for line in f:
            if not line.endswith(b"\n"):
                break
            term, command = json.loads(line)
            entries.append(Entry(term, command_from_json(command)))
            offsets.append(offset)
            offset += len(line)
    return entries, offsets, offset


def command_from_json(value: Any) -> Any:
    """Commands are tuples in memory (as the server builds them) and JSON arrays on disk."""
    return tuple(value) if isinstance(value, list) else value


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
