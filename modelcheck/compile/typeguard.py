"""Declared types are the contract: which variables need a membership check per state.

A reachable state where a variable holds a value outside its declared type is a violation
(the explorer's kind "type"). Every assignment is either shown to keep its variable in type
here, when generating code, or its variable is checked in every new state. Shown means, by
induction over the steps (the state before a step is in type, having been checked):

  - the type says nothing the kinds do not already (int, string, bool, seq[int], ...);
  - the value's static type is contained in the declared one: a variable of the same type
    (`x := y`), a map's value at a key (`f[k]`), a record's field, an element of a typed set
    bound by a parameter or pick, a sum of Nats;
  - the value is built from parts shown in type: `f with [k] = v`, `put(f, k, v)`, `S + {e}`,
    `S - T`, `append(s, e)`, `bag_add(B, m)`, record, tuple and map literals, if-then-else;
  - the value is constant (a literal, a constant, `[a in Acceptors -> -1]`): its membership
    is decided once, when the module is loaded (an obligation); if it fails, the variable is
    checked at run time, so the violation gets its trace.

Anything else (`x + 1` into 0..3, a value read from a let of unknown type, a set filter...)
is not shown, and the variable is checked. The analysis is syntactic and conservative:
types compare by structure, a..b by literal bounds.

When a check fails, `locate` finds where in the value the type is broken (a map's key or
value, a field, a set's element, a sequence's length), using the same type predicates as
the check (lower_expr's `type_pred`).
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Callable

from ..lang import ast as A
from ..lang.kinds import FnK, Kind, RecK, SeqK, SetK, TupleK, UnionK, record_field
from ..lang.typecheck import CheckedSpec

Obligations = list[tuple[A.Expr, A.TypeExpr]]  # constant values, and the types they must be in
_UNIVERSAL = ("int", "Int", "string", "bool")


@dataclass(frozen=True)
class VariableCheck:
    """The check of one variable: always at run time, or only if a constant it may be assigned
    is found outside its type when the module is loaded (`at_load`)."""
    name: str
    index: int
    type: A.TypeExpr
    always: bool
    at_load: tuple[tuple[A.Expr, A.TypeExpr], ...]


class _Env:
    """Bound names: Python name -> a static type, or the expression they stand for."""

    def __init__(self, types: dict[str, A.TypeExpr] | None = None, exprs: dict | None = None):
        self.types = types or {}
        self.exprs: dict[str, tuple[A.Expr, _Env]] = exprs or {}

    def with_type(self, name: str, t: A.TypeExpr | None) -> "_Env":
        return _Env({**self.types, name: t} if t is not None else self.types, self.exprs)

    def with_expr(self, name: str, e: A.Expr, env: "_Env") -> "_Env":
        return _Env(self.types, {**self.exprs, name: (e, env)})


class TypeGuard:
    """The static analysis of one spec's assignments against the declared types.
    `constant(e)` tells constant expressions (analysis.Analysis.constant: evaluable at load)."""

    MAX_INLINE = 8  # operators followed into operators; deeper is "not shown"

    def __init__(self, checked: CheckedSpec, constant: Callable[[A.Expr], bool]):
        self.c = checked
        self.constant = constant
        self.var_types = {v.name: v.type for v in checked.vars}
        self.depth = 0

    # ------------------------------------------------------------ per variable
    def variable_checks(self) -> list[VariableCheck]:
        """The variables that need a check, with the constants to decide at load."""
        shown: dict[str, Obligations | None] = {v.name: [] for v in self.c.vars}
        for d in self.c.spec.of(A.InitDecl):
            self._stmts(d.body, _Env(), shown)
        for d in self.c.spec.of(A.ActionDecl):
            env = _Env()
            for b in d.params:
                env = env.with_type(self.c.binder_names[id(b)], self.elem_type(b.domain, env))
            self._stmts(d.body, env, shown)
        checks = []
        for i, v in enumerate(self.c.vars):
            obligations = shown[v.name]
            if obligations is None or obligations:
                checks.append(VariableCheck(v.name, i, v.type, obligations is None, tuple(obligations or ())))
        return checks

    def _stmts(self, stmts, env: _Env, shown: dict[str, Obligations | None]) -> None:
        for s in stmts:
            if isinstance(s, A.Assign):
                if shown[s.target] is not None:
                    more = self.at_path(list(s.path), s.value, self.var_types[s.target], env)
                    shown[s.target] = None if more is None else shown[s.target] + more
            elif isinstance(s, A.LetStmt):
                env = env.with_expr(self.c.binder_names[id(s)], s.value, env)
            elif isinstance(s, A.Pick):
                env = env.with_type(self.c.binder_names[id(s.binder)], self.elem_type(s.binder.domain, env))
            elif isinstance(s, A.If):
                self._stmts(s.then, env, shown)
                self._stmts(s.orelse, env, shown)
            elif isinstance(s, A.Either):
                for branch in s.branches:
                    self._stmts(branch, env, shown)

    def at_path(self, path: list, value: A.Expr, t: A.TypeExpr, env: _Env) -> Obligations | None:
        """`x[k].f := value` keeps x (of type t) in type: the value is in the type at the path.
        The key needs nothing: `with` fails on a key outside the map (values.except_)."""
        if not path:
            return self.shown(value, t, env)
        t = self.resolve(t)
        sel = path[0]
        if isinstance(sel, A.IndexSel) and isinstance(t, A.FnType):
            return self.at_path(path[1:], value, t.codomain, env)
        if isinstance(sel, A.IndexSel) and isinstance(t, A.SeqType):
            return self.at_path(path[1:], value, t.elem, env)
        if isinstance(sel, A.FieldSel) and isinstance(t, A.RecordType):
            return self.at_path(path[1:], value, dict(t.fields)[sel.name], env)
        return None

    # ------------------------------------------------------------ expressions
    def shown(self, e: A.Expr, t: A.TypeExpr, env: _Env) -> Obligations | None:
        """Obligations under which e's value is in t (every state before the step in type);
        None if that is not shown."""
        if self.universal(t):
            return []
        static = self.type_of(e, env)
        if static is not None and self.sub(static, t):
            return []
        if static is not None and self._constant_set(static):
            return [(self.resolve(static).expr, A.SetType(e.span, t))]  # Ballots within -1..max(Ballots)?
        if self.constant(e):
            return [(e, t)]
        rt = self.resolve(t)
        if isinstance(rt, A.UnionType):
            for alt in rt.alts:
                found = self.shown(e, alt, env)
                if found is not None:
                    return found
            return None
        return self._shown_by_form(e, rt, env)

    def _shown_by_form(self, e: A.Expr, t: A.TypeExpr, env: _Env) -> Obligations | None:
        if isinstance(e, A.Ite):
            return _all([lambda: self.shown(e.then, t, env), lambda: self.shown(e.orelse, t, env)])
        if isinstance(e, A.Let):
            inner = env
            for binding in e.bindings:
                inner = inner.with_expr(self.c.binder_names[id(binding)], binding[1], inner)
            return self.shown(e.body, t, inner)
        if isinstance(e, A.Name):
            ref = self.c.refs.get(id(e))
            if ref is not None and ref.kind == "bound" and ref.name in env.exprs:
                inner, inner_env = env.exprs[ref.name]
                return self.shown(inner, t, inner_env)
            if ref is not None and ref.kind == "def":
                return self._in_def(self.c.defs[ref.name], (), env, lambda body, env2: self.shown(body, t, env2))
            return None
        if isinstance(e, A.Call) and e.func in self.c.defs:
            return self._in_def(self.c.defs[e.func], e.args, env, lambda body, env2: self.shown(body, t, env2))
        if isinstance(e, A.Call):
            return self._shown_call(e, t, env)
        if isinstance(e, A.Binary):
            return self._shown_binary(e, t, env)
        if isinstance(e, A.Except) and isinstance(t, (A.FnType, A.SeqType, A.RecordType)):
            parts = [lambda: self.shown(e.base, t, env)]
            parts += [lambda u=u: self.at_path(list(u.path), u.value, t, env) for u in e.updates]
            return _all(parts)
        if isinstance(e, A.SetLit) and isinstance(t, A.SetType):
            return _all([lambda x=x: self.shown(x, t.elem, env) for x in e.elems])
        if isinstance(e, A.SetFilter) and isinstance(t, A.SetType):
            return self.shown(e.binder.domain, t, env)
        if isinstance(e, A.SetMap) and isinstance(t, A.SetType):
            inner = env
            for b in e.binders:
                inner = inner.with_type(self.c.binder_names[id(b)], self.elem_type(b.domain, inner))
            return self.shown(e.body, t.elem, inner)
        if isinstance(e, A.RecordLit) and isinstance(t, A.RecordType):
            types = dict(t.fields)
            if set(types) != {f for f, _ in e.fields}:
                return None
            return _all([lambda f=f, x=x: self.shown(x, types[f], env) for f, x in e.fields])
        if isinstance(e, A.TupleLit) and isinstance(t, A.TupleType) and len(e.elems) == len(t.elems):
            return _all([lambda x=x, et=et: self.shown(x, et, env) for x, et in zip(e.elems, t.elems)])
        if isinstance(e, A.MapCtor) and isinstance(t, A.FnType):
            py = self.c.binder_names[id(e.binder)]
            inner = env.with_type(py, self.elem_type(e.binder.domain, env))
            return _all([lambda: self.elements_in(e.binder.domain, t.domain, env),
                         lambda: self.shown(e.body, t.codomain, inner)])
        return None

    def _shown_call(self, e: A.Call, t: A.TypeExpr, env: _Env) -> Obligations | None:
        a = e.args
        if e.func == "put" and isinstance(t, A.FnType):
            return _all([lambda: self.shown(a[0], t, env), lambda: self.shown(a[1], t.domain, env),
                         lambda: self.shown(a[2], t.codomain, env)])
        if e.func == "append" and isinstance(t, A.SeqType) and t.max_len is None:
            return _all([lambda: self.shown(a[0], t, env), lambda: self.shown(a[1], t.elem, env)])
        if e.func in ("tail", "subseq") and isinstance(t, A.SeqType):
            return self.shown(a[0], t, env)  # never longer than its argument
        if e.func == "bag_add" and isinstance(t, A.BagType):
            return _all([lambda: self.shown(a[0], t, env), lambda: self.shown(a[1], t.elem, env)])
        if e.func == "bag_remove" and isinstance(t, A.BagType):
            return self.shown(a[0], t, env)
        if e.func in ("min", "max") and len(a) == 2:
            return _all([lambda: self.shown(a[0], t, env), lambda: self.shown(a[1], t, env)])
        return None

    def _shown_binary(self, e: A.Binary, t: A.TypeExpr, env: _Env) -> Obligations | None:
        if isinstance(t, A.SetType) and e.op == "+":
            return _all([lambda: self.shown(e.left, t, env), lambda: self.shown(e.right, t, env)])
        if isinstance(t, A.SetType) and e.op == "-":
            return self.shown(e.left, t, env)
        if isinstance(t, A.SetType) and e.op == "&":
            return self.shown(e.left, t, env) or self.shown(e.right, t, env)
        if self._is_nat(t) and e.op in ("+", "*"):
            return _all([lambda: self.shown(e.left, t, env), lambda: self.shown(e.right, t, env)])
        return None

    def _in_def(self, info, args, env: _Env, then) -> Obligations | None:
        """Follow a call into the operator's body, its parameters standing for the arguments."""
        if self.depth >= self.MAX_INLINE or info.param_kinds is None:
            return None
        inner = _Env()
        for py, arg in zip(info.param_names, args):
            inner = inner.with_expr(py, arg, env)
        self.depth += 1
        try:
            return then(info.decl.body, inner)
        finally:
            self.depth -= 1

    def elements_in(self, s: A.Expr, elem: A.TypeExpr, env: _Env) -> Obligations | None:
        """Every element of the set s is in elem."""
        if self.universal(elem):
            return []
        inner = self.elem_type(s, env)
        if inner is not None and self.sub(inner, elem):
            return []
        if self.constant(s):
            return [(s, A.SetType(s.span, elem))]
        return None

    def _constant_set(self, t: A.TypeExpr) -> bool:
        """A type written as a constant set expression (Ballots, 0..N): its elements can be
        compared with another type when the module is loaded."""
        t = self.resolve(t)
        return (isinstance(t, A.SetOfValues) and isinstance(self.c.kinds.get(id(t.expr)), SetK)
                and self.constant(t.expr))

    # ------------------------------------------------------------ static types
    def type_of(self, e: A.Expr, env: _Env) -> A.TypeExpr | None:
        """A declared type every value of e has (states before the step being in type)."""
        if isinstance(e, A.Call) and e.func in ("len", "size", "bag_count", "bag_sum") and e.func not in self.c.defs:
            return _nat(e.span)
        if isinstance(e, A.Call) and e.func in ("min", "max") and len(e.args) == 1 and e.func not in self.c.defs:
            return self.elem_type(e.args[0], env)
        if isinstance(e, A.Name):
            ref = self.c.refs.get(id(e))
            if ref is None:
                return None
            if ref.kind == "var":
                return self.var_types[ref.name]
            if ref.kind == "bound":
                if ref.name in env.types:
                    return env.types[ref.name]
                if ref.name in env.exprs:
                    inner, inner_env = env.exprs[ref.name]
                    return self.type_of(inner, inner_env)
                return None
            if ref.kind == "def":
                return self._in_def(self.c.defs[ref.name], (), env, self.type_of)
            return None
        if isinstance(e, A.Call) and e.func in self.c.defs:
            return self._in_def(self.c.defs[e.func], e.args, env, self.type_of)
        if isinstance(e, A.Index):
            base = self.resolve_or_none(self.type_of(e.base, env))
            if isinstance(base, A.FnType):
                return base.codomain
            if isinstance(base, A.SeqType):
                return base.elem
            if isinstance(base, A.TupleType) and isinstance(e.key, A.IntLit) and 1 <= e.key.value <= len(base.elems):
                return base.elems[e.key.value - 1]
            return None
        if isinstance(e, A.Field):
            return self.field_type(self.type_of(e.base, env), e.name)
        if isinstance(e, A.Ite):
            then, orelse = self.type_of(e.then, env), self.type_of(e.orelse, env)
            return then if then is not None and orelse is not None and self.sub(orelse, then) else None
        return None

    def elem_type(self, s: A.Expr, env: _Env) -> A.TypeExpr | None:
        """A type of every element of the set s (a binder's domain)."""
        if isinstance(s, A.Call) and s.func == "domain" and s.func not in self.c.defs:
            f = self.resolve_or_none(self.type_of(s.args[0], env))
            if isinstance(f, A.FnType):
                return f.domain
            return f.elem if isinstance(f, A.BagType) else None
        if isinstance(s, A.Name) and self.c.refs.get(id(s)) is not None and self.c.refs[id(s)].name in env.exprs:
            inner, inner_env = env.exprs[self.c.refs[id(s)].name]
            return self.elem_type(inner, inner_env)
        if isinstance(s, A.SetFilter):
            return self.elem_type(s.binder.domain, env)
        if isinstance(s, A.Binary) and s.op == ".." and not self.constant(s):
            lo = _literal_int(s.left)
            return _nat(s.span) if lo is not None and lo >= 0 else None
        st = self.resolve_or_none(self.type_of(s, env))
        if isinstance(st, A.SetType):
            return st.elem
        if self.constant(s) and isinstance(self.c.kinds.get(id(s)), SetK):
            return A.SetOfValues(s.span, s)  # the type "an element of this constant set"
        return None

    def field_type(self, t: A.TypeExpr | None, name: str) -> A.TypeExpr | None:
        alts = self.alternatives(t) if t is not None else []
        found = [dict(a.fields)[name] for a in alts if isinstance(a, A.RecordType) and name in dict(a.fields)]
        if not found or any(not isinstance(a, A.RecordType) for a in alts):
            return None
        return found[0] if all(self.sub(f, found[0]) for f in found) else A.UnionType(t.span, tuple(found))

    def alternatives(self, t: A.TypeExpr) -> list[A.TypeExpr]:
        t = self.resolve(t)
        if isinstance(t, A.UnionType):
            return [x for a in t.alts for x in self.alternatives(a)]
        return [t]

    def resolve(self, t: A.TypeExpr) -> A.TypeExpr:
        while isinstance(t, A.SetOfValues) and isinstance(t.expr, A.Name) and t.expr.id in self.c.types:
            t = self.c.types[t.expr.id]
        return t

    def resolve_or_none(self, t: A.TypeExpr | None) -> A.TypeExpr | None:
        return None if t is None else self.resolve(t)

    def universal(self, t: A.TypeExpr) -> bool:
        """Every value of the type's kind is in it: nothing to check."""
        t = self.resolve(t)
        if isinstance(t, A.SetOfValues):
            return isinstance(t.expr, A.Name) and t.expr.id in _UNIVERSAL and self._builtin(t.expr)
        if isinstance(t, (A.SetType, A.BagType)):
            return self.universal(t.elem)
        if isinstance(t, A.SeqType):
            return t.max_len is None and self.universal(t.elem)
        if isinstance(t, A.TupleType):
            return all(self.universal(x) for x in t.elems)
        if isinstance(t, A.FnType):
            return self.universal(t.domain) and self.universal(t.codomain)
        return False

    def _builtin(self, name: A.Name) -> bool:
        ref = self.c.refs.get(id(name))
        return ref is None or ref.kind == "builtin"

    def _is_nat(self, t: A.TypeExpr) -> bool:
        t = self.resolve(t)
        return (isinstance(t, A.SetOfValues) and isinstance(t.expr, A.Name) and t.expr.id == "Nat"
                and self._builtin(t.expr))

    def sub(self, a: A.TypeExpr, b: A.TypeExpr) -> bool:
        """Every value of type a is of type b (conservatively: False when unsure)."""
        a, b = self.resolve(a), self.resolve(b)
        if self.universal(b) or self._key(a) == self._key(b):
            return True
        if isinstance(a, A.UnionType):
            return all(self.sub(x, b) for x in a.alts)
        if isinstance(b, A.UnionType):
            return any(self.sub(a, x) for x in b.alts)
        if isinstance(a, A.SetOfValues) and isinstance(b, A.SetOfValues):
            return self._int_sub(a.expr, b.expr)
        if type(a) is not type(b):
            return False
        if isinstance(a, (A.SetType, A.BagType)):
            return self.sub(a.elem, b.elem)
        if isinstance(a, A.SeqType):
            return self.sub(a.elem, b.elem) and (b.max_len is None or (
                a.max_len is not None and self._int_le(a.max_len, b.max_len)))
        if isinstance(a, A.FnType):  # keys: a map's keys are a subset of its declared domain
            return self.sub(a.domain, b.domain) and self.sub(a.codomain, b.codomain)
        if isinstance(a, A.RecordType):
            fa, fb = dict(a.fields), dict(b.fields)
            return set(fa) == set(fb) and all(self.sub(fa[f], fb[f]) for f in fa)
        if isinstance(a, A.TupleType):
            return len(a.elems) == len(b.elems) and all(self.sub(x, y) for x, y in zip(a.elems, b.elems))
        return False

    def _int_sub(self, a: A.Expr, b: A.Expr) -> bool:
        """Sets of ints: Nat within Nat; lo..hi within Nat or within lo'..hi'."""
        nat_b = isinstance(b, A.Name) and b.id == "Nat" and self._builtin(b)
        if not (isinstance(a, A.Binary) and a.op == ".."):
            return False
        if nat_b:
            return self._int_le_value(0, a.left)
        return (isinstance(b, A.Binary) and b.op == ".." and self._int_le(b.left, a.left)
                and self._int_le(a.right, b.right))

    def _int_le(self, x: A.Expr, y: A.Expr) -> bool:
        if self._key(x) == self._key(y):
            return True
        vx, vy = _literal_int(x), _literal_int(y)
        return vx is not None and vy is not None and vx <= vy

    def _int_le_value(self, n: int, y: A.Expr) -> bool:
        vy = _literal_int(y)
        return vy is not None and n <= vy

    def _key(self, node: Any) -> Any:
        """Structure without source positions; names by what they denote."""
        if isinstance(node, A.Name):
            ref = self.c.refs.get(id(node))
            return ("Name", "builtin", node.id) if ref is None else ("Name", ref.kind, ref.name)
        if isinstance(node, tuple):
            return tuple(self._key(x) for x in node)
        if isinstance(node, (A.Expr, A.TypeExpr, A.Binder, A.Update, A.IndexSel, A.FieldSel)):
            return (type(node).__name__,) + tuple(self._key(getattr(node, f.name)) for f in fields(node)
                                                   if f.name != "span")
        return node


