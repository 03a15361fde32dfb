"""`modelcheck prove`: inductive invariants and bounded model checking with Z3.

Induction: Init => Inv, and Inv /\\ C /\\ Next => Inv' one action at a time, where C is the
spec's state constraint: induction relative to the constraint, as the explorer (and TLC)
expand only states within it. The pre-state is one symbolic copy of the variables over
their declared types (typed states: the usual TypeOK assumption, built into the encoding);
the post-state is not a second copy but the action's symbolic next-state values, into which
Inv is encoded again. A satisfying model is a counterexample to induction (CTI): a state
satisfying Inv, an action and its arguments, and the successor violating Inv. When a
variable's type is infinite (Nat terms, unbounded logs, a bag of messages), the pre-state
holds only the values that fit its capacity (`bound`: elements of each set, bag or map,
entries of each sequence): a CTI found is real, but finding none proves nothing beyond
those states, and the result says so (`complete` is False).

Bounded model checking: copies s0..sK of the variables; s0 is an initial state, s(i+1) a
successor of si by some action (si within the state constraint, as in the explorer); each
depth is checked before the next is added, so the first violation found is a shortest one.
A successor that does not fit the capacity of the next copy is never lost: it is found by
a check at each depth, and the search starts again with room for it.

Every counterexample Z3 finds is replayed with the compiled Python model (the initial
states and successors it generates, the invariants it evaluates) before it is reported, so
the two engines must agree on it; a counterexample Python does not confirm is an error.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, Sequence

import z3

from ..explore.result import Trace, TraceStep
from ..lang import ast as A
from ..lang.errors import SpecError, attach_source
from ..values import show, to_itf
from .crosscheck import make_encoder, spec_error
from .encode import Branch, Frame
from .state import DEFAULT_CAP, StateEnc
from .scalars import AND, AND2, EncodeError, NOT, OR, is_true
from .symbolic import concretize, eq


class EnginesDisagree(SpecError):
    """Z3 found a counterexample that the compiled model does not confirm (a bug in one engine)."""


@dataclass
class StepResult:
    name: str                 # "init" or an action name, or "depth 3"
    holds: bool
    seconds: float


@dataclass
class ProveResult:
    kind: str                 # "induction" | "bmc"
    invariants: list[str]
    holds: bool
    steps: list[StepResult] = field(default_factory=list)
    trace: Trace | None = None
    failing_step: str | None = None     # "init" or the action breaking induction
    broken: list[str] = field(default_factory=list)  # invariants false in the last state
    depth: int | None = None            # bmc: steps in the counterexample, or depth searched
    max_depth: int | None = None        # bmc: the depth asked for
    seconds: float = 0.0
    bounded: list[str] = field(default_factory=list)  # induction: variables held to the capacity
    bound: int | None = None            # induction: that capacity
    restarts: int = 0                   # bmc: searches started again with more room

    @property
    def complete(self) -> bool:
        """Whether holds is a proof (not only: no CTI among the states that fit the bound)."""
        return not self.bounded


class _Grow(Exception):
    """A successor needs more room than the next copy of the state has."""

    def __init__(self, caps: dict):
        self.caps = caps


def _term(b):
    return z3.BoolVal(b) if isinstance(b, bool) else b


class Prover:
    """bound: the pre-state capacity for infinite types in induction (slots and length)."""

    def __init__(self, compiled, invariants: Sequence[str], bound: int = 2):
        self.bound = bound
        self.compiled = compiled
        self.model = compiled.model
        self.checked = compiled.checked
        self.enc = make_encoder(compiled)
        decls = {d.name: d for d in self.checked.spec.of(A.InvariantDecl)}
        for n in invariants:
            if n not in decls:
                raise SpecError(f"--inv {n}: the spec has no invariant '{n}'",
                                hint="invariants of this spec: " + (", ".join(decls) or "none"))
        self.names = list(invariants)
        self.decls = decls
        self.actions = self.checked.spec.of(A.ActionDecl)
        self.var_names = self.enc.var_names
        self.kinds = [self.enc.var_kinds[n] for n in self.var_names]

    # ------------------------------------------------------------ encoding helpers
    def _guarded(self, fn):
        try:
            self.enc.activate()
            return fn()
        except EncodeError as err:
            raise spec_error(err, self.checked) from None

    def inv(self, frame: Frame, names=None):
        return AND(self.enc.expr(self.decls[n].expr, {}, frame) for n in (names or self.names))

    def init_branches(self) -> list[Branch]:
        out = []
        for d in self.checked.spec.of(A.InitDecl):
            out += self.enc.branches(d.body, {}, None)
        return out

    def constraint(self, frame: Frame):
        return AND(self.enc.expr(d.expr, {}, frame) for d in self.checked.spec.of(A.ConstraintDecl))

    def next_frame(self, pre: Frame, b: Branch) -> Frame:
        return Frame({**pre.vars, **b.assigned})

    def describe(self, state: tuple) -> dict:
        return {n: to_itf(v, k, tuple(self.enc.symbols), tuple(self.enc.layouts))
                for n, v, k in zip(self.var_names, state, self.kinds)}

    def read(self, frame: Frame, model) -> tuple:
        return tuple(concretize(frame.vars[n], k, model) for n, k in zip(self.var_names, self.kinds))

    def python_broken(self, state) -> list[str]:
        out = []
        for n in self.model.invariant_names:
            try:
                if not self.model.invariant(n)(state):
                    out.append(n)
            except Exception:
                out.append(n)
        return out

    # ------------------------------------------------------------ induction
    def induction(self, progress: Callable[[str], None] = lambda s: None) -> ProveResult:
        started = time.perf_counter()
        result = ProveResult("induction", self.names, True)
        # Init => Inv
        t0 = time.perf_counter()
        progress("init")
        solver = z3.Solver()
        branches = self._guarded(self.init_branches)
        bad = self._guarded(lambda: [(b, AND2(b.guard, NOT(self.inv(Frame(dict(b.assigned)))))) for b in branches])
        solver.add(_term(OR(q for _, q in bad)))
        r = solver.check()
        result.steps.append(StepResult("init", r == z3.unsat, time.perf_counter() - t0))
        if r == z3.sat:
            m = solver.model()
            b = next(b for b, q in bad if is_true(m, q))
            state = self._guarded(lambda: self.read(Frame(dict(b.assigned)), m))
            self._confirm_initial(state)
            result.holds = False
            result.failing_step = "init"
            result.trace = Trace((TraceStep(None, {}, self.model.describe(state)),))
            result.broken = [n for n in self.python_broken(state) if n in self.names]
            result.seconds = time.perf_counter() - started
            return result
        self._unknown(r)
        # Inv /\ A => Inv' for each action A
        caps = {n: (self.bound, self.bound, False) for n in self.var_names}
        pre = self._guarded(lambda: StateEnc(self.enc, "pre!", caps))
        result.bounded, result.bound = pre.bounded, self.bound
        frame = pre.frame()
        inv_pre = self._guarded(lambda: AND2(self.inv(frame), self.constraint(frame)))
        for i, action in enumerate(self.actions):
            t0 = time.perf_counter()
            progress(action.name)
            solver = z3.Solver()
            solver.add(pre.cons)
            solver.add(_term(inv_pre))
            branches = self._guarded(lambda: self.enc.action_branches(action, frame))
            bad = self._guarded(lambda: [(b, AND2(b.guard, NOT(self.inv(self.next_frame(frame, b)))))
                                         for b in branches])
            solver.add(_term(OR(q for _, q in bad)))
            r = solver.check()
            result.steps.append(StepResult(action.name, r == z3.unsat, time.perf_counter() - t0))
            if r == z3.sat:
                m = solver.model()
                b = next(b for b, q in bad if is_true(m, q))
                before = self._guarded(lambda: pre.read(m))
                after = self._guarded(lambda: self.read(self.next_frame(frame, b), m))
                step = self._confirm_step(i, before, after, check_inv=True)
                result.holds = False
                result.failing_step = action.name
                result.trace = Trace((TraceStep(None, {}, self.model.describe(before)), step))
                result.broken = [n for n in self.python_broken(after) if n in self.names]
                result.seconds = time.perf_counter() - started
                return result
            self._unknown(r)
        result.seconds = time.perf_counter() - started
        return result

    def _unknown(self, r) -> None:
        if r == z3.unknown:
            raise SpecError("Z3 could not decide the query (unknown)",
                            hint="try smaller constants")

    # ------------------------------------------------------------ confirmation by the compiled model
    def _confirm_initial(self, state) -> None:
        for _names, _args, s in self.model.init_states():
            if s == state:
                return
        raise EnginesDisagree(f"Z3 found an initial state that the compiled model does not generate: "
                              f"{self.describe(state)}")

    def _python_steps(self, action: int, state) -> list:
        """The compiled model's steps of an action from a state Z3 chose. Where the spec is
        undefined (a map applied outside its domain) the compiled code fails, while the
        encoding has some value: that is reported, not a traceback."""
        try:
            return list(self.model.actions()[action](state))
        except Exception as e:
            raise SpecError(
                f"Z3 chose a state in which the compiled model cannot evaluate "
                f"{self.model.action_names[action]} ({self.model.explain_error(e)}), the state: "
                + ", ".join(f"{n} = {show(v)}" for n, v in self.model.describe(state).items()),
                hint="the spec is undefined in that state; an invariant that rules it out "
                     "(a TypeOK, or bounds on indices) makes the induction meaningful") from None

    def _confirm_step(self, action: int, before, after, check_inv: bool) -> TraceStep:
        if check_inv:
            broken = [n for n in self.python_broken(before) if n in self.names]
            if broken:
                raise EnginesDisagree(f"Z3 says {', '.join(broken)} holds in {self.describe(before)}, "
                                      "the compiled model says it does not")
        for names, args, s in self._python_steps(action, before):
            if s == after:
                return TraceStep(self.model.action_names[action], self.model.describe_args(action, names, args),
                                 self.model.describe(s))
        raise EnginesDisagree(f"Z3 found a step of {self.model.action_names[action]} that the compiled "
                              f"model does not take: from {self.describe(before)} to {self.describe(after)}")

    # ------------------------------------------------------------ bounded model checking
    def bmc(self, depth: int, progress: Callable[[str], None] = lambda s: None) -> ProveResult:
        started = time.perf_counter()
        # partial maps from the start: the explorer admits them (raft's voterLog), and a copy
        # that holds them costs a few Bools, where growing it later means starting again
        caps = {n: DEFAULT_CAP[:2] + (True,) for n in self.var_names}
        restarts = 0
        while True:
            try:
                result = self._bmc(depth, caps, progress)
            except _Grow as g:
                caps, restarts = g.caps, restarts + 1
                continue
            result.restarts = restarts
            result.seconds = time.perf_counter() - started
            return result

    def _bmc(self, depth: int, caps: dict, progress: Callable[[str], None]) -> ProveResult:
        result = ProveResult("bmc", self.names, True, depth=depth, max_depth=depth)
        solver = z3.Solver()
        states = [self._guarded(lambda: StateEnc(self.enc, "s0!", caps))]
        frames = [states[0].frame()]
        solver.add(states[0].cons)
        init = self._guarded(self.init_branches)
        self._escape(solver, [(b, b.assigned) for b in init], "init", states[0])
        solver.add(_term(OR(AND2(b.guard, self._same(frames[0], b.assigned)) for b in init)))
        for i in range(depth + 1):
            t0 = time.perf_counter()
            progress(f"depth {i}")
            solver.push()
            solver.add(_term(NOT(self._guarded(lambda: self.inv(frames[i])))))
            r = solver.check()
            if r == z3.sat:
                m = solver.model()
                trace_states = [self._guarded(lambda st=st: st.read(m)) for st in states]
                solver.pop()
                result.steps.append(StepResult(f"depth {i}", False, time.perf_counter() - t0))
                result.holds = False
                result.depth = i
                result.trace = self._replay(trace_states)
                result.broken = [n for n in self.python_broken(trace_states[-1]) if n in self.names]
                return result
            self._unknown(r)
            solver.pop()
            if i == depth:
                result.steps.append(StepResult(f"depth {i}", True, time.perf_counter() - t0))
                break
            solver.add(_term(self._guarded(lambda: self.constraint(frames[i]))))
            nxt = self._guarded(lambda: StateEnc(self.enc, f"s{i + 1}!", caps))
            states.append(nxt)
            frames.append(nxt.frame())
            solver.add(nxt.cons)
            steps = []
            for action in self.actions:
                for b in self._guarded(lambda: self.enc.action_branches(action, frames[i])):
                    steps.append((b, self.next_frame(frames[i], b).vars))
            self._escape(solver, steps, f"a step from depth {i}", nxt)
            solver.add(_term(self._guarded(lambda: OR(AND2(b.guard, self._same(frames[i + 1], values))
                                                      for b, values in steps))))
            result.steps.append(StepResult(f"depth {i}", True, time.perf_counter() - t0))
        return result

    def _same(self, frame: Frame, values: dict):
        return AND(eq(frame.vars[n], values[n], k) for n, k in zip(self.var_names, self.kinds))

    def _escape(self, solver, steps, what: str, copy: StateEnc) -> None:
        """Every successor must be of the declared types (maps may lack keys, as the explorer
        allows) and fit the next copy; one that would not be held by it is never silently
        lost: outside the types it is an error, too big for the copy a reason to grow it."""
        var_types = {d.name: d.type for d in self.checked.vars}
        typed = {(id(b), n): self._guarded(lambda: self.enc.in_type(values[n], var_types[n], k, partial=True))
                 for b, values in steps for n, k in zip(self.var_names, self.kinds)}
        fits = {(id(b), n): self._guarded(lambda: v.fits(values[n]))
                for b, values in steps for n, v in zip(self.var_names, copy.vars)}
        out = OR(AND2(b.guard, NOT(AND2(AND(typed[id(b), n] for n in self.var_names),
                                        AND(fits[id(b), n] for n in self.var_names))))
                 for b, values in steps)
        if out is False:
            return
        solver.push()
        solver.add(_term(out))
        r = solver.check()
        if r != z3.sat:
            solver.pop()
            self._unknown(r)
            return
        m = solver.model()
        solver.pop()
        b, values = next((b, values) for b, values in steps if is_true(m, b.guard) and not all(
            is_true(m, typed[id(b), n]) and is_true(m, fits[id(b), n]) for n in self.var_names))
        state = self._guarded(lambda: self.read(Frame(dict(values)), m))
        for n, k, v in zip(self.var_names, self.kinds, state):
            if not is_true(m, typed[id(b), n]):
                err = SpecError(
                    f"{what} gives variable {n} a value outside its declared type: "
                    f"{show(to_itf(v, k, tuple(self.enc.symbols), tuple(self.enc.layouts)))}",
                    next(d.span for d in self.checked.vars if d.name == n),
                    "the Z3 engine follows states within the declared types; widen the type "
                    "or check with 'modelcheck check' (add a TypeOK invariant)")
                spec = self.checked.spec
                raise attach_source(err, spec.sources or {spec.path: spec.source})
        caps = copy.grown(state)
        if caps == copy.caps:
            raise EncodeError(f"internal: {what} does not fit the encoding, yet needs no more room")
        raise _Grow(caps)

    def _replay(self, states: list) -> Trace:
        """The Z3 path as a trace, confirmed step by step by the compiled model."""
        self._confirm_initial(states[0])
        steps = [TraceStep(None, {}, self.model.describe(states[0]))]
        for before, after in zip(states, states[1:]):
            step = None
            for a in range(len(self.model.action_names)):
                for names, args, s in self._python_steps(a, before):
                    if s == after:
                        step = TraceStep(self.model.action_names[a], self.model.describe_args(a, names, args),
                                         self.model.describe(s))
                        break
                if step is not None:
                    break
            if step is None:
                raise EnginesDisagree(f"Z3 found a step the compiled model does not take: from "
                                      f"{self.describe(before)} to {self.describe(after)}")
            steps.append(step)
        return Trace(tuple(steps))
