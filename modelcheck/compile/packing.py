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
from itertools import chain, product
from operator import getitem
from typing import Any, Callable

from ..lang import ast as A
from ..lang.kinds import (AnyK, BoolK, FnK, IntK, Kind, ModelK, RecK, SeqK, SetK, StrK, TupleK,
                          UnionK)
from ..lang.typecheck import CheckedSpec
from ..values import canon
from .codegen import GeneratedModule, _Codegen

ENUM_LIMIT = 4096  # a type with at most this many values is written as an index into them


class OutsideType(LookupError):
    """A value outside its declared type (KeyError, also a LookupError, says the same)."""


class StateCodec:
    """encode(state) -> bytes and decode(bytes) -> state, with decode(encode(s)) == s.
    `source` is the Python code of both (one function each, plus helpers for deep types)."""

    def __init__(self, parts: list[Part], names: list[str]):
        code = _Code()
        self.source = code.module(parts, names)
        self.encode: Callable[[tuple], bytes] = code.env["encode"]
        self.decode: Callable[[bytes], tuple] = code.env["decode"]


def state_codec(checked: CheckedSpec, gen: GeneratedModule, ns: dict) -> StateCodec:
    """The codec of a compiled spec's states (ns: its loaded module, holding the constants)."""
    types = _Types(checked, gen, ns)
    return StateCodec([types.variable(v.type, checked.var_kinds[v.name]) for v in checked.vars],
                      [v.name for v in checked.vars])


# ---------------------------------------------------------------- generated code

MAX_NESTING = 8  # blocks nested in one generated function before a part gets its own (Python allows 20)


