"""State variables as Z3 constants over their declared types.

Each variable is encoded by the shape of its declared type: a set over a finite universe is
one Bool per element, a map with a fixed domain one encoding per key, a record its fields,
a union of record types a tag plus each alternative's fields, a bounded sequence a length
plus one encoding per position, an int or model value one Int constrained to its finite set.

Infinite types are encoded with a capacity (slots, length) per variable: an int of type Nat
(or int) is one unbounded Int; a set, bag or map over an infinite type is `slots` slots, each
a flag and an element (key and value); a sequence without a bound has room for `length`
entries. A map declared `S -> T` has every key of S unless the capacity says partial. Such a
copy holds only the states that fit: `fits` says whether a value does, and a concrete state
that does not raises Capacity, with which the caller grows the capacity.

`bind` fixes a concrete state by literals given as raw Z3 AST pointers (ints), which the
C API takes directly; the terms they point to are kept alive by the encodings.

An encoding also binds a concrete runtime state to literals over its constants (for checking
a given state with Z3: `--z3`) and reads a state back from a Z3 model (counterexamples).
"""
from __future__ import annotations

from typing import Any

import z3

from ..lang import ast as A
from ..lang.kinds import SYMBOLIC, BoolK, FnK, IntK, Kind, MixK, RecK, SeqK, SetK, TupleK, UnionK
from ..values import canon, symbol
from .encode import Encoder, Frame, NotInType
from .scalars import AND, AND2, CMP, EncodeError, IMP, NOT, Sc, Unbounded, is_sym
from .symbolic import (SFun, SSeq, SSet, SSlots, alts, chain, concretize, eq, fun_slots, is_scalar,
                       mk_map, mk_rec, mk_tup, mk_union, rec_fields, rec_tag, seq_parts, set_slots,
                       slots_size, tup_elems, variant)

# Room in a variable's encoding: (slots, length, partial). slots and length are for infinite
# types; partial: its maps over a set S may lack keys of S (declared `S -> T`, whose values
# the spec may still build with fewer keys, as raft's voterLog).
Cap = tuple[int, int, bool]
DEFAULT_CAP: Cap = (2, 2, False)


class Capacity(NotInType):
    """A concrete value that is of the variable's type but needs more room than its encoding has."""


def raw(e) -> int:
    return e.as_ast().value


class VarEnc:
    sym: Any
    some: Any
    bounded = False   # whether a capacity limits the values it holds (an infinite type)

    def __init__(self):
        self.cons: list = []

    def bind(self, v, out: list) -> None:
        raise NotImplementedError

    def fits(self, v) -> Any:
        """Whether a symbolic value of this type fits in this encoding (a Bool)."""
        return True


class VNat(VarEnc):
    """A scalar of an infinite type (Nat, int, string): one unbounded Z3 Int; in a spec mixing
    ints with strings or model values (mixed), where it may hold a symbol, a Real constrained
    to ints and the floats of symbols (values.symbol)."""

    def __init__(self, name, lo: int | None, k: Kind, mixed: bool = False):
        super().__init__()
        # where ints and symbols mix, symbols are floats (values.symbol); else ints like the rest
        self.ints = not (mixed and isinstance(k, SYMBOLIC))
        self.symbols = mixed and isinstance(k, SYMBOLIC + (MixK,))
        x = z3.Real(name) if self.symbols else z3.Int(name)
        self.lo = lo
        self.sym = Sc(x, None, lo, None)
        self.lits: dict = {}            # value -> term x == value, shared with the encoder's cache
        self.sym.eqs = self.lits
        self.cons = [] if lo is None else [x >= lo]
        if self.symbols:
            symbol_values = z3.And(z3.IsInt(x - z3.RealVal(symbol(0, True))), x >= symbol(0, True))
            self.cons.append(z3.Or(z3.IsInt(x), symbol_values) if self.ints else symbol_values)
        self.some = (lo or 0) if self.ints else symbol(0, True)

    def bind(self, v, out):
        allowed = (int,) * self.ints + (float,) * self.symbols
        if isinstance(v, bool) or not isinstance(v, allowed) or (self.lo is not None and v < self.lo):
            raise NotInType(v)
        lit = self.lits.get(v)
        if lit is None:
            lit = self.lits[v] = self.sym.t == v
        out.append(raw(lit))


