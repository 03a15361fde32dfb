"""Guided search: best-first towards a goal, for states breadth-first search reaches too late.

The goal is an ordered list of milestones, each a predicate on states with *parts*: simpler
predicates that tend to become true on the way to it (the command line makes them from a
target expression: its conjuncts, and for `exists x: A and B and C` the growing prefixes
`exists x: A`, `exists x: A and B`, ...). A path passes the milestones in order; the search
ends when a path passes the last one, or when some state breaks a checked invariant.

The score of a state is, from most to least important: the milestones its path has passed,
the parts of the next milestone that hold in it, and a novelty bonus in [0, novelty) that
is larger for a step of a rarer *transition class* (its action and the variables it
changes, counted over every step generated so far), which pulls the search away from
what it has covered. States are expanded highest score first, ties first come first
served (breadth-first among equals). Every state found is kept, with its parent, so the
trace is rebuilt from the links; the search stops after `max_states`.

Every state reached is checked as the breadth-first explorers check it (model.StateChecks):
its variables within their declared types, then the invariants; deadlocks are not looked for.
"""
from __future__ import annotations

import heapq
import itertools
import time
from dataclasses import dataclass
from typing import Callable, Sequence

from ..values import EvalError
from .model import Model, State, StateChecks
from .result import CheckResult, Outcome, Stats, Violation
from .trace import trace_of


@dataclass(frozen=True)
class GuidedResult:
    result: CheckResult
    passed: int            # the most milestones any path found has passed


@dataclass(frozen=True)
class Milestone:
    name: str                                   # reported when the last one is reached
    reached: Callable[[State], bool]
    parts: tuple[Callable[[State], bool], ...]  # each true part counts one towards it


def guided(model: Model, milestones: Sequence[Milestone], invariants: Sequence[str] | None = None,
           max_states: int = 1_000_000, novelty: float = 0.5, timeout: float | None = None) -> GuidedResult:
    names = list(model.invariant_names if invariants is None else invariants)
    checks = StateChecks(model, names)
    constraint = model.constraint()
    actions = list(enumerate(model.actions()))
    action_names = list(model.action_names)
    stats = Stats(action_counts={a: 0 for a in action_names})
    started = time.perf_counter()
    parent: dict[int, tuple] = {}     # fp -> (parent fp or None, action, names, args, state)
    passed: dict[int, int] = {}       # fp -> milestones passed on the path that found it
    depth: dict[int, int] = {}
    class_counts: dict[tuple, int] = {}
    heap: list[tuple[float, int, int]] = []
    order = itertools.count()

    def progress(m: int, s) -> tuple[int, float]:
        while m < len(milestones) and milestones[m].reached(s):
            m += 1
        return m, (float(sum(1 for part in milestones[m].parts if part(s))) if m < len(milestones) else 0.0)

    def finish(outcome: Outcome, violation: Violation | None = None, why: str = "finished") -> GuidedResult:
        stats.seconds = time.perf_counter() - started
        stats.distinct = len(parent)
        stats.queue = len(heap)
        if violation is not None:
            stats.depth = len(violation.trace)
        best = max(passed.values(), default=0)
        if violation is not None and violation.name == milestones[-1].name:
            best = len(milestones)
        return GuidedResult(CheckResult(outcome, stats, violation, why), best)

    def path(fp: int) -> list:
        steps = []
        while fp is not None:
            prev, a, n, v, s = parent[fp]
            steps.append((a, n, v, s))
            fp = prev
        return steps[::-1]

    def add(fp, prev, a, n, v, t, m_prev: int, d: int, bonus: float):
        """Record a new state; a CheckResult if the search ends at it."""
        parent[fp] = (prev, a, n, v, t)
        depth[fp] = d
        broken = checks.first_broken(t)
        if broken is not None:
            return finish(Outcome.VIOLATION, Violation(*broken, trace_of(model, path(fp))), "found")
        m, parts = progress(m_prev, t)
        if m == len(milestones):
            return finish(Outcome.VIOLATION, Violation("invariant", milestones[-1].name, trace_of(model, path(fp))),
                          "found")
        passed[fp] = m
        if constraint is None or constraint(t):
            heapq.heappush(heap, (-(m * (len(milestones[m].parts) + 1) + parts + bonus), next(order), fp))
        return None

    last: tuple = (None, None)   # (parent fp, step) being handled, for an evaluation error's trace
    try:
        for n, v, s in model.init_states():
            last = (None, (-1, n, v, s))
            stats.generated += 1
            fp = model.fingerprint(s)
            if fp not in parent and (done := add(fp, None, -1, n, v, s, 0, 1, 0.0)) is not None:
                return done
        while heap:
            if timeout is not None and time.perf_counter() - started > timeout:
                return finish(Outcome.INCOMPLETE, why=f"timeout {timeout:g} s")
            _, _, fp = heapq.heappop(heap)
            s = parent[fp][4]
            for a, successors in actions:
                for n, v, t in successors(s):
                    stats.generated += 1
                    stats.action_counts[action_names[a]] += 1
                    if t is s or t == s:
                        continue
                    ft = model.fingerprint(t)
                    if ft in parent:
                        continue
                    if len(parent) >= max_states:
                        return finish(Outcome.INCOMPLETE, why=f"max states {max_states}")
                    last = (fp, (a, n, v, t))
                    cls = (a, _changed(s, t))
                    class_counts[cls] = seen = class_counts.get(cls, 0) + 1
                    stats.depth = max(stats.depth, depth[fp] + 1)
                    done = add(ft, fp, a, n, v, t, passed[fp], depth[fp] + 1, novelty / seen)
                    if done is not None:
                        return done
    except KeyboardInterrupt:
        return finish(Outcome.INCOMPLETE, why="interrupted")
    except Exception as e:  # the spec failed to evaluate in the state `last` leads to
        prev, step = last
        message = str(e) if isinstance(e, EvalError) else model.explain_error(e)
        steps = (path(prev) if prev is not None else []) + ([step] if step is not None else [])
        return finish(Outcome.ERROR, Violation("error", message, _trace(model, steps)), "found")
    return finish(Outcome.OK)


def _trace(model: Model, steps):
    try:
        return trace_of(model, steps)
    except Exception:  # describing the state that failed to evaluate may fail again
        return trace_of(model, steps[:-1])


def _changed(s, t) -> tuple:
    """Which components of the state a step changes (the compiled spec's states are tuples
    of variable values); for other states, only that something changed."""
    if isinstance(s, tuple) and isinstance(t, tuple) and len(s) == len(t):
        return tuple(i for i, (x, y) in enumerate(zip(s, t)) if x != y)
    return ()
