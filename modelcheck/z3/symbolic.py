"""Symbolic values: the runtime values of values.py with Z3 terms where the state is unknown.

A symbolic value is either a concrete runtime value (int, bool, frozenset, tuple: exactly
what the compiled code would hold) or one of the classes below, whose parts may again be
concrete or symbolic. Every operation folds constants, so an expression over concrete
parts stays concrete, and a quantifier over a set of messages binds each possible message
as a concrete value (guarded by its membership), which folds `m.type == "2a"` away.

  Sc(t, dom)         an int, model value or string: a Z3 Int term t (a Real where it may hold
                     a model value or string, scalars.py); dom is the finite set of values it
                     can take (None: unknown, e.g. a bag count)
  z3 BoolRef         a boolean
  SSet(mem)          a set over a finite universe of concrete elements: element -> Bool
  SSlots(slots)      a set of symbolic elements (no finite universe): ((guard, element), ...)
  SMap(keys, present, vals)  a map over finitely many concrete keys (sorted canonically)
  SFun(slots)        a map or bag with symbolic keys: ((present, key, value), ...)
  SRec(tag, fields)  a record of a known layout with symbolic fields (field-name order)
  STup(elems)        a tuple
  SSeq(n, elems)     a sequence of length n (a symbolic int) whose first n elems count
  SUnion(alts)       records of different layouts: ((guard, record), ...), guards exclusive

Values whose types are infinite (Nat, unbounded sequences, sets of records with such fields)
have no finite universe: their ints carry bounds instead of a domain, and sets and maps of
them are slots (Apalache's approach), as many as the operations that built them.

Operations are directed by the kind (lang/kinds.py) of the values, which the type checker
knows for every expression; only records of a union kind can be an SUnion.
"""
from __future__ import annotations

from itertools import product
from typing import Any

import z3

from ..lang.kinds import (AnyK, BoolK, FnK, IntK, Kind, MixK, ModelK, RecK, SeqK, SetK, StrK, SymK,
                          TupleK, UnionK)
from ..values import canon
from .scalars import (AND, AND2, BITE, CMP, EncodeError, IEQ, IFF, IITE, IMP, NOT, OR, OR2, Sc, Sym,
                      Unbounded, int_values, is_sym, is_true, mk_int, scalar_value)

ENUM_LIMIT = 200_000      # largest number of concrete values a symbolic value is expanded into


class SSet(Sym):
    __slots__ = ("mem",)

    def __init__(self, mem: dict):
        self.mem = mem

    def __repr__(self):
        return f"SSet({self.mem})"


class SSlots(Sym):
    """A set whose elements are not drawn from a finite universe: (guard, element) slots.
    An element is in the set when a slot holding it has a true guard; slots may repeat one."""
    __slots__ = ("slots",)

    def __init__(self, slots: tuple):
        self.slots = slots

    def __repr__(self):
        return f"SSlots({self.slots})"


class SFun(Sym):
    """A map (or bag) whose keys are not drawn from a finite universe: (present, key, value)
    slots; the keys of present slots are distinct, which every operation keeps so."""
    __slots__ = ("slots",)

    def __init__(self, slots: tuple):
        self.slots = slots

    def __repr__(self):
        return f"SFun({self.slots})"


class SMap(Sym):
    __slots__ = ("keys", "present", "vals")

    def __init__(self, keys: tuple, present: tuple, vals: tuple):
        self.keys, self.present, self.vals = keys, present, vals

    def __repr__(self):
        return f"SMap({list(zip(self.keys, self.present, self.vals))})"


class SRec(Sym):
    __slots__ = ("tag", "fields")

    def __init__(self, tag: int, fields: tuple):
        self.tag, self.fields = tag, fields

    def __repr__(self):
        return f"SRec({self.tag}, {self.fields})"


class STup(Sym):
    __slots__ = ("elems",)

    def __init__(self, elems: tuple):
        self.elems = elems


class SSeq(Sym):
    __slots__ = ("n", "elems")

    def __init__(self, n, elems: tuple):
        self.n, self.elems = n, elems

    def __repr__(self):
        return f"SSeq({self.n}, {self.elems})"


class SUnion(Sym):
    __slots__ = ("alts",)

    def __init__(self, alts: tuple):
        self.alts = alts

    def __repr__(self):
        return f"SUnion({self.alts})"


# ---------------------------------------------------------------- kinds