class VSlots(VarEnc):
    """A set over an infinite type: one flag and one element encoding per slot."""
    bounded = True

    def __init__(self, name, elems: list[VarEnc], k: SetK):
        super().__init__()
        self.elems, self.k = elems, k
        self.flags = [z3.Bool(f"{name}.in[{i}]") for i in range(len(elems))]
        self.sym = SSlots(tuple(zip(self.flags, (e.sym for e in elems)))) if elems else frozenset()
        self.cons = [c for e in elems for c in e.cons]
        self.some = frozenset()
        self._neg = [z3.Not(f) for f in self.flags]
        self.raw_pos = [raw(f) for f in self.flags]
        self.raw_neg = [raw(f) for f in self._neg]

    def bind(self, v, out):
        if not isinstance(v, frozenset):
            raise NotInType(v)
        if len(v) > len(self.elems):
            raise Capacity(v)
        xs = sorted(v, key=canon)
        for i, e in enumerate(self.elems):
            if i < len(xs):
                out.append(self.raw_pos[i])
                e.bind(xs[i], out)
            else:
                out.append(self.raw_neg[i])
                e.bind(e.some, out)

    def fits(self, v):
        if not self.elems:
            return AND(NOT(g) for g, _ in set_slots(v))
        inner = self.elems[0]
        return AND2(CMP("<=", slots_size(v, self.k.elem), len(self.elems)),
                    AND(IMP(g, inner.fits(e)) for g, e in set_slots(v)))


class VFunSlots(VarEnc):
    """A map or bag over an infinite type: one presence flag, key and value per slot; the
    keys of present slots are distinct (and a bag's counts positive)."""
    bounded = True

    def __init__(self, name, keys: list[VarEnc], vals: list[VarEnc], k: FnK, bag: bool):
        super().__init__()
        self.keys, self.vals, self.k = keys, vals, k
        self.present = [z3.Bool(f"{name}.has[{i}]") for i in range(len(keys))]
        self._neg = [z3.Not(p) for p in self.present]
        self.raw_pos = [raw(p) for p in self.present]
        self.raw_neg = [raw(p) for p in self._neg]
        self.sym = SFun(tuple(zip(self.present, (x.sym for x in keys), (x.sym for x in vals)))) if keys else ((), ())
        self.cons = [c for x in keys + vals for c in x.cons]
        for i in range(len(keys)):
            for j in range(i):
                same = eq(keys[i].sym, keys[j].sym, k.dom)
                if same is not False:
                    self.cons.append(z3.Not(z3.And(self.present[i], self.present[j], _term(same))))
            if bag:
                self.cons.append(z3.Implies(self.present[i], vals[i].sym.t >= 1))
        self.some = ((), ())

    def bind(self, v, out):
        if not (isinstance(v, tuple) and len(v) == 2 and isinstance(v[0], tuple)):
            raise NotInType(v)
        keys, vals = v
        if len(keys) > len(self.keys):
            raise Capacity(v)
        for i, (ke, ve) in enumerate(zip(self.keys, self.vals)):
            if i < len(keys):
                out.append(self.raw_pos[i])
                ke.bind(keys[i], out)
                ve.bind(vals[i], out)
            else:
                out.append(self.raw_neg[i])
                ke.bind(ke.some, out)
                ve.bind(ve.some, out)

    def fits(self, v):
        slots = fun_slots(v)
        count = [z3.If(_term(p), 1, 0) for p, _, _ in slots]
        room = True if len(slots) <= len(self.keys) else z3.Sum(count) <= len(self.keys)
        if not self.keys:
            return room
        ke, ve = self.keys[0], self.vals[0]
        return AND2(room, AND(IMP(p, AND2(ke.fits(kk), ve.fits(x))) for p, kk, x in slots))


