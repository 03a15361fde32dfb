"""What the compiler knows about a spec before writing any code: one frozen table per spec.

`analyse(checked)` computes, once, the facts every later part of the compiler asks about:
which variables and views each operator reads, how each parameterless operator over the
state is remembered (its memo keys), how often each operator reads its parameters (whether
a call may be inlined), and in which order constants and constant operators are computed
at load. Its methods answer questions about expressions that depend on the spec alone
(is this expression constant, which bound names does it read, which elements does a set
known before the search have). Nothing here writes code, so any backend can use it.
"""
from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping, NamedTuple

from ..lang import ast as A
from ..lang.typecheck import CheckedSpec, Ref
from ..values import symbol

# A quantifier over domains known when generating code is written out as `and`/`or` of at
# most this many copies of its body (optimise.unrolled); a range wider is not listed.
UNROLL_LIMIT = 8


class Inputs(NamedTuple):
    """What an operator's value is a function of."""
    variables: frozenset[str]
    views: frozenset[str]    # operators over part of the state, whose values are read


@dataclass(frozen=True)
class MemoPlan:
    """How a parameterless operator over the state is remembered across states: by the
    values of `by_variables`, or failing that by the values of `key_variables` and of the
    views `by_views`; None where that key would be the whole state (nothing to gain)."""
    by_variables: frozenset[str] | None
    key_variables: frozenset[str]
    by_views: tuple[str, ...] | None


@dataclass(frozen=True)
class Analysis:
    checked: CheckedSpec
    var_names: tuple[str, ...]
    invariant_names: frozenset[str]
    const_decls: Mapping[str, A.ConstDecl]
    memo_plans: Mapping[str, MemoPlan]        # parameterless operators over the state
    # per operator (by its Python parameter names): how often its body reads each parameter,
    # and whether some read is under a binder
    param_uses: Mapping[tuple[str, ...], Mapping[str, tuple[int, bool]]]
    # constants and constant operators (parameterless, reading no state), each after what it uses
    load_order: tuple[str, ...]

    # ---------------------------------------------------------------- questions about expressions
    def model_symbol(self, name: str) -> int | float:
        """The runtime value of a model value (values.symbol)."""
        return symbol(self.checked.model_values.index(name), self.checked.mixes_ints_and_symbols)

    def constant(self, e: A.Expr) -> bool:
        """Whether e reads neither the state nor a name bound outside it: `[j in Servers -> 0]`
        is constant, its j bound inside. Not a quantifier: over a..b it builds no set, so no
        bound stops it, and computed at load it could take forever where the spec, guarded,
        would never evaluate it."""
        c = self.checked
        inner = {c.binder_names[id(n)] for n in A.walk(e) if isinstance(n, A.Binder)}
        for n in A.walk(e):
            if isinstance(n, A.Name):
                ref = c.refs.get(id(n))
                if ref is None or ref.kind == "var" or (ref.kind == "bound" and ref.name not in inner) or (
                        ref.kind == "def" and c.defs[ref.name].state_dependent):
                    return False
            elif isinstance(n, A.Call) and n.func in c.defs and c.defs[c.target(n)].state_dependent:
                return False
            elif isinstance(n, (A.Let, A.Choose, A.Is, A.Quant)):
                return False
        return True

    def hoistable(self, e: A.Expr) -> bool:
        """A constant expression worth computing once at load (not a literal or a name)."""
        if isinstance(e, (A.IntLit, A.BoolLit, A.StrLit, A.Name, A.TupleLit, A.RecordLit)) or (
                isinstance(e, A.SetLit) and not e.elems):
            return False
        return self.constant(e)

    def bound_in(self, e: A.Expr) -> set[str]:
        """The bound names (parameters, picks, binders) e reads."""
        return {self.checked.refs[id(n)].name for n in A.walk(e)
                if isinstance(n, A.Name) and self.checked.refs.get(id(n), Ref("", "")).kind == "bound"}

    def uses(self, e: A.Expr, names: set[str]) -> bool:
        refs = self.checked.refs
        return any(isinstance(n, A.Name) and refs.get(id(n)) is not None
                   and refs[id(n)].name in names for n in A.walk(e))

    def plain(self, e: A.Expr) -> bool:
        """A variable, a constant, a literal, or the domain of one of these."""
        if isinstance(e, A.Call):
            return e.func == "domain" and all(self.plain(a) for a in e.args)
        return isinstance(e, (A.Name, A.IntLit, A.StrLit, A.BoolLit)) and (
            not isinstance(e, A.Name) or self.checked.refs[id(e)].kind in ("var", "const", "model"))

    def static_elements(self, dom: A.Expr) -> list[str] | None:
        """The code of each element of a set known when generating code, in iteration order
        (ascending, as sort_keys): a constant set of int literals or model values, or a..b
        with literal bounds. None for any other set."""
        if isinstance(dom, A.Name):
            const = self._const_value(self.checked.refs.get(id(dom)))
            return None if const is None else self.static_elements(const)
        if isinstance(dom, A.SetLit):
            values = [self._static_scalar(x) for x in dom.elems]
        elif isinstance(dom, A.Binary) and dom.op == "..":
            lo, hi = self._static_scalar(dom.left), self._static_scalar(dom.right)
            if lo is None or hi is None or hi - lo >= UNROLL_LIMIT:
                return None
            values = list(range(lo, hi + 1))
        else:
            return None
        if None in values:
            return None
        return [str(v) if v >= 0 else f"({v})" for v in sorted(set(values))]

    def _static_scalar(self, e: A.Expr) -> int | float | None:
        """An int literal, a model value (its runtime value), or a constant that is one of these."""
        if isinstance(e, A.IntLit):
            return e.value
        if isinstance(e, A.Unary) and e.op == "-" and isinstance(e.operand, A.IntLit):
            return -e.operand.value
        if isinstance(e, A.Name):
            ref = self.checked.refs.get(id(e))
            if ref is not None and ref.kind == "model":
                return self.model_symbol(ref.name)
            const = self._const_value(ref)
            return None if const is None else self._static_scalar(const)
        return None

    def _const_value(self, ref: Ref | None) -> A.Expr | None:
        if ref is None or ref.kind != "const":
            return None
        return self.const_decls[ref.name].value


