"""What a history check returns (the verdict, the offending operations, statistics), and
the time budget the searches run under."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import Enum

from .format import Op


class Verdict(Enum):
    VALID = "valid"
    INVALID = "invalid"
    UNKNOWN = "unknown"  # the time budget ran out first


@dataclass(frozen=True)
class Stats:
    ops: int  # operations in the history
    keys: int
    seconds: float
    steps: int = 0  # search steps (an operation tried at a point of an order)
    states: int = 0  # distinct search states remembered (the cache)


@dataclass(frozen=True)
class Result:
    """A checker's answer. For an invalid history, `ops` is a small set of operations that is
    already inconsistent on its own (`minimal`: no single one can be left out), `culprit` the
    one that cannot be placed, `reason` a sentence saying what is wrong."""
    model: str
    verdict: Verdict
    stats: Stats
    reason: str = ""
    key: str | None = None
    ops: tuple[Op, ...] = ()
    culprit: Op | None = None
    minimal: bool = False
    reads: dict[str, list] = field(default_factory=dict)  # eventual: replica -> values it read
    notes: tuple[str, ...] = ()  # said with any verdict, e.g. keys the check could not look at


@dataclass
class Effort:
    """What the searches of one check did, summed: steps and states cached."""
    steps: int = 0
    states: int = 0


class OutOfTime(Exception):
    """The budget ran out during a search."""


class Deadline:
    """A wall-clock budget; `None` seconds means no limit. `check()` is cheap enough to call
    every few thousand search steps."""

    def __init__(self, seconds: float | None) -> None:
        self.at = time.perf_counter() + seconds if seconds is not None else None

    def expired(self) -> bool:
        return self.at is not None and time.perf_counter() >= self.at

    def check(self) -> None:
        if self.expired():
            raise OutOfTime()

    def within(self, seconds: float) -> "Deadline":
        """A budget of at most `seconds` more, never past this one."""
        sub = Deadline(seconds)
        if self.at is not None:
            sub.at = min(sub.at, self.at)
        return sub