SCALARS = (IntK, ModelK, StrK, SymK, MixK, AnyK)


def is_scalar(k: Kind) -> bool:
    return isinstance(k, (BoolK,) + SCALARS)


def variant(k: Kind, names: tuple[str, ...]) -> RecK:
    if isinstance(k, UnionK):
        v = k.variant(names)
        if v is None:
            raise EncodeError(f"no record shape {{{', '.join(names)}}} in {k.show()}")
        return v
    return k


# ---------------------------------------------------------------- views of concrete or symbolic values

def members(v) -> dict:
    if isinstance(v, SSet):
        return v.mem
    return dict.fromkeys(v, True)


def set_slots(v) -> list[tuple[Any, Any]]:
    """(guard, element) of any set value."""
    if isinstance(v, SSlots):
        return list(v.slots)
    if isinstance(v, SSet):
        return [(g, u) for u, g in v.mem.items()]
    return [(True, u) for u in v]


def fun_slots(v) -> list[tuple[Any, Any, Any]]:
    """(present, key, value) of any map value."""
    if isinstance(v, SFun):
        return list(v.slots)
    return [(p, kk, x) for kk, p, x in entries(v)]


def entries(v) -> list[tuple[Any, Any, Any]]:
    """(key, present, value) of a map."""
    if isinstance(v, SMap):
        return list(zip(v.keys, v.present, v.vals))
    return [(k, True, x) for k, x in zip(v[0], v[1])]


def seq_parts(v) -> tuple[Any, tuple]:
    if isinstance(v, SSeq):
        return v.n, v.elems
    if isinstance(v, STup):  # a tuple literal used as a sequence
        return len(v.elems), v.elems
    return len(v), tuple(v)


def tup_elems(v) -> tuple:
    return v.elems if isinstance(v, STup) else tuple(v)


def alts(v) -> tuple:
    """The (guard, record) alternatives of a record value."""
    if isinstance(v, SUnion):
        return v.alts
    return ((True, v),)


def rec_tag(r) -> int:
    return r.tag if isinstance(r, SRec) else r[0]


def rec_fields(r) -> tuple:
    return r.fields if isinstance(r, SRec) else tuple(r[1:])


# ---------------------------------------------------------------- constructors that fold constants

def mk_set(mem: dict):
    mem = {u: g for u, g in mem.items() if g is not False}
    if all(g is True for g in mem.values()):
        return frozenset(mem)
    return SSet(mem)


def mk_slots(slots) -> Any:
    """A set from (guard, element) slots: over concrete elements, a set of a finite universe."""
    slots = [(g, e) for g, e in slots if g is not False]
    if any(is_sym(e) for _, e in slots):
        return SSlots(tuple(slots))
    mem: dict = {}
    for g, e in slots:
        mem[e] = OR2(mem.get(e, False), g)
    return mk_set(mem)


def mk_fun(slots, k: Kind) -> Any:
    """A map from (present, key, value) slots, keys of present slots distinct (a concrete key
    may repeat under exclusive guards, as merge makes them)."""
    slots = [sl for sl in slots if sl[0] is not False]
    if any(is_sym(key) for _, key, _ in slots):
        return SFun(tuple(slots))
    by_key: dict = {}
    for p, key, x in slots:
        if key in by_key:
            p0, x0 = by_key[key]
            by_key[key] = (OR2(p0, p), merge(p, x, x0, k.cod))
        else:
            by_key[key] = (p, x)
    return mk_map([(key, p, x) for key, (p, x) in by_key.items()])


def fun_get(f, key, k: FnK) -> tuple[Any, Any]:
    """(whether key is in f's domain, f[key] if it is; None if it never is)."""
    cases = [(c, x) for p, kk, x in fun_slots(f) for c in (AND2(p, eq(key, kk, k.dom)),) if c is not False]
    if not cases:
        return False, None
    return OR([c for c, _ in cases]), chain(cases[:-1], cases[-1][1], k.cod)


def subset(a, b, k_elem: Kind):
    """a subseteq b."""
    if not is_sym(a) and not is_sym(b):
        return a <= b
    if isinstance(a, SSlots) or isinstance(b, SSlots):
        return AND(IMP(g, member(e, b, k_elem)) for g, e in set_slots(a))
    mb = members(b)
    return AND(IMP(g, mb.get(u, False)) for u, g in members(a).items())


