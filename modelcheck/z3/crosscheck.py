"""`check --z3`: every explored state's invariants decided by Z3 as well as by the compiled
Python predicates; a disagreement is a hard error.

The invariants are encoded once over one symbolic copy of the state; one flag per invariant
is defined equal to its formula, and one flag to their conjunction. A concrete state is
fixed by assumption literals (Bools only: every int equality has a Bool proxy), so a check
is pure propagation inside a solver that keeps everything it learned. One check per state
suffices when every invariant holds: `all` is satisfiable together with the state exactly
when every invariant holds there (the formulas are functions of the state's constants).
Only when it is not is each invariant asked about on its own.

The solver is called through Z3's C API directly (z3py's check() spends most of its time
converting arguments); the literal arrays are built from cached terms.
"""
from __future__ import annotations

import random
import sys
import time
from typing import Any, Callable, Sequence

import z3

from ..lang import ast as A
from ..lang.errors import SpecError
from .encode import Encoder, NotInType
from .state import Capacity, StateEnc
from .scalars import EncodeError


class Z3Disagreement(SpecError):
    """The compiled predicates and Z3 disagree about an invariant in a state: a bug in one of
    the two engines. Reported like a spec error (exit code 2), with the state."""

    def __init__(self, message: str, state: dict | None = None):
        from ..values import show
        lines = [f"Z3 and the compiled model disagree: {message}"]
        if state is not None:
            lines += ["in the state"] + [f"    {n} = {show(v)}" for n, v in state.items()]
        super().__init__("\n".join(lines), hint="this is a bug in modelcheck; please report it with the spec")


class _Stop(KeyboardInterrupt):
    """Ends the explorer's search at once (it returns what it has, as on Ctrl-C)."""


def spec_error(err: EncodeError, checked) -> SpecError:
    from ..lang.errors import NO_SPAN, attach_source
    e = SpecError(f"cannot encode for Z3: {err.message}", err.span or NO_SPAN, err.hint)
    return attach_source(e, checked.spec.sources or {checked.spec.path: checked.spec.source})


def make_encoder(compiled) -> Encoder:
    try:
        return Encoder(compiled.checked, compiled.generated.symbols, compiled.generated.layouts)
    except EncodeError as err:
        raise spec_error(err, compiled.checked) from None


class Z3Invariants:
    """Decides invariants of concrete states with one incremental Z3 solver.

    A state that does not fit the encoding's capacity for infinite types (more messages in
    flight, longer logs than it has room for) makes it build the encoding again, with room
    for that state; every state is decided exactly, whatever its size."""

    def __init__(self, compiled, names: Sequence[str], caps: dict | None = None):
        self.compiled = compiled
        self.names = list(names)
        self.enc = make_encoder(compiled)
        self.rebuilds = 0
        self.checks = 0      # solver calls
        self.states = 0      # states decided
        self.seconds = 0.0       # wall time deciding states
        self.cpu_seconds = 0.0   # CPU time deciding states (the rate on a machine shared with other work)
        self._build(caps)

    def _build(self, caps: dict | None) -> None:
        compiled = self.compiled
        try:
            self.state = StateEnc(self.enc, "", caps)
            frame = self.state.frame()
            decls = {d.name: d for d in compiled.checked.spec.of(A.InvariantDecl)}
            formulas = [self.enc.expr(decls[n].expr, {}, frame) for n in self.names]
        except EncodeError as err:
            raise spec_error(err, compiled.checked) from None
        self.solver = z3.SolverFor("QF_LIA") if _linear(formulas) else z3.Solver()
        self.solver.add(self.state.cons)
        self.flags = [z3.Bool(f"inv!{n}") for n in self.names]
        for f, phi in zip(self.flags, formulas):
            self.solver.add(f == _term(phi))
        self.all = z3.Bool("inv!all")
        self.solver.add(self.all == z3.And(self.flags) if self.flags else self.all)
        self._ctx = self.solver.ctx.ref()
        self._solver = self.solver.solver
        self._all_ast = self.all.as_ast().value
        self._flag_asts = [f.as_ast().value for f in self.flags]

    def _check(self, lits: list, extra) -> int:
        n = len(lits) + 1
        arr = (z3.Ast * n)(*lits, extra)
        self.checks += 1
        r = z3.Z3_solver_check_assumptions(self._ctx, self._solver, n, arr)
        if r == 0:
            raise RuntimeError(f"Z3 returned unknown: {self.solver.reason_unknown()}")
        return r

    def decide(self, state: tuple) -> list[bool]:
        """Whether each invariant holds in a concrete state, according to Z3."""
        started, cpu = time.perf_counter(), time.process_time()
        try:
            try:
                lits = self.state.bind(state)
            except Capacity:
                self.rebuilds += 1
                self._build(self.state.grown(state))
                lits = self.state.bind(state)
        except NotInType as e:
            raise Z3Disagreement(f"a variable's value is outside its declared type ({e}), so the "
                                 "Z3 encoding cannot represent the state; add a TypeOK invariant "
                                 "and check without --z3 to find where", self.compiled.model.describe(state)) from None
        self.states += 1
        if self._check(lits, self._all_ast) == 1:
            out = [True] * len(self.names)
        else:
            out = [self._check(lits, f) == 1 for f in self._flag_asts]
            if all(out):
                raise RuntimeError("Z3: the conjunction of the invariants is false, yet each holds")
        self.seconds += time.perf_counter() - started
        self.cpu_seconds += time.process_time() - cpu
        return out

    @property
    def rate(self) -> float:
        return self.states / self.seconds if self.seconds else 0.0

    @property
    def cpu_rate(self) -> float:
        return self.states / self.cpu_seconds if self.cpu_seconds else 0.0


