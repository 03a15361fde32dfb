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

Declared domains are not enforced at run time (a map may lose keys, a spec without a
constraint may count past its range), so a variable whose value falls outside what its type
says is written in a general encoding derived from its kind alone, behind a one-bit flag.
A state that does not even fit its kinds (never produced by compiled code) is marshalled
whole. Either way decoding gives back the same value: the same ints and bools, tuples,
frozensets, map key order and record tags.

Decoded sets are built afresh, so they may iterate in another order than the originals did
(as after pickling or marshalling); equal states stay equal and hash alike.

As in fingerprint.py, the functions that write and read each part of a state are built once
per spec, here, from the declared types, the kinds and the values of the constants.
"""
from __future__ import annotations

import marshal
from itertools import chain, product, repeat
from operator import getitem
from typing import Any, Callable, NamedTuple

from ..lang import ast as A
from ..lang.kinds import (AnyK, BoolK, FnK, IntK, Kind, ModelK, RecK, SeqK, SetK, StrK, TupleK,
                          UnionK)
from ..lang.typecheck import CheckedSpec
from ..values import canon
from .codegen import GeneratedModule, _Codegen

ENUM_LIMIT = 4096  # a type with at most this many values is written as an index into them


class Part(NamedTuple):
    """How values of one type are written and read at a bit position of the state's int."""
    write: Callable[[Any], tuple[int, int]]          # value -> (bits, width)
    read: Callable[[int, int], tuple[Any, int]]      # (state bits, position) -> (value, next position)


class OutsideType(LookupError):
    """A value outside its declared type (KeyError, also a LookupError, says the same)."""


class StateCodec:
    """encode(state) -> bytes and decode(bytes) -> state, with decode(encode(s)) == s."""

    def __init__(self, parts: list[Part]):
        self._writers = [p.write for p in parts]
        self._readers = [p.read for p in parts]
        self._n = len(parts)

    def encode(self, state: tuple) -> bytes:
        try:
            if len(state) != self._n:
                raise TypeError("state of another length")
            code, pos = _put(self._writers, state, 0, 0)
        except Exception:  # not of the variables' kinds: keep it as it is
            return marshal.dumps(state) + b"\0"
        # The shortest bytes: a typed encoding never ends in a zero byte, a marshalled one does.
        return code.to_bytes((code.bit_length() + 7) >> 3, "little")

    def decode(self, data: bytes) -> tuple:
        if data and data[-1] == 0:
            return marshal.loads(data[:-1])
        n = int.from_bytes(data, "little")
        out: list = []
        _get(self._readers, n, 0, out)
        return tuple(out)


def state_codec(checked: CheckedSpec, gen: GeneratedModule, ns: dict) -> StateCodec:
    """The codec of a compiled spec's states (ns: its loaded module, holding the constants)."""
    types = _Types(checked, gen, ns)
    return StateCodec([types.variable(v.type, checked.var_kinds[v.name]) for v in checked.vars])


# ---------------------------------------------------------------- bits

def _put(writers, values, code: int, pos: int) -> tuple[int, int]:
    for write, x in zip(writers, values):
        c, w = write(x)
        code |= c << pos
        pos += w
    return code, pos


def _get(readers, n: int, pos: int, out: list) -> int:
    for read in readers:
        x, pos = read(n, pos)
        out.append(x)
    return pos


def _gamma(v: int) -> tuple[int, int]:
    """Elias gamma code of v + 1 (v >= 0), least significant bit first: z zeros, a one, then
    the z low bits of v + 1. 0 takes 1 bit, 1..2 take 3, 3..6 take 5."""
    x = v + 1
    z = x.bit_length() - 1
    return ((x ^ (1 << z)) << (z + 1)) | (1 << z), 2 * z + 1


def _ungamma(n: int, pos: int) -> tuple[int, int]:
    t = n >> pos
    z = (t & -t).bit_length() - 1
    return (((t >> (z + 1)) & ((1 << z) - 1)) | (1 << z)) - 1, pos + 2 * z + 1


# ---------------------------------------------------------------- parts

def enumerated(universe: list) -> Part:
    """Any of the given values, as its index; another value raises KeyError."""
    values = tuple(universe)
    index = {u: i for i, u in enumerate(values)}
    width = (len(values) - 1).bit_length()
    mask = (1 << width) - 1

    def write(v):
        return index[v], width

    def read(n, pos):
        return values[(n >> pos) & mask], pos + width
    return Part(write, read)