def set_op(op: str, a, b, k_elem: Kind):
    """a + b, a - b or a & b."""
    if not is_sym(a) and not is_sym(b):
        return a | b if op == "+" else a - b if op == "-" else a & b
    if isinstance(a, SSlots) or isinstance(b, SSlots):
        if op == "+":
            return mk_slots(set_slots(a) + set_slots(b))
        inside = (lambda e: NOT(member(e, b, k_elem))) if op == "-" else (lambda e: member(e, b, k_elem))
        return mk_slots((AND2(g, inside(e)), e) for g, e in set_slots(a))
    ma, mb = members(a), members(b)
    if op == "+":
        return mk_set({u: OR2(ma.get(u, False), mb.get(u, False)) for u in {**ma, **mb}})
    if op == "-":
        return mk_set({u: AND2(g, NOT(mb.get(u, False))) for u, g in ma.items()})
    return mk_set({u: AND2(g, mb[u]) for u, g in ma.items() if u in mb})


def distinct(slots: list, k_elem: Kind) -> list[tuple[Any, Any]]:
    """(guard, element) slots in which a slot counts only if no earlier one holds its element."""
    if not any(is_sym(e) for _, e in slots):
        return set_slots(mk_slots(slots))
    out = []
    for i, (g, e) in enumerate(slots):
        first = AND2(g, NOT(OR(AND2(g2, eq(e2, e, k_elem)) for g2, e2 in slots[:i])))
        if first is not False:
            out.append((first, e))
    return out


def slots_size(s, k_elem: Kind):
    """The number of distinct elements of a set of slots."""
    terms = [g for g, _ in distinct(set_slots(s), k_elem)]
    sure = sum(1 for t in terms if t is True)
    rest = [z3.If(t, 1, 0) for t in terms if t is not True]
    return mk_int(z3.Sum(rest) + sure if rest else z3.IntVal(sure), frozenset(range(sure, sure + len(rest) + 1)))


def mk_rec(tag: int, fields) -> Any:
    fields = tuple(fields)
    if any(is_sym(f) for f in fields):
        return SRec(tag, fields)
    return (tag,) + fields


def mk_tup(elems) -> Any:
    elems = tuple(elems)
    if any(is_sym(e) for e in elems):
        return STup(elems)
    return elems


def mk_map(items) -> Any:
    """items: (key, present, value), keys distinct; sorted canonically here."""
    items = sorted((it for it in items if it[1] is not False), key=lambda it: canon(it[0]))
    keys = tuple(k for k, _, _ in items)
    if all(p is True for _, p, _ in items) and not any(is_sym(x) for _, _, x in items):
        return keys, tuple(x for _, _, x in items)
    return SMap(keys, tuple(p for _, p, _ in items), tuple(x for _, _, x in items))


def mk_seq(n, elems) -> Any:
    elems = tuple(elems)
    if isinstance(n, int):
        elems = elems[:n]
        if len(elems) == n and not any(is_sym(e) for e in elems):
            return elems
        if len(elems) < n:
            raise EncodeError("internal: sequence shorter than its length")
    return SSeq(n, elems)


def mk_union(alternatives, k: Kind) -> Any:
    """Records under exclusive guards; alternatives of one layout are merged field by field."""
    by_tag: dict[int, list] = {}
    for g, r in alternatives:
        if g is False:
            continue
        if isinstance(r, SUnion):
            for g2, r2 in r.alts:
                by_tag.setdefault(rec_tag(r2), []).append((AND2(g, g2), r2))
        else:
            by_tag.setdefault(rec_tag(r), []).append((g, r))
    out = []
    for tag, items in by_tag.items():
        guard = OR([g for g, _ in items])
        rec = items[-1][1]
        for g, r in reversed(items[:-1]):
            rec = merge(g, r, rec, variant(k, _names_of(k, tag)))
        out.append((guard, rec))
    if len(out) == 1:
        return out[0][1]
    if not out:
        raise EncodeError("internal: empty union")
    return SUnion(tuple(out))


_LAYOUTS: list = []  # set by the encoder: layout tag -> field names


def set_layouts(layouts: list) -> None:
    global _LAYOUTS
    _LAYOUTS = layouts


def _names_of(k: Kind, tag: int) -> tuple[str, ...]:
    return tuple(_LAYOUTS[tag])


# ---------------------------------------------------------------- equality, merge

