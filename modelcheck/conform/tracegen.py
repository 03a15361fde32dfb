"""Test suites of traces from a spec: a coverage-driven suite and random walks.

A *transition class* is an action together with the set of variables a step of it changes,
e.g. (HandleAppendEntriesRequest, {log, allLogs}) is a follower appending an entry and
(HandleAppendEntriesRequest, {messages, commitIndex, allLogs}) one accepting a request and
moving its commit index. Classes tell apart the branches of an action (its `either` arms,
its `if`s) without looking inside the spec, which is what a suite for conformance testing
has to exercise: an implementation usually has one code path per class.

`coverage_suite` explores every reachable state within the spec's state constraint
(breadth-first, keeping the states and a parent pointer per state), records the first edge
of each transition class, and builds the traces greedily: deepest class first, each trace a
shortest path to that edge; a class some earlier trace already takes gets no trace of its
own. Every class reachable within the constraint is then taken by some trace. An action
never enabled within the constraint is searched for beyond it (breadth-first, ignoring the
constraint, up to a bound on states): its trace leaves the reference bounds, and says so.

With `pairs`, the suite also takes every reachable *pair* of consecutive classes (one class
taken right after another; edge-pair coverage in model-based testing terms), the same way:
a shortest path into a state by the first class, then the second class out of it.

`random_suite` takes seeded random walks within the constraint (explore/simulate.py).
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Sequence

from ..explore.model import Model
from ..explore.result import Trace
from ..explore.simulate import simulate
from ..explore.trace import trace_of
from ..itfvalue import canonical

TransitionClass = tuple[str, frozenset]   # (action name, names of the variables it changes)


def class_name(cls: TransitionClass) -> str:
    action, changed = cls
    return f"{action} {{{', '.join(sorted(changed))}}}"


@dataclass
class SuiteTrace:
    trace: Trace
    covers: list[str]                      # the classes (or class pairs) it was generated for
    beyond_constraint: bool = False        # it leaves the spec's state constraint
    refused: tuple[int, ...] = ()          # steps that are no steps of the spec: inputs it refuses (criteria.py)


@dataclass
class Coverage:
    """What a suite exercises, against what is reachable."""
    actions: list[str]                                  # every action of the spec
    reachable: set[TransitionClass] = field(default_factory=set)  # within the constraint
    covered: set[TransitionClass] = field(default_factory=set)    # taken by some trace
    states: int = 0                                     # distinct states explored within the constraint
    complete: bool = True                               # the exploration was not cut short
    beyond: dict[str, int] = field(default_factory=dict)  # action -> states searched beyond the constraint
    reachable_pairs: set = field(default_factory=set)   # consecutive class pairs (with pairs=True)
    covered_pairs: set = field(default_factory=set)

    @property
    def actions_covered(self) -> list[str]:
        taken = {a for a, _ in self.covered}
        return [a for a in self.actions if a in taken]

    @property
    def actions_missing(self) -> list[str]:
        taken = {a for a, _ in self.covered}
        return [a for a in self.actions if a not in taken]

    @property
    def reachable_covered(self) -> set[TransitionClass]:
        return self.covered & self.reachable

    def summary(self) -> dict[str, Any]:
        return {
            "actions": len(self.actions),
            "actions_covered": len(self.actions_covered),
            "actions_missing": self.actions_missing,
            "actions_beyond_constraint": sorted(self.beyond),
            "transition_classes_reachable": len(self.reachable),
            "transition_classes_covered": len(self.reachable_covered),
            "transition_classes_beyond_constraint": sorted(class_name(c) for c in self.covered - self.reachable),
            "states_explored": self.states,
            "exploration_complete": self.complete,
            "classes": sorted(class_name(c) for c in self.covered),
            "classes_missing": sorted(class_name(c) for c in self.reachable - self.covered),
            **({"class_pairs_reachable": len(self.reachable_pairs),
                "class_pairs_covered": len(self.covered_pairs & self.reachable_pairs)} if self.reachable_pairs else {}),
        }

    def lines(self) -> list[str]:
        s = self.summary()
        out = [f"actions covered: {s['actions_covered']}/{s['actions']}"
               + (f" (missing: {', '.join(s['actions_missing'])})" if s["actions_missing"] else "")]
        if self.reachable:
            pct = 100.0 * s["transition_classes_covered"] / s["transition_classes_reachable"]
            out.append(f"transition classes (action, changed variables) covered: "
                       f"{s['transition_classes_covered']}/{s['transition_classes_reachable']} reachable "
                       f"within the constraint ({pct:.1f}%; {s['states_explored']:,} distinct states"
                       + ("" if s["exploration_complete"] else ", exploration cut short") + ")")
        else:
            out.append(f"transition classes (action, changed variables) taken: {len(self.covered)}")
        if self.reachable_pairs:
            n, m = len(self.covered_pairs & self.reachable_pairs), len(self.reachable_pairs)
            out.append(f"pairs of consecutive transition classes covered: {n}/{m} reachable ({100.0 * n / m:.1f}%)")
        for a in s["actions_beyond_constraint"]:
            out.append(f"{a}: never enabled within the constraint; covered by a trace beyond it "
                       f"(found after {self.beyond[a]:,} states)")
        return out


# ---------------------------------------------------------------- classes of traces

def _changed(before: tuple, after: tuple, names: Sequence[str]) -> frozenset:
    return frozenset(n for n, x, y in zip(names, before, after) if x != y)


def classes_of_trace(trace: Trace) -> list[TransitionClass]:
    """The class of every step of a described trace (stuttering steps are skipped)."""
    out = []
    for prev, step in zip(trace.steps, trace.steps[1:]):
        changed = frozenset(v for v in step.state if canonical(step.state[v]) != canonical(prev.state.get(v)))
        if changed:
            out.append((step.action, changed))
    return out


def measure(model: Model, traces: Iterable[Trace], reachable: set[TransitionClass] | None = None,
            states: int = 0) -> Coverage:
    cov = Coverage(list(model.action_names), set(reachable or ()), states=states)
    for t in traces:
        cov.covered.update(classes_of_trace(t))
    return cov


# ---------------------------------------------------------------- exploration

@dataclass
class _Graph:
    """The states found, with the step that first reached each."""
    states: dict[int, Any] = field(default_factory=dict)
    parent: dict[int, tuple] = field(default_factory=dict)     # fp -> (parent fp, action, names, args); init: (None, -1, names, args)
    depth: dict[int, int] = field(default_factory=dict)
    first_edge: dict[TransitionClass, tuple] = field(default_factory=dict)  # class -> (fp, action, names, args, state)
    complete: bool = True
    # With pairs: per state, its first in-edge of each class, and all its out-edges.
    in_edges: dict[int, dict[TransitionClass, tuple]] = field(default_factory=dict)  # fp -> class -> (fp, a, names, args)
    out_edges: dict[int, list[tuple]] = field(default_factory=dict)   # fp -> [(class, a, names, args, target fp)]

    def seed(self, model: Model, constraint, queue: deque) -> None:
        """Record the initial states (those within the constraint) and queue them."""
        for names, args, s in model.init_states():
            fp = model.fingerprint(s)
            if fp not in self.states and (constraint is None or constraint(s)):
                self.states[fp], self.parent[fp], self.depth[fp] = s, (None, -1, names, args), 1
                queue.append(fp)


def _explore(model: Model, respect_constraint: bool, max_states: int,
             wanted_actions: set[str] | None = None, edges: bool = False) -> _Graph:
    """Breadth-first over every state (within the constraint, if respected), recording the
    first edge of each transition class (and, with `edges`, the edges of every state).
    With `wanted_actions`, stop as soon as each of them has an edge."""
    g = _Graph()
    var_names = list(model.describe(next(iter(model.init_states()))[2]))
    constraint = model.constraint() if respect_constraint else None
    actions = list(enumerate(model.actions()))
    queue: deque[int] = deque()
    g.seed(model, constraint, queue)
    wanted = set(wanted_actions or ())
    while queue:
        fp = queue.popleft()
        s = g.states[fp]
        out = g.out_edges.setdefault(fp, []) if edges else None
        for a, successors in actions:
            name = model.action_names[a]
            for names, args, t in successors(s):
                if t is s or t == s:
                    continue
                if constraint is not None and not constraint(t):
                    continue
                cls = (name, _changed(s, t, var_names))
                if cls not in g.first_edge:
                    g.first_edge[cls] = (fp, a, names, args, t)
                    wanted.discard(name)
                    if wanted_actions is not None and not wanted:
                        return g
                ft = model.fingerprint(t)
                if ft not in g.states:
                    if len(g.states) >= max_states:
                        g.complete = False
                        return g
                    g.states[ft], g.parent[ft], g.depth[ft] = t, (fp, a, names, args), g.depth[fp] + 1
                    queue.append(ft)
                if edges:
                    out.append((cls, a, names, args, ft))
                    g.in_edges.setdefault(ft, {}).setdefault(cls, (fp, a, names, args))
    return g


def _path(g: _Graph, fp: int) -> list[tuple]:
    """Runtime steps (action, names, args, state) from an initial state to state fp."""
    steps = []
    while fp is not None:
        parent, a, names, args = g.parent[fp]
        steps.append((a, names, args, g.states[fp]))
        fp = parent
    return steps[::-1]


def coverage_suite(model: Model, max_states: int = 1_000_000, beyond_max_states: int = 300_000,
                   limit: int | None = None, pairs: bool = False) -> tuple[list[SuiteTrace], Coverage]:
    """Traces that together take every transition class reachable within the constraint
    (see the module docstring), and the coverage they reach. `limit` caps the number of
    traces (deepest classes first). With `pairs`, also every reachable pair of consecutive
    classes (a class taken right after another: edge-pair coverage), which exercises the
    ways the branches of a protocol follow each other."""
    var_names = list(model.describe(next(iter(model.init_states()))[2]))
    g = _explore(model, True, max_states, edges=pairs)
    reachable = set(g.first_edge)
    # Goals: (key, depth of the trace's last state, steps to it). A class's trace is a
    # shortest path to its first edge; a pair's, a shortest path to the first in-edge of the
    # first class into a state that has an out-edge of the second.
    goals: list[tuple[Any, int, Any]] = []
    for cls, (fp, a, names, args, t) in g.first_edge.items():
        goals.append((cls, g.depth[fp] + 1, (fp, None, (a, names, args, t))))
    reachable_pairs: set = set()
    if pairs:
        for fp in g.states:   # breadth-first order: the first occurrence of a pair is a shallow one
            for c_in, (pred, a_in, n_in, args_in) in g.in_edges.get(fp, {}).items():
                for c_out, a, names, args, ft in g.out_edges.get(fp, ()):
                    if (c_in, c_out) not in reachable_pairs:
                        reachable_pairs.add((c_in, c_out))
                        goals.append(((c_in, c_out), g.depth[pred] + 2,
                                      (pred, (a_in, n_in, args_in, g.states[fp]), (a, names, args, g.states[ft]))))
    suite: list[SuiteTrace] = []
    covered: set = set()
    # Deepest first: a long trace takes many classes on its way, so fewer traces are needed.
    goals.sort(key=lambda goal: (-goal[1], _goal_name(goal[0])))
    for key, _, (fp, middle, last) in goals:
        if key in covered:
            continue
        if limit is not None and len(suite) >= limit:
            break
        steps = _path(g, fp) + ([middle] if middle else []) + [last]
        taken = [(model.action_names[x[0]], _changed(p[3], x[3], var_names)) for p, x in zip(steps, steps[1:])]
        taken = [c for c in taken if c[1]]
        covered |= set(taken) | set(zip(taken, taken[1:]))
        suite.append(SuiteTrace(trace_of(model, steps), [_goal_name(key)]))
    classes = {c for c in covered if c in reachable}
    cov = Coverage(list(model.action_names), reachable, classes, len(g.states), g.complete)
    if pairs:
        cov.reachable_pairs = reachable_pairs
        cov.covered_pairs = {p for p in covered if p in reachable_pairs}
    missing = set(cov.actions_missing)
    if missing and (limit is None or len(suite) < limit):
        for trace, cls, states in beyond_constraint(model, missing, beyond_max_states):
            suite.append(trace)
            cov.covered.add(cls)
            cov.beyond[cls[0]] = states
    return suite, cov


def beyond_constraint(model: Model, actions: set[str], max_states: int = 300_000
                      ) -> list[tuple[SuiteTrace, TransitionClass, int]]:
    """For each of `actions` (never enabled within the constraint), a trace to its first
    step found breadth-first ignoring the constraint: (trace, its class, states searched)."""
    missing = set(actions)
    beyond = _explore(model, False, max_states, missing)
    out = []
    for cls, (fp, a, names, args, t) in sorted(beyond.first_edge.items(), key=lambda e: class_name(e[0])):
        if cls[0] in missing:
            missing.discard(cls[0])
            steps = _path(beyond, fp) + [(a, names, args, t)]
            out.append((SuiteTrace(trace_of(model, steps), [class_name(cls)], beyond_constraint=True), cls,
                        len(beyond.states)))
    return out


def target_suite(model: Model, holds: Callable[[Any], bool], then: str | None = None,
                 respect_constraint: bool = True, max_states: int = 1_000_000) -> list[SuiteTrace]:
    """Traces to a scenario: a shortest path to the first state where `holds` is true (found
    breadth-first) and, with `then`, one more step of that action (one trace per way of
    taking it). This is the "trap property" way of generating tests with a model checker:
    check that the scenario never happens, and take the counterexample as the test."""
    g = _Graph()
    constraint = model.constraint() if respect_constraint else None
    queue: deque[int] = deque()
    found = None
    for names, args, s in model.init_states():
        fp = model.fingerprint(s)
        if fp not in g.states and (constraint is None or constraint(s)):
            g.states[fp], g.parent[fp], g.depth[fp] = s, (None, -1, names, args), 1
            queue.append(fp)
            if holds(s):
                found = fp
                break
    actions = list(enumerate(model.actions()))
    while queue and found is None:
        fp = queue.popleft()
        s = g.states[fp]
        for a, successors in actions:
            for names, args, t in successors(s):
                if t is s or t == s or (constraint is not None and not constraint(t)):
                    continue
                ft = model.fingerprint(t)
                if ft in g.states:
                    continue
                if len(g.states) >= max_states:
                    return []
                g.states[ft], g.parent[ft], g.depth[ft] = t, (fp, a, names, args), g.depth[fp] + 1
                queue.append(ft)
                if holds(t):
                    found = ft
                    break
            if found is not None:
                break
    if found is None:
        return []
    path = _path(g, found)
    if then is None:
        return [SuiteTrace(trace_of(model, path), ["target"])]
    a = list(model.action_names).index(then)
    last = path[-1][3]
    # A step that changes nothing is kept: that the implementation does nothing either is the test.
    return [SuiteTrace(trace_of(model, path + [(a, names, args, t)]), [f"target, then {then}"])
            for names, args, t in model.actions()[a](last)]


def _goal_name(key) -> str:
    if isinstance(key[1], frozenset):
        return class_name(key)
    return " then ".join(class_name(c) for c in key)


def random_suite(model: Model, count: int, depth: int = 30, seed: int = 0) -> list[SuiteTrace]:
    """`count` random walks of up to `depth` steps within the constraint (explore/simulate.py:
    an enabled action uniformly, then one of its successors uniformly; reproducible per seed)."""
    traces: list[Trace] = []
    simulate(model, invariants=[], runs=count, depth=depth, seed=seed, check_deadlock=False,
             on_trace=lambda run, trace: traces.append(trace))
    return [SuiteTrace(t, []) for t in traces]