def _term(b):
    return z3.BoolVal(b) if isinstance(b, bool) else b


class VConst(VarEnc):
    def __init__(self, value):
        super().__init__()
        self.sym = self.some = value

    def bind(self, v, out):
        if v != self.sym or type(v) is not type(self.sym):
            raise NotInType(v)


class VBool(VarEnc):
    def __init__(self, name):
        super().__init__()
        self.sym = z3.Bool(name)
        self.neg = z3.Not(self.sym)
        self.raw = (raw(self.neg), raw(self.sym))
        self.some = False

    def bind(self, v, out):
        if not isinstance(v, bool):
            raise NotInType(v)
        out.append(self.raw[v])


class VInt(VarEnc):
    def __init__(self, name, universe):
        super().__init__()
        ints = all(isinstance(u, int) for u in universe)
        x = z3.Int(name) if ints else z3.Real(name)  # a model value or string is a float (scalars.py)
        self.sym = Sc(x, frozenset(universe))
        # One Bool per value, defined as x == u: the encoding tests equality through them, and
        # a concrete state is fixed by assuming Bools only, which Z3 propagates much faster
        # than arithmetic atoms.
        self.lits = {u: z3.Bool(f"{name}=={u}") for u in universe}
        self.sym.eqs = self.lits
        self.cons = [b == (x == u) for u, b in self.lits.items()]
        lo, hi = min(universe), max(universe)
        if ints and len(universe) == hi - lo + 1:
            self.cons += [x >= lo, x <= hi]
        else:
            self.cons += [z3.Or(list(self.lits.values()))]
        self.some = universe[0]
        self.raw = {u: raw(b) for u, b in self.lits.items()}

    def bind(self, v, out):
        lit = self.raw.get(v) if not isinstance(v, bool) and isinstance(v, (int, float)) else None
        if lit is None:
            raise NotInType(v)
        out.append(lit)


class VSelect(VarEnc):
    """Any finite set of values: an Int selecting one of them."""

    def __init__(self, name, universe, k: Kind):
        super().__init__()
        sel = z3.Int(name)
        self.lits = [sel == i for i in range(len(universe))]
        self.index = {u: i for i, u in enumerate(universe)}
        self.sym = chain(list(zip(self.lits[:-1], universe[:-1])), universe[-1], k)
        self.cons = [sel >= 0, sel < len(universe)]
        self.some = universe[0]
        self.raw = [raw(x) for x in self.lits]

    def bind(self, v, out):
        i = self.index.get(v)
        if i is None:
            raise NotInType(v)
        out.append(self.raw[i])


class VRec(VarEnc):
    def __init__(self, tag, fields: list[VarEnc]):
        super().__init__()
        self.tag, self.fields = tag, fields
        self.sym = mk_rec(tag, (f.sym for f in fields))
        self.cons = [c for f in fields for c in f.cons]
        self.some = (tag,) + tuple(f.some for f in fields)
        self.bounded = any(f.bounded for f in fields)

    def bind(self, v, out):
        if not isinstance(v, tuple) or len(v) != len(self.fields) + 1 or v[0] != self.tag:
            raise NotInType(v)
        for f, x in zip(self.fields, v[1:]):
            f.bind(x, out)

    def fits(self, v):
        return AND(f.fits(x) for f, x in zip(self.fields, rec_fields(v))) if self.bounded else True


class VTup(VarEnc):
    def __init__(self, elems: list[VarEnc]):
        super().__init__()
        self.elems = elems
        self.sym = mk_tup(e.sym for e in elems)
        self.cons = [c for e in elems for c in e.cons]
        self.some = tuple(e.some for e in elems)
        self.bounded = any(e.bounded for e in elems)

    def bind(self, v, out):
        if not isinstance(v, tuple) or len(v) != len(self.elems):
            raise NotInType(v)
        for e, x in zip(self.elems, v):
            e.bind(x, out)

    def fits(self, v):
        return AND(e.fits(x) for e, x in zip(self.elems, tup_elems(v))) if self.bounded else True


