"""Random walks: TLC's simulation mode, over the same Model protocol as the breadth-first search.

Each run starts from a random initial state and takes up to `depth` steps. A step picks an
enabled action uniformly, then one of its successors uniformly (so that a rarely enabled
message handler gets as many chances as an always enabled timeout); steps that change
nothing are never taken. Every state reached is checked against the invariants, as in
bfs.py; successors outside the state constraint are checked too but never taken. A run ends
early where no step can be taken; a state without any successor at all is a deadlock
(reported if asked).

A violation found this way comes with the trace of its run, which is in general not a
shortest one. Runs are reproducible: run i draws from random.Random(f"{seed}:{i}") and the
explorer's iteration order does not depend on the process (values.py), so a seed names the
same walks on every machine.
"""
from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from ..values import EvalError
from .model import Model, StateChecks
from .result import Outcome, Trace, Violation
from .trace import trace_of


@dataclass
class SimStats:
    runs: int = 0                 # walks finished
    steps: int = 0                # steps taken, over all walks
    seconds: float = 0.0
    taken: dict[str, int] = field(default_factory=dict)    # steps taken per action
    enabled: dict[str, int] = field(default_factory=dict)  # states where the action had a successor

    @property
    def traces_per_second(self) -> float:
        return self.runs / self.seconds if self.seconds > 0 else 0.0

    @property
    def steps_per_second(self) -> float:
        return self.steps / self.seconds if self.seconds > 0 else 0.0


@dataclass(frozen=True)
class SimResult:
    outcome: Outcome              # OK (nothing found), VIOLATION, DEADLOCK, ERROR or INCOMPLETE (interrupted)
    stats: SimStats
    seed: int
    violation: Violation | None = None
    run: int | None = None        # the run that found the violation (0-based)


# on_trace(run, trace): called with every run's trace, e.g. to write them all to files.
TraceSink = Callable[[int, Trace], None]


def simulate(model: Model, invariants: Sequence[str] | None = None, runs: int = 1000, depth: int = 100,
             seed: int = 0, check_deadlock: bool = True, on_trace: TraceSink | None = None) -> SimResult:
    names = list(model.invariant_names if invariants is None else invariants)
    checks = StateChecks(model, names)
    constraint = model.constraint()
    actions = list(enumerate(model.actions()))
    action_names = list(model.action_names)
    stats = SimStats(taken={a: 0 for a in action_names}, enabled={a: 0 for a in action_names})
    started = time.perf_counter()

    def finish(outcome: Outcome, violation: Violation | None = None, run: int | None = None) -> SimResult:
        stats.seconds = time.perf_counter() - started
        return SimResult(outcome, stats, seed, violation, run)

    try:
        for run in range(runs):
            rng = random.Random(f"{seed}:{run}")
            path: list[tuple[int, tuple, tuple, Any]] = []
            found = None
            try:
                inits = list(model.init_states())
                names0, args0, s = inits[rng.randrange(len(inits))]
                path.append((-1, names0, args0, s))
                found = checks.first_broken(s)
                for _ in range(depth):
                    if found is not None:
                        break
                    by_action = []          # per enabled action: its successors inside the constraint
                    any_successor = False   # stuttering ones included: only none at all is a deadlock
                    for a, fn in actions:
                        produced = False
                        inside = []
                        for step_names, step_args, t in fn(s):
                            produced = True
                            if t is s or t == s:  # a step that changes nothing is never taken
                                continue
                            if constraint is not None and not constraint(t):
                                broken = checks.first_broken(t)  # checked, never extended (as in bfs.py)
                                if broken is not None and found is None:
                                    found = broken
                                    path.append((a, step_names, step_args, t))
                                continue
                            inside.append((step_names, step_args, t))
                        if found is not None:
                            break
                        if produced:
                            any_successor = True
                            stats.enabled[action_names[a]] += 1
                        if inside:
                            by_action.append((a, inside))
                    if found is not None:
                        stats.taken[action_names[path[-1][0]]] += 1
                        stats.steps += 1
                        break
                    if not by_action:
                        if check_deadlock and not any_successor:
                            found = ("deadlock", "deadlock")
                        break
                    a, inside = by_action[rng.randrange(len(by_action))]
                    step_names, step_args, s = inside[rng.randrange(len(inside))]
                    path.append((a, step_names, step_args, s))
                    stats.taken[action_names[a]] += 1
                    stats.steps += 1
                    found = checks.first_broken(s)
            except KeyboardInterrupt:
                raise
            except Exception as e:
                found = ("error", str(e) if isinstance(e, EvalError) else f"{type(e).__name__}: {e}")
            stats.runs += 1
            if on_trace is not None or found is not None:
                trace = _trace(model, path)
                if on_trace is not None:
                    on_trace(run, trace)
                if found is not None:
                    kind, name = found
                    outcome = {"invariant": Outcome.VIOLATION, "type": Outcome.VIOLATION, "deadlock": Outcome.DEADLOCK,
                               "error": Outcome.ERROR}[kind]
                    return finish(outcome, Violation(kind, name, trace), run)
    except KeyboardInterrupt:
        return finish(Outcome.INCOMPLETE)
    return finish(Outcome.OK)


def _trace(model: Model, path) -> Trace:
    try:
        return trace_of(model, path)
    except Exception:  # describing the state that failed to evaluate may fail again
        return trace_of(model, path[:-1]) if len(path) > 1 else Trace(())