def analyse(checked: CheckedSpec) -> Analysis:
    inputs = _InputsOf(checked)
    # in the order of the operators, as their code is written: a recursive operator's
    # inputs are those seen from the first operator asking
    plans = {name: inputs.memo_plan(name) for name, info in checked.defs.items()
             if info.param_kinds is not None and info.state_dependent and info.decl.params is None}
    uses = {info.param_names: MappingProxyType(_param_uses(checked, info.decl.body))
            for info in checked.defs.values() if info.param_kinds is not None}
    return Analysis(checked, inputs.var_names, inputs.invariant_names,
                    MappingProxyType({d.name: d for d in checked.consts}),
                    MappingProxyType(plans), MappingProxyType(uses), _load_order(checked))


class _InputsOf:
    """The variables and views each operator reads (computed on demand, then fixed)."""

    def __init__(self, checked: CheckedSpec):
        self.c = checked
        self.var_names = tuple(v.name for v in checked.vars)
        self.invariant_names = frozenset(d.name for d in checked.spec.of(A.InvariantDecl))
        self.known: dict[str, Inputs] = {}

    def memo_plan(self, name: str) -> MemoPlan:
        """When a parameterless operator reads only part of the state, the keys its values
        are remembered by: first the values of the variables it reads; failing that, the
        values of the views (operators over part of the state) it reads and of the variables
        it reads otherwise. Raft's log invariants are then evaluated once per distinct set of
        logs, and Paxos's OneValuePerBallot once per distinct `votes`, not once per message
        set. A view that is not an invariant is not remembered: it is cheap, and its values
        are mostly new (`votes` changes with most message sets)."""
        everything = frozenset(self.var_names)
        inputs = self.of(name)
        variables = inputs.variables.union(*(self.of(v).variables for v in inputs.views))
        by_variables = by_views = None
        if variables != everything and (name in self.invariant_names or not self.is_view(name)):
            by_variables = variables
        # a view of variables that the key holds anyway adds nothing to it
        views = sorted(v for v in inputs.views if not self.of(v).variables <= inputs.variables)
        if views and inputs.variables != everything:
            by_views = tuple(views)
        return MemoPlan(by_variables, inputs.variables, by_views)

    def of(self, name: str) -> Inputs:
        """What an operator's value depends on: variables, and views it reads (parameterless
        operators over a strict part of the state that read no view themselves)."""
        if name not in self.known:
            self.known[name] = Inputs(frozenset(), frozenset())  # a recursive operator: its body says
            self.known[name] = self._inputs(self.c.defs[name].decl.body)
        return self.known[name]

    def is_view(self, name: str) -> bool:
        info = self.c.defs[name]
        if info.decl.params is not None or not info.state_dependent:
            return False
        inputs = self.of(name)
        return not inputs.views and inputs.variables != frozenset(self.var_names)

    def _inputs(self, e: A.Expr) -> Inputs:
        variables: set[str] = set()
        views: set[str] = set()
        for n in A.walk(e):
            ref = self.c.refs.get(id(n)) if isinstance(n, A.Name) else None
            if ref is not None and ref.kind == "var":
                variables.add(ref.name)
            target = ref.name if ref is not None and ref.kind == "def" else (
                self.c.target(n) if isinstance(n, A.Call) and n.func in self.c.defs else None)
            if target is None:
                continue
            if self.is_view(target):
                views.add(target)
            else:
                inputs = self.of(target)
                variables |= inputs.variables
                views |= inputs.views
        return Inputs(frozenset(variables), frozenset(views))