class VUnion(VarEnc):
    """Alternatives of a union of record types: a tag says which one holds."""

    def __init__(self, name, alternatives: list[VarEnc], k: Kind):
        super().__init__()
        tag = z3.Int(name)
        self.alternatives = alternatives
        self.lits = [tag == i for i in range(len(alternatives))]
        self.sym = mk_union([(lit, a.sym) for lit, a in zip(self.lits, alternatives)], k)
        self.cons = [tag >= 0, tag < len(alternatives)] + [c for a in alternatives for c in a.cons]
        self.some = alternatives[0].some
        self.raw = [raw(x) for x in self.lits]
        self._rest: dict[int, list] = {}
        self.bounded = any(a.bounded for a in alternatives)
        self.by_tag = {a.tag: a for a in alternatives if isinstance(a, VRec)}

    def fits(self, v):
        if not self.bounded:
            return True
        return AND(IMP(g, self.by_tag[rec_tag(r)].fits(r)) for g, r in alts(v) if rec_tag(r) in self.by_tag)

    def bind(self, v, out):
        for i, a in enumerate(self.alternatives):
            mine: list = []
            try:
                a.bind(v, mine)
            except NotInType:
                continue
            if i not in self._rest:  # the other alternatives' constants: any fixed value
                rest: list = []
                for j, b in enumerate(self.alternatives):
                    if j != i:
                        b.bind(b.some, rest)
                self._rest[i] = rest
            out.append(self.raw[i])
            out += mine
            out += self._rest[i]
            return
        raise NotInType(v)


class VSet(VarEnc):
    def __init__(self, name, universe):
        super().__init__()
        self.universe = universe
        self.bools = [z3.Bool(f"{name}[{i}]") for i in range(len(universe))]
        self.negs = [z3.Not(b) for b in self.bools]
        self.sym = SSet(dict(zip(universe, self.bools))) if universe else frozenset()
        self.some = frozenset()
        self.index = {u: i for i, u in enumerate(universe)}
        self.raw_pos = [raw(b) for b in self.bools]
        self.raw_neg = [raw(b) for b in self.negs]

    def bind(self, v, out):
        if not isinstance(v, frozenset):
            raise NotInType(v)
        lits = self.raw_neg[:]
        index, pos = self.index, self.raw_pos
        try:
            for u in v:
                i = index[u]
                lits[i] = pos[i]
        except (KeyError, TypeError):
            raise NotInType(v) from None
        out += lits


class VMap(VarEnc):
    def __init__(self, name, keys, vals: list[VarEnc], full: bool):
        super().__init__()
        self.keys, self.vals, self.full = tuple(keys), vals, full
        self.cons = [c for x in vals for c in x.cons]
        if full:
            self.sym = mk_map([(kk, True, x.sym) for kk, x in zip(keys, vals)])
            self.some = (self.keys, tuple(x.some for x in vals))
            self.present = None
        else:
            self.present = [z3.Bool(f"{name}.has[{i}]") for i in range(len(keys))]
            self.negs = [z3.Not(p) for p in self.present]
            self.raw_pos = [raw(p) for p in self.present]
            self.raw_neg = [raw(p) for p in self.negs]
            self.sym = mk_map([(kk, p, x.sym) for kk, p, x in zip(keys, self.present, vals)])
            self.some = ((), ())
        self.index = {kk: i for i, kk in enumerate(self.keys)}
        self.bounded = any(x.bounded for x in vals)

    def fits(self, v):
        """Keys within the domain are assumed (a type check); a full map must have them all."""
        slots = fun_slots(v)
        if self.full and any(is_sym(kk) for _, kk, _ in slots):
            whole = z3.Sum([z3.If(_term(p), 1, 0) for p, _, _ in slots]) >= len(self.keys)
        elif self.full:
            have = {kk: p for p, kk, _ in slots}
            whole = AND(have.get(kk, False) for kk in self.keys)
        else:
            whole = True
        if not self.bounded:
            return whole
        # every value has the same type, so the first value's encoding speaks for all
        return AND2(whole, AND(IMP(p, self.vals[0].fits(x)) for p, _, x in slots))

    def bind(self, v, out):
        if not (isinstance(v, tuple) and len(v) == 2 and isinstance(v[0], tuple)):
            raise NotInType(v)
        keys, vals = v
        if self.full:
            if keys != self.keys:
                raise (Capacity if set(keys) < set(self.keys) else NotInType)(v)
            for x, y in zip(self.vals, vals):
                x.bind(y, out)
            return
        given = dict(zip(keys, vals))
        if not all(kk in self.index for kk in keys):
            raise NotInType(v)
        for kk, p, np_, x in zip(self.keys, self.raw_pos, self.raw_neg, self.vals):
            if kk in given:
                out.append(p)
                x.bind(given[kk], out)
            else:
                out.append(np_)
                x.bind(x.some, out)