def eq(a, b, k: Kind):
    if a is b:
        return True
    if not is_sym(a) and not is_sym(b):
        return a == b
    if isinstance(k, BoolK):
        return IFF(a, b)
    if isinstance(k, SCALARS):
        return IEQ(a, b)
    if isinstance(k, SetK) and (isinstance(a, SSlots) or isinstance(b, SSlots)):
        return AND2(subset(a, b, k.elem), subset(b, a, k.elem))
    if isinstance(k, FnK) and (isinstance(a, SFun) or isinstance(b, SFun)):
        return AND2(_fun_within(a, b, k, True), _fun_within(b, a, k, False))
    if isinstance(k, SetK):
        ma, mb = members(a), members(b)
        out = []
        for u, g in ma.items():
            out.append(IFF(g, mb.get(u, False)))
        for u, g in mb.items():
            if u not in ma:
                out.append(NOT(g))
        return AND(out)
    if isinstance(k, FnK):
        ea = {key: (p, x) for key, p, x in entries(a)}
        eb = {key: (p, x) for key, p, x in entries(b)}
        out = []
        for key in ea.keys() | eb.keys():
            pa, xa = ea.get(key, (False, None))
            pb, xb = eb.get(key, (False, None))
            out.append(IFF(pa, pb))
            if pa is not False and pb is not False:
                out.append(IMP(pa, eq(xa, xb, k.cod)))
        return AND(out)
    if isinstance(k, RecK):
        return AND(eq(x, y, fk) for x, y, (_, fk) in zip(rec_fields(a), rec_fields(b), k.fields))
    if isinstance(k, UnionK):
        out = []
        for ga, ra in alts(a):
            for gb, rb in alts(b):
                if rec_tag(ra) == rec_tag(rb):
                    vk = variant(k, _LAYOUTS[rec_tag(ra)])
                    out.append(AND((ga, gb, eq(ra, rb, vk))))
        return OR(out)
    if isinstance(k, TupleK):
        return AND(eq(x, y, ek) for x, y, ek in zip(tup_elems(a), tup_elems(b), k.elems))
    if isinstance(k, SeqK):
        na, xa = seq_parts(a)
        nb, xb = seq_parts(b)
        out = [IEQ(na, nb)]
        for i in range(max(len(xa), len(xb))):
            inside = CMP("<", i, na)
            if inside is False:
                break
            same = eq(xa[i], xb[i], k.elem) if i < len(xa) and i < len(xb) else False
            out.append(IMP(inside, same))
        return AND(out)
    raise EncodeError(f"cannot compare values of type {k.show()}")


def _fun_within(a, b, k: FnK, values: bool):
    """Every key of a is a key of b (with the same value, if values)."""
    out = []
    for p, key, x in fun_slots(a):
        has, y = fun_get(b, key, k)
        out.append(IMP(p, AND2(has, eq(x, y, k.cod)) if values and has is not False else has))
    return AND(out)


def merge(c, a, b, k: Kind):
    """if c then a else b."""
    if c is True:
        return a
    if c is False:
        return b
    if a is b:
        return a
    if not is_sym(a) and not is_sym(b) and a == b and type(a) is type(b):
        return a
    if isinstance(k, BoolK):
        return BITE(c, a, b)
    if isinstance(k, SCALARS):
        return IITE(c, a, b)
    if isinstance(k, SetK) and (isinstance(a, SSlots) or isinstance(b, SSlots)):
        nc = NOT(c)
        return mk_slots([(AND2(c, g), e) for g, e in set_slots(a)] + [(AND2(nc, g), e) for g, e in set_slots(b)])
    if isinstance(k, FnK) and (isinstance(a, SFun) or isinstance(b, SFun)):
        nc = NOT(c)
        return mk_fun([(AND2(c, p), key, x) for p, key, x in fun_slots(a)]
                      + [(AND2(nc, p), key, x) for p, key, x in fun_slots(b)], k)
    if isinstance(k, SetK):
        ma, mb = members(a), members(b)
        return mk_set({u: BITE(c, ma.get(u, False), mb.get(u, False)) for u in {**ma, **mb}})
    if isinstance(k, FnK):
        ea = {key: (p, x) for key, p, x in entries(a)}
        eb = {key: (p, x) for key, p, x in entries(b)}
        items = []
        for key in {**ea, **eb}:
            pa, xa = ea.get(key, (False, None))
            pb, xb = eb.get(key, (False, None))
            if pa is False:
                items.append((key, AND2(NOT(c), pb), xb))
            elif pb is False:
                items.append((key, AND2(c, pa), xa))
            else:
                items.append((key, BITE(c, pa, pb), merge(c, xa, xb, k.cod)))
        return mk_map(items)
    if isinstance(k, RecK):
        return mk_rec(rec_tag(a), (merge(c, x, y, fk) for x, y, (_, fk) in
                                   zip(rec_fields(a), rec_fields(b), k.fields)))
    if isinstance(k, UnionK):
        out = [(AND2(c, g), r) for g, r in alts(a)] + [(AND2(NOT(c), g), r) for g, r in alts(b)]
        return mk_union(out, k)
    if isinstance(k, TupleK):
        return mk_tup(merge(c, x, y, ek) for x, y, ek in zip(tup_elems(a), tup_elems(b), k.elems))
    if isinstance(k, SeqK):
        na, xa = seq_parts(a)
        nb, xb = seq_parts(b)
        elems = []
        for i in range(max(len(xa), len(xb))):
            if i >= len(xa):
                elems.append(xb[i])
            elif i >= len(xb):
                elems.append(xa[i])
            else:
                elems.append(merge(c, xa[i], xb[i], k.elem))
        return mk_seq(IITE(c, na, nb), elems)
    raise EncodeError(f"cannot choose between values of type {k.show()}")