def int_from(lo: int) -> Part:
    """An int >= lo (Nat, a bag's count), gamma coded from lo."""
    def write(v):
        if v < lo:
            raise OutsideType(v)
        return _gamma(v - lo)

    def read(n, pos):
        x, pos = _ungamma(n, pos)
        return x + lo, pos
    return Part(write, read)


def _signed_write(v: int) -> tuple[int, int]:
    return _gamma(v << 1 if v >= 0 else (~v << 1) | 1)  # zigzag: 0, -1, 1, -2, ... -> 0, 1, 2, 3, ...


def _signed_read(n: int, pos: int) -> tuple[int, int]:
    x, pos = _ungamma(n, pos)
    return (x >> 1) ^ -(x & 1), pos


SIGNED = Part(_signed_write, _signed_read)


def collection(elem: Part, build: Callable) -> Part:
    """A sequence (build=tuple) or set (build=frozenset): its length, then its elements."""
    write_elem, read_elem = elem

    def write(vs):
        code, pos = _gamma(len(vs))
        return _put(repeat(write_elem), vs, code, pos)

    def read(n, pos):
        count, pos = _ungamma(n, pos)
        out: list = []
        pos = _get(repeat(read_elem, count), n, pos, out)
        return build(out), pos
    return Part(write, read)


def fields(parts: list[Part], tag: int | None) -> Part:
    """A tuple of fixed length; with a tag, a record (tag, fields...) of which the fields are written."""
    writers = [p.write for p in parts]
    readers = [p.read for p in parts]
    if tag is None:
        def write(v):
            return _put(writers, v, 0, 0)

        def read(n, pos):
            out: list = []
            pos = _get(readers, n, pos, out)
            return tuple(out), pos
    else:
        def write(v):
            return _put(writers, v[1:], 0, 0)

        def read(n, pos):
            out = [tag]
            pos = _get(readers, n, pos, out)
            return tuple(out), pos
    return Part(write, read)


def union(variants: dict[int, list[Part]]) -> Part:
    """A record of one of several layouts: the variant's number, then its fields."""
    tags = sorted(variants)
    width = (len(tags) - 1).bit_length()
    mask = (1 << width) - 1
    by_tag = {tag: (i, [p.write for p in variants[tag]]) for i, tag in enumerate(tags)}
    by_number = [(tag, [p.read for p in variants[tag]]) for tag in tags]

    def write(v):
        i, writers = by_tag[v[0]]
        return _put(writers, v[1:], i, width)

    def read(n, pos):
        tag, readers = by_number[(n >> pos) & mask]
        out = [tag]
        pos = _get(readers, n, pos + width, out)
        return tuple(out), pos
    return Part(write, read)


def any_map(dom: Part, cod: Part) -> Part:
    """A map with any keys: their number, the keys in their order, then the values."""
    keys_part, vals_part = collection(dom, tuple), collection(cod, tuple)

    def write(m):
        code, pos = keys_part.write(m[0])
        return _put(repeat(cod.write), m[1], code, pos)

    def read(n, pos):
        keys, pos = keys_part.read(n, pos)
        vals: list = []
        pos = _get(repeat(cod.read, len(keys)), n, pos, vals)
        return (keys, tuple(vals)), pos
    return Part(write, read)


class _Members:
    """The elements of a universe whose bits are set in a mask, in universe order: a byte of
    the mask at a time, through per-byte tables filled on first use."""

    def __init__(self, universe: tuple):
        self.nbytes = (len(universe) + 7) >> 3
        self.tables = [_ByteTable(universe[8 * j: 8 * j + 8]) for j in range(self.nbytes)]

    def __call__(self, mask: int) -> tuple:
        return tuple(chain.from_iterable(map(getitem, self.tables, mask.to_bytes(self.nbytes, "little"))))


class _ByteTable(dict):
    def __init__(self, elems: tuple):
        super().__init__({0: ()})
        self.elems = elems

    def __missing__(self, byte: int) -> tuple:
        found = self[byte] = tuple(e for i, e in enumerate(self.elems) if byte >> i & 1)
        return found