class _Code:
    """Python code writing values into `c`, an int, at bit position `p`, and reading them
    from `n` at `p`. Parts emit their code inline; constants live in `env`."""

    def __init__(self):
        self.env: dict[str, Any] = {"OutsideType": OutsideType, "dumps": marshal.dumps, "loads": marshal.loads}
        self.functions: list[str] = []
        self.made: dict[tuple[int, str], str] = {}  # (id(part), "w" or "r") -> function name
        self.lines: list[str] = []
        self.depth = 0
        self.count = 0

    def module(self, parts: list[Part], names: list[str]) -> str:
        self.lines, self.depth = ["def encode(st):"], 1
        self.line(f"if type(st) is not tuple or len(st) != {len(parts)}:")
        self.line("    return dumps(st) + b'\\0'  # not of the variables' kinds: keep it as it is")
        self.line("c = p = 0")
        self.line("try:")
        self.depth += 1
        for i, (part, name) in enumerate(zip(parts, names)):
            self.line(f"# {name}")
            self.write(part, f"st[{i}]")
        self.depth -= 1
        self.line("except Exception:")
        self.line("    return dumps(st) + b'\\0'")
        self.line("# the shortest bytes: a typed encoding never ends in a zero byte, a marshalled one does")
        self.line("return c.to_bytes((c.bit_length() + 7) >> 3, 'little')")
        encode = self.lines
        self.lines, self.depth = ["def decode(data):"], 1
        self.line("if data and data[-1] == 0:")
        self.line("    return loads(data[:-1])")
        self.line("n = int.from_bytes(data, 'little')")
        self.line("p = 0")
        values = []
        for part, name in zip(parts, names):
            self.line(f"# {name}")
            values.append(self.read(part))
        self.line(f"return {_tuple(values)}")
        text = "\n\n".join(self.functions + ["\n".join(encode), "\n".join(self.lines)]) + "\n"
        exec(compile(text, "<modelcheck:packing>", "exec"), self.env)
        return text

    def line(self, text: str) -> None:
        self.lines.append("    " * self.depth + text)

    def name(self, prefix: str) -> str:
        self.count += 1
        return f"{prefix}{self.count}"

    def const(self, value: Any) -> str:
        name = self.name("K")
        self.env[name] = value
        return name

    def local(self, expr: str) -> str:
        """A local name for the value of expr (evaluated once)."""
        if expr.isidentifier():
            return expr
        name = self.name("v")
        self.line(f"{name} = {expr}")
        return name

    def write(self, part: Part, v: str) -> None:
        if self.depth < MAX_NESTING:
            part.write(self, v)
        else:
            self.line(f"c, p = {self.function(part, 'w')}({v}, c, p)")

    def read(self, part: Part) -> str:
        if self.depth < MAX_NESTING:
            return part.read(self)
        x = self.name("x")
        self.line(f"{x}, p = {self.function(part, 'r')}(n, p)")
        return x

    def function(self, part: Part, which: str) -> str:
        """The name of a generated function writing (c, p = w(v, c, p)) or reading
        (x, p = r(n, p)) a value of the part."""
        key = (id(part), which)
        if key not in self.made:
            name = self.made[key] = self.name(which)
            outer = self.lines, self.depth
            self.lines, self.depth = [f"def {name}({'v, c, p' if which == 'w' else 'n, p'}):"], 1
            if which == "w":
                part.write(self, "v")
                self.line("return c, p")
            else:
                self.line(f"return {part.read(self)}, p")
            self.functions.append("\n".join(self.lines))
            self.lines, self.depth = outer
        return self.made[key]

    def block(self, header: str, body: Callable[[], Any]) -> Any:
        self.line(header)
        self.depth += 1
        try:
            return body()
        finally:
            self.depth -= 1

    def put(self, bits: str, width: str) -> None:
        if bits != "0":
            self.line(f"c |= {bits} << p")
        self.line(f"p += {width}")

    def put_gamma(self, v: str) -> None:
        """Elias gamma code of v + 1 (v >= 0), least significant bit first: z zeros, a one,
        then the z low bits of v + 1. 0 takes 1 bit, 1..2 take 3, 3..6 take 5."""
        x, z = self.name("g"), self.name("z")
        self.line(f"{x} = {v} + 1")
        self.line(f"{z} = {x}.bit_length() - 1")
        self.put(f"((({x} ^ (1 << {z})) << ({z} + 1)) | (1 << {z}))", f"2 * {z} + 1")

    def get_gamma(self) -> str:
        t, z, x = self.name("t"), self.name("z"), self.name("g")
        self.line(f"{t} = n >> p")
        self.line(f"{z} = ({t} & -{t}).bit_length() - 1")
        self.line(f"{x} = ((({t} >> ({z} + 1)) & ((1 << {z}) - 1)) | (1 << {z})) - 1")
        self.line(f"p += 2 * {z} + 1")
        return x

    def get_list(self, count: str, part: Part) -> str:
        """The values of `count` parts in a row, as a list."""
        out = self.name("l")
        self.line(f"{out} = []")
        self.block(f"for _ in range({count}):", lambda: self.line(f"{out}.append({self.read(part)})"))
        return out

    def assign(self, expr: str) -> str:
        x = self.name("x")
        self.line(f"{x} = {expr}")
        return x


def functions(part: Part) -> tuple[Callable, Callable]:
    """The code of one part as functions write(v, c, p) -> (c, p) and read(n, p) -> (v, p)."""
    code = _Code()
    write, read = code.function(part, "w"), code.function(part, "r")
    exec(compile("\n\n".join(code.functions), "<modelcheck:packing>", "exec"), code.env)
    return code.env[write], code.env[read]


def _tuple(items: list[str]) -> str:
    return "(" + "".join(f"{x}, " for x in items) + ")"


# ---------------------------------------------------------------- parts

class Part:
    """How values of one type are written and read: emits the code of both."""

    def write(self, code: _Code, v: str) -> None:
        raise NotImplementedError

    def read(self, code: _Code) -> str:
        """Emits code reading a value; returns an expression for it."""
        raise NotImplementedError


class Enumerated(Part):
    """Any of the given values, as its index; another value raises KeyError."""

    def __init__(self, universe: list):
        self.values = tuple(universe)
        self.index = {u: i for i, u in enumerate(self.values)}
        self.width = (len(self.values) - 1).bit_length()

    def write(self, code, v):
        lookup = f"{code.const(self.index)}[{v}]"
        if self.width:
            code.put(lookup, str(self.width))
        else:
            code.line(lookup)  # a one-value type: only check that it is that value

    def read(self, code):
        values = code.const(self.values)
        if not self.width:
            return f"{values}[0]"
        x = code.assign(f"{values}[(n >> p) & {(1 << self.width) - 1}]")
        code.line(f"p += {self.width}")
        return x


