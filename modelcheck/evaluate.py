"""Expressions evaluated in states of a spec: what `modelcheck eval` prints and what the REPL
shows, and the walk through a spec that the REPL takes step by step.

An expression is compiled as one more operator of the spec, in a copy of the spec extended
by it, so that it reads variables, constants and operators exactly as an invariant does,
with the same type checking and the same error messages. A state of the spec is carried
over to the extended copy by replaying the steps that lead to it (explore/replay.py): both
compile the same actions, so the same steps reach the same state, whatever ids the new
operator's strings get.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from . import pipeline
from .compile import CompiledSpec
from .explore.replay import ReplayResult, replay
from .explore.result import Trace, TraceStep
from .lang import ast as A
from .lang.errors import SpecError
from .lang.kinds import Kind
from .lang.parser import parse_expr
from .values import to_itf

EXPRESSION_FILE = "<expression>"
# The operator an expression becomes; the spec language's names cannot start with '_'.
OPERATOR = "_expression_"


class EvaluationError(Exception):
    """Evaluating the expression failed in the state (division by zero, a map applied
    outside its domain...): the message is in the spec's terms."""


@dataclass(frozen=True)
class Expression:
    """An expression compiled against the spec: `value(state)` for states of `model`."""
    text: str
    compiled: CompiledSpec
    kind: Kind

    @property
    def model(self):
        return self.compiled.model

    def value(self, state) -> Any:
        """The expression's value in a state of self.model, as an ITF value."""
        model = self.compiled.model
        try:
            v = model.ns[f"D_{OPERATOR}"](state)
        except Exception as e:  # the generated code's runtime errors, explained in the spec's terms
            raise EvaluationError(model.explain_error(e)) from None
        return to_itf(v, self.kind, model.gen.symbols, model.gen.layouts)

    def in_trace(self, trace: Trace) -> list[Any]:
        """The states of `trace` (a behaviour of the spec) in self.model."""
        return list(replayed(self.model, trace).states)


def replayed(model, trace: Trace) -> ReplayResult:
    """`trace` replayed on the model; SpecError (exit 2) if it is not one of its behaviours."""
    result = replay(model, trace)
    if not result.ok:
        r = result.rejection
        raise SpecError(f"the trace is not a behaviour of the spec: at state {r.step + 1}, {r.message}",
                        hint="`modelcheck replay SPEC TRACE` says more")
    return result


class Evaluator:
    """A parsed spec with its constants, compiled once as is and once per expression."""

    def __init__(self, spec: A.Spec, consts: dict[str, str], optimise: bool = True):
        self.spec = spec
        self.consts = dict(consts)
        self.optimise = optimise
        self.compiled = pipeline.compile_parsed(spec, self.consts, optimise)
        self._expressions: dict[str, Expression] = {}

    @property
    def model(self):
        return self.compiled.model

    def expression(self, text: str) -> Expression:
        """The expression compiled (once per text); SpecError(s) if it does not parse or check."""
        if text not in self._expressions:
            expr = parse_expr(text, EXPRESSION_FILE)
            extended = replace(self.spec, decls=(*self.spec.decls, A.DefDecl(expr.span, OPERATOR, None, expr)),
                               sources={**self.spec.sources, EXPRESSION_FILE: text})
            compiled = pipeline.compile_parsed(extended, self.consts, self.optimise)
            self._expressions[text] = Expression(text, compiled, compiled.checked.kind(expr))
        return self._expressions[text]


@dataclass(frozen=True)
class Choice:
    """One step the walk can take: an initial state, or a successor by an action."""
    action: str | None          # None: an initial state
    args: dict[str, Any]        # ITF values
    state: Any                  # the model's state
    described: dict[str, Any]   # the state as ITF values


class Walk:
    """A path through the spec chosen step by step (the REPL's current state is its end)."""

    def __init__(self, evaluator: Evaluator):
        self.evaluator = evaluator
        self.steps: list[Choice] = []

    @property
    def model(self):
        return self.evaluator.model

    @property
    def current(self) -> Choice | None:
        return self.steps[-1] if self.steps else None

    def trace(self) -> Trace:
        return Trace(tuple(TraceStep(c.action, c.args, c.described) for c in self.steps))

    def initial_states(self) -> list[Choice]:
        return [self._choice(None, -1, names, values, s) for names, values, s in self.model.init_states()]

    def successors(self) -> list[Choice]:
        """Every step from the current state, action by action in the spec's order."""
        if self.current is None:
            return []
        out = []
        for a, (name, action) in enumerate(zip(self.model.action_names, self.model.actions())):
            for names, values, s in action(self.current.state):
                out.append(self._choice(name, a, names, values, s))
        return out

    def take(self, choice: Choice) -> None:
        self.steps.append(choice)

    def back(self) -> bool:
        if len(self.steps) <= 1:
            return False
        self.steps.pop()
        return True

    def restart(self, initial: Choice) -> None:
        self.steps = [initial]

    def follow(self, trace: Trace) -> None:
        """Make `trace` (a behaviour of the spec) the walk so far."""
        result = replayed(self.model, trace)
        self.steps = [Choice(step.action, step.args, s, self.model.describe(s))
                      for step, s in zip(result.trace.steps, result.states)]

    def evaluate(self, text: str) -> Any:
        """The expression's value (ITF) in the current state."""
        expression = self.evaluator.expression(text)
        states = expression.in_trace(self.trace()) if self.steps else []
        if not states:
            raise SpecError("there is no current state", hint="choose an initial state with :init")
        return expression.value(states[-1])

    def _choice(self, action: str | None, index: int, names, values, s) -> Choice:
        return Choice(action, self.model.describe_args(index, names, values), s, self.model.describe(s))
