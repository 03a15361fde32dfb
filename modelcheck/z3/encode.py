"""A checked spec -> Z3: expressions, init and actions over symbolic states.

The encoder is a partial evaluator (see symbolic.py): it walks the AST with an environment
of symbolic values and returns symbolic values, folding everything concrete. Operators are
inlined (memoized per state when their arguments are concrete), quantifiers over finite
sets are expanded, and a set is one Boolean per element of its finite universe.

Its semantics must agree with the compiled Python (compile/lower_expr.py); where the compiled
code raises an error (a map applied outside its domain, `choose` with no candidate), the
encoding yields some fixed value instead. Constructs it cannot encode raise EncodeError with the span of the
expression, which the caller reports as file:line:col (never a wrong answer).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations, product
from typing import Any, Iterator

from ..lang import ast as A
from ..lang.kinds import (MAY_BE_SYMBOL, AnyK, FnK, IntK, Kind, MixK, RecK, SeqK, SetK, TupleK, elem_kinds, join,
                          record_field)
from ..lang.typecheck import CheckedSpec
from ..values import MAX_RECURSION, canon, sort_keys, symbol
from .builtins import POWERSET_LIMIT, Builtins, expand
from .scalars import (AND, AND2, ARITH, AS_INT, CMP, EncodeError, IEQ, IFF, IMP, IS_INT, NEG, NOT, OR,
                      OR2, Unbounded, bounds, is_sym)
from .symbolic import (SFun, SSlots, alts, chain, default_value, distinct, entries, eq, fun_get,
                       fun_slots, items, member, merge, mk_fun, mk_rec, mk_seq, mk_set, mk_slots,
                       mk_tup, mk_union, rec_fields, rec_tag, seq_parts, set_layouts, set_op,
                       subset, tup_elems, variant)

INFINITE_TYPES = ("int", "Int", "Nat", "string")
UNFOLD_LIMIT = 24  # nested calls of a recursive operator on symbolic arguments


@dataclass
class Frame:
    """The state an expression reads: variable -> symbolic value, and per-state memo."""
    vars: dict[str, Any]
    memo: dict = field(default_factory=dict)


@dataclass
class Branch:
    """One path through init or an action: when it is taken, its arguments, the next state."""
    guard: Any
    args: tuple[tuple[str, Any, Kind], ...]   # (spec name, symbolic value, kind)
    assigned: dict[str, Any]


class NotInType(Exception):
    """A concrete value outside the finite domain a variable is encoded over."""


class Encoder(Builtins):
    def __init__(self, checked: CheckedSpec, symbols, layouts):
        self.c = checked
        self.symbols = list(symbols)
        self.layouts = list(layouts)
        self.activate()
        self.mixed = checked.mixes_ints_and_symbols  # symbols are floats (values.symbol)
        self.model_symbols = {n: symbol(i, self.mixed) for i, n in enumerate(checked.model_values)}
        self.const_memo: dict = {}
        self.recursion: dict[str, int] = {}  # recursive operator -> calls being unfolded
        self.consts: dict[str, Any] = {}
        self.var_kinds = dict(checked.var_kinds)
        self.var_names = tuple(v.name for v in checked.vars)
        for d in checked.consts:
            self.consts[d.name] = self.const_value(d.value)

    def activate(self) -> None:
        """Make this spec's record layouts the ones symbolic operations consult."""
        set_layouts(self.layouts)

    # ------------------------------------------------------------ tables
    def string_symbol(self, s: str) -> float:
        """A string literal's runtime value: its entry among the strings of the symbol table
        (a model value of the same name is another entry: "a1" is not a1)."""
        first = len(self.c.model_values)  # model values come first (codegen)
        if s not in self.symbols[first:]:
            self.symbols.append(s)
        return symbol(self.symbols.index(s, first), self.mixed)

    def layout(self, names: tuple[str, ...]) -> int:
        names = tuple(names)
        if names not in self.layouts:
            self.layouts.append(names)
        return self.layouts.index(names)

    def kind(self, e: A.Expr) -> Kind:
        return self.c.kinds[id(e)]

    def default(self, k: Kind):
        return default_value(k, self.layouts)

    def const_value(self, e: A.Expr):
        v = self.expr(e, {}, None)
        if is_sym(v):
            raise EncodeError("expected a constant", e.span)
        return v

    # ------------------------------------------------------------ expressions
    def expr(self, e: A.Expr, env: dict, fr: Frame | None):
        try:
            return getattr(self, "_x_" + type(e).__name__)(e, env, fr)
        except EncodeError as err:
            if err.span is None:
                err.span = e.span
            raise

    def _x_IntLit(self, e, env, fr):
        return e.value

    def _x_BoolLit(self, e, env, fr):
        return e.value

    def _x_StrLit(self, e, env, fr):
        return self.string_symbol(e.value)

    def _x_TypeOnly(self, e, env, fr):
        raise EncodeError("a type is written where a value is expected")

    def _x_Name(self, e: A.Name, env, fr):
        ref = self.c.refs[id(e)]
        if ref.kind == "bound":
            return env[ref.name]
        if ref.kind == "var":
            if fr is None:
                raise EncodeError(f"variable '{ref.name}' read where there is no state")
            return fr.vars[ref.name]
        if ref.kind == "const":
            return self.consts[ref.name]
        if ref.kind == "model":
            return self.model_symbols[ref.name]
        if ref.kind == "def":
            return self.call_def(ref.name, (), fr)
        if ref.name == "bool":
            return frozenset((False, True))
        raise EncodeError(f"cannot encode {ref.name}: it is an infinite set",
                          hint="quantify over a finite set such as 0..N")

    def call_def(self, name: str, args: tuple, fr: Frame | None):
        info = self.c.defs[name]
        state = info.state_dependent
        memo = fr.memo if (state and fr is not None) else self.const_memo
        key = None
        if not any(is_sym(a) for a in args):
            key = (name, args)
            if key in memo:
                return memo[key]
        env = dict(zip(info.param_names, args))
        if info.recursive:
            v = self._unfold(info, env, fr if state else None, key is None)
        else:
            v = self.expr(info.decl.body, env, fr if state else None)
        if key is not None:
            memo[key] = v
        return v

    def _unfold(self, info, env: dict, fr: Frame | None, symbolic: bool):
        """A recursive operator's body. On known arguments it folds to a value (the compiled
        code's depth bound applies); on symbolic ones both branches of each `if` unfold, so
        their depth is bounded here, and so is the encoder's own stack."""
        name = info.decl.name
        depth = self.recursion.get(name, 0)
        if (symbolic and depth >= UNFOLD_LIMIT) or depth >= MAX_RECURSION:
            raise EncodeError(f"cannot encode the recursive operator '{name}': its recursion unfolds past "
                              f"{depth} calls", hint="Z3 encodes a recursive operator whose recursion ends "
                              "on the values it is given (known values, or sequences of bounded length); "
                              "check this spec without Z3")
        self.recursion[name] = depth + 1
        try:
            return self.expr(info.decl.body, env, fr)
        except RecursionError:
            raise EncodeError(f"cannot encode the recursive operator '{name}': it recursed too deeply for "
                              "the encoder", hint="check this spec without Z3") from None
        finally:
            self.recursion[name] = depth

    def _x_Call(self, e: A.Call, env, fr):
        args = tuple(self.expr(a, env, fr) for a in e.args)
        if e.func in self.c.defs:
            return self.call_def(self.c.target(e), args, fr)
        fn = getattr(self, "_b_" + e.func, None)
        if fn is None:
            raise EncodeError(f"the Z3 encoding does not support '{e.func}'")
        return fn(e, args)

    def _x_Unary(self, e: A.Unary, env, fr):
        v = self.expr(e.operand, env, fr)
        return NOT(v) if e.op == "not" else NEG(self.as_int(v, e.operand))

    def as_int(self, v, e: A.Expr):
        """v, the value of e, used as an int (the compiled code's values.as_int)."""
        return AS_INT(v) if isinstance(self.kind(e), MixK) else v

    def _x_Binary(self, e: A.Binary, env, fr):
        op = e.op
        if op in ("and", "or", "=>"):
            left = self.expr(e.left, env, fr)
            if op == "and":
                return False if left is False else AND2(left, self.expr(e.right, env, fr))
            if op == "or":
                return True if left is True else OR2(left, self.expr(e.right, env, fr))
            return True if left is False else IMP(left, self.expr(e.right, env, fr))
        if op in ("in", "not in"):
            m = self.membership(e.left, e.right, env, fr)
            return m if op == "in" else NOT(m)
        lk, rk = self.kind(e.left), self.kind(e.right)
        left, right = self.expr(e.left, env, fr), self.expr(e.right, env, fr)
        if op == "<=>":
            return IFF(left, right)
        if op in ("==", "!="):
            r = eq(left, right, join(lk, rk))
            return r if op == "==" else NOT(r)
        is_set = isinstance(lk, SetK) or isinstance(rk, SetK)
        elem = join(lk, rk).elem if is_set else None
        if op == "subseteq" or (op in ("<", "<=") and is_set):
            sub = subset(left, right, elem)
            if op == "<":
                return AND2(sub, NOT(eq(left, right, join(lk, rk))))
            return sub
        left, right = self.as_int(left, e.left), self.as_int(right, e.right)  # the other operators take ints
        if op == "..":
            return self.int_range(left, right)
        if is_set and op in ("+", "-", "&"):
            return set_op(op, left, right, elem)
        if op == "++":
            return self.concat(left, right, self.kind(e))
        if op in ("<", "<=", ">", ">="):
            return CMP(op, left, right)
        if op in ("+", "-", "*", "/", "%"):
            return ARITH(op, left, right)
        raise EncodeError(f"the Z3 encoding does not support operator '{op}'")

    def membership(self, x_e: A.Expr, s_e: A.Expr, env, fr):
        x = self.expr(x_e, env, fr)
        if isinstance(s_e, A.Binary) and s_e.op == "..":
            lo, hi = self.expr(s_e.left, env, fr), self.expr(s_e.right, env, fr)
            return self.in_ints(x, self.kind(x_e), lambda n: AND2(CMP("<=", lo, n), CMP("<=", n, hi)))
        if isinstance(s_e, A.Name) and self.c.refs[id(s_e)].kind == "builtin":
            return self.in_ints(x, self.kind(x_e), lambda n: CMP(">=", n, 0) if s_e.id == "Nat" else True)
        if isinstance(s_e, A.Call) and s_e.func == "subsets" and s_e.func not in self.c.defs:
            return subset(x, self.expr(s_e.args[0], env, fr), self.kind(x_e).elem)
        s = self.expr(s_e, env, fr)
        sk = self.kind(s_e)
        return member(x, s, sk.elem if isinstance(sk, SetK) else self.kind(x_e))

    def in_ints(self, x, k: Kind, test):
        """x is an int and test(x) holds (x of kind k, which may be a string or model value)."""
        if self.mixed and isinstance(k, MAY_BE_SYMBOL):
            return AND2(IS_INT(x), test(AS_INT(x)))
        return test(x)

    def int_range(self, lo, hi):
        if isinstance(lo, int) and isinstance(hi, int):
            return frozenset(range(lo, hi + 1))
        least, greatest = bounds(lo)[0], bounds(hi)[1]
        if least is None or greatest is None:
            raise EncodeError("cannot encode a range whose bounds are unbounded integers",
                              hint="bound the range by a value of finite range, e.g. min(x, len(s))")
        return mk_set({i: AND2(CMP("<=", lo, i), CMP("<=", i, hi)) for i in range(least, greatest + 1)})

    def _x_Is(self, e: A.Is, env, fr):
        return self.in_type(self.expr(e.value, env, fr), e.type, self.kind(e.value))

    def _x_Index(self, e: A.Index, env, fr):
        bk = self.kind(e.base)
        base = self.expr(e.base, env, fr)
        if isinstance(bk, TupleK) and isinstance(e.key, A.IntLit):
            return tup_elems(base)[e.key.value - 1]
        key = self.expr(e.key, env, fr)
        if isinstance(bk, (TupleK, SeqK)):
            key = self.as_int(key, e.key)
        if isinstance(bk, TupleK):  # indexed by a computed int: a sequence of known length
            return self.seq_items_at(tup_elems(base), key, self.kind(e))
        if isinstance(bk, SeqK):
            return self.seq_at(base, key, bk)
        return self.apply(base, key, bk)

    def apply(self, f, key, k: FnK):
        if not is_sym(f) and not is_sym(key):
            try:
                return f[1][f[0].index(key)]
            except ValueError:
                return self.default(k.cod)
        if isinstance(f, SFun):
            has, x = fun_get(f, key, k)
            return self.default(k.cod) if has is False else x
        ents = entries(f)
        if not is_sym(key):
            for kk, _, x in ents:
                if kk == key:
                    return x
            return self.default(k.cod)
        cases = [(c, x) for kk, _, x in ents for c in (eq(key, kk, k.dom),) if c is not False]
        if not cases:
            return self.default(k.cod)
        return chain(cases[:-1], cases[-1][1], k.cod)

    def seq_at(self, s, i, k: SeqK):
        return self.seq_items_at(seq_parts(s)[1], i, k.elem)

    def seq_items_at(self, xs, i, elem: Kind):
        """The i-th of the items xs (from 1); out of range, the compiled code raises an error."""
        if isinstance(i, int):
            return xs[i - 1] if 1 <= i <= len(xs) else self.default(elem)
        cases = [(c, x) for j, x in enumerate(xs) for c in (IEQ(i, j + 1),) if c is not False]
        if not cases:
            return self.default(elem)
        return chain(cases[:-1], cases[-1][1], elem)

    def _x_Field(self, e: A.Field, env, fr):
        return self.field(self.expr(e.base, env, fr), e.name, self.kind(e.base), self.kind(e))

    def field(self, r, name: str, k: Kind, fk: Kind):
        cases = []
        for g, rec in alts(r):
            names = self.layouts[rec_tag(rec)]
            if name in names:
                cases.append((g, rec_fields(rec)[names.index(name)]))
        if not cases:
            return self.default(fk)
        return chain(cases[:-1], cases[-1][1], fk)

    def _x_Except(self, e: A.Except, env, fr):
        v = self.expr(e.base, env, fr)
        k = self.kind(e.base)
        for u in e.updates:
            path = self.eval_path(u.path, env, fr)
            v = self.update(v, k, path, self.expr(u.value, env, fr))
        return v

    def eval_path(self, path, env, fr) -> list:
        return [("key", self.expr(s.key, env, fr)) if isinstance(s, A.IndexSel) else ("field", s.name) for s in path]

    def update(self, base, k: Kind, path: list, value):
        """base with the part at path replaced by value."""
        if not path:
            return value
        (what, sel), more = path[0], path[1:]
        if what == "key":
            if isinstance(k, SeqK):
                n, xs = seq_parts(base)
                new = []
                for j, x in enumerate(xs):
                    c = IEQ(sel, j + 1)
                    new.append(x if c is False else merge(c, self.update(x, k.elem, more, value), x, k.elem))
                return mk_seq(n, new)
            out = []
            for p, kk, x in fun_slots(base):
                c = eq(sel, kk, k.dom)
                out.append((p, kk, x if c is False else merge(c, self.update(x, k.cod, more, value), x, k.cod)))
            return mk_fun(out, k)
        fk = record_field(k, sel)
        if isinstance(k, RecK):
            pos = k.names.index(sel)
            fields = list(rec_fields(base))
            fields[pos] = self.update(fields[pos], fk, more, value)
            return mk_rec(rec_tag(base), fields)
        out = []
        for g, rec in alts(base):
            names = self.layouts[rec_tag(rec)]
            if sel in names:
                vk = variant(k, names)
                pos = names.index(sel)
                fields = list(rec_fields(rec))
                fields[pos] = self.update(fields[pos], vk.fields[pos][1], more, value)
                rec = mk_rec(rec_tag(rec), fields)
            out.append((g, rec))
        return mk_union(out, k)

    def _x_SetLit(self, e: A.SetLit, env, fr):
        k = self.kind(e).elem
        return mk_slots(s for x_e in e.elems for s in expand(True, self.expr(x_e, env, fr), k))

    def binder_items(self, b: A.Binder, env, fr) -> list:
        return items(self.expr(b.domain, env, fr))

    def bind_all(self, binders, env, fr) -> Iterator[tuple[Any, dict]]:
        """(guard, env) for every combination of values of the binders, in order."""
        if not binders:
            yield True, env
            return
        b, rest = binders[0], binders[1:]
        py = self.c.binder_names[id(b)]
        for g, u in self.binder_items(b, env, fr):
            for g2, env2 in self.bind_all(rest, {**env, py: u}, fr):
                g3 = AND2(g, g2)
                if g3 is not False:
                    yield g3, env2

    def _x_SetFilter(self, e: A.SetFilter, env, fr):
        py = self.c.binder_names[id(e.binder)]
        return mk_slots((AND2(g, self.expr(e.cond, {**env, py: u}, fr)), u)
                        for g, u in self.binder_items(e.binder, env, fr))

    def _x_FnSet(self, e: A.FnSet, env, fr):
        """[S -> T] over a known S: one map per choice of a possible value of T for each key,
        present when the values chosen are in T."""
        dom = self.expr(e.domain, env, fr)
        if not isinstance(dom, frozenset):
            raise EncodeError("the Z3 encoding supports [S -> T] where S is known (a constant set)", e.domain.span)
        keys = sort_keys(dom, True)
        choices = items(self.expr(e.codomain, env, fr))
        if len(choices) ** len(keys) > 2 ** POWERSET_LIMIT:
            raise EncodeError(f"[S -> T] with {len(keys)} keys and {len(choices)} values is too large to encode")
        return mk_slots((AND(g for g, _ in combo), (keys, tuple(v for _, v in combo)))
                        for combo in product(choices, repeat=len(keys)))

    def _x_SeqFilter(self, e: A.SeqFilter, env, fr):
        """[x in s | p]: element i of s is kept when it is within s's length and p holds; the
        j-th kept element is the x_i kept with j - 1 kept before it."""
        elem = self.kind(e).elem
        n, xs = seq_parts(self.expr(e.binder.domain, env, fr))
        py = self.c.binder_names[id(e.binder)]
        keep = [AND2(CMP("<", i, n), self.expr(e.cond, {**env, py: x}, fr)) for i, x in enumerate(xs)]
        before, count = [], 0
        for k in keep:
            before.append(count)
            count = ARITH("+", count, merge(k, 1, 0, IntK()))
        out = []
        for j in range(len(xs)):
            cases = [(c, x) for i, x in enumerate(xs[j:], j)
                     for c in (AND2(keep[i], IEQ(before[i], j)),) if c is not False]
            out.append(chain(cases[:-1], cases[-1][1], elem) if cases else self.default(elem))
        return mk_seq(count, out)

    def _x_SetMap(self, e: A.SetMap, env, fr):
        k = self.kind(e).elem
        out: list = []
        for g, env2 in self.bind_all(e.binders, env, fr):
            if e.cond is not None:
                g = AND2(g, self.expr(e.cond, env2, fr))
                if g is False:
                    continue
            out += expand(g, self.expr(e.body, env2, fr), k)
        return mk_slots(out)

    def _x_RecordLit(self, e: A.RecordLit, env, fr):
        fields = dict(e.fields)
        names = tuple(sorted(fields))
        return mk_rec(self.layout(names), (self.expr(fields[n], env, fr) for n in names))

    def _x_MapCtor(self, e: A.MapCtor, env, fr):
        py = self.c.binder_names[id(e.binder)]
        k = self.kind(e)
        # slots may repeat an element; a map's keys must be distinct
        keys = distinct(self.binder_items(e.binder, env, fr), k.dom)
        return mk_fun([(g, u, self.expr(e.body, {**env, py: u}, fr)) for g, u in keys], k)

    def _x_TupleLit(self, e: A.TupleLit, env, fr):
        elems = [self.expr(x, env, fr) for x in e.elems]
        if isinstance(self.kind(e), SeqK):
            return mk_seq(len(elems), elems)
        return mk_tup(elems)

    def _x_Quant(self, e: A.Quant, env, fr):
        out = []
        if e.kind == "forall":
            for g, env2 in self.bind_all(e.binders, env, fr):
                c = IMP(g, self.expr(e.body, env2, fr))
                if c is False:
                    return False
                out.append(c)
            return AND(out)
        for g, env2 in self.bind_all(e.binders, env, fr):
            c = AND2(g, self.expr(e.body, env2, fr))
            if c is True:
                return True
            out.append(c)
        return OR(out)

    def _x_Choose(self, e: A.Choose, env, fr):
        py = self.c.binder_names[id(e.binder)]
        k = self.kind(e)
        if isinstance(self.expr(e.binder.domain, env, fr), SSlots):
            raise EncodeError("choose over a set without a finite universe is not supported "
                              "by the Z3 encoding (the compiled code picks the least element)")
        cases = []
        for g, u in self.binder_items(e.binder, env, fr):
            c = AND2(g, self.expr(e.cond, {**env, py: u}, fr))
            if c is True:
                cases.append((True, u))
                break
            if c is not False:
                cases.append((c, u))
        if not cases:
            return self.default(k)
        return chain(cases[:-1], cases[-1][1], k)  # none found: the compiled code raises an error

    def _x_Ite(self, e: A.Ite, env, fr):
        c = self.expr(e.cond, env, fr)
        if c is True:
            return self.expr(e.then, env, fr)
        if c is False:
            return self.expr(e.orelse, env, fr)
        return merge(c, self.expr(e.then, env, fr), self.expr(e.orelse, env, fr), self.kind(e))

    def _x_Let(self, e: A.Let, env, fr):
        for b in e.bindings:
            env = {**env, self.c.binder_names[id(b)]: self.expr(b[1], env, fr)}
        return self.expr(e.body, env, fr)

    # ------------------------------------------------------------ types
    def resolve(self, t: A.TypeExpr) -> A.TypeExpr:
        while isinstance(t, A.SetOfValues) and isinstance(t.expr, A.Name) and t.expr.id in self.c.types:
            t = self.c.types[t.expr.id]
        return t

    def full_domain(self, t: A.TypeExpr) -> bool:
        """Whether a map type's domain is a set expression (keys exactly that set), as in compile/lower_expr.py."""
        infinite = isinstance(t, A.SetOfValues) and isinstance(t.expr, A.Name) and t.expr.id in INFINITE_TYPES
        return isinstance(t, A.SetOfValues) and isinstance(self.c.kinds.get(id(t.expr)), SetK) and not infinite

    def in_type(self, v, t: A.TypeExpr, k: Kind, partial: bool = False):
        """v is a value of type t (`v is t`); with partial, a map declared `S -> T` may also
        lack keys of S (what the explorer admits, and the encoding holds if asked to)."""
        if isinstance(t, A.SetOfValues):
            e = t.expr
            if isinstance(e, A.Name) and e.id in self.c.types:
                return self.in_type(v, self.c.types[e.id], k, partial)
            if isinstance(e, A.Name) and e.id in ("int", "Int", "string"):
                if isinstance(k, MixK):
                    return IS_INT(v) if e.id != "string" else NOT(IS_INT(v))
                return True
            if isinstance(e, A.Name) and e.id == "Nat":
                return self.in_ints(v, k, lambda n: CMP(">=", n, 0))
            ek = self.c.kinds.get(id(e))
            if isinstance(ek, SetK):
                if isinstance(e, A.Binary) and e.op == "..":
                    lo, hi = self.const_value(e.left), self.const_value(e.right)
                    return self.in_ints(v, k, lambda n: AND2(CMP("<=", lo, n), CMP("<=", n, hi)))
                return member(v, self.const_value(e), k)
            return eq(v, self.const_value(e), k)
        if isinstance(t, A.SetType):
            return AND(IMP(g, self.in_type(u, t.elem, k.elem, partial)) for g, u in items(v))
        if isinstance(t, A.SeqType):
            n, xs = seq_parts(v) if isinstance(k, SeqK) else (len(tup_elems(v)), tup_elems(v))
            ek = k.elem if isinstance(k, SeqK) else AnyK()
            out = [] if t.max_len is None else [CMP("<=", n, self.const_value(t.max_len))]
            out += [IMP(CMP("<", j, n), self.in_type(x, t.elem, ek if isinstance(k, SeqK) else k.elems[j], partial))
                    for j, x in enumerate(xs)]
            return AND(out)
        if isinstance(t, A.BagType):
            return AND(IMP(p, AND2(self.in_type(kk, t.elem, k.dom, partial), CMP(">", c, 0))) for p, kk, c in fun_slots(v))
        if isinstance(t, A.TupleType):
            if isinstance(k, SeqK):
                n, xs = seq_parts(v)
                out = [IEQ(n, len(t.elems))]
                for j, et in enumerate(t.elems):
                    out.append(self.in_type(xs[j], et, k.elem, partial) if j < len(xs) else False)
                return AND(out)
            elems = tup_elems(v)
            if len(elems) != len(t.elems):
                return False
            return AND(self.in_type(x, et, ek, partial) for x, et, ek in zip(elems, t.elems, k.elems))
        if isinstance(t, A.RecordType):
            names = tuple(sorted(f for f, _ in t.fields))
            types = dict(t.fields)
            tag = self.layout(names)
            out = []
            for g, rec in alts(v):
                if rec_tag(rec) != tag:
                    continue
                vk = variant(k, names)
                out.append(AND2(g, AND(self.in_type(x, types[f], fk, partial)
                                       for x, (f, fk) in zip(rec_fields(rec), vk.fields))))
            return OR(out)
        if isinstance(t, A.UnionType):
            return OR(self.in_type(v, a, k, partial) for a in t.alts)
        if isinstance(t, A.FnType):
            ents = fun_slots(v)
            cod = AND(IMP(p, self.in_type(x, t.codomain, k.cod, partial)) for p, _, x in ents)
            if self.full_domain(t.domain):
                dom = self.const_value(t.domain.expr)
                keys = mk_slots((p, kk) for p, kk, _ in ents)
                return AND2(subset(keys, dom, k.dom) if partial else eq(keys, dom, SetK(k.dom)), cod)
            return AND2(AND(IMP(p, self.in_type(kk, t.domain, k.dom, partial)) for p, kk, _ in ents), cod)
        raise EncodeError("unknown type")

    def universe(self, t: A.TypeExpr, k: Kind) -> list:
        """Every value of type t, in canonical order (a type is a finite set of values)."""
        try:
            return self._universe(t, k)
        except EncodeError as err:
            if err.span is None:
                err.span = t.span
            raise

    def _universe(self, t: A.TypeExpr, k: Kind) -> list:
        t0 = t
        t = self.resolve(t)
        if isinstance(t, A.SetOfValues):
            e = t.expr
            if isinstance(e, A.Name) and e.id in INFINITE_TYPES:
                raise Unbounded(f"type {e.id} is infinite", t0.span)
            v = self.const_value(e)
            if isinstance(self.c.kinds.get(id(e)), SetK):
                return sorted(v, key=canon)
            return [v]
        if isinstance(t, A.SetType):
            u = self.universe(t.elem, k.elem)
            if len(u) > POWERSET_LIMIT:
                raise EncodeError(f"set of sets over {len(u)} elements is too big to enumerate", t.span)
            return sorted((frozenset(c) for n in range(len(u) + 1) for c in combinations(u, n)), key=canon)
        if isinstance(t, A.SeqType):
            if t.max_len is None:
                raise Unbounded("a sequence type without a bound is infinite", t.span)
            u = self.universe(t.elem, k.elem)
            out = [()]
            layer = [()]
            for _ in range(self.const_value(t.max_len)):
                layer = [s + (x,) for s in layer for x in u]
                out += layer
                if len(out) > 100_000:
                    raise EncodeError("too many sequences to enumerate", t.span)
            return sorted(out, key=canon)
        if isinstance(t, A.BagType):
            raise Unbounded("bags are infinite: they cannot be elements of sets or keys", t.span)
        if isinstance(t, A.RecordType):
            names = tuple(sorted(f for f, _ in t.fields))
            types = dict(t.fields)
            vk = variant(k, names)
            tag = self.layout(names)
            parts = [self.universe(types[f], fk) for f, fk in vk.fields]
            return sorted(((tag,) + c for c in _prod(parts)), key=canon)
        if isinstance(t, A.TupleType):
            return sorted(_prod([self.universe(et, ek) for et, ek in zip(t.elems, elem_kinds(k, len(t.elems)))]),
                          key=canon)
        if isinstance(t, A.UnionType):
            out: dict = {}
            for alt in t.alts:
                for x in self.universe(alt, k):
                    out[x] = None
            return sorted(out, key=canon)
        if isinstance(t, A.FnType):
            cod = self.universe(t.codomain, k.cod)
            if self.full_domain(t.domain):
                keys = sorted(self.const_value(t.domain.expr), key=canon)
                return sorted(((tuple(keys), vals) for vals in _prod([cod] * len(keys))), key=canon)
            dom = self.universe(t.domain, k.dom)
            out = []
            for n in range(len(dom) + 1):
                for keys in combinations(dom, n):
                    out += [(tuple(keys), vals) for vals in _prod([cod] * n)]
            return sorted(out, key=canon)
        raise EncodeError("unknown type", t.span)

    # ------------------------------------------------------------ statements
    def branches(self, stmts, env: dict, fr: Frame | None, init_vars: dict | None = None) -> list[Branch]:
        """Every path through a statement list (init when fr is None)."""
        out: list[Branch] = []
        self._run(list(stmts), env, fr, True, (), {}, out)
        return out

    def action_branches(self, d: A.ActionDecl, fr: Frame) -> list[Branch]:
        out: list[Branch] = []
        for g, env, args in self._params(list(d.params), {}, fr, True, ()):
            self._run(list(d.body), env, fr, g, args, {}, out)
        return out

    def _params(self, params, env, fr, guard, args):
        if not params:
            yield guard, env, args
            return
        b = params[0]
        py = self.c.binder_names[id(b)]
        k = self.kind(b.domain).elem
        for g, u in self.binder_items(b, env, fr):
            g2 = AND2(guard, g)
            if g2 is not False:
                yield from self._params(params[1:], {**env, py: u}, fr, g2, args + ((b.name, u, k),))

    def _run(self, stmts, env, fr, guard, args, assigned, out) -> None:
        if guard is False:
            return
        if not stmts:
            out.append(Branch(guard, args, assigned))
            return
        s, rest = stmts[0], stmts[1:]
        try:
            if isinstance(s, A.Require):
                self._run(rest, env, fr, AND2(guard, self.expr(s.cond, env, fr)), args, assigned, out)
            elif isinstance(s, A.LetStmt):
                v = self.expr(s.value, env, fr)
                self._run(rest, {**env, self.c.binder_names[id(s)]: v}, fr, guard, args, assigned, out)
            elif isinstance(s, A.Assign):
                value = self.expr(s.value, env, fr)
                if s.path:
                    current = assigned[s.target] if s.target in assigned else fr.vars[s.target]
                    value = self.update(current, self.var_kinds[s.target], self.eval_path(s.path, env, fr), value)
                self._run(rest, env, fr, guard, args, {**assigned, s.target: value}, out)
            elif isinstance(s, A.Pick):
                py = self.c.binder_names[id(s.binder)]
                k = self.kind(s.binder.domain).elem
                for g, u in self.binder_items(s.binder, env, fr):
                    env2 = {**env, py: u}
                    g2 = AND2(guard, g)
                    if g2 is not False and s.cond is not None:
                        g2 = AND2(g2, self.expr(s.cond, env2, fr))
                    self._run(rest, env2, fr, g2, args + ((s.binder.name, u, k),), assigned, out)
            elif isinstance(s, A.If):
                c = self.expr(s.cond, env, fr)
                self._run(list(s.then) + rest, env, fr, AND2(guard, c), args, assigned, out)
                self._run(list(s.orelse) + rest, env, fr, AND2(guard, NOT(c)), args, assigned, out)
            elif isinstance(s, A.Either):
                for branch in s.branches:
                    self._run(list(branch) + rest, env, fr, guard, args, assigned, out)
            else:
                raise EncodeError(f"the Z3 encoding does not support {type(s).__name__}")
        except EncodeError as err:
            if err.span is None:
                err.span = s.span
            raise


def _prod(parts: list[list]) -> list[tuple]:
    out = [()]
    for p in parts:
        out = [x + (y,) for x in out for y in p]
        if len(out) > 200_000:
            raise EncodeError("a type has too many values to enumerate")
    return out