class IntFrom(Part):
    """An int >= lo (Nat, a bag's count), gamma coded from lo."""

    def __init__(self, lo: int):
        self.lo = lo

    def write(self, code, v):
        v = code.local(v)
        code.line(f"if {v} < {self.lo}: raise OutsideType({v})")
        code.put_gamma(f"{v} - {self.lo}" if self.lo else v)

    def read(self, code):
        g = code.get_gamma()
        return f"{g} + {self.lo}" if self.lo else g


class Signed(Part):
    """Any int, zigzag (0, -1, 1, -2, ... as 0, 1, 2, 3, ...) then gamma coded."""

    def write(self, code, v):
        v = code.local(v)
        code.put_gamma(f"({v} << 1 if {v} >= 0 else (~{v} << 1) | 1)")

    def read(self, code):
        g = code.get_gamma()
        return f"(({g} >> 1) ^ -({g} & 1))"


class Collection(Part):
    """A sequence (build="tuple") or set (build="frozenset"): its length, then its elements."""

    def __init__(self, elem: Part, build: str):
        self.elem, self.build = elem, build

    def write(self, code, v):
        v = code.local(v)
        code.put_gamma(f"len({v})")
        e = code.name("e")
        code.block(f"for {e} in {v}:", lambda: code.write(self.elem, e))

    def read(self, code):
        return f"{self.build}({code.get_list(code.get_gamma(), self.elem)})"


class Fields(Part):
    """A tuple of fixed length; with a tag, a record (tag, fields...) of which the fields are written."""

    def __init__(self, parts: list[Part], tag: int | None):
        self.parts, self.tag = parts, tag

    def write(self, code, v):
        v = code.local(v)
        offset = 0 if self.tag is None else 1
        for i, part in enumerate(self.parts):
            code.write(part, f"{v}[{i + offset}]")

    def read(self, code):
        values = [code.read(part) for part in self.parts]
        return code.assign(_tuple(([] if self.tag is None else [str(self.tag)]) + values))


class Union(Part):
    """A record of one of several layouts: the variant's number, then its fields."""

    def __init__(self, variants: dict[int, list[Part]]):
        self.variants = {tag: Fields(parts, tag) for tag, parts in sorted(variants.items())}
        self.width = (len(self.variants) - 1).bit_length()

    def write(self, code, v):
        v = code.local(v)
        tag = code.assign(f"{v}[0]")
        for i, (t, fields) in enumerate(self.variants.items()):
            code.block(f"{'if' if i == 0 else 'elif'} {tag} == {t}:",
                       lambda i=i, fields=fields: (code.put(str(i), str(self.width)), code.write(fields, v)))
        code.line(f"else: raise OutsideType({tag})")

    def read(self, code):
        number, x = code.name("u"), code.name("x")
        code.line(f"{number} = (n >> p) & {(1 << self.width) - 1}")
        code.line(f"p += {self.width}")
        for i, fields in enumerate(self.variants.values()):
            code.block(f"{'if' if i == 0 else 'elif'} {number} == {i}:",
                       lambda fields=fields: code.line(f"{x} = {code.read(fields)}"))
        code.line(f"else: raise OutsideType({number})")
        return x


class AnyMap(Part):
    """A map with any keys: their number, the keys in their order, then the values."""

    def __init__(self, dom: Part, cod: Part):
        self.keys, self.cod = Collection(dom, "tuple"), cod

    def write(self, code, v):
        v = code.local(v)
        code.write(self.keys, f"{v}[0]")
        e = code.name("e")
        code.block(f"for {e} in {v}[1]:", lambda: code.write(self.cod, e))

    def read(self, code):
        keys = code.assign(code.read(self.keys))
        return f"({keys}, tuple({code.get_list(f'len({keys})', self.cod)}))"


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