def subsets(universe: list) -> tuple[dict, Part]:
    """Subsets of a finite universe, given as lists of indices (see `index`): a flag, then one
    bit per element of the universe or, when shorter, the number of elements and their
    indices. Read back as a tuple of elements, in universe order from a bitmask, in the order
    written from indices."""
    elems = tuple(universe)
    index = {u: i for i, u in enumerate(elems)}
    power = [1 << i for i in range(len(elems))]
    width = len(elems)
    mask = (1 << width) - 1
    iwidth = (width - 1).bit_length()
    imask = (1 << iwidth) - 1
    members = _Members(elems)

    def write(idx: list[int]):
        count = len(idx)
        if count * iwidth + 2 * count.bit_length() < width:
            code, pos = _gamma(count)
            for i in idx:
                code |= i << pos
                pos += iwidth
            return code << 1 | 1, pos + 1
        return sum(map(power.__getitem__, idx)) << 1, width + 1

    def read(n, pos):
        if not (n >> pos) & 1:
            return members((n >> (pos + 1)) & mask), pos + width + 1
        count, pos = _ungamma(n, pos + 1)
        return tuple(elems[(n >> p) & imask] for p in range(pos, pos + count * iwidth, iwidth)), pos + count * iwidth
    return index, Part(write, read)


def finite_set(universe: list) -> Part:
    """A subset of a finite universe; an element outside it raises KeyError."""
    index, (write_idx, read_idx) = subsets(universe)

    def write(s):
        return write_idx(list(map(index.__getitem__, s)))

    def read(n, pos):
        elems, pos = read_idx(n, pos)
        return frozenset(elems), pos
    return Part(write, read)


def keyed_map(domain: list, cod: Part) -> Part:
    """A map whose keys come from a finite domain, in its order: a flag bit, then either
    nothing (every key of the domain) or the subset of keys present; then the values."""
    full = tuple(domain)
    index, (write_keys, read_keys) = subsets(full)
    write_val, read_val = cod

    def write(m):
        keys, vals = m
        if keys == full:
            code, pos = 0, 1
        else:
            idx = list(map(index.__getitem__, keys))
            if any(a >= b for a, b in zip(idx, idx[1:])):  # not in canonical order: not ours to rebuild
                raise OutsideType(keys)
            code, pos = write_keys(idx)
            code, pos = code << 1 | 1, pos + 1
        return _put(repeat(write_val), vals, code, pos)

    def read(n, pos):
        if (n >> pos) & 1:
            keys, pos = read_keys(n, pos + 1)
        else:
            keys, pos = full, pos + 1
        vals: list = []
        pos = _get(repeat(read_val, len(keys)), n, pos, vals)
        return (keys, tuple(vals)), pos
    return Part(write, read)


def flagged(typed: Part, general: Part) -> Part:
    """A variable: flag 0 and its typed encoding, or flag 1 and the general one when its value
    is outside its declared type."""
    write_typed, read_typed = typed
    write_general, read_general = general

    def write(v):
        try:
            c, w = write_typed(v)
            return c << 1, w + 1
        except LookupError:
            c, w = write_general(v)
            return c << 1 | 1, w + 1

    def read(n, pos):
        return (read_general if (n >> pos) & 1 else read_typed)(n, pos + 1)
    return Part(write, read)


def _unencodable(v):
    raise TypeError("a value of unknown kind")


UNENCODABLE = Part(_unencodable, _unencodable)


# ---------------------------------------------------------------- from types to parts

class _DomainCode(_Codegen):
    """The generator of the spec's code, for the set expressions of types: every
    subexpression is computed where it is written (the K_ names belong to the module)."""

    def _hoist(self, code: str) -> str:
        return f"({code})"