def chain(cases, default, k: Kind):
    """The value of the first case whose guard holds, else default."""
    out = default
    for g, v in reversed(cases):
        out = merge(g, v, out, k)
    return out


# ---------------------------------------------------------------- the possible values of a symbolic value

def possible(v, k: Kind) -> list[tuple[Any, Any]]:
    """(guard, concrete value) pairs covering every value v can take; guards are exclusive."""
    if not is_sym(v):
        return [(True, v)]
    if isinstance(k, BoolK):
        return [(v, True), (z3.Not(v), False)]
    if isinstance(v, Sc):
        return [(IEQ(v, u), u) for u in int_values(v)]
    if isinstance(v, (SSlots, SFun)):
        raise Unbounded(f"cannot enumerate the values of {k.show()}: it has no finite universe",
                        hint="sets of such sets, and maps keyed by them, are not supported")
    if isinstance(v, SUnion):
        out = []
        for g, r in v.alts:
            out += [(AND2(g, g2), w) for g2, w in possible(r, variant(k, _LAYOUTS[rec_tag(r)]))]
        return out
    if isinstance(v, SRec):
        vk = variant(k, _LAYOUTS[v.tag])
        return [(g, (v.tag,) + w) for g, w in _product([possible(f, fk) for f, (_, fk) in zip(v.fields, vk.fields)])]
    if isinstance(v, STup):
        return _product([possible(x, ek) for x, ek in zip(v.elems, k.elems)])
    if isinstance(v, SSet):
        items = sorted(v.mem.items(), key=lambda it: canon(it[0]))
        choices = [[(g, (u,)), (NOT(g), ())] if g is not True else [(True, (u,))] for u, g in items]
        return [(g, frozenset(x for part in w for x in part)) for g, w in _product(choices)]
    if isinstance(v, SMap):
        choices = []
        for key, p, x in zip(v.keys, v.present, v.vals):
            vals = [(AND2(p, g), ((key, w),)) for g, w in possible(x, k.cod)]
            if p is not True:
                vals.append((NOT(p), ()))
            choices.append(vals)
        out = []
        for g, w in _product(choices):
            pairs = [kv for part in w for kv in part]
            out.append((g, (tuple(a for a, _ in pairs), tuple(b for _, b in pairs))))
        return out
    if isinstance(v, SSeq):
        out = []
        for gn, n in possible(v.n, IntK()):
            if n > len(v.elems) or n < 0:
                continue
            for g, w in _product([possible(x, k.elem) for x in v.elems[:n]]):
                out.append((AND2(gn, g), w))
        return out
    raise EncodeError(f"cannot enumerate the values of {k.show()}")


def _product(choices: list[list]) -> list[tuple[Any, tuple]]:
    size = 1
    for c in choices:
        size *= max(1, len(c))
        if size > ENUM_LIMIT:
            raise Unbounded(f"a symbolic value has more than {ENUM_LIMIT:,} possible values",
                              hint="use smaller constants, or narrower types")
    out = []
    for combo in product(*choices):
        g = AND([c[0] for c in combo])
        if g is not False:
            out.append((g, tuple(c[1] for c in combo)))
    return out


