"""The Model protocol: everything the explorer knows about a spec.

The compiled spec implements it (compile/model.py), and so do hand-written toy models in
the tests. A state is any hashable value; the explorer never looks inside it.
"""
from __future__ import annotations

from typing import Any, Callable, Hashable, Iterator, Protocol, Sequence

State = Hashable
# (argument names, argument values, state): one initial state or one successor.
Step = tuple[tuple[str, ...], tuple, State]
Successors = Callable[[State], Iterator[Step]]


class Codec(Protocol):
    """States as bytes and back: decode(encode(s)) == s (frontier.py packs its queue with it)."""

    def encode(self, s: State) -> bytes: ...

    def decode(self, data: bytes) -> State: ...


class Model(Protocol):
    action_names: Sequence[str]       # parallel to actions()
    invariant_names: Sequence[str]

    def init_states(self) -> Iterator[Step]: ...

    def actions(self) -> Sequence[Successors]:
        """One successor function per action, in a fixed order (deterministic exploration)."""

    def invariant(self, name: str) -> Callable[[State], bool]: ...

    def constraint(self) -> Callable[[State], bool] | None:
        """TLC's CONSTRAINT: states outside it are checked but not explored. None: no bound."""

    def fingerprint(self, s: State) -> int:
        """64-bit fingerprint; equal for states that symmetry makes interchangeable."""

    def describe(self, s: State) -> dict[str, Any]:
        """The state as variable name -> ITF value, for reports."""

    def describe_args(self, action: int, names: tuple[str, ...], values: tuple) -> dict[str, Any]: ...

    def explain_error(self, e: Exception) -> str:
        """An exception raised by the model's code, as a message for the user."""

    # Optional: `type_check`, None or a function of a state returning None when every
    # variable is within its declared type, else a message saying what is outside.
    # Optional: `codec: Codec`, compact bytes for the states of this model (the compiled spec
    # derives them from the declared types). Without it the queue marshals states.
    # Optional: `describe_aliases(s) -> dict[str, Any]`, values computed for reports only
    # (the spec's `alias` declarations), shown beside the state in traces.
    # Optional: `exact_fingerprint(s) -> int`, a fingerprint of the state itself rather than
    # of its symmetry orbit: cheaper, and enough where a state needs no merging with its
    # mirror images (remembering which states outside the constraint were checked).


def exact_fingerprint(model: Model) -> Callable[[State], int]:
    return getattr(model, "exact_fingerprint", model.fingerprint)


class StateChecks:
    """What every state the explorers meet must satisfy: its variables within their declared
    types (if the model checks them), then the chosen invariants, in order. A type
    violation comes first: invariants need not make sense of values outside the types."""

    def __init__(self, model: Model, invariants: Sequence[str]):
        self.type_check: Callable[[State], str | None] | None = getattr(model, "type_check", None)
        self.invariants = [(n, model.invariant(n)) for n in invariants]

    def first_broken(self, s: State) -> tuple[str, str] | None:
        """None, or (kind, name): ("type", the message) or ("invariant", its name)."""
        if self.type_check is not None:
            problem = self.type_check(s)
            if problem is not None:
                return "type", problem
        for name, holds in self.invariants:
            if not holds(s):
                return "invariant", name
        return None