def _term(phi):
    return z3.BoolVal(phi) if isinstance(phi, bool) else phi


def _linear(formulas) -> bool:
    """Whether the formulas stay in linear integer arithmetic (no variable times variable)."""
    seen = set()
    stack = [f for f in formulas if not isinstance(f, bool)]
    while stack:
        e = stack.pop()
        i = e.get_id()
        if i in seen:
            continue
        seen.add(i)
        if z3.is_app(e):
            k = e.decl().kind()
            if k in (z3.Z3_OP_MUL, z3.Z3_OP_IDIV, z3.Z3_OP_MOD, z3.Z3_OP_DIV, z3.Z3_OP_REM):
                if sum(1 for c in e.children() if not z3.is_int_value(c)) > 1 or (
                        k != z3.Z3_OP_MUL and not z3.is_int_value(e.arg(1))):
                    return False
            stack.extend(e.children())
    return True


class CrossCheckedModel:
    """A Model whose invariants are decided by both the compiled predicates and Z3.

    With sample=None every state the explorer checks is decided by Z3 at once; with
    sample=N a uniform random sample of N of them (reservoir sampling) is kept and decided
    by finish(), after the search.
    """

    def __init__(self, compiled, names: Sequence[str], sample: int | None = None, seed: int = 0):
        self.inner = compiled.model
        self.z3 = Z3Invariants(compiled, names)
        self.index = {n: i for i, n in enumerate(names)}
        self.sample = sample
        self.reservoir: list = []
        self.seen = 0
        self.rng = random.Random(seed)
        self._last = None
        self._verdict: list[bool] = []
        self.disagreements = 0
        self.disagreement: Z3Disagreement | None = None

    def __getattr__(self, name):  # everything else is the compiled model's
        return getattr(self.inner, name)

    def invariant(self, name: str) -> Callable[[Any], bool]:
        python = self.inner.invariant(name)
        i = self.index[name]

        def holds(s) -> bool:
            py = python(s)
            if self.sample is not None:
                if i == 0:
                    self._offer(s)
                return py
            if s is not self._last:
                try:
                    self._verdict = self.z3.decide(s)
                except Z3Disagreement as e:
                    self.disagreement = e
                    raise _Stop() from None
                self._last = s
            if self._verdict[i] != py:
                self._disagree(name, py, self._verdict[i], s)
                raise _Stop()
            return py
        return holds

    def _disagree(self, name: str, py: bool, z: bool, s) -> None:
        self.disagreements += 1
        self.disagreement = Z3Disagreement(
            f"invariant {name} is {'true' if py else 'false'} by the compiled predicate, "
            f"{'true' if z else 'false'} by Z3", self.inner.describe(s))

    def _offer(self, s) -> None:
        self.seen += 1
        if len(self.reservoir) < self.sample:
            self.reservoir.append(s)
        else:
            j = self.rng.randrange(self.seen)
            if j < self.sample:
                self.reservoir[j] = s

    def finish(self, progress: Callable[[int, int], None] | None = None) -> None:
        """Raise the disagreement found during the search, if any; in sample mode, first
        decide the sampled states with Z3."""
        if self.disagreement is None and self.sample is not None:
            for k, s in enumerate(self.reservoir):
                verdict = self.z3.decide(s)
                for name, i in self.index.items():
                    py = self.inner.invariant(name)(s)
                    if verdict[i] != py:
                        self._disagree(name, py, verdict[i], s)
                        break
                if self.disagreement is not None:
                    break
                if progress is not None and (k % 256 == 0 or k == len(self.reservoir) - 1):
                    progress(k + 1, len(self.reservoir))
        if self.disagreement is not None:
            raise self.disagreement


class Z3Progress:
    """Wraps the CLI's progress display, adding how many states Z3 has decided."""

    def __init__(self, inner, checker: Z3Invariants, stream=sys.stderr):
        self.inner, self.checker, self.stream = inner, checker, stream

    def progress(self, stats) -> None:
        from ..report.text import render_progress
        if getattr(self.inner, "shown", None) is None:  # silent reporter
            self.inner.progress(stats)
            return
        line = render_progress(stats) + f"  z3: {self.checker.states:,} states ({self.checker.rate:,.0f}/s)"
        self.stream.write("\r" + line)
        self.stream.flush()
        self.inner.shown = True

    def clear(self) -> None:
        self.inner.clear()