class VBag(VarEnc):
    def __init__(self, name, universe):
        super().__init__()
        self.keys = tuple(universe)
        self.present = [z3.Bool(f"{name}.has[{i}]") for i in range(len(universe))]
        self.counts = [z3.Int(f"{name}.count[{i}]") for i in range(len(universe))]
        self.cons = [z3.If(p, c >= 1, c == 0) for p, c in zip(self.present, self.counts)]
        self.sym = mk_map([(kk, p, Sc(c, None)) for kk, p, c in zip(self.keys, self.present, self.counts)])
        self.index = {kk: i for i, kk in enumerate(self.keys)}
        self.some = ((), ())
        self.negs = [z3.Not(p) for p in self.present]
        self.count_lits: dict = {}  # (i, n) -> term count == n, kept alive

    def bind(self, v, out):
        if not (isinstance(v, tuple) and len(v) == 2):
            raise NotInType(v)
        given = dict(zip(*v))
        if not all(kk in self.index for kk in given):
            raise NotInType(v)
        for i, (kk, p, c) in enumerate(zip(self.keys, self.present, self.counts)):
            n = given.get(kk, 0)
            if not isinstance(n, int) or n < 0 or (kk in given and n == 0):
                raise NotInType(v)
            out.append(raw(p if n > 0 else self.negs[i]))
            lit = self.count_lits.get((i, n))
            if lit is None:
                lit = self.count_lits[(i, n)] = c == n
            out.append(raw(lit))


class VSeq(VarEnc):
    """A sequence of at most max_len entries: a length and one encoding per position.
    capped: the bound is a capacity (the type has none), not the type's own bound."""

    def __init__(self, name, max_len: int, elems: list[VarEnc], capped: bool = False):
        super().__init__()
        self.elems, self.capped = elems, capped
        self.n = VInt(f"{name}.len", list(range(max_len + 1))) if max_len else VConst(0)
        self.cons = self.n.cons + [c for e in elems for c in e.cons]
        self.sym = SSeq(self.n.sym, tuple(e.sym for e in elems)) if max_len else ()
        self.some = ()
        self.bounded = capped or any(e.bounded for e in elems)

    def bind(self, v, out):
        if not isinstance(v, tuple):
            raise NotInType(v)
        if len(v) > len(self.elems):
            raise (Capacity if self.capped else NotInType)(v)
        self.n.bind(len(v), out)
        for i, e in enumerate(self.elems):
            e.bind(v[i] if i < len(v) else e.some, out)

    def fits(self, v):
        if not self.bounded:
            return True
        n, xs = seq_parts(v)
        room = CMP("<=", n, len(self.elems)) if self.capped else True
        inner = self.elems[0] if self.elems else None
        return AND2(room, AND(IMP(CMP("<", j, n), inner.fits(x)) for j, x in enumerate(xs)) if inner else True)


