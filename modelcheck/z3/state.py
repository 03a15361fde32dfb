"""State variables as Z3 constants over their declared types' finite domains.

Each variable is encoded by the shape of its declared type: a set over a finite universe is
one Bool per element, a map with a fixed domain one encoding per key, a record its fields,
a union of record types a tag plus each alternative's fields, a bounded sequence a length
plus one encoding per position, an int or model value one Int constrained to its finite set.

`bind` fixes a concrete state by literals given as raw Z3 AST pointers (ints), which the
C API takes directly; the terms they point to are kept alive by the encodings.

An encoding also binds a concrete runtime state to literals over its constants (for checking
a given state with Z3: `--z3`) and reads a state back from a Z3 model (counterexamples).
"""
from __future__ import annotations

from typing import Any

import z3

from ..lang import ast as A
from ..lang.kinds import BoolK, FnK, Kind, SeqK, SetK, TupleK, UnionK
from .encode import Encoder, Frame, NotInType
from .symbolic import (IEQ, Sc, SSeq, SSet, chain, concretize, is_scalar, mk_map, mk_rec, mk_tup,
                       mk_union, variant)


def raw(e) -> int:
    return e.as_ast().value


class VarEnc:
    sym: Any
    some: Any

    def __init__(self):
        self.cons: list = []

    def bind(self, v, out: list) -> None:
        raise NotImplementedError


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
        x = z3.Int(name)
        self.sym = Sc(x, frozenset(universe))
        # One Bool per value, defined as x == u: the encoding tests equality through them, and
        # a concrete state is fixed by assuming Bools only, which Z3 propagates much faster
        # than arithmetic atoms.
        self.lits = {u: z3.Bool(f"{name}=={u}") for u in universe}
        self.sym.eqs = self.lits
        self.cons = [b == (x == u) for u, b in self.lits.items()]
        lo, hi = min(universe), max(universe)
        if len(universe) == hi - lo + 1:
            self.cons += [x >= lo, x <= hi]
        else:
            self.cons += [z3.Or(list(self.lits.values()))]
        self.some = universe[0]
        self.raw = {u: raw(b) for u, b in self.lits.items()}

    def bind(self, v, out):
        lit = self.raw.get(v) if not isinstance(v, bool) and isinstance(v, int) else None
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

    def bind(self, v, out):
        if not isinstance(v, tuple) or len(v) != len(self.fields) + 1 or v[0] != self.tag:
            raise NotInType(v)
        for f, x in zip(self.fields, v[1:]):
            f.bind(x, out)


class VTup(VarEnc):
    def __init__(self, elems: list[VarEnc]):
        super().__init__()
        self.elems = elems
        self.sym = mk_tup(e.sym for e in elems)
        self.cons = [c for e in elems for c in e.cons]
        self.some = tuple(e.some for e in elems)

    def bind(self, v, out):
        if not isinstance(v, tuple) or len(v) != len(self.elems):
            raise NotInType(v)
        for e, x in zip(self.elems, v):
            e.bind(x, out)


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

    def bind(self, v, out):
        if not (isinstance(v, tuple) and len(v) == 2 and isinstance(v[0], tuple)):
            raise NotInType(v)
        keys, vals = v
        if self.full:
            if keys != self.keys:
                raise NotInType(v)
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
    def __init__(self, name, max_len: int, elems: list[VarEnc]):
        super().__init__()
        self.elems = elems
        self.n = VInt(f"{name}.len", list(range(max_len + 1)))
        self.cons = self.n.cons + [c for e in elems for c in e.cons]
        self.sym = SSeq(self.n.sym, tuple(e.sym for e in elems)) if max_len else ()
        self.some = ()

    def bind(self, v, out):
        if not isinstance(v, tuple) or len(v) > len(self.elems):
            raise NotInType(v)
        self.n.bind(len(v), out)
        for i, e in enumerate(self.elems):
            e.bind(v[i] if i < len(v) else e.some, out)


