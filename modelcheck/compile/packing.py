"""Compact states: a codec chosen at compile time from the variables' declared types.

A state is written as one bit string (a Python int, then `int.to_bytes`), one variable
after another, each the way its declared type allows:

  a type with few values (at most ENUM_LIMIT: `0..3`, `Values | None`, `Acceptors -> -1..2`,
      records and tuples of such, maps with keys missing)   its index among them, fixed width
  a set over a type with few values                          one bit per value of the type, or
                                                             if shorter, a count and indices
  a map over a type with few keys                            a flag "every key", else the set
                                                             of keys present; then the values
  Nat, bag counts                                            Elias gamma code (small is short)
  int, unbounded sequences, sets over big or infinite types,
      maps with other keys                                   zigzag ints, lengths, elements
  strings and model values                                   their symbol table index, gamma coded
  ints mixed with strings or model values                    a flag, then either

Declared domains are not enforced at run time (a map may lose keys, a spec without a
constraint may count past its range), so a variable whose value falls outside what its type
says is written in a general encoding derived from its kind alone, behind a one-bit flag.
A state that does not even fit its kinds (never produced by compiled code) is marshalled
whole. Either way decoding gives back the same value: the same ints and bools, tuples,
frozensets, map key order and record tags.

Decoded sets are built afresh, so they may iterate in another order than the originals did
(as after pickling or marshalling); equal states stay equal and hash alike. Equal states may
also be written as different bytes (the elements of a set over an infinite type are written
in iteration order): compare states, not bytes.

As in fingerprint.py, what writes and reads each part of a state is chosen once per spec,
here, from the declared types, the kinds and the values of the constants; packing_parts.py
turns the parts into the code of one encode and one decode function.
"""
from __future__ import annotations

from itertools import chain, product

from ..lang import ast as A
from ..lang.kinds import (BoolK, FnK, IntK, Kind, MixK, ModelK, RecK, SeqK, SetK, StrK, SymK, TupleK,
                          UnionK, elem_kinds)
from ..lang.typecheck import CheckedSpec
from ..values import canon
from .emit_python import GeneratedModule, module_code
from .lower_expr import Ctx
from .packing_parts import (SCALAR, SIGNED, SYMBOL, UNENCODABLE, AnyMap, Collection, Enumerated, Fields,
                            FiniteSet, Flagged, IntFrom, KeyedMap, Memoized, Part, Union, codec_functions)

ENUM_LIMIT = 4096  # a type with at most this many values is written as an index into them


class StateCodec:
    """encode(state) -> bytes and decode(bytes) -> state, with decode(encode(s)) == s.
    `source` is the Python code of both (one function each, plus helpers for deep types)."""

    def __init__(self, parts: list[Part], names: list[str]):
        self.source, self.encode, self.decode = codec_functions(parts, names)


def state_codec(checked: CheckedSpec, gen: GeneratedModule, ns: dict) -> StateCodec:
    """The codec of a compiled spec's states (ns: its loaded module, holding the constants)."""
    types = _Types(checked, gen, ns)
    return StateCodec([types.variable(v.type, checked.var_kinds[v.name]) for v in checked.vars],
                      [v.name for v in checked.vars])


# ---------------------------------------------------------------- from types to parts

