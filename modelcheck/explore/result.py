"""What an exploration returns: statistics, the outcome and, for a violation, its trace.

These objects are the interface between the explorer and everything after it (reports,
the CLI, tests, conformance); none of them know how the search was done.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class Outcome(Enum):
    OK = "ok"                  # every reachable state satisfies every checked invariant
    VIOLATION = "violation"    # an invariant is false in a reachable state
    DEADLOCK = "deadlock"      # a reachable state has no successor
    ERROR = "error"            # evaluating the spec failed in a reachable state
    INCOMPLETE = "incomplete"  # stopped early: a limit was reached or the user interrupted


@dataclass(frozen=True)
class TraceStep:
    action: str | None          # None for the initial state
    args: dict[str, Any]        # argument name -> ITF value
    state: dict[str, Any]       # variable name -> ITF value
    aliases: dict[str, Any] = field(default_factory=dict)  # the spec's `alias`es in the state (ITF)


@dataclass(frozen=True)
class Trace:
    steps: tuple[TraceStep, ...]
    # A lasso (a counterexample to a temporal property): after the last state the behaviour
    # goes back to steps[loop] and repeats from there, for ever. `back` is that step (its
    # action and arguments; None when the last state stutters, i.e. loop is the last index).
    loop: int | None = None
    back: TraceStep | None = None

    def __len__(self) -> int:
        return len(self.steps)

    @property
    def actions(self) -> list[str]:
        return [s.action for s in self.steps[1:]]


@dataclass(frozen=True)
class Violation:
    kind: str                   # "invariant" | "deadlock" | "error" | "property"
    name: str                   # the invariant's or property's name; "deadlock"; or the error message
    trace: Trace


@dataclass
class Stats:
    generated: int = 0          # states produced by init and by actions, duplicates included
    distinct: int = 0           # distinct states found (within the constraint)
    queue: int = 0              # states found but not yet explored
    depth: int = 0              # longest shortest path; the initial states have depth 1 (TLC)
    seconds: float = 0.0
    action_counts: dict[str, int] = field(default_factory=dict)  # successors per action
    # after a complete search: never-enabled action -> its guard never true ("text at file:line")
    never_true: dict[str, str] = field(default_factory=dict)
    edges: int = 0              # steps recorded in the behaviour graph (temporal properties)
    edge_bytes: int = 0         # the memory they took while recorded (or the disk, see below)
    edge_bytes_on_disk: int = 0  # of those bytes, the ones written to disk under --memory
    # partial-order reduction (explore/por.py): None without it; else the states expanded by
    # an ample set smaller than all their steps (the others were expanded fully)
    reduced_states: int | None = None
    # with it: the states of two or more steps expanded fully, by why ("the cycle proviso",
    # "<action> may leave the state constraint", ...)
    expanded_fully: dict[str, int] = field(default_factory=dict)

    @property
    def states_per_second(self) -> float:
        return self.distinct / self.seconds if self.seconds > 0 else 0.0

    @property
    def collision_probability(self) -> float:
        """TLC's optimistic estimate of a fingerprint collision: distinct * generated / 2^64."""
        return self.distinct * self.generated / 2.0 ** 64


@dataclass(frozen=True)
class CheckResult:
    outcome: Outcome
    stats: Stats
    violation: Violation | None = None
    stopped_because: str = "finished"   # "finished", "interrupted", "max states 1000", ...
