"""Implementation -> spec: check that executions of an implementation are behaviours of the spec.

The adapter runs the implementation (under a network simulator with faults, for a seed)
and reports every event as an Observation: the spec steps the event corresponds to, and
the implementation's state under the refinement mapping afterwards. The checker keeps the
spec state the execution has reached so far and, for each event, takes the named spec
steps from it (each with the arguments the adapter gives; several successors may qualify,
all are kept), then looks for one whose state equals the observed one. No spec step (a
stuttering step: internal work the spec does not see) means the observed state must equal
the current one.

The first event that fails is reported with the reason: a spec step that is not enabled
there (with the guards that fail, from compile/explain.py), or steps that are enabled but
lead elsewhere (a per-variable diff against the closest spec state), or an adapter that
could not map the state (Mismatch), or an implementation that raised. The report also says
which events led there.
"""
from __future__ import annotations

import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Optional, Union

from .. import pipeline
from ..itfvalue import canonical
from ..values import show
from .adapter import Adapter, Mismatch, SpecStep
from .diff import VarDiff, diff_states

HISTORY = 12   # events shown before a failure


@dataclass(frozen=True)
class StepFailure:
    seed: int
    event_index: int                 # 0: the initial state
    event: str
    steps: tuple[SpecStep, ...]
    reason: str                      # "initial state", "not enabled", "state differs", "mapping", "error"
    message: str
    why: tuple[str, ...] = ()        # for "not enabled": the guards that fail
    diffs: tuple[VarDiff, ...] = ()  # for "state differs": against the closest spec state
    history: tuple[str, ...] = ()    # the events before this one (the last few)

    def render(self) -> str:
        lines = [f"seed {self.seed}, event {self.event_index}: not a step of the spec ({self.reason})",
                 f"  event: {self.event}",
                 "  spec steps: " + (", then ".join(str(s) for s in self.steps) or "none (a stuttering step)"),
                 f"  {self.message}"]
        lines += [f"    {w}" for w in self.why]
        for d in self.diffs:
            lines += ["    " + line for line in d.lines]
        if self.history:
            lines.append("  events before it:")
            lines += ["    " + h for h in self.history]
        return "\n".join(lines)


@dataclass
class ValidationReport:
    runs: int = 0
    events: int = 0                  # implementation events checked
    stuttering: int = 0              # of which stuttering steps
    spec_steps: int = 0              # spec steps taken
    actions: Counter = field(default_factory=Counter)   # spec steps per action
    classes: Counter = field(default_factory=Counter)   # spec steps per transition class (tracegen.py)
    seconds: float = 0.0
    failure: Optional[StepFailure] = None

    @property
    def ok(self) -> bool:
        return self.failure is None

    def lines(self) -> list[str]:
        out = [f"{self.runs} executions, {self.events:,} events ({self.stuttering:,} stuttering), "
               f"{self.spec_steps:,} spec steps in {self.seconds:.1f} s"]
        if self.actions:
            out.append("spec steps per action: " + ", ".join(f"{a} {n:,}" for a, n in sorted(self.actions.items())))
        if self.classes:
            out.append(f"transition classes (action, changed variables) taken: {len(self.classes)}")
        return out


def _canon_state(d: dict) -> dict:
    return {k: canonical(v) for k, v in d.items()}


def _error(e: BaseException) -> str:
    frame = traceback.extract_tb(e.__traceback__)[-1] if e.__traceback__ else None
    return f"{type(e).__name__}: {e}" + (f" (at {frame.filename}:{frame.lineno})" if frame else "")


def validate(adapter_cls: type[Adapter], spec: Union[str, Path, Any], seeds: Iterable[int],
             events: Optional[int] = None, consts: Optional[dict[str, str]] = None,
             stop_at_first: bool = True) -> ValidationReport:
    """Run and check the adapter's executions for every seed, `events` events each (default:
    the adapter's events_per_run). `spec` is a path (loaded with the adapter's validation
    constants, overridden by `consts`) or a compiled spec."""
    events = events or adapter_cls.events_per_run
    compiled = spec if hasattr(spec, "model") else pipeline.load(
        spec, {**adapter_cls.validation_constants, **(consts or {})})
    report = ValidationReport()
    started = time.perf_counter()
    for seed in seeds:
        failure = _Execution(compiled, adapter_cls, seed, report).check(events)
        report.runs += 1
        if failure is not None and report.failure is None:
            report.failure = failure
            if stop_at_first:
                break
    report.seconds = time.perf_counter() - started
    return report


