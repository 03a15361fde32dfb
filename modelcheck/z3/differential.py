"""The Z3 encoding evaluated on concrete states, for differential testing against the
compiled model: invariants, and each action's successors (with their arguments).

Every answer is checked to be determined by the state: for a formula phi, exactly one of
phi and not phi is satisfiable together with the literals fixing the state.
"""
from __future__ import annotations

from typing import Any

import z3

from ..lang import ast as A
from .crosscheck import make_encoder
from .state import StateEnc
from .symbolic import concretize


class Undetermined(AssertionError):
    pass


class Z3Semantics:
    """caps: room for values of infinite types, per variable (see state.py)."""

    def __init__(self, compiled, caps: dict | None = None):
        self.compiled = compiled
        self.enc = make_encoder(compiled)
        self.state = StateEnc(self.enc, "", caps)
        frame = self.state.frame()
        self.solver = z3.Solver()
        self.solver.add(self.state.cons)
        self._keep: list = []
        decls = compiled.checked.spec.of(A.InvariantDecl)
        self.invariant_names = [d.name for d in decls]
        self.inv_flags = [self._flag(f"inv!{d.name}", self.enc.expr(d.expr, {}, frame)) for d in decls]
        self.actions = []
        for i, d in enumerate(compiled.checked.spec.of(A.ActionDecl)):
            branches = []
            for j, b in enumerate(self.enc.action_branches(d, frame)):
                branches.append((self._flag(f"guard!{i}!{j}", b.guard), b, {**frame.vars, **b.assigned}))
            self.actions.append(branches)
        self.names = self.enc.var_names
        self.kinds = [self.enc.var_kinds[n] for n in self.names]

    def _flag(self, name: str, phi):
        f = z3.Bool(name)
        self.solver.add(f == (z3.BoolVal(phi) if isinstance(phi, bool) else phi))
        return f

    def _lits(self, state) -> list[int]:
        return self.state.bind(state)

    def _check(self, lits: list[int], extra) -> int:
        arr = (z3.Ast * (len(lits) + 1))(*lits, extra.as_ast().value)
        return z3.Z3_solver_check_assumptions(self.solver.ctx.ref(), self.solver.solver, len(arr), arr)

    def _decide(self, lits, flag) -> bool:
        neg = z3.Not(flag)
        pos_r, neg_r = self._check(lits, neg), self._check(lits, flag)
        if pos_r == neg_r or 0 in (pos_r, neg_r):
            raise Undetermined(f"{flag} is not determined by the state ({pos_r}, {neg_r})")
        return neg_r == 1

    def invariants(self, state) -> dict[str, bool]:
        lits = self._lits(state)
        return {n: self._decide(lits, f) for n, f in zip(self.invariant_names, self.inv_flags)}

    def successors(self, action: int, state) -> set[tuple[tuple, Any]]:
        """(argument values, successor) for every path of the action enabled in the state."""
        lits = self._lits(state)
        # Reading a record back consults the layouts of the encoder activated last, which is
        # another spec's once that spec's engine has been built in this process.
        self.enc.activate()
        out = set()
        for flag, branch, values in self.actions[action]:
            if not self._decide(lits, flag):
                continue
            assert self._check(lits, flag) == 1
            m = self.solver.model()
            args = tuple(concretize(v, k, m) for _, v, k in branch.args)
            nxt = tuple(concretize(values[n], k, m) for n, k in zip(self.names, self.kinds))
            out.add((args, nxt))
        return out
