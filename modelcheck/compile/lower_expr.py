"""Expressions (and type membership tests) lowered to Python expression text.

`ExprLowering.ex(e, ctx)` returns the code of expression e. What the code depends on is in
the explicit `Ctx` passed down (parameters being inlined, quantifier copies, the action's
per-state prologue); what the code names is recorded in the `ModuleTables` the emitter
writes out (strings, record layouts, field tables, hoisted constants). The optimisations
(optimise.py) are tried where they apply and only when their pass is switched on.
Runtime values are described in values.py.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Mapping

from ..lang import ast as A
from ..lang.kinds import MAY_BE_SYMBOL, Kind, MixK, RecK, SeqK, SetK, TupleK, contains, record_field
from ..lang.typecheck import Ref
from ..values import symbol
from . import optimise
from .analysis import Analysis, operands

@dataclass(frozen=True)
class Ctx:
    """Where an expression is being lowered."""
    hoist: bool = True              # constant subexpressions may become K_ names
    # parameter -> argument code, in an inlined body (or its value, in an unrolled copy)
    subst: Mapping[str, str] = field(default_factory=dict)
    copies: int = 1                 # copies written out by enclosing unrolled quantifiers
    # id(f[k] node) -> the name of f's value at k, in a loop over f's values
    values_of: Mapping[int, str] = field(default_factory=dict)
    prologue: dict[str, str] | None = None   # an action's code computed once per state -> its S_ name


class ModuleTables:
    """The names the generated code refers to, collected while lowering and written out by
    the emitter: strings (after the model values) as symbol ids, record layouts (sorted
    field names) as tags, field tables of union records, hoisted constant subexpressions,
    and the argument-name tuples of yielded steps."""

    def __init__(self, symbols: tuple[str, ...], n_models: int,
                 layouts: tuple[tuple[str, ...], ...] = ()):
        self.symbols = list(symbols)
        self.string_ids = {s: i for i, s in enumerate(symbols[n_models:], n_models)}
        self.layouts = {names: tag for tag, names in enumerate(layouts)}
        self.field_tables: set[str] = set()
        self.hoisted: dict[str, str] = {}   # code -> K_ name
        self.yield_names: dict[tuple[str, ...], str] = {}

    def string_id(self, s: str) -> int:
        if s not in self.string_ids:
            self.string_ids[s] = len(self.symbols)
            self.symbols.append(s)
        return self.string_ids[s]

    def layout(self, names: tuple[str, ...]) -> int:
        if names not in self.layouts:
            self.layouts[names] = len(self.layouts)
        return self.layouts[names]

    def layout_tuple(self) -> tuple[tuple[str, ...], ...]:
        return tuple(sorted(self.layouts, key=self.layouts.__getitem__))

    def field(self, name: str) -> str:
        """The name of the table of field `name`'s position per layout."""
        self.field_tables.add(name)
        return f"FIELD_{name}"

    def hoist(self, code: str) -> str:
        if code not in self.hoisted:
            self.hoisted[code] = f"K_{len(self.hoisted)}"
        return self.hoisted[code]

    def yield_name(self, names: tuple[str, ...]) -> str:
        if names not in self.yield_names:
            self.yield_names[names] = f"ARGS_{len(self.yield_names)}"
        return self.yield_names[names]