def _param_uses(checked: CheckedSpec, body: A.Expr) -> dict[str, tuple[int, bool]]:
    """Per parameter: how often the body reads it, and whether some read is under a binder."""
    uses: dict[str, tuple[int, bool]] = {}

    def count(node, looped: bool) -> None:
        if isinstance(node, A.Name):
            ref = checked.refs.get(id(node))
            if ref is not None and ref.kind == "bound" and ref.name.startswith("p_"):
                n, under = uses.get(ref.name, (0, False))
                uses[ref.name] = (n + 1, under or looped)
        binds = isinstance(node, (A.Quant, A.SetFilter, A.SetMap, A.MapCtor, A.Choose, A.Let, A.SeqFilter))
        for child in A.children(node):
            count(child, looped or binds)

    count(body, False)
    return uses


def _load_order(checked: CheckedSpec) -> tuple[str, ...]:
    """Constants and constant operators, each after what it uses."""
    consts = {d.name: d for d in checked.consts}
    const_defs = {n for n, i in checked.defs.items()
                  if i.decl.params is None and not i.state_dependent and i.param_kinds is not None}
    order: list[str] = []

    def visit(name: str, path: frozenset) -> None:
        if name in order or name in path:
            return
        expr = consts[name].value if name in consts else checked.defs[name].decl.body
        for dep in _global_deps(checked, expr, set()):
            if dep in consts or dep in const_defs:
                visit(dep, path | {name})
        order.append(name)

    for name in list(consts) + sorted(const_defs):
        visit(name, frozenset())
    return tuple(order)


def _global_deps(checked: CheckedSpec, expr: A.Expr, seen: set[str]) -> set[str]:
    """Constants and operators an expression uses, through the operators it calls."""
    out = set()
    for n in A.walk(expr):
        target = n.id if isinstance(n, A.Name) else checked.target(n) if isinstance(n, A.Call) else None
        ref = checked.refs.get(id(n)) if isinstance(n, A.Name) else None
        if ref is not None and ref.kind == "const":
            out.add(ref.name)
        if target in checked.defs and target not in seen:
            seen.add(target)
            out.add(target)
            out |= _global_deps(checked, checked.defs[target].decl.body, seen)
    return out


def operands(e: A.Expr, op: str) -> list[A.Expr]:
    """`a and b and c` (op "and") as [a, b, c]; likewise for "or"."""
    if isinstance(e, A.Binary) and e.op == op:
        return operands(e.left, op) + operands(e.right, op)
    return [e]


def source_text(spec: A.Spec, e) -> str:
    """The source text of an expression or type, for comments and messages."""
    s = e.span
    if s.file not in spec.sources or s.line == 0:
        return "<command line>"
    lines = spec.sources[s.file].splitlines()
    if s.line == s.end_line:
        return lines[s.line - 1][s.col - 1:s.end_col - 1]
    return lines[s.line - 1][s.col - 1:] + " ..."