class _Subsets:
    """Subsets of a finite universe, given as lists of indices: a flag, then one bit per
    element of the universe or, when shorter, the number of elements and their indices.
    Read back as a tuple of elements, in universe order from a bitmask, in the order written
    from indices. Called by generated code (sets are not the common case worth inlining)."""

    def __init__(self, universe: list):
        self.elems = tuple(universe)
        self.index = {u: i for i, u in enumerate(self.elems)}
        self.power = [1 << i for i in range(len(self.elems))]
        self.width = len(self.elems)
        self.iwidth = (self.width - 1).bit_length()
        self.members = _Members(self.elems)

    def write(self, idx: list[int]) -> tuple[int, int]:
        count, iwidth = len(idx), self.iwidth
        if count * iwidth + 2 * count.bit_length() < self.width:
            code, pos = _gamma(count)
            for i in idx:
                code |= i << pos
                pos += iwidth
            return code << 1 | 1, pos + 1
        return sum(map(self.power.__getitem__, idx)) << 1, self.width + 1

    def read(self, n: int, pos: int) -> tuple[tuple, int]:
        if not (n >> pos) & 1:
            return self.members((n >> (pos + 1)) & ((1 << self.width) - 1)), pos + self.width + 1
        count, pos = _ungamma(n, pos + 1)
        iwidth, imask, elems = self.iwidth, (1 << self.iwidth) - 1, self.elems
        end = pos + count * iwidth
        return tuple(elems[(n >> p) & imask] for p in range(pos, end, iwidth)), end

    def write_keys(self, keys: tuple) -> tuple[int, int]:
        """Map keys, which must come in the universe's order (canonical maps have them so)."""
        idx = list(map(self.index.__getitem__, keys))
        if any(a >= b for a, b in zip(idx, idx[1:])):
            raise OutsideType(keys)
        return self.write(idx)


def _gamma(v: int) -> tuple[int, int]:
    x = v + 1
    z = x.bit_length() - 1
    return ((x ^ (1 << z)) << (z + 1)) | (1 << z), 2 * z + 1


def _ungamma(n: int, pos: int) -> tuple[int, int]:
    t = n >> pos
    z = (t & -t).bit_length() - 1
    return (((t >> (z + 1)) & ((1 << z) - 1)) | (1 << z)) - 1, pos + 2 * z + 1


class FiniteSet(Part):
    """A subset of a finite universe; an element outside it raises KeyError."""

    def __init__(self, universe: list):
        self.subsets = _Subsets(universe)

    def write(self, code, v):
        s = code.const(self.subsets)
        bits, width = code.name("b"), code.name("w")
        code.line(f"{bits}, {width} = {s}.write(list(map({s}.index.__getitem__, {v})))")
        code.put(bits, width)

    def read(self, code):
        elems = code.name("s")
        code.line(f"{elems}, p = {code.const(self.subsets)}.read(n, p)")
        return f"frozenset({elems})"


class KeyedMap(Part):
    """A map whose keys come from a finite domain, in its order: a flag bit, then either
    nothing (every key of the domain) or the subset of keys present; then the values."""

    def __init__(self, domain: list, cod: Part):
        self.subsets, self.full, self.cod = _Subsets(domain), tuple(domain), cod

    def write(self, code, v):
        v = code.local(v)
        s, e = code.const(self.subsets), code.name("e")
        code.line(f"if {v}[0] == {code.const(self.full)}: p += 1")
        code.block("else:", lambda: (code.line(f"b, w = {s}.write_keys({v}[0])"), code.put("(b << 1 | 1)", "w + 1")))
        code.block(f"for {e} in {v}[1]:", lambda: code.write(self.cod, e))

    def read(self, code):
        keys = code.name("k")
        code.line(f"if (n >> p) & 1: {keys}, p = {code.const(self.subsets)}.read(n, p + 1)")
        code.line(f"else: {keys}, p = {code.const(self.full)}, p + 1")
        return f"({keys}, tuple({code.get_list(f'len({keys})', self.cod)}))"