def make_var(enc: Encoder, t: A.TypeExpr, k: Kind, name: str) -> VarEnc:
    t = enc.resolve(t)
    if isinstance(t, A.SetOfValues) or (isinstance(t, A.UnionType) and is_scalar(k)):
        universe = enc.universe(t, k)
        if not universe:
            raise NotInType(f"type of {name} is empty")
        if len(universe) == 1:
            return VConst(universe[0])
        if isinstance(k, BoolK):
            return VBool(name) if set(universe) == {False, True} else VConst(universe[0])
        if is_scalar(k):
            return VInt(name, universe)
        return VSelect(name, universe, k)
    if isinstance(t, A.SetType):
        return VSet(name, enc.universe(t.elem, k.elem))
    if isinstance(t, A.FnType):
        if enc.full_domain(t.domain):
            keys = enc.universe(t.domain, k.dom)
            full = True
        else:
            keys = enc.universe(t.domain, k.dom)
            full = False
        vals = [make_var(enc, t.codomain, k.cod, f"{name}[{i}]") for i in range(len(keys))]
        return VMap(name, keys, vals, full)
    if isinstance(t, A.BagType):
        return VBag(name, enc.universe(t.elem, k.dom))
    if isinstance(t, A.SeqType):
        if t.max_len is None:
            from .symbolic import EncodeError
            raise EncodeError(f"variable {name}: a sequence type needs a bound for the Z3 encoding",
                              t.span, "write seq[T, Max]")
        m = enc.const_value(t.max_len)
        return VSeq(name, m, [make_var(enc, t.elem, k.elem, f"{name}[{i + 1}]") for i in range(m)])
    if isinstance(t, A.TupleType):
        return VTup([make_var(enc, et, ek, f"{name}[{i + 1}]") for i, (et, ek) in enumerate(zip(t.elems, k.elems))])
    if isinstance(t, A.RecordType):
        names = tuple(sorted(f for f, _ in t.fields))
        types = dict(t.fields)
        vk = variant(k, names)
        return VRec(enc.layout(names), [make_var(enc, types[f], fk, f"{name}.{f}") for f, fk in vk.fields])
    if isinstance(t, A.UnionType):
        alternatives = []
        for i, alt in enumerate(t.alts):
            a = make_var(enc, alt, k, f"{name}#{i}")
            alternatives += a.alternatives if isinstance(a, VUnion) else [a]
        return VUnion(f"{name}.tag", alternatives, k)
    from .symbolic import EncodeError
    raise EncodeError("unknown type", t.span)


class StateEnc:
    """One copy of the state variables (a prefix tells copies apart: s0, s1, ...)."""

    def __init__(self, enc: Encoder, prefix: str = ""):
        enc.activate()
        self.enc = enc
        self.names = enc.var_names
        self.kinds = [enc.var_kinds[n] for n in self.names]
        self.vars: list[VarEnc] = []
        for d in enc.c.vars:
            self.vars.append(make_var(enc, d.type, enc.var_kinds[d.name], f"{prefix}{d.name}"))
        self.cons = [c for v in self.vars for c in v.cons]

    def frame(self) -> Frame:
        return Frame(dict(zip(self.names, (v.sym for v in self.vars))))

    def bind(self, state: tuple) -> list[int]:
        """Literals (raw AST pointers) fixing every constant of this copy to a concrete state."""
        out: list = []
        for name, v, x in zip(self.names, self.vars, state):
            try:
                v.bind(x, out)
            except NotInType:
                raise NotInType(f"variable {name}") from None
        return out

    def read(self, model: z3.ModelRef) -> tuple:
        return tuple(concretize(v.sym, k, model) for v, k in zip(self.vars, self.kinds))


def read_values(values: dict, names, kinds, model) -> tuple:
    """A concrete state from symbolic next-state values (variables not assigned: from `frame`)."""
    return tuple(concretize(values[n], k, model) for n, k in zip(names, kinds))