class ExprLowering:
    """`passes`: the optimisations switched on (optimise.PASSES). `no_hoist`: code of
    constant subexpressions, and G_ names of constant operators, whose value could not be
    computed at load; they are evaluated where they are used instead (build.py finds them)."""

    def __init__(self, analysis: Analysis, tables: ModuleTables, passes: frozenset[str],
                 no_hoist: frozenset[str] = frozenset()):
        self.an = analysis
        self.c = analysis.checked
        self.tables = tables
        self.passes = passes
        self.no_hoist = no_hoist

    def ex(self, e: A.Expr, ctx: Ctx) -> str:
        if ctx.hoist and "hoist" in self.passes and self.an.hoistable(e):
            return self.hoist(self._ex(e, replace(ctx, hoist=False)))
        return self._ex(e, ctx)

    def hoist(self, code: str) -> str:
        """The name of a module-level constant holding the value of constant code."""
        if code in self.no_hoist:
            return f"({code})"
        return self.tables.hoist(code)

    def constant_operator(self, name: str) -> bool:
        """Whether constant operator `name` is computed at load as G_name."""
        return "hoist" in self.passes and f"G_{name}" not in self.no_hoist

    def _ex(self, e: A.Expr, ctx: Ctx) -> str:
        return getattr(self, "_x_" + type(e).__name__)(e, ctx)

    def kind(self, e: A.Expr) -> Kind:
        return self.c.kinds[id(e)]

    def memoized(self, name: str) -> bool:
        """Whether parameterless operator `name` over the state keeps its value per state."""
        return "memo" in self.passes and name in self.an.memo_plans

    @staticmethod
    def cached_read(name: str) -> str:
        """The value of a parameterless operator over the state, computed once per state."""
        return f"(_cache_{name}[1] if _cache_{name}[0] is st else D_{name}(st))"

    def _x_IntLit(self, e, ctx):
        return repr(e.value)

    def _x_BoolLit(self, e, ctx):
        return repr(e.value)

    def _x_StrLit(self, e, ctx):
        return repr(symbol(self.tables.string_id(e.value), self.c.mixes_ints_and_symbols))

    def _x_Name(self, e: A.Name, ctx):
        ref: Ref = self.c.refs[id(e)]
        if ref.kind == "bound":
            return ctx.subst.get(ref.name, ref.name)
        if ref.kind == "var":
            return f"V_{ref.name}"
        if ref.kind == "const":
            return f"C_{ref.name}"
        if ref.kind == "model":
            return repr(self.an.model_symbol(ref.name))
        if ref.kind == "def":
            info = self.c.defs[ref.name]
            if info.state_dependent:
                # the per-state cache read in place: quantifiers read it thousands of times
                return self.cached_read(ref.name) if self.memoized(ref.name) else f"D_{ref.name}(st)"
            if not self.constant_operator(ref.name):
                return f"D_{ref.name}(st)"
            return f"G_{ref.name}"
        if ref.name == "bool":
            return "frozenset((False, True))"
        raise AssertionError(f"cannot evaluate {ref.name}")

    def _x_Call(self, e: A.Call, ctx):
        args = [self.ex(a, ctx) for a in e.args]
        if e.func in self.c.defs:
            target = self.c.target(e)
            info = self.c.defs[target]
            if self._inlinable(info, args):
                # the operator's body with its parameters replaced by the argument code
                return f"({self.ex(info.decl.body, replace(ctx, subst=dict(zip(info.param_names, args))))})"
            return f"D_{target}(st{''.join(', ' + a for a in args)})"
        return getattr(self, "_call_" + e.func)(e, args)

    def _inlinable(self, info, args: list[str]) -> bool:
        """Inline a call unless that would evaluate a non-trivial argument more than once, or
        the operator is recursive (its body would be inlined without end)."""
        if "inline" not in self.passes or info.recursive:
            return False
        uses = self.an.param_uses[info.param_names]
        return all(optimise.simple(a) or uses.get(p, (0, False)) in ((0, False), (1, False))
                   for p, a in zip(info.param_names, args))

    def _call_size(self, e, a):
        return f"len({a[0]})"

    def _call_subsets(self, e, a):
        return f"powerset({a[0]})"

    def _call_union(self, e, a):
        return f"EMPTY.union(*{a[0]})"

    def _call_min(self, e, a):
        return f"set_min({a[0]})" if len(a) == 1 else f"min({a[0]}, {a[1]})"

    def _call_max(self, e, a):
        return f"set_max({a[0]})" if len(a) == 1 else f"max({a[0]}, {a[1]})"

    def _call_domain(self, e, a):
        if isinstance(self.kind(e.args[0]), (SeqK, TupleK)):
            return f"frozenset(range(1, len({a[0]}) + 1))"
        return f"map_domain({a[0]})"

    def _call_range(self, e, a):
        if isinstance(self.kind(e.args[0]), (SeqK, TupleK)):
            return f"frozenset({a[0]})"
        return f"frozenset({a[0]}[1])"

    def _call_put(self, e, a):
        return f"map_put({a[0]}, {a[1]}, {a[2]}, {needs_canon(self.kind(e).dom)})"

    def _call_len(self, e, a):
        return f"len({a[0]})"

    def _call_append(self, e, a):
        return f"({a[0]} + ({a[1]},))"

    def _call_head(self, e, a):
        return f"head({a[0]})"

    def _call_tail(self, e, a):
        return f"tail({a[0]})"

    def _call_subseq(self, e, a):
        # indices clamped to 1..len(s); max(j, 0): a negative j must not count from the end
        return f"(lambda s, i, j: s[max(i, 1) - 1:max(j, 0)] if i <= j else ())({a[0]}, {a[1]}, {a[2]})"

    def _call_bag_add(self, e, a):
        return f"bag_add({a[0]}, {a[1]}, {needs_canon(self.kind(e.args[1]))})"

    def _call_bag_remove(self, e, a):
        return f"bag_remove({a[0]}, {a[1]})"

    def _call_bag_count(self, e, a):
        return f"bag_count({a[0]}, {a[1]})"

    def _call_bag_sum(self, e, a):
        return f"sum({a[0]}[1])"

    def _x_Unary(self, e: A.Unary, ctx):
        if e.op == "not":
            return f"(not {self.ex(e.operand, ctx)})"
        return f"(-{self._int_ex(e.operand, ctx)})"

    _SIMPLE = {"and": "and", "or": "or", "==": "==", "!=": "!=", "<": "<", "<=": "<=", ">": ">",
               ">=": ">=", "*": "*", "subseteq": "<=", "++": "+"}

    def _x_Binary(self, e: A.Binary, ctx):
        op = e.op
        if op in ("in", "not in"):
            code = self._member(e.left, e.right, ctx)
            return code if op == "in" else f"(not {code})"
        if op in ("==", "!="):
            left, right = self.ex(e.left, ctx), self.ex(e.right, ctx)
        else:  # the other operators that take scalars take ints
            left, right = self._int_ex(e.left, ctx), self._int_ex(e.right, ctx)
        if op == "=>":
            return f"((not {left}) or {right})"
        if op == "<=>":
            return f"({left} == {right})"
        if op == "..":
            return f"int_range({left}, {right})"  # bounded: frozenset(range(...)) cannot be interrupted
        is_set = isinstance(self.kind(e), SetK)
        if op == "+" and is_set and isinstance(e.right, A.SetLit) and len(e.right.elems) == 1:
            return f"set_add({left}, {self.ex(e.right.elems[0], ctx)})"  # msgs + {m}: no copy if m is in
        if op == "+":
            return f"({left} | {right})" if is_set else f"({left} + {right})"
        if op == "-":
            return f"({left} - {right})"
        if op == "&":
            return f"({left} & {right})"
        if op == "/":
            return f"int_div({left}, {right})"
        if op == "%":
            return f"int_mod({left}, {right})"
        if op == "*":
            return f"int_mul({left}, {right})"  # bounded: x := x * x would grow without end
        return f"({left} {self._SIMPLE[op]} {right})"

    def _int_ex(self, e: A.Expr, ctx: Ctx) -> str:
        """Code for an expression used as an int: tested to be one if its type mixes ints
        with strings or model values (values.as_int)."""
        code = self.ex(e, ctx)
        return f"as_int({code})" if isinstance(self.kind(e), MixK) else code

    def _member(self, x: A.Expr, s: A.Expr, ctx: Ctx) -> str:
        xs = self.ex(x, ctx)
        # x may be a string or model value (a float), in no set of ints
        mixed = self.c.mixes_ints_and_symbols and isinstance(self.kind(x), MAY_BE_SYMBOL)
        if isinstance(s, A.Binary) and s.op == "..":
            return self._member_code(xs, s, ctx, mixed)
        if isinstance(s, A.Name) and self.c.refs[id(s)].kind == "builtin":
            if mixed:
                return {"Nat": f"mixed_in_nat({xs})", "Int": f"({xs}.__class__ is not float)"}[s.id]
            return {"Nat": f"({xs} >= 0)", "Int": "True", "bool": "True"}[s.id]
        if isinstance(s, A.Call) and s.func == "subsets" and s.func not in self.c.defs:
            return f"({xs} <= {self.ex(s.args[0], ctx)})"
        if isinstance(s, A.FnSet):  # no need to build the set
            return f"in_fn_set({xs}, {self._fn_keys(s, ctx)}, {self.ex(s.codomain, ctx)})"
        return f"({xs} in {self.ex(s, ctx)})"

    def _x_Is(self, e: A.Is, ctx):
        return f"(lambda x: {self.type_pred(e.type, 'x', 0, ctx)})({self.ex(e.value, ctx)})"

    def type_pred(self, t: A.TypeExpr, x: str, depth: int, ctx: Ctx, partial: bool = False,
                  alternative: bool = False) -> str:
        """Code testing whether the value named x belongs to type t (no enumeration).
        `partial`: a map of type A -> B may lack keys of A (declared types of variables:
        specs build maps key by key); `x is A -> B` wants every key. `alternative`: t is an
        alternative of a union whose values may be ints, strings or model values (floats)."""
        y = f"y{depth}"
        if isinstance(t, A.SetOfValues):
            e = t.expr
            if isinstance(e, A.Name) and e.id in self.c.types:
                return self.type_pred(self.c.types[e.id], x, depth, ctx, partial, alternative)
            if alternative and isinstance(e, A.Name) and e.id in ("int", "Int", "string", "Nat"):
                is_int = f"({x}.__class__ is not float)"
                return {"int": is_int, "Int": is_int, "string": f"({x}.__class__ is float)",
                        "Nat": f"mixed_in_nat({x})"}[e.id]
            if isinstance(e, A.Name) and e.id in ("int", "Int", "string"):
                return "True"
            if isinstance(e, A.Name) and e.id == "Nat":
                return f"({x} >= 0)"
            if isinstance(self.c.kinds.get(id(e)), SetK):
                return self._member_code(x, e, ctx, alternative)
            return f"({x} == {self.ex(e, ctx)})"
        if isinstance(t, A.SetType):
            return f"all({self.type_pred(t.elem, y, depth + 1, ctx, partial)} for {y} in {x})"
        if isinstance(t, A.SeqType):
            bound = f"len({x}) <= {self.ex(t.max_len, ctx)} and " if t.max_len is not None else ""
            return f"({bound}all({self.type_pred(t.elem, y, depth + 1, ctx, partial)} for {y} in {x}))"
        if isinstance(t, A.BagType):
            return (f"(all({self.type_pred(t.elem, y, depth + 1, ctx, partial)} for {y} in {x}[0]) "
                    f"and all({y} > 0 for {y} in {x}[1]))")
        if isinstance(t, A.TupleType):
            parts = [f"len({x}) == {len(t.elems)}"] + [
                self.type_pred(et, f"{x}[{i}]", depth + 1, ctx, partial) for i, et in enumerate(t.elems)]
            return "(" + " and ".join(parts) + ")"
        if isinstance(t, A.RecordType):
            names = tuple(sorted(f for f, _ in t.fields))
            types = dict(t.fields)
            parts = [f"{x}[0] == {self.tables.layout(names)}"] + [
                self.type_pred(types[f], f"{x}[{i + 1}]", depth + 1, ctx, partial) for i, f in enumerate(names)]
            return "(" + " and ".join(parts) + ")"
        if isinstance(t, A.UnionType):
            mixed = self.c.mixes_ints_and_symbols
            return "(" + " or ".join(self.type_pred(a, x, depth, ctx, partial, mixed) for a in t.alts) + ")"
        if isinstance(t, A.FnType):
            dom = t.domain
            cod = f"all({self.type_pred(t.codomain, y, depth + 1, ctx, partial)} for {y} in {x}[1])"
            infinite = isinstance(dom, A.SetOfValues) and isinstance(dom.expr, A.Name) and dom.expr.id in ("Nat", "Int")
            if isinstance(dom, A.SetOfValues) and isinstance(self.c.kinds.get(id(dom.expr)), SetK) and not infinite:
                if partial:
                    return f"({self.ex(dom.expr, ctx)}.issuperset({x}[0]) and {cod})"
                return f"(frozenset({x}[0]) == {self.ex(dom.expr, ctx)} and {cod})"
            return f"(all({self.type_pred(dom, y, depth + 1, ctx, partial)} for {y} in {x}[0]) and {cod})"
        raise AssertionError(f"unknown type {t!r}")

    def _member_code(self, x: str, s: A.Expr, ctx: Ctx, mixed: bool = False) -> str:
        """Code for x in s; `mixed`: x may be a string or model value, outside any lo..hi."""
        if isinstance(s, A.Binary) and s.op == "..":
            lo, hi = self.ex(s.left, ctx), self.ex(s.right, ctx)
            if mixed:
                return f"mixed_in_range({x}, {lo}, {hi})"
            if optimise.simple(hi):
                return f"({lo} <= {x} <= {hi})"
            # a chained comparison would skip hi when x < lo, and hi may fail (N / 0)
            return f"in_range({x}, {lo}, {hi})"
        return f"({x} in {self.ex(s, ctx)})"

    def _x_Index(self, e: A.Index, ctx):
        if id(e) in ctx.values_of:
            return ctx.values_of[id(e)]
        bk = self.kind(e.base)
        base, key = self.ex(e.base, ctx), self.ex(e.key, ctx)
        if isinstance(bk, TupleK) and isinstance(e.key, A.IntLit):
            return f"{base}[{e.key.value - 1}]"
        if isinstance(bk, (SeqK, TupleK)):  # a tuple indexed by a computed int is a sequence
            return f"seq_at({base}, {self._int_ex(e.key, ctx)})"
        if base.isidentifier():  # inlined ap(): this is the hottest operation of most specs
            return f"{base}[1][{base}[0].index({key})]"
        return f"ap({base}, {key})"

    def _x_Field(self, e: A.Field, ctx):
        bk = self.kind(e.base)
        base = self.ex(e.base, ctx)
        if isinstance(bk, RecK):
            return f"{base}[{bk.names.index(e.name) + 1}]"
        table = self.tables.field(e.name)
        if base.isidentifier():
            return f"{base}[{table}[{base}[0]]]"
        return f"getf({base}, {table})"

    def _x_Except(self, e: A.Except, ctx):
        code = self.ex(e.base, ctx)
        k = self.kind(e.base)
        for u in e.updates:
            code = self.update(code, k, u.path, self.ex(u.value, ctx), ctx)
        return code

    def update(self, base: str, k: Kind, path, value: str, ctx: Ctx) -> str:
        """Code for `base` with the part at `path` replaced by `value`."""
        if not path:
            return value
        sel, more = path[0], path[1:]
        if isinstance(sel, A.IndexSel):
            key = self._int_ex(sel.key, ctx) if isinstance(k, SeqK) else self.ex(sel.key, ctx)
            get, put, sub = ("seq_at", "seq_set", k.elem) if isinstance(k, SeqK) else ("ap", "except_", k.cod)
            if not more:
                return f"{put}({base}, {key}, {value})"
            return f"(lambda f, k: {put}(f, k, {self.update(f'{get}(f, k)', sub, more, value, ctx)}))({base}, {key})"
        fk = record_field(k, sel.name)
        if isinstance(k, RecK):
            pos = k.names.index(sel.name) + 1
            inner = self.update(f"{base}[{pos}]", fk, more, value, ctx)
            return f"setf({base}, {pos}, {inner})"
        table = self.tables.field(sel.name)
        inner = self.update(f"getf(r, {table})", fk, more, value, ctx)
        return f"(lambda r: setf(r, {table}[r[0]], {inner}))({base})"

    def _x_SetLit(self, e: A.SetLit, ctx):
        if not e.elems:
            return "EMPTY"
        return f"frozenset(({''.join(self.ex(x, ctx) + ', ' for x in e.elems)}))"

    def _x_SetFilter(self, e: A.SetFilter, ctx):
        py = self.c.binder_names[id(e.binder)]
        domain, rest = self.selective(e.binder, e.cond, ctx)
        return f"frozenset({py} for {py} in {domain}{' if ' + rest if rest else ''})"

    def selective(self, b: A.Binder, cond: A.Expr | None, ctx: Ctx, implication: bool = False):
        """(code iterating b's domain, code of the rest of cond): with the index pass, only
        the elements whose field f equals a key when cond starts with `x.f == key` (or is
        `x.f == key => p` for a forall). The rest of the condition is None when nothing
        remains to test."""
        if cond is None:
            return self.domain(b.domain, ctx), None
        if "index" not in self.passes:
            return self.domain(b.domain, ctx), self.ex(cond, ctx)
        if implication:
            if not (isinstance(cond, A.Binary) and cond.op == "=>"):
                return self.domain(b.domain, ctx), self.ex(cond, ctx)
            conjuncts = operands(cond.left, "and")   # `x.f == key and g => p`: g => p on the index
        else:
            conjuncts = operands(cond, "and")
        lookup = optimise.index_lookup(self, b, conjuncts[0], ctx)
        if lookup is None:
            return self.domain(b.domain, ctx), self.ex(cond, ctx)
        rest = " and ".join(f"({self.ex(c, ctx)})" for c in conjuncts[1:]) or None
        if implication:
            rest = f"(not ({rest}) or ({self.ex(cond.right, ctx)}))" if rest else self.ex(cond.right, ctx)
        return lookup, rest

    def _comprehension(self, binders, ctx: Ctx) -> str:
        return " ".join(f"for {self.c.binder_names[id(b)]} in {self.domain(b.domain, ctx)}" for b in binders)

    def _x_SetMap(self, e: A.SetMap, ctx):
        if len(e.binders) == 1:
            py = self.c.binder_names[id(e.binders[0])]
            domain, rest = self.selective(e.binders[0], e.cond, ctx)
            return f"frozenset({self.ex(e.body, ctx)} for {py} in {domain}{' if ' + rest if rest else ''})"
        cond = f" if {self.ex(e.cond, ctx)}" if e.cond is not None else ""
        return f"frozenset({self.ex(e.body, ctx)} {self._comprehension(e.binders, ctx)}{cond})"

    def _x_RecordLit(self, e: A.RecordLit, ctx):
        fields = dict(e.fields)
        names = tuple(sorted(fields))
        return f"({self.tables.layout(names)}, {''.join(self.ex(fields[n], ctx) + ', ' for n in names)})"

    def _x_MapCtor(self, e: A.MapCtor, ctx):
        py = self.c.binder_names[id(e.binder)]
        dom = self.ex(e.binder.domain, ctx)
        keys = f"sort_keys({dom}, {needs_canon(self.kind(e).dom)})"
        return f"mk_map({keys}, lambda {py}: {self.ex(e.body, ctx)})"

    def _x_FnSet(self, e: A.FnSet, ctx):
        return f"fn_set({self._fn_keys(e, ctx)}, {self.ex(e.codomain, ctx)})"

    def _fn_keys(self, e: A.FnSet, ctx: Ctx) -> str:
        """The keys of every map in [S -> T]: S in the canonical order of map keys."""
        return f"sort_keys({self.ex(e.domain, ctx)}, {needs_canon(self.kind(e).elem.dom)})"

    def _x_SeqFilter(self, e: A.SeqFilter, ctx):
        py = self.c.binder_names[id(e.binder)]
        return f"tuple({py} for {py} in {self.ex(e.binder.domain, ctx)} if {self.ex(e.cond, ctx)})"

    def _x_TupleLit(self, e: A.TupleLit, ctx):
        return f"({''.join(self.ex(x, ctx) + ', ' for x in e.elems)})"

    def _x_Quant(self, e: A.Quant, ctx):
        if "unroll" in self.passes:
            unrolled = optimise.unrolled(self, e, ctx)
            if unrolled is not None:
                return unrolled
        fn = "all" if e.kind == "forall" else "any"
        if "over-values" in self.passes:
            over_values = optimise.over_values(self, e, fn, ctx)
            if over_values is not None:
                return over_values
        if len(e.binders) == 1:
            py = self.c.binder_names[id(e.binders[0])]
            domain, rest = self.selective(e.binders[0], e.body, ctx, implication=e.kind == "forall")
            return f"{fn}({rest or 'True'} for {py} in {domain})"
        nested = optimise.early_conjuncts(self, e, fn, ctx) if "early-conjuncts" in self.passes else None
        return nested or f"{fn}({self.ex(e.body, ctx)} {self._comprehension(e.binders, ctx)})"

    def _x_Choose(self, e: A.Choose, ctx):
        py = self.c.binder_names[id(e.binder)]
        return f"choose({py} for {py} in {self.domain(e.binder.domain, ctx)} if {self.ex(e.cond, ctx)})"

    def _x_Ite(self, e: A.Ite, ctx):
        return f"({self.ex(e.then, ctx)} if {self.ex(e.cond, ctx)} else {self.ex(e.orelse, ctx)})"

    def _x_Let(self, e: A.Let, ctx):
        return self._let(list(e.bindings), e.body, ctx)

    def _let(self, bindings: list, body: A.Expr, ctx: Ctx) -> str:
        """Bindings in order; each is evaluated only where needed: `let x = e in a and b`
        with x unused in a becomes `a and (let x = e in b)`, so a false `a` skips e."""
        if not bindings:
            return self.ex(body, ctx)
        names = {self.c.binder_names[id(b)] for b in bindings}
        if isinstance(body, A.Binary) and body.op in ("and", "or", "=>") and not self.an.uses(body.left, names):
            left = self.ex(body.left, ctx)
            right = self._let(bindings, body.right, ctx)
            return {"and": f"({left} and {right})", "or": f"({left} or {right})",
                    "=>": f"((not {left}) or {right})"}[body.op]
        first, rest = bindings[0], bindings[1:]
        return f"(lambda {self.c.binder_names[id(first)]}: {self._let(rest, body, ctx)})({self.ex(first[1], ctx)})"

    def domain(self, dom: A.Expr, ctx: Ctx) -> str:
        """Code for a set to iterate over: a range directly, a constant set in sorted order."""
        if isinstance(dom, A.Binary) and dom.op == "..":
            return f"range({self.ex(dom.left, ctx)}, {self.ex(dom.right, ctx)} + 1)"
        if ctx.hoist and self.an.constant(dom):
            code = f"sort_keys({self._ex(dom, replace(ctx, hoist=False))}, {needs_canon(self.kind(dom).elem)})"
            return self.hoist(code) if "hoist" in self.passes else f"({code})"
        return self.ex(dom, ctx)


def needs_canon(k: Kind) -> bool:
    return contains(k, SetK)
