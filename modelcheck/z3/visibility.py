"""What Z3 proves about each action for partial-order reduction (`check --por`).

The reduction (explore/por.py, docs/partial-order.md) asks three things of an action A,
which by default it answers from the variables A writes (may A change what the check
reads?). Z3 can answer them exactly, for every typed pre-state:

  stays within    Cons ∧ A ⇒ Cons'      A never takes a state within the constraint out of it
  never repairs   ¬Inv ∧ A ⇒ ¬Inv'      A never makes a violated invariant hold
  never breaks    Inv ∧ Cons ∧ A ⇒ Inv' A never violates an invariant that held (within Cons)

A query is asked only where the variables say A may change the answer, and a proof is kept
only if it is one: Z3 answers unsat within QUERY_MS, and no variable the query reads (what
A reads or writes, what the check reads) is encoded up to a capacity only (an unbounded
set, bag, sequence or map: there, unsat says nothing of larger values). A spec Z3 cannot
encode gets no proofs; the reduction then uses the variables alone.
"""
from __future__ import annotations

from typing import Sequence

import z3

from ..explore.por import Proved
from ..lang import ast as A
from ..lang.errors import SpecError
from .crosscheck import make_encoder
from .encode import Frame
from .prove import _term
from .scalars import AND, AND2, NOT, OR, EncodeError
from .state import StateEnc

QUERY_MS = 1000  # Z3's time per query; unknown proves nothing


def prove_visibility(compiled, invariants: Sequence[str]) -> Proved:
    """The facts Z3 proves about the spec's actions, for these invariants and the constraint."""
    try:
        return _Prover(compiled).prove(invariants)
    except (EncodeError, SpecError, z3.Z3Exception):  # no proofs: the footprints alone decide
        return Proved()


class _Prover:
    def __init__(self, compiled):
        self.enc = make_encoder(compiled)
        self.enc.activate()
        self.checked = compiled.checked
        self.footprints = compiled.model.footprints
        self.pre = StateEnc(self.enc, "por!")
        self.frame = self.pre.frame()
        self.bounded = {self.footprints.var_names.index(n) for n in self.pre.bounded}
        self.decls = {d.name: d for d in self.checked.spec.of(A.InvariantDecl)}
        self.constraints = self.checked.spec.of(A.ConstraintDecl)
        self.steps: dict[str, list[tuple]] = {}  # action -> (guard, post-state frame) per branch
        self.encoded: dict[tuple[str, int], object] = {}  # (check, id of its frame) -> formula

    def prove(self, invariants: Sequence[str]) -> Proved:
        stays, repairs, breaks = set(), set(), set()
        constraint_reads = self.footprints.constraint_reads
        for action, fp in zip(self.checked.spec.of(A.ActionDecl), self.footprints.actions):
            touched = {p.var for p in fp.reads | fp.writes}
            written = {p.var for p in fp.writes}
            if self.constraints and written & constraint_reads and not (touched | constraint_reads) & self.bounded \
                    and self._unsat(action, lambda pre, post: AND2(self._cons(pre), NOT(self._cons(post)))):
                stays.add(action.name)
            for name in invariants:
                reads = self.footprints.invariant_reads[name]
                if not written & reads or (touched | reads | constraint_reads) & self.bounded:
                    continue
                if self._unsat(action, lambda pre, post: AND2(NOT(self._inv(name, pre)), self._inv(name, post))):
                    repairs.add((name, action.name))
                if self._unsat(action, lambda pre, post: AND(
                        [self._inv(name, pre), self._cons(pre), NOT(self._inv(name, post))])):
                    breaks.add((name, action.name))
        return Proved(frozenset(stays), frozenset(repairs), frozenset(breaks))

    def _inv(self, name: str, frame: Frame):
        return self._encoded(name, frame, lambda: self.enc.expr(self.decls[name].expr, {}, frame))

    def _cons(self, frame: Frame):
        return self._encoded("", frame, lambda: AND(self.enc.expr(d.expr, {}, frame) for d in self.constraints))

    def _encoded(self, check: str, frame: Frame, encode):
        """A check's formula on a frame, encoded once (the frames live as long as self)."""
        key = (check, id(frame))
        if key not in self.encoded:
            self.encoded[key] = encode()
        return self.encoded[key]

    def _unsat(self, action: A.ActionDecl, bad) -> bool:
        """Whether no step of the action from a typed state satisfies bad(pre, post)."""
        if action.name not in self.steps:
            self.steps[action.name] = [(b.guard, Frame({**self.frame.vars, **b.assigned}))
                                       for b in self.enc.action_branches(action, self.frame)]
        solver = z3.Solver()
        solver.set("timeout", QUERY_MS)
        solver.add(self.pre.cons)
        solver.add(_term(OR(AND2(guard, bad(self.frame, post)) for guard, post in self.steps[action.name])))
        return solver.check() == z3.unsat