class _Types:
    """The parts of a spec's declared types, and of its kinds for values outside them."""

    def __init__(self, checked: CheckedSpec, gen: GeneratedModule, ns: dict):
        self.c = checked
        self.ns = ns
        self.tags = {names: tag for tag, names in enumerate(gen.layouts)}
        self.code = module_code(checked, gen)
        self.general_parts: dict[Kind, Part] = {}

    def variable(self, t: A.TypeExpr, k: Kind) -> Part:
        typed, general = self.typed(t, k), self.general(k)
        part = general if typed is general else Flagged(typed, general)
        return part if isinstance(typed, Enumerated) else Memoized(part)  # an index is as fast as a memo

    # ------------------------------------------------------------ values of types
    def resolve(self, t: A.TypeExpr) -> A.TypeExpr:
        while isinstance(t, A.SetOfValues) and isinstance(t.expr, A.Name) and t.expr.id in self.c.types:
            t = self.c.types[t.expr.id]
        return t

    def values(self, t: A.SetOfValues) -> list | None:
        """The values of a type written as a set expression, in canonical order; None if
        infinite or not computable here."""
        e = t.expr
        if isinstance(e, A.Name) and e.id in ("Nat", "Int", "int", "string"):
            return None
        if isinstance(e, A.Name) and e.id == "bool":
            return [False, True]
        try:
            value = eval(self.code.ex(e, Ctx(hoist=False)), self.ns)
        except Exception:  # e.g. a range too big to build: the general encoding will do
            return None
        return sorted(value, key=canon) if isinstance(value, frozenset) else [value]

    def universe(self, t: A.TypeExpr, k: Kind) -> list | None:
        """Every value of type t if there are at most ENUM_LIMIT, else None. Maps include those
        with keys missing: specs build maps key by key."""
        t = self.resolve(t)
        if isinstance(t, A.SetOfValues):
            u = self.values(t)
            return u if u is not None and len(u) <= ENUM_LIMIT else None
        if isinstance(t, A.SetType):
            elems = self.universe(t.elem, k.elem)
            if elems is None or 2 ** len(elems) > ENUM_LIMIT:
                return None
            return _sorted(frozenset(e for e, b in zip(elems, bits) if b)
                           for bits in product((False, True), repeat=len(elems)))
        if isinstance(t, A.SeqType):
            elems = self.universe(t.elem, k.elem)
            m = None if t.max_len is None else self.constant(t.max_len)
            if elems is None or not isinstance(m, int) or _sequences(len(elems), m) > ENUM_LIMIT:
                return None
            return [tuple(p) for i in range(m + 1) for p in product(elems, repeat=i)]
        if isinstance(t, A.TupleType):
            return _product([self.universe(e, ek) for e, ek in zip(t.elems, elem_kinds(k, len(t.elems)))], ())
        if isinstance(t, A.RecordType):
            names, field_types, variant = self.record(t, k)
            if names not in self.tags:
                return None
            return _product([self.universe(field_types[f], fk) for f, fk in variant.fields], (self.tags[names],))
        if isinstance(t, A.UnionType):
            alts = [self.universe(a, k) for a in t.alts]
            if any(a is None for a in alts) or sum(map(len, alts)) > ENUM_LIMIT:
                return None
            return _sorted(set(chain.from_iterable(alts)))
        if isinstance(t, A.FnType):
            dom, cod = self.universe(t.domain, k.dom), self.universe(t.codomain, k.cod)
            if dom is None or cod is None or (len(cod) + 1) ** len(dom) > ENUM_LIMIT:
                return None
            absent = object()
            return [(tuple(d for d, x in zip(dom, xs) if x is not absent), tuple(x for x in xs if x is not absent))
                    for xs in product([absent] + cod, repeat=len(dom))]
        return None  # bags: counts are unbounded

    def constant(self, e: A.Expr) -> int | None:
        try:
            return eval(self.code.ex(e, Ctx(hoist=False)), self.ns)
        except Exception:
            return None

    def record(self, t: A.RecordType, k: Kind) -> tuple[tuple[str, ...], dict, RecK]:
        names = tuple(sorted(f for f, _ in t.fields))
        variant = k if isinstance(k, RecK) else k.variant(names)
        return names, dict(t.fields), variant

    # ------------------------------------------------------------ typed parts
    def typed(self, t: A.TypeExpr, k: Kind) -> Part:
        """The encoding of type t's values; a value outside t raises a LookupError."""
        u = self.universe(t, k)
        if u is not None:
            return Enumerated(u)
        t = self.resolve(t)
        if isinstance(t, A.SetOfValues):
            return self.scalar(t, k)
        if isinstance(t, A.SetType):
            elems = self.universe(t.elem, k.elem)
            return Collection(self.typed(t.elem, k.elem), "frozenset") if elems is None else FiniteSet(elems)
        if isinstance(t, A.SeqType):
            return Collection(self.typed(t.elem, k.elem), "tuple")
        if isinstance(t, A.TupleType):
            return Fields([self.typed(e, ek) for e, ek in zip(t.elems, elem_kinds(k, len(t.elems)))], None)
        if isinstance(t, A.RecordType):
            names, field_types, variant = self.record(t, k)
            if names not in self.tags:
                return self.general(k)
            return Fields([self.typed(field_types[f], fk) for f, fk in variant.fields], self.tags[names])
        if isinstance(t, A.UnionType):
            return self.union(t, k)
        if isinstance(t, A.FnType):
            return self.map(t.domain, k.dom, self.typed(t.codomain, k.cod))
        if isinstance(t, A.BagType):
            return self.map(t.elem, k.dom, IntFrom(1))
        return self.general(k)

    def scalar(self, t: A.SetOfValues, k: Kind) -> Part:
        e = t.expr
        if isinstance(e, A.Name) and e.id == "Nat":
            return IntFrom(0)
        u = self.values(t)
        if u is not None and isinstance(k, IntK):  # a big range of ints
            return IntFrom(u[0])
        return self.general(k)

    def map(self, dom: A.TypeExpr, dom_kind: Kind, cod: Part) -> Part:
        keys = self.universe(dom, dom_kind)
        if keys is not None:
            return KeyedMap(keys, cod)
        return AnyMap(self.typed(dom, dom_kind), cod)

    def union(self, t: A.UnionType, k: Kind) -> Part:
        """Records of several layouts (or of one: then the kind is a record kind); alternatives
        of one layout share its fields' parts."""
        alts = self.alternatives(t)
        if not isinstance(k, (RecK, UnionK)) or any(not isinstance(a, A.RecordType) for a in alts):
            return self.general(k)
        by_layout: dict[tuple[str, ...], list[A.RecordType]] = {}
        for a in alts:
            by_layout.setdefault(tuple(sorted(f for f, _ in a.fields)), []).append(a)
        variants = {}
        for names, same in by_layout.items():
            if names in self.tags:
                _, _, variant = self.record(same[0], k)
                variants[self.tags[names]] = [self.shared_field(same, f, fk) for f, fk in variant.fields]
        if not isinstance(k, RecK):
            return Union(variants)
        if not variants:
            return self.general(k)
        [(tag, fields)] = variants.items()
        return Fields(fields, tag)

    def alternatives(self, t: A.TypeExpr) -> list[A.TypeExpr]:
        t = self.resolve(t)
        if isinstance(t, A.UnionType):
            return [x for a in t.alts for x in self.alternatives(a)]
        return [t]

    def shared_field(self, records: list[A.RecordType], name: str, k: Kind) -> Part:
        types = [dict(r.fields)[name] for r in records]
        if len(types) == 1:
            return self.typed(types[0], k)
        us = [self.universe(ft, k) for ft in types]
        if any(u is None for u in us) or sum(map(len, us)) > ENUM_LIMIT:
            return self.general(k)
        return Enumerated(_sorted(set(chain.from_iterable(us))))

    # ------------------------------------------------------------ general parts
    def general(self, k: Kind) -> Part:
        """The encoding of every value of kind k, whatever its declared type."""
        if k not in self.general_parts:
            self.general_parts[k] = self._general(k)
        return self.general_parts[k]

    def _general(self, k: Kind) -> Part:
        if isinstance(k, BoolK):
            return Enumerated([False, True])
        if isinstance(k, IntK):
            return SIGNED
        if isinstance(k, (ModelK, StrK, SymK)):
            return SYMBOL if self.c.mixes_ints_and_symbols else IntFrom(0)  # values.symbol
        if isinstance(k, MixK):
            return SCALAR
        if isinstance(k, SetK):
            return Collection(self.general(k.elem), "frozenset")
        if isinstance(k, SeqK):
            return Collection(self.general(k.elem), "tuple")
        if isinstance(k, TupleK):
            return Fields([self.general(e) for e in k.elems], None)
        if isinstance(k, FnK):
            return AnyMap(self.general(k.dom), self.general(k.cod))
        if isinstance(k, RecK):
            if k.names not in self.tags:
                return UNENCODABLE
            return Fields([self.general(f) for _, f in k.fields], self.tags[k.names])
        if isinstance(k, UnionK):
            return Union({self.tags[v.names]: [self.general(f) for _, f in v.fields]
                          for v in k.variants if v.names in self.tags})
        return UNENCODABLE  # AnyK: no value of it is ever stored


def _sequences(n_elems: int, max_len: int) -> int:
    """How many sequences of at most max_len elements of n_elems values (counted up to just
    past ENUM_LIMIT: max_len may be huge)."""
    total, power = 0, 1
    for _ in range(min(max_len, ENUM_LIMIT) + 1):
        total += power
        if total > ENUM_LIMIT:
            break
        power *= n_elems
    return total


def _sorted(values) -> list:
    return sorted(values, key=canon)


def _product(parts: list[list | None], prefix: tuple) -> list | None:
    if any(p is None for p in parts):
        return None
    size = 1
    for p in parts:
        size *= len(p)
    if size > ENUM_LIMIT:
        return None
    return [prefix + xs for xs in product(*parts)]
