"""Spec -> implementation: drive an implementation through traces of the spec.

For each trace, a fresh adapter builds the implementation in the trace's initial state;
then for every step the adapter makes the implementation take it, and the implementation's
state under the adapter's refinement mapping must equal the trace's next state. The first
step where it does not (or where the adapter cannot make the implementation take the step,
or the implementation raises) is a divergence: the trace, the step, its action and
arguments, and a per-variable diff of what the spec has against what the implementation has.

A *refused* step (criteria.py puts one at the end of a trace whose input no step of the
spec takes, such as a Prepare of a ballot already joined) is presented the same way, but
the implementation may refuse it: if the adapter or the implementation raises, the trace
conforms; if it takes it, its state must be unchanged.
"""
from __future__ import annotations

import importlib
import traceback
from dataclasses import dataclass, field
from typing import Any, Iterable, Optional

from ..explore.result import Trace
from ..itfvalue import canonical
from ..values import show
from .adapter import Adapter, Mismatch
from .diff import VarDiff, diff_states
from .tracefiles import TraceFile


@dataclass(frozen=True)
class Divergence:
    trace: str                      # the trace file (or name)
    step: int                       # the step's index (0: the initial state)
    length: int                     # the trace's number of steps
    action: Optional[str]           # the step's action (None: the initial state)
    args: dict[str, Any] = field(default_factory=dict)
    diffs: tuple[VarDiff, ...] = ()
    error: Optional[str] = None     # the adapter could not take the step, or the implementation raised
    before: tuple[str, ...] = ()    # the steps before it (the last few), as calls
    refused: bool = False           # a refused step: no step of the spec takes this input

    def headline(self) -> str:
        where = "the initial state" if self.action is None else f"step {self.step} of {self.length}: {self.call()}"
        return f"{self.trace}: diverges at {where}"

    def call(self) -> str:
        if self.action is None:
            return "init"
        args = ", ".join(f"{k} = {show(v)}" for k, v in self.args.items())
        return f"{self.action}({args})"

    def render(self) -> str:
        lines = [self.headline()]
        if self.refused:
            lines.append("  no step of the spec takes this input (the spec refuses it), but the implementation "
                         "took it and changed what the spec sees")
        if self.error:
            lines.append(f"  the implementation cannot take this step: {self.error}")
        if self.diffs:
            lines.append("  after it, the spec and the implementation differ in:")
        for d in self.diffs:
            lines += ["    " + line for line in d.lines]
        if self.before:
            first = self.step - len(self.before)
            lines.append("  the steps before it:")
            lines += [f"    {first + k}: {call}" for k, call in enumerate(self.before)]
        return "\n".join(lines)


@dataclass(frozen=True)
class ReplayOutcome:
    trace: str
    steps: int                      # steps replayed without divergence
    divergence: Optional[Divergence] = None

    @property
    def ok(self) -> bool:
        return self.divergence is None


def load_adapter(ref: str) -> type[Adapter]:
    """MODULE:CLASS -> the adapter class, e.g. impl.adapters.raft:RaftAdapter."""
    module, sep, name = ref.partition(":")
    if not sep or not module or not name:
        raise ValueError(f"expected MODULE:CLASS, e.g. impl.adapters.raft:RaftAdapter, got {ref!r}")
    cls = getattr(importlib.import_module(module), name, None)
    if cls is None:
        raise ValueError(f"module {module} has no {name}")
    return cls


def _error(e: Exception) -> str:
    if isinstance(e, Mismatch):
        return str(e)
    frame = traceback.extract_tb(e.__traceback__)[-1] if e.__traceback__ else None
    where = f" (at {frame.filename}:{frame.lineno})" if frame else ""
    return f"{type(e).__name__}: {e}{where}"


BEFORE = 5   # steps shown before a divergence


def _call(action: Optional[str], args: dict[str, Any]) -> str:
    return Divergence("", 0, 0, action, args).call()


def replay_trace(adapter_cls: type[Adapter], trace: Trace, constants: dict[str, Any] | None = None,
                 name: str = "trace", refused: Iterable[int] = ()) -> ReplayOutcome:
    steps = trace.steps
    n = len(steps) - 1
    refused = frozenset(refused)
    adapter = adapter_cls()
    try:
        adapter.reset(steps[0].state, dict(constants or {}))
        actual = adapter.state()
    except Exception as e:
        return ReplayOutcome(name, 0, Divergence(name, 0, n, None, error=_error(e)))
    diffs = diff_states(steps[0].state, actual)
    if diffs:
        return ReplayOutcome(name, 0, Divergence(name, 0, n, None, diffs=tuple(diffs)))
    for i in range(1, len(steps)):
        step = steps[i]
        try:
            adapter.step(step.action, step.args, steps[i - 1].state)
            actual = adapter.state()
        except Exception as e:
            if i in refused:   # the implementation (or its adapter) refuses the input, as the spec does
                return ReplayOutcome(name, i)
            return ReplayOutcome(name, i - 1, Divergence(name, i, n, step.action, step.args, error=_error(e),
                                                         before=_before(steps, i)))
        expected = {v: canonical(x) for v, x in step.state.items()}
        diffs = diff_states(expected, actual)
        if diffs:
            return ReplayOutcome(name, i - 1, Divergence(name, i, n, step.action, step.args, tuple(diffs),
                                                         before=_before(steps, i), refused=i in refused))
    return ReplayOutcome(name, n)


def _before(steps, i: int) -> tuple[str, ...]:
    return tuple(_call(s.action, s.args) for s in steps[max(1, i - BEFORE):i])


def replay_files(adapter_cls: type[Adapter], files: Iterable[TraceFile]) -> list[ReplayOutcome]:
    return [replay_trace(adapter_cls, f.trace, f.constants, str(f.path), f.refused) for f in files]