def member(x, s, k_elem: Kind):
    """x in s."""
    if isinstance(s, SSlots):
        return OR(AND2(g, eq(x, e, k_elem)) for g, e in s.slots)
    if isinstance(s, SSet):
        if not is_sym(x):
            return s.mem.get(x, False)
        if isinstance(x, Sc) and x.dom is not None and len(x.dom) < len(s.mem):
            return OR(AND2(IEQ(x, u), s.mem.get(u, False)) for u in x.dom)
        return OR(AND2(g, eq(x, u, k_elem)) for u, g in s.mem.items())
    if not is_sym(x):
        return x in s
    if isinstance(x, Sc) and x.dom is not None and len(x.dom) < len(s):
        return OR(IEQ(x, u) for u in x.dom if u in s)
    return OR(eq(x, u, k_elem) for u in s)


def items(s) -> list[tuple[Any, Any]]:
    """(guard, element) for each possible element of a set, in canonical order."""
    if isinstance(s, SSlots):
        return list(s.slots)
    if isinstance(s, SSet):
        return sorted(((g, u) for u, g in s.mem.items()), key=lambda gu: canon(gu[1]))
    return [(True, u) for u in sorted(s, key=canon)]


# ---------------------------------------------------------------- model values

def concretize(v, k: Kind, model: z3.ModelRef):
    """The concrete runtime value a symbolic value has in a Z3 model."""
    if not is_sym(v):
        return v
    if isinstance(k, BoolK):
        return is_true(model, v)
    if isinstance(v, Sc):
        return scalar_value(model.eval(v.t, model_completion=True))
    if isinstance(v, SSet):
        return frozenset(u for u, g in v.mem.items() if is_true(model, g))
    if isinstance(v, SSlots):
        return frozenset(concretize(e, k.elem, model) for g, e in v.slots if is_true(model, g))
    if isinstance(v, SFun):
        pairs = sorted(((concretize(key, k.dom, model), concretize(x, k.cod, model))
                        for p, key, x in v.slots if is_true(model, p)), key=lambda kv: canon(kv[0]))
        return tuple(kk for kk, _ in pairs), tuple(x for _, x in pairs)
    if isinstance(v, SMap):
        keys, vals = [], []
        for key, p, x in zip(v.keys, v.present, v.vals):
            if is_true(model, p):
                keys.append(key)
                vals.append(concretize(x, k.cod, model))
        return tuple(keys), tuple(vals)
    if isinstance(v, SRec):
        vk = variant(k, _LAYOUTS[v.tag])
        return (v.tag,) + tuple(concretize(f, fk, model) for f, (_, fk) in zip(v.fields, vk.fields))
    if isinstance(v, SUnion):
        for g, r in v.alts:
            if is_true(model, g):
                return concretize(r, k, model)
        return concretize(v.alts[-1][1], k, model)
    if isinstance(v, STup):
        if isinstance(k, SeqK):  # a tuple literal assigned to a sequence
            return tuple(concretize(x, k.elem, model) for x in v.elems)
        return tuple(concretize(x, ek, model) for x, ek in zip(v.elems, k.elems))
    if isinstance(v, SSeq):
        n = concretize(v.n, IntK(), model)
        return tuple(concretize(x, k.elem, model) for x in v.elems[:n])
    raise EncodeError(f"internal: cannot read back {v!r}")


def default_value(k: Kind, layouts: list):
    """Some value of kind k: what an undefined expression (a map applied outside its domain)
    is encoded as. The compiled code raises an error there instead."""
    if isinstance(k, BoolK):
        return False
    if isinstance(k, SCALARS):
        return 0
    if isinstance(k, SetK):
        return frozenset()
    if isinstance(k, FnK):
        return (), ()
    if isinstance(k, SeqK):
        return ()
    if isinstance(k, TupleK):
        return tuple(default_value(e, layouts) for e in k.elems)
    if isinstance(k, (RecK, UnionK)):
        r = k if isinstance(k, RecK) else k.variants[0]
        names = r.names
        tag = layouts.index(names) if names in layouts else _add_layout(layouts, names)
        return (tag,) + tuple(default_value(fk, layouts) for _, fk in r.fields)
    raise EncodeError(f"no default value for {k.show()}")


def _add_layout(layouts: list, names) -> int:
    layouts.append(names)
    return len(layouts) - 1
