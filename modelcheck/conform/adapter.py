"""What a conformance adapter is: the code that connects one implementation to one spec.

An adapter is a class; the checker makes a fresh instance per trace (or per execution).
It has two jobs, one per direction, and a refinement mapping both share:

Spec -> implementation (replay of a trace, `modelcheck conform`):

    reset(initial, constants)   build the implementation in the state that corresponds to
                                the trace's initial state (ITF values; `constants` are the
                                constants the trace was generated with)
    step(action, args, before)  make the implementation take the spec's step: call its
                                methods, deliver the message the step receives, drop or
                                copy messages. `before` is the spec's state before the step,
                                to choose among the implementation's options (which of its
                                messages to deliver) -- never to copy values from.
                                Raise Mismatch when the implementation cannot take the step
                                (e.g. it never sent the message the spec receives).
    state()                     the refinement mapping: the implementation's state as the
                                spec's variables (ITF values; sets and maps in any order).
                                It may raise Mismatch for what the spec's variables cannot
                                show (e.g. a learner that learned a value nobody chose).

Implementation -> spec (validation of executions, `modelcheck conform --runs N`):

    validation_constants        the spec constants matching the simulated cluster
    run(seed, events)           run the implementation (e.g. impl.sim.Simulation with
                                faults) and yield an Observation per event: what happened,
                                the spec steps it corresponds to (an empty list: a
                                stuttering step, internal work the spec does not see), and
                                state() after it. The first Observation is the initial state.

Values are ITF (see modelcheck/itfvalue.py); the helpers below build them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, Union

from ..itfvalue import canonical
from ..values import ModelValue


class Mismatch(Exception):
    """The implementation cannot do what the spec does (or did what the spec cannot)."""


@dataclass(frozen=True)
class SpecStep:
    """One spec step an implementation event corresponds to: an action (or any of several),
    with the arguments it must have (ITF; the others are free)."""
    action: Union[str, tuple[str, ...]]
    args: dict[str, Any] = field(default_factory=dict)

    @property
    def actions(self) -> tuple[str, ...]:
        return (self.action,) if isinstance(self.action, str) else tuple(self.action)

    def __str__(self) -> str:
        name = self.action if isinstance(self.action, str) else " | ".join(self.action)
        from ..values import show
        args = ", ".join(f"{k} = {show(v)}" for k, v in self.args.items())
        return f"{name}({args})" if args else name


@dataclass
class Observation:
    event: str                      # what the implementation did, in words
    steps: list[SpecStep]           # the spec steps it corresponds to; [] = stuttering
    state: dict[str, Any]           # the refinement mapping after it


class Adapter:
    """Base class of adapters (see the module docstring). impl/adapters/ has two examples."""

    spec: str = ""                                  # the spec it is written for, e.g. "specs/raft.spec"
    validation_constants: dict[str, str] = {}       # --const texts for validation runs
    events_per_run: int = 150                        # the default length of a validation run

    def reset(self, initial: dict[str, Any], constants: dict[str, Any]) -> None:
        raise NotImplementedError

    def step(self, action: str, args: dict[str, Any], before: dict[str, Any]) -> None:
        raise NotImplementedError

    def state(self) -> dict[str, Any]:
        raise NotImplementedError

    def run(self, seed: int, events: int) -> Iterator[Observation]:
        raise NotImplementedError(f"{type(self).__name__} does not run executions (no validation)")


# ---------------------------------------------------------------- ITF values

def integer(n: int) -> dict:
    return {"#bigint": str(int(n))}


def model_value(name: str) -> ModelValue:
    return ModelValue(name)


def set_of(elems: Iterable[Any]) -> dict:
    return {"#set": list(elems)}


def map_of(pairs: Iterable[tuple[Any, Any]]) -> dict:
    return {"#map": [[k, v] for k, v in pairs]}


def tuple_of(*elems: Any) -> dict:
    return {"#tup": list(elems)}


def bag_of(elems: Iterable[Any]) -> dict:
    """A bag (multiset) as the spec language describes one: a map element -> count."""
    counts: dict[Any, list] = {}
    for e in elems:
        key = key_of(e)
        if key in counts:
            counts[key][1] += 1
        else:
            counts[key] = [e, 1]
    return map_of((e, integer(n)) for e, n in counts.values())


def key_of(v: Any) -> str:
    """A hashable key for an ITF value: equal values, equal keys (order of sets ignored)."""
    import json
    return json.dumps(canonical(v), sort_keys=True)


def int_of(v: Any) -> int:
    """An ITF integer as an int."""
    return int(v["#bigint"]) if isinstance(v, dict) else int(v)


def elements(v: Any) -> list:
    """The elements of an ITF set (or the keys of an ITF map)."""
    if "#set" in v:
        return list(v["#set"])
    return [k for k, _ in v["#map"]]