def make_var(enc: Encoder, t: A.TypeExpr, k: Kind, name: str, cap: Cap = DEFAULT_CAP) -> VarEnc:
    t = enc.resolve(t)
    if isinstance(t, A.SetOfValues) or (isinstance(t, A.UnionType) and is_scalar(k)):
        return _scalar_var(enc, t, k, name)
    if isinstance(t, A.SetType):
        try:
            return VSet(name, enc.universe(t.elem, k.elem))
        except Unbounded:
            return VSlots(name, [make_var(enc, t.elem, k.elem, f"{name}{{{i}}}", cap) for i in range(cap[0])], k)
    if isinstance(t, A.FnType):
        try:
            keys = enc.universe(t.domain, k.dom)
        except Unbounded:
            return _fun_slots(enc, t.domain, t.codomain, k, name, cap, bag=False)
        vals = [make_var(enc, t.codomain, k.cod, f"{name}[{i}]", cap) for i in range(len(keys))]
        return VMap(name, keys, vals, enc.full_domain(t.domain) and not cap[2])
    if isinstance(t, A.BagType):
        try:
            return VBag(name, enc.universe(t.elem, k.dom))
        except Unbounded:
            return _fun_slots(enc, t.elem, None, k, name, cap, bag=True)
    if isinstance(t, A.SeqType):
        m = cap[1] if t.max_len is None else enc.const_value(t.max_len)
        return VSeq(name, m, [make_var(enc, t.elem, k.elem, f"{name}[{i + 1}]", cap) for i in range(m)],
                    capped=t.max_len is None)
    if isinstance(t, A.TupleType):
        return VTup([make_var(enc, et, ek, f"{name}[{i + 1}]", cap) for i, (et, ek) in enumerate(zip(t.elems, k.elems))])
    if isinstance(t, A.RecordType):
        names = tuple(sorted(f for f, _ in t.fields))
        types = dict(t.fields)
        vk = variant(k, names)
        return VRec(enc.layout(names), [make_var(enc, types[f], fk, f"{name}.{f}", cap) for f, fk in vk.fields])
    if isinstance(t, A.UnionType) and isinstance(k, SeqK):
        return _tuples(enc, t, k, name, cap)
    if isinstance(t, A.UnionType):
        alternatives = []
        for i, alt in enumerate(t.alts):
            a = make_var(enc, alt, k, f"{name}#{i}", cap)
            alternatives += a.alternatives if isinstance(a, VUnion) else [a]
        return VUnion(f"{name}.tag", alternatives, k)
    raise EncodeError("unknown type", t.span)


def _tuples(enc: Encoder, t: A.UnionType, k: SeqK, name: str, cap: Cap) -> VarEnc:
    """A union of tuple types of different lengths (kind: a sequence): a sequence as long as
    the longest, each position of the union of the types the alternatives have there."""
    alternatives = _alternatives(enc, t)
    if not all(isinstance(a, A.TupleType) for a in alternatives):
        raise EncodeError("cannot encode a union of tuples with other sequence types", t.span)
    longest = max(len(a.elems) for a in alternatives)
    elems = []
    for i in range(longest):
        types = tuple(a.elems[i] for a in alternatives if len(a.elems) > i)
        elems.append(make_var(enc, types[0] if len(types) == 1 else A.UnionType(t.span, types), k.elem,
                              f"{name}[{i + 1}]", cap))
    return VSeq(name, longest, elems)


def _alternatives(enc: Encoder, t: A.TypeExpr) -> list[A.TypeExpr]:
    t = enc.resolve(t)
    return [x for a in t.alts for x in _alternatives(enc, a)] if isinstance(t, A.UnionType) else [t]


def _scalar_var(enc: Encoder, t: A.TypeExpr, k: Kind, name: str) -> VarEnc:
    try:
        universe = enc.universe(t, k)
    except Unbounded:
        nat = isinstance(t, A.SetOfValues) and isinstance(t.expr, A.Name) and t.expr.id == "Nat"
        return VNat(name, 0 if nat else None, k, enc.mixed)
    if not universe:
        raise NotInType(f"type of {name} is empty")
    if len(universe) == 1:
        return VConst(universe[0])
    if isinstance(k, BoolK):
        return VBool(name) if set(universe) == {False, True} else VConst(universe[0])
    if is_scalar(k):
        return VInt(name, universe)
    return VSelect(name, universe, k)