def _nat(span) -> A.TypeExpr:
    return A.SetOfValues(span, A.Name(span, "Nat"))


def _literal_int(e: A.Expr) -> int | None:
    if isinstance(e, A.IntLit):
        return e.value
    if isinstance(e, A.Unary) and e.op == "-" and isinstance(e.operand, A.IntLit):
        return -e.operand.value
    return None


def _all(parts: list[Callable[[], Obligations | None]]) -> Obligations | None:
    """The obligations of every part, or None as soon as one is not shown."""
    out: Obligations = []
    for part in parts:
        found = part()
        if found is None:
            return None
        out += found
    return out


# ---------------------------------------------------------------- where a value leaves its type

@dataclass(frozen=True)
class Misfit:
    """The innermost part of a value found outside its type: the steps to it from the
    variable ([key], .field, [index], or an element), the part, its kind and the type."""
    steps: tuple[tuple[str, Any, Kind | None], ...]
    value: Any
    kind: Kind
    type: A.TypeExpr
    reason: str = ""  # e.g. "longer than 3"


def locate(guard: TypeGuard, in_type: Callable[[A.TypeExpr, Any], bool], t: A.TypeExpr, value: Any,
           kind: Kind, steps: tuple = (), layouts: tuple = ()) -> Misfit:
    """Descend into a value outside type t as far as a part is outside its part of t;
    in_type(t, v) is the compiled membership test."""
    r = guard.resolve(t)
    here = Misfit(steps, value, kind, t)
    if isinstance(r, (A.SetType, A.BagType)) and isinstance(kind, (SetK, FnK)):
        elems, ek = (value, kind.elem) if isinstance(kind, SetK) else (value[0], kind.dom)
        for x in elems:
            if not in_type(r.elem, x):
                return locate(guard, in_type, r.elem, x, ek, steps + (("element", x, ek),), layouts)
        return here
    if isinstance(r, A.SeqType) and isinstance(kind, SeqK):
        for i, x in enumerate(value, 1):
            if not in_type(r.elem, x):
                return locate(guard, in_type, r.elem, x, kind.elem, steps + (("index", i, None),), layouts)
        return Misfit(steps, value, kind, t, f"length {len(value)}")
    if isinstance(r, A.TupleType) and isinstance(kind, TupleK):
        for i, (x, et, ek) in enumerate(zip(value, r.elems, kind.elems), 1):
            if not in_type(et, x):
                return locate(guard, in_type, et, x, ek, steps + (("index", i, None),), layouts)
        return here
    if isinstance(r, A.FnType) and isinstance(kind, FnK):
        for k, x in zip(*value):
            if not in_type(r.domain, k):
                return Misfit(steps + (("key", k, kind.dom),), k, kind.dom, r.domain, "a key outside the domain")
            if not in_type(r.codomain, x):
                return locate(guard, in_type, r.codomain, x, kind.cod, steps + (("key", k, kind.dom),), layouts)
        return here
    if isinstance(kind, (RecK, UnionK)):
        names = layouts[value[0]]
        same_layout = [a for a in guard.alternatives(r) if isinstance(a, A.RecordType)
                       and tuple(sorted(f for f, _ in a.fields)) == names]
        if len(same_layout) == 1:
            types = dict(same_layout[0].fields)
            for i, f in enumerate(names):
                if not in_type(types[f], value[i + 1]):
                    fk = record_field(kind, f) if isinstance(kind, RecK) else kind.variant(names).fields[i][1]
                    return locate(guard, in_type, types[f], value[i + 1], fk, steps + (("field", f, None),), layouts)
    return here
