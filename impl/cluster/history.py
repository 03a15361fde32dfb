"""The history of a test run: what clients asked and what they were told, in real-time order.

Written as the JSON the history checkers read (`modelcheck history FILE --model ...`):

    {"format": "modelcheck-history/1", "quiet_after": 21.5, "events": [
      {"type": "invoke", "process": 3, "f": "put", "key": "k1", "value": 5, "time": 0.0123},
      {"type": "ok",     "process": 3, "f": "put", "key": "k1", "value": 5, "time": 0.0150}, ...]}

One event loop appends the events as they happen, so list order is real-time order; `time` is
monotonic seconds since the history began. A process has one operation outstanding; its
completion is `ok` (happened; a get's value is what it read, null when absent), `fail`
(certainly did not happen) or `info` (unknown; the process is then retired). Values: put an
int, get null at invocation, cas [expected, new]. Events may carry `"node"`: a read of one
replica's own state, made after `quiet_after`, when no write is in flight.

A transactional history (the txn workload) is `modelcheck-txn/1` instead: events with
`"f": "txn"`, no key, and as value the micro-operations (`modelcheck history FILE --model
strict-serializable`):

      {"type": "invoke", "process": 3, "f": "txn", "value": [["append", "k1", 5], ["r", "k2", null]], ...}
      {"type": "ok",     "process": 3, "f": "txn", "value": [["append", "k1", 5], ["r", "k2", [1, 4]]], ...}
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

FORMAT = "modelcheck-history/1"
TXN_FORMAT = "modelcheck-txn/1"
COMPLETIONS = ("ok", "fail", "info")


@dataclass
class History:
    start: float = field(default_factory=time.monotonic)
    events: list[dict] = field(default_factory=list)
    quiet_after: Optional[float] = None
    format: str = FORMAT

    def now(self) -> float:
        return round(time.monotonic() - self.start, 6)

    def invoke(self, process: int, f: str, key: str, value: Any, node: Optional[str] = None) -> None:
        self._add("invoke", process, f, key, value, node)

    def complete(self, kind: str, process: int, f: str, key: str, value: Any,
                 node: Optional[str] = None) -> None:
        if kind not in COMPLETIONS:
            raise ValueError(f"a completion is one of {COMPLETIONS}, not {kind!r}")
        self._add(kind, process, f, key, value, node)

    def invoke_txn(self, process: int, ops: list) -> None:
        self.events.append({"type": "invoke", "process": process, "f": "txn", "value": ops, "time": self.now()})

    def complete_txn(self, kind: str, process: int, ops: list) -> None:
        if kind not in COMPLETIONS:
            raise ValueError(f"a completion is one of {COMPLETIONS}, not {kind!r}")
        self.events.append({"type": kind, "process": process, "f": "txn", "value": ops, "time": self.now()})

    def mark_quiet(self) -> None:
        """From now on no write is in flight."""
        self.quiet_after = self.now()

    def _add(self, kind: str, process: int, f: str, key: str, value: Any, node: Optional[str]) -> None:
        event = {"type": kind, "process": process, "f": f, "key": key, "value": value, "time": self.now()}
        if node is not None:
            event["node"] = node
        self.events.append(event)

    def to_json(self) -> dict:
        return {"format": self.format, "quiet_after": self.quiet_after, "events": self.events}

    def write(self, path: Path) -> None:
        """The JSON of `to_json`, one event per line, so that the file reads like a log."""
        events = ",\n".join("  " + json.dumps(e) for e in self.events)
        Path(path).write_text(f'{{"format": {json.dumps(self.format)}, "quiet_after": {json.dumps(self.quiet_after)}, '
                              f'"events": [\n{events}\n]}}\n')
