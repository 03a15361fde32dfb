"""Rebuild a trace by re-execution: from an initial state, follow the recorded actions,
picking at each step the successor with the recorded fingerprint."""
from __future__ import annotations

from typing import Any, Callable

from .model import Model
from .result import Trace, TraceStep
from .visited import VisitedStates


def rebuild_trace(model: Model, visited: VisitedStates, index: int,
                  last: tuple[int, Any] | None = None) -> Trace:
    """The trace to state `index`; `last` = (action, state) adds one unstored final step
    (a state outside the constraint, which the visited set never holds)."""
    steps: list[TraceStep] = []
    state = None
    for action, names, args, state in _replayed(model, visited, index):
        steps.append(_step(model, action, names, args, state))
    if last is not None:
        action, final = last
        candidates = model.init_states() if action < 0 else model.actions()[action](state)
        names, args, final = next((n, a, s) for n, a, s in candidates if s == final)
        steps.append(_step(model, action, names, args, final))
    return Trace(tuple(steps))


def state_at(model: Model, visited: VisitedStates, index: int):
    """The state `index` of the search, as the search met it, by re-execution."""
    state = None
    for _action, _names, _args, state in _replayed(model, visited, index):
        pass
    return state


def _replayed(model: Model, visited: VisitedStates, index: int):
    """(action, arg names, arg values, state) of each step from an initial state to state
    `index` (none if index < 0)."""
    state = None
    for i in (visited.path_to(index) if index >= 0 else []):
        fp = visited.fps[i]
        action = visited.actions[i]
        candidates = model.init_states() if action < 0 else model.actions()[action](state)
        names, args, state = next((n, a, s) for n, a, s in candidates if model.fingerprint(s) == fp)
        yield action, names, args, state


def lasso_trace(model: Model, fps, lasso, keys, fingerprint: Callable[[Any], int] | None = None) -> Trace:
    """A lasso of state indices (liveness.Lasso) as a trace, by re-execution: each step is
    a successor with the recorded fingerprint, by the step's action instance if it has one
    (keys: label -> (action, parameter values or None)). `fingerprint`: the search's, of a
    state (default: the model's)."""
    fingerprint = fingerprint or model.fingerprint
    steps: list[TraceStep] = []
    state = None
    for i, index in enumerate(lasso.states):
        label = lasso.labels[i - 1] if i else None
        action, names, args, state = _successor(model, fingerprint, state, fps[index],
                                                keys[label] if label is not None else None)
        steps.append(_step(model, action, names, args, state))
    back = None
    if lasso.loop != len(lasso.states) - 1:
        key = keys[lasso.back_label] if lasso.back_label is not None else None
        action, names, args, target = _successor(model, fingerprint, state, fps[lasso.states[lasso.loop]], key)
        back = _step(model, action, names, args, target)
    return Trace(tuple(steps), loop=lasso.loop, back=back)


def _successor(model: Model, fingerprint: Callable[[Any], int], state, fp: int, key):
    """(action, arg names, arg values, successor) of a step from `state` (None: an initial
    state) to the state with fingerprint fp, by the instance `key` if given."""
    if state is None:
        return next((-1, n, a, s) for n, a, s in model.init_states() if fingerprint(s) == fp)
    for action, successors in enumerate(model.actions()):
        if key is not None and key[0] != action:
            continue
        for names, args, t in successors(state):
            if t is not state and fingerprint(t) == fp and (
                    key is None or key[1] is None or tuple(args[:len(key[1])]) == key[1]):
                return action, names, args, t
    raise AssertionError("a recorded step could not be repeated")


def trace_of(model: Model, steps) -> Trace:
    """A trace from runtime steps (action index, -1 for the initial state; arg names; arg
    values; state), described for reports: what random walks and replay record."""
    return Trace(tuple(_step(model, a, names, args, s) for a, names, args, s in steps))


def _step(model: Model, action: int, names, args, state) -> TraceStep:
    return TraceStep(None if action < 0 else model.action_names[action],
                     model.describe_args(action, names, args), model.describe(state), aliases_of(model, state))


def aliases_of(model: Model, state) -> dict[str, Any]:
    """What the model computes in `state` for reports only (its aliases), if anything."""
    describe = getattr(model, "describe_aliases", None)
    return describe(state) if describe is not None else {}