class _Types:
    """The parts of a spec's declared types, and of its kinds for values outside them."""

    def __init__(self, checked: CheckedSpec, gen: GeneratedModule, ns: dict):
        self.c = checked
        self.ns = ns
        self.tags = {names: tag for tag, names in enumerate(gen.layouts)}
        self.code = _DomainCode(checked)
        # the module's ids of strings and record layouts, so that literals in types get the same
        n_models = len(checked.model_values)
        self.code.symbols = list(gen.symbols)
        self.code.string_ids = {s: i for i, s in enumerate(gen.symbols[n_models:], n_models)}
        self.code.layouts = dict(self.tags)
        self.general_parts: dict[Kind, Part] = {}

    def variable(self, t: A.TypeExpr, k: Kind) -> Part:
        typed, general = self.typed(t, k), self.general(k)
        return general if typed is general else flagged(typed, general)

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
            value = eval(self.code.ex(e, False), self.ns)
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
            if elems is None or m is None or sum(len(elems) ** i for i in range(m + 1)) > ENUM_LIMIT:
                return None
            return [tuple(p) for i in range(m + 1) for p in product(elems, repeat=i)]
        if isinstance(t, A.TupleType):
            return _product([self.universe(e, ek) for e, ek in zip(t.elems, k.elems)], ())
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
            return eval(self.code.ex(e, False), self.ns)
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
            return enumerated(u)
        t = self.resolve(t)
        if isinstance(t, A.SetOfValues):
            return self.scalar(t, k)
        if isinstance(t, A.SetType):
            elems = self.universe(t.elem, k.elem)
            return collection(self.typed(t.elem, k.elem), frozenset) if elems is None else finite_set(elems)
        if isinstance(t, A.SeqType):
            return collection(self.typed(t.elem, k.elem), tuple)
        if isinstance(t, A.TupleType):
            return fields([self.typed(e, ek) for e, ek in zip(t.elems, k.elems)], None)
        if isinstance(t, A.RecordType):
            names, field_types, variant = self.record(t, k)
            if names not in self.tags:
                return self.general(k)
            return fields([self.typed(field_types[f], fk) for f, fk in variant.fields], self.tags[names])
        if isinstance(t, A.UnionType):
            return self.union(t, k)
        if isinstance(t, A.FnType):
            return self.map(t.domain, k.dom, self.typed(t.codomain, k.cod))
        if isinstance(t, A.BagType):
            return self.map(t.elem, k.dom, int_from(1))
        return self.general(k)

    def scalar(self, t: A.SetOfValues, k: Kind) -> Part:
        e = t.expr
        if isinstance(e, A.Name) and e.id == "Nat":
            return int_from(0)
        u = self.values(t)
        if u is not None and isinstance(k, IntK):  # a big range of ints
            return int_from(u[0])
        return self.general(k)

    def map(self, dom: A.TypeExpr, dom_kind: Kind, cod: Part) -> Part:
        keys = self.universe(dom, dom_kind)
        if keys is not None:
            return keyed_map(keys, cod)
        return any_map(self.typed(dom, dom_kind), cod)

    def union(self, t: A.UnionType, k: Kind) -> Part:
        """Records of several layouts; alternatives of one layout share its fields' parts."""
        alts = self.alternatives(t)
        if not isinstance(k, UnionK) or any(not isinstance(a, A.RecordType) for a in alts):
            return self.general(k)
        by_layout: dict[tuple[str, ...], list[A.RecordType]] = {}
        for a in alts:
            by_layout.setdefault(tuple(sorted(f for f, _ in a.fields)), []).append(a)
        variants = {}
        for names, same in by_layout.items():
            if names in self.tags:
                variant = k.variant(names)
                variants[self.tags[names]] = [self.shared_field(same, f, fk) for f, fk in variant.fields]
        return union(variants)

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
        return enumerated(_sorted(set(chain.from_iterable(us))))

    # ------------------------------------------------------------ general parts
    def general(self, k: Kind) -> Part:
        """The encoding of every value of kind k, whatever its declared type."""
        if k not in self.general_parts:
            self.general_parts[k] = self._general(k)
        return self.general_parts[k]

    def _general(self, k: Kind) -> Part:
        if isinstance(k, BoolK):
            return enumerated([False, True])
        if isinstance(k, IntK):
            return SIGNED
        if isinstance(k, (ModelK, StrK)):
            return int_from(0)  # ids into the symbol table
        if isinstance(k, SetK):
            return collection(self.general(k.elem), frozenset)
        if isinstance(k, SeqK):
            return collection(self.general(k.elem), tuple)
        if isinstance(k, TupleK):
            return fields([self.general(e) for e in k.elems], None)
        if isinstance(k, FnK):
            return any_map(self.general(k.dom), self.general(k.cod))
        if isinstance(k, RecK):
            if k.names not in self.tags:
                return UNENCODABLE
            return fields([self.general(f) for _, f in k.fields], self.tags[k.names])
        if isinstance(k, UnionK):
            return union({self.tags[v.names]: [self.general(f) for _, f in v.fields]
                          for v in k.variants if v.names in self.tags})
        return UNENCODABLE  # AnyK: no value of it is ever stored


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