class Flagged(Part):
    """A variable: flag 0 and its typed encoding, or flag 1 and the general one when its value
    is outside its declared type."""

    def __init__(self, typed: Part, general: Part):
        self.typed, self.general = typed, general

    def write(self, code, v):
        v = code.local(v)
        c0, p0 = code.name("c"), code.name("p")
        code.line(f"{c0}, {p0} = c, p")
        code.block("try:", lambda: (code.line("p += 1"), code.write(self.typed, v)))
        code.block("except LookupError:", lambda: (code.line(f"c, p = {c0} | 1 << {p0}, {p0} + 1"),
                                                   code.write(self.general, v)))

    def read(self, code):
        x = code.name("x")
        code.line("p += 1")
        code.block("if (n >> (p - 1)) & 1:", lambda: code.line(f"{x} = {code.read(self.general)}"))
        code.block("else:", lambda: code.line(f"{x} = {code.read(self.typed)}"))
        return x


class Memoized(Part):
    """A variable's value, looked up among those met lately (by value to write it, by its bits
    to read it) before it is worked out: most variables take few values over a search, and
    the values read back are then shared between states, as the states' own values were.

    Reading needs the value's width before its bits can be looked up: the bits are tried at
    each width met so far (a few). That is sound because the encoding is prefix-free: bits
    that once made up a whole value at a width make up the same value wherever they occur."""

    LIMIT = 4096  # values remembered per variable; then the memo starts afresh
    WIDTHS = 4    # widths remembered per variable

    def __init__(self, part: Part):
        self.part = part
        self.codes: dict = {}  # value -> (bits, width)
        self.tables: list[tuple[int, int, dict]] = []  # (width, mask, bits -> value)

    def keep_code(self, v, bits: int, width: int) -> None:
        if len(self.codes) >= self.LIMIT:
            self.codes.clear()
        self.codes[v] = (bits, width)

    def keep_value(self, bits: int, width: int, v) -> None:
        table = next((t for w, _, t in self.tables if w == width), None)
        if table is None:
            if len(self.tables) >= self.WIDTHS:
                return
            table = {}
            self.tables.append((width, (1 << width) - 1, table))
        if len(table) >= self.LIMIT:
            table.clear()
        table[bits] = v

    def write(self, code, v):
        v = code.local(v)
        memo, known, p0 = code.const(self), code.name("m"), code.name("p")
        code.line(f"{known} = {memo}.codes.get({v})")
        code.block(f"if {known} is None:", lambda: (code.line(f"{p0} = p"), code.write(self.part, v),
                                                     code.line(f"{memo}.keep_code({v}, c >> {p0}, p - {p0})")))
        code.block("else:", lambda: code.put(f"{known}[0]", f"{known}[1]"))

    def read(self, code):
        memo, x, w, mask, table, p0 = (code.const(self), code.name("x"), code.name("w"), code.name("k"),
                                       code.name("t"), code.name("p"))

        def found():
            code.line(f"{x} = {table}.get((n >> p) & {mask})")
            code.line(f"if {x} is not None: p += {w}; break")

        def worked_out():
            code.line(f"{p0} = p")
            code.line(f"{x} = {code.read(self.part)}")
            code.line(f"{memo}.keep_value((n >> {p0}) & ((1 << (p - {p0})) - 1), p - {p0}, {x})")
        code.block(f"for {w}, {mask}, {table} in {memo}.tables:", found)
        code.block("else:", worked_out)
        return x


class Unencodable(Part):
    """A kind no stored value has (the elements of `{}`): the state is marshalled."""

    def write(self, code, v):
        code.line("raise TypeError('a value of unknown kind')")

    def read(self, code):
        code.line("raise TypeError('a value of unknown kind')")
        return "None"


SIGNED = Signed()
UNENCODABLE = Unencodable()


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
            return Fields([self.typed(e, ek) for e, ek in zip(t.elems, k.elems)], None)
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
        return Union(variants)

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
        if isinstance(k, (ModelK, StrK)):
            return IntFrom(0)  # ids into the symbol table
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
