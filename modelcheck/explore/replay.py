"""Replay a trace against a model: is every step a transition of the spec?

The trace's states are compared as described (ITF) values, so a trace written by another
tool (Apalache, Quint, a test harness) can be checked without turning its values back into
runtime values. The first state must be an initial state; each next state must be a
successor of the previous one by the step's action (any action, if the trace does not name
it) with the step's arguments (those the trace gives). On the first step that is not, the
result says which step, which action, and why: the action is unknown, not enabled (with the
guards that failed, when an explainer is given), or leads elsewhere (a per-variable diff
against the closest successor).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Callable, Sequence

from ..itfvalue import canonical
from ..values import EvalError
from .model import Model, State, StateChecks
from .result import Trace, TraceStep
from .trace import aliases_of

# explain(action index, state before the step, the trace's arguments) -> why the action has no
# successor with those arguments: dicts with the fields of Why (compile/explain.py).
Explainer = Callable[[int, State, dict[str, Any]], list[dict[str, Any]]]


@dataclass(frozen=True)
class Why:
    """One reason an action is not enabled with the trace's arguments."""
    what: str                 # "require" (a guard is false), "pick" (no such pick), "param" (not in the
                              # parameter's domain), "condition" (a pick's where-condition is false),
                              # "argument" (the action has no such argument; text: those it has), "error"
    text: str                 # the spec's source of that guard, pick or parameter
    where: str = ""           # file:line
    binder: str | None = None  # the parameter or pick, for "pick", "param", "condition"
    value: Any = None         # the trace's value of it (ITF)
    error: str | None = None  # for "error": what evaluating the guard raised
    reads: dict[str, Any] = field(default_factory=dict)  # the variables it reads, before the step (ITF)


@dataclass(frozen=True)
class VarDiff:
    name: str
    spec: Any    # the value in the spec's closest state
    trace: Any   # the value in the trace


@dataclass(frozen=True)
class Rejection:
    step: int                       # index of the state not reached (0: the initial state)
    action: str | None              # the action the trace names for that step (None: initial)
    args: dict[str, Any]
    reason: str                     # "no states", "variables", "initial state", "unknown action",
                                    # "not enabled", "arguments", "state differs", "error",
                                    # "loop" (a lasso's last state does not lead back to its loop)
    message: str                    # one line saying why
    why: tuple[Why, ...] = ()       # failed guards, for "not enabled" and "arguments"
    diffs: tuple[VarDiff, ...] = ()  # against the closest state, for "state differs", "initial state"
    closest: str | None = None      # the closest successor's action, for "state differs"
    closest_args: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ReplayResult:
    trace: Trace                               # the steps accepted, with the actions and arguments found
    rejection: Rejection | None = None
    violations: tuple[tuple[int, str], ...] = ()  # (state index, invariant) of states breaking one
    states: tuple[State, ...] = ()             # the model's states of the steps accepted
    outside_types: tuple[tuple[int, str], ...] = ()  # (state index, what is outside its declared type)

    @property
    def ok(self) -> bool:
        return self.rejection is None


def replay(model: Model, trace: Trace, invariants: Sequence[str] = (),
           explain: Explainer | None = None) -> ReplayResult:
    return _Replay(model, trace, list(invariants), explain).run()