class _Execution:
    def __init__(self, compiled, adapter_cls: type[Adapter], seed: int, report: ValidationReport):
        self.compiled = compiled
        self.model = compiled.model
        self.names = list(self.model.action_names)
        self.var_names = list(getattr(self.model, "var_names", ()))
        self.adapter = adapter_cls()
        self.seed = seed
        self.report = report
        self.history: list[str] = []
        self._described: dict = {}   # spec state -> its canonical description (the last few)
        self._observed: dict = {}    # variable -> (the adapter's last value, its canonical form)

    def fail(self, index: int, event: str, steps, reason: str, message: str, **kw) -> StepFailure:
        return StepFailure(self.seed, index, event, tuple(steps), reason, message,
                           history=tuple(self.history[-HISTORY:]), **kw)

    def check(self, events: int) -> Optional[StepFailure]:
        observations = self.adapter.run(self.seed, events)
        index, event, steps = 0, "initial state", []
        try:
            first = next(observations)
            current = self._initial(first)
            if isinstance(current, StepFailure):
                return current
            self.history.append(first.event)
            for index, obs in enumerate(observations, 1):
                event, steps = obs.event, obs.steps
                result = self._step(index, obs, current)
                if isinstance(result, StepFailure):
                    return result
                current = result
                self.history.append(obs.event)
                self.report.events += 1
                self.report.spec_steps += len(obs.steps)
                self.report.stuttering += not obs.steps
                self.report.actions.update(self.taken)
                self.report.classes.update(self.classes)
        except Mismatch as e:
            return self.fail(index, event, steps, "mapping", f"the adapter cannot map the implementation's state: {e}")
        except Exception as e:
            return self.fail(index, event, steps, "error", f"the implementation or adapter raised {_error(e)}")
        return None

    def _initial(self, obs):
        target = _canon_state(obs.state)
        described = []
        for _, _, s in self.model.init_states():
            d = _canon_state(self.model.describe(s))
            if d == target:
                return s
            described.append(d)
        closest = min(described, key=lambda d: sum(d.get(v) != target.get(v) for v in target))
        return self.fail(0, obs.event, [], "initial state", "the implementation's initial state is not one of the spec's",
                         diffs=tuple(diff_states(closest, obs.state)))

    def _step(self, index: int, obs, current):
        self.taken: list[str] = []   # the action of each step (the first one found, if several fit)
        self.classes: list[tuple] = []
        frontier = [current]
        parents: list[dict] = []     # per step: state reached -> (state it was reached from, action)
        for k, step in enumerate(obs.steps):
            indexes = [self.names.index(a) for a in step.actions if a in self.names]
            if not indexes:
                return self.fail(index, obs.event, obs.steps, "not enabled",
                                 f"the spec has no action {step.action}")
            wanted = {name: canonical(v) for name, v in step.args.items()}
            found: dict = {}
            for s in frontier:
                for a in indexes:
                    for names, values, t in self.model.actions()[a](s):
                        described = self.model.describe_args(a, names, values)
                        if all(name in described and canonical(described[name]) == v for name, v in wanted.items()):
                            found.setdefault(t, (s, self.names[a]))
            if not found:
                why = self._why(indexes, frontier[0], step.args)
                prefix = f"after {', '.join(str(s) for s in obs.steps[:k])}: " if k else ""
                return self.fail(index, obs.event, obs.steps, "not enabled",
                                 f"{prefix}{step} is not enabled in the spec's state", why=why)
            self.taken.append(next(iter(found.values()))[1])
            parents.append(found)
            frontier = list(found)
        target = self._canon_observed(obs.state)
        described = []
        for t in frontier:
            d = self._describe(t)
            if d == target:
                self._classes_to(t, parents)
                return t
            described.append(d)
        closest = min(described, key=lambda d: sum(d.get(v) != target.get(v) for v in target))
        what = "these spec steps lead" if obs.steps else "the spec does not change, but the implementation's state does"
        return self.fail(index, obs.event, obs.steps, "state differs",
                         f"{what} to a different state than the implementation's:" if obs.steps else f"{what}:",
                         diffs=tuple(diff_states(closest, obs.state)))

    def _classes_to(self, t, parents: list[dict]) -> None:
        """The transition class of each spec step on the way to t."""
        for found in reversed(parents):
            s, action = found[t]
            if self.var_names:
                changed = frozenset(n for n, x, y in zip(self.var_names, s, t) if x != y)
                if changed:
                    self.classes.append((action, changed))
            t = s

    def _canon_observed(self, state: dict) -> dict:
        """The canonical form of an observed state; most variables are unchanged from one
        event to the next, and comparing raw values is much cheaper than canonicalizing."""
        out = {}
        for name, value in state.items():
            cached = self._observed.get(name)
            if cached is None or cached[0] != value:
                cached = self._observed[name] = (value, canonical(value))
            out[name] = cached[1]
        return out

    def _describe(self, s) -> dict:
        d = self._described.get(s)
        if d is None:
            if len(self._described) > 64:
                self._described.clear()
            d = self._described[s] = _canon_state(self.model.describe(s))
        return d

    def _why(self, indexes: list[int], state, args: dict) -> tuple[str, ...]:
        if len(indexes) != 1:
            names = ", ".join(self.names[a] for a in indexes)
            return (f"none of {names} is enabled with these arguments",)
        try:
            from ..compile.explain import explain_disabled
            reasons = explain_disabled(self.compiled, indexes[0], state, args)
        except Exception:   # an explanation is a courtesy
            return ()
        out = []
        for r in reasons:
            text = f"{r.get('what', '')} fails: {r.get('text', '')}"
            if r.get("where"):
                text += f" ({r['where']})"
            if r.get("binder") is not None and r.get("value") is not None:
                text += f" with {r['binder']} = {show(r['value'])}"
            out.append(text)
        return tuple(out)