def _fun_slots(enc: Encoder, dom: A.TypeExpr, cod: A.TypeExpr | None, k: FnK, name: str, cap: Cap,
               bag: bool) -> VarEnc:
    keys = [make_var(enc, dom, k.dom, f"{name}.key[{i}]", cap) for i in range(cap[0])]
    vals = [VNat(f"{name}.count[{i}]", 0, IntK()) if bag else make_var(enc, cod, k.cod, f"{name}.val[{i}]", cap)
            for i in range(cap[0])]
    return VFunSlots(name, keys, vals, k, bag)


class StateEnc:
    """One copy of the state variables (a prefix tells copies apart: s0, s1, ...), each with
    its capacity for infinite types (caps: variable -> (slots, length))."""

    def __init__(self, enc: Encoder, prefix: str = "", caps: dict[str, Cap] | None = None):
        enc.activate()
        self.enc = enc
        self.names = enc.var_names
        self.kinds = [enc.var_kinds[n] for n in self.names]
        self.caps = {d.name: (caps or {}).get(d.name, DEFAULT_CAP) for d in enc.c.vars}
        self.vars: list[VarEnc] = []
        for d in enc.c.vars:
            self.vars.append(make_var(enc, d.type, enc.var_kinds[d.name], f"{prefix}{d.name}", self.caps[d.name]))
        self.cons = [c for v in self.vars for c in v.cons]

    @property
    def bounded(self) -> list[str]:
        """The variables whose encoding holds only values that fit its capacity."""
        return [n for n, v in zip(self.names, self.vars) if v.bounded]

    def frame(self) -> Frame:
        return Frame(dict(zip(self.names, (v.sym for v in self.vars))))

    def bind(self, state: tuple) -> list[int]:
        """Literals (raw AST pointers) fixing every constant of this copy to a concrete state."""
        out: list = []
        for name, v, x in zip(self.names, self.vars, state):
            try:
                v.bind(x, out)
            except Capacity:
                raise Capacity(name) from None
            except NotInType:
                raise NotInType(f"variable {name}") from None
        return out

    def read(self, model: z3.ModelRef) -> tuple:
        return tuple(concretize(v.sym, k, model) for v, k in zip(self.vars, self.kinds))

    def grown(self, state: tuple) -> dict[str, Cap]:
        """Capacities at least the current ones, with room for a concrete state."""
        out = {}
        for n, x, k in zip(self.names, state, self.kinds):
            slots, length = measure(x, k, self.enc.layouts)
            old = self.caps[n]
            out[n] = (max(old[0], slots), max(old[1], length), old[2] or _partial(n, self, x))
        return out


def _partial(name: str, st: StateEnc, x) -> bool:
    """Whether a variable's value needs the partial-map encoding."""
    try:
        st.vars[st.names.index(name)].bind(x, [])
    except Capacity:
        return True
    except NotInType:
        pass
    return False


def _most(a: tuple[int, int], b: tuple[int, int]) -> tuple[int, int]:
    return max(a[0], b[0]), max(a[1], b[1])


def measure(v, k: Kind, layouts) -> Cap:
    """The largest set, map or bag and the longest sequence anywhere in a concrete value."""
    if isinstance(k, SetK):
        return _most_of((len(v), 0), (measure(x, k.elem, layouts) for x in v))
    if isinstance(k, FnK):
        return _most_of((len(v[0]), 0), (_most(measure(a, k.dom, layouts), measure(b, k.cod, layouts))
                                         for a, b in zip(*v)))
    if isinstance(k, SeqK):
        return _most_of((0, len(v)), (measure(x, k.elem, layouts) for x in v))
    if isinstance(k, TupleK):
        return _most_of((0, 0), (measure(x, ek, layouts) for x, ek in zip(v, k.elems)))
    if isinstance(k, (RecK, UnionK)) and isinstance(v, tuple):
        vk = variant(k, tuple(layouts[v[0]]))
        return _most_of((0, 0), (measure(x, fk, layouts) for x, (_, fk) in zip(v[1:], vk.fields)))
    return 0, 0


def _most_of(first: Cap, rest) -> Cap:
    for c in rest:
        first = _most(first, c)
    return first