class _Replay:
    def __init__(self, model: Model, trace: Trace, invariants: list[str], explain: Explainer | None):
        self.model = model
        self.trace = trace
        self.checks = StateChecks(model, invariants)
        self.explain = explain
        self.accepted: list[TraceStep] = []
        self.violations: list[tuple[int, str]] = []
        self.states: list[State] = []
        self.outside_types: list[tuple[int, str]] = []

    def done(self, rejection: Rejection | None = None) -> ReplayResult:
        return ReplayResult(Trace(tuple(self.accepted)), rejection, tuple(self.violations),
                            states=tuple(self.states), outside_types=tuple(self.outside_types))

    def run(self) -> ReplayResult:
        steps = self.trace.steps
        if not steps:
            return self.done(Rejection(0, None, {}, "no states", "the trace has no states"))
        try:
            inits = list(self.model.init_states())
        except Exception as e:
            return self.done(Rejection(0, None, {}, "error", f"the spec's init fails: {_message(e)}"))
        if not inits:
            return self.done(Rejection(0, None, {}, "initial state", "the spec has no initial state"))
        bad = self._variables(self.model.describe(inits[0][2]), steps[0].state)
        if bad:
            return self.done(bad)
        state = self._initial(inits, steps[0])
        if isinstance(state, Rejection):
            return self.done(state)
        for i in range(1, len(steps)):
            state = self._step(i, state, steps[i])
            if isinstance(state, Rejection):
                return self.done(state)
        if self.trace.loop is not None:
            return self._loop(state)
        return self.done()

    def _loop(self, last: State) -> ReplayResult:
        """A lasso closes: the last state's successor is the state at `loop` (a stutter if
        the loop is the last state itself, which every state allows)."""
        steps, loop = self.trace.steps, self.trace.loop
        if loop == len(steps) - 1:
            return ReplayResult(Trace(tuple(self.accepted), loop=loop), None, tuple(self.violations))
        back = self.trace.back or TraceStep("", {}, {})
        closed = self._step(len(steps), last, TraceStep(back.action, back.args, steps[loop].state))
        if isinstance(closed, Rejection):
            return self.done(replace(closed, reason="loop", message=(
                f"the loop does not close: no step from the last state (state {len(steps)}) "
                f"back to state {loop + 1} (ITF loop {loop}): {closed.message}")))
        back_step = self.accepted.pop()
        self.violations = [v for v in self.violations if v[0] != len(steps)]
        return ReplayResult(Trace(tuple(self.accepted), loop=loop, back=back_step), None, tuple(self.violations))

    # ------------------------------------------------------------ the checks
    def _variables(self, described: dict, first: dict) -> Rejection | None:
        missing = [v for v in described if v not in first]
        extra = [v for v in first if v not in described]
        if not missing and not extra:
            return None
        parts = []
        if missing:
            parts.append("the trace has no value for " + ", ".join(missing))
        if extra:
            parts.append("the spec has no variable " + ", ".join(extra))
        return Rejection(0, None, {}, "variables", "; ".join(parts))

    def _initial(self, inits, step: TraceStep):
        target = {v: canonical(x) for v, x in step.state.items()}
        described = []
        for names, args, s in inits:
            d = self._describe(s)
            if d == target:
                self._accept(0, TraceStep(None, self.model.describe_args(-1, names, args), step.state,
                                          aliases_of(self.model, s)), s)
                return s
            described.append(d)
        closest = min(described, key=lambda d: _distance(d, target))
        return Rejection(0, None, {}, "initial state", "the first state is not an initial state of the spec",
                         diffs=_diffs(closest, target))

    def _step(self, i: int, before: State, step: TraceStep):
        names = list(self.model.action_names)
        if step.action and step.action not in names:
            return Rejection(i, step.action, step.args, "unknown action",
                             f"the spec has no action {step.action} (its actions: {', '.join(names)})")
        indexes = [names.index(step.action)] if step.action else list(range(len(names)))
        target = {v: canonical(x) for v, x in step.state.items()}
        candidates = []  # (action, described args, described state)
        for a in indexes:
            try:
                for arg_names, arg_values, t in self.model.actions()[a](before):
                    d_args = self.model.describe_args(a, arg_names, arg_values)
                    if not _args_match(d_args, step.args):
                        candidates.append((a, d_args, None, t))
                        continue
                    d = self._describe(t)
                    if d == target:
                        self._accept(i, TraceStep(names[a], d_args, step.state, aliases_of(self.model, t)), t)
                        return t
                    candidates.append((a, d_args, d, t))
            except Exception as e:
                return Rejection(i, step.action, step.args, "error",
                                 f"evaluating {names[a]} fails: {_message(e)}")
        action = step.action or None
        if step.args:  # the trace's state may be reached with other arguments than it records
            for a, d_args, d, t in candidates:
                if (d if d is not None else self._describe(t)) == target:
                    return Rejection(i, action, step.args, "arguments",
                                     f"{names[a]} reaches the trace's state, but with other arguments",
                                     why=self._why([a], before, step.args) if step.action else (),
                                     closest=names[a], closest_args=d_args)
        with_args = [c for c in candidates if c[2] is not None]
        if with_args:
            a, d_args, d, _ = min(with_args, key=lambda c: _distance(c[2], target))
            what = f"{names[a]} with these arguments" if step.args else names[a]
            return Rejection(i, action, step.args, "state differs",
                             f"{what} leads to a different state" if step.action
                             else "no action leads to this state",
                             diffs=_diffs(d, target), closest=names[a], closest_args=d_args)
        why = self._why(indexes, before, step.args) if step.action else ()
        if candidates:
            return Rejection(i, action, step.args, "arguments",
                             f"{step.action} is not enabled with these arguments", why=why)
        return Rejection(i, action, step.args, "not enabled",
                         f"{step.action} is not enabled" if step.action else "no action is enabled", why=why)

    def _why(self, indexes: list[int], before: State, args: dict) -> tuple[Why, ...]:
        if self.explain is None or len(indexes) != 1:
            return ()
        try:
            return tuple(Why(**w) for w in self.explain(indexes[0], before, args))
        except Exception:  # an explanation is a courtesy; never let it hide the verdict
            return ()

    def _accept(self, i: int, step: TraceStep, s: State) -> None:
        self.accepted.append(step)
        self.states.append(s)
        if self.checks.type_check is not None:
            problem = self.checks.type_check(s)
            if problem is not None:
                self.outside_types.append((i, problem))
        for name, holds in self.checks.invariants:
            try:
                ok = holds(s)
            except Exception:
                ok = False
            if not ok:
                self.violations.append((i, name))

    def _describe(self, s: State) -> dict[str, Any]:
        return {v: canonical(x) for v, x in self.model.describe(s).items()}


def _args_match(described: dict[str, Any], given: dict[str, Any]) -> bool:
    """The trace's arguments (possibly only some of them) agree with a successor's."""
    return all(name in described and canonical(described[name]) == canonical(v) for name, v in given.items())


def _distance(a: dict, b: dict) -> int:
    return sum(1 for v in b if a.get(v) != b[v])


def _diffs(spec: dict, trace: dict) -> tuple[VarDiff, ...]:
    return tuple(VarDiff(v, spec.get(v), trace[v]) for v in trace if spec.get(v) != trace[v])


def _message(e: Exception) -> str:
    return str(e) if isinstance(e, EvalError) else f"{type(e).__name__}: {e}"
