"""The parts of a packed state (packing.py chooses them from the declared types): how the
values of one shape are written into the bits of an int and read back, as Python code.

Each part emits code that writes a value into `c` (an int) at bit position `p`, or reads
one from `n` at `p`; a state's parts together make one `encode` and one `decode` function,
with helpers only where types nest deeply. Generated code instead of a closure per part:
a state of raft has some fifty parts, and a Python call per part cost more than the rest.

  Enumerated   a value among few, as its index (fixed width)
  IntFrom      an int >= lo (Nat, counts): Elias gamma code of v - lo, so small is short
  Signed       any int: zigzag, then gamma
  Symbol       a string or model value: its index in the symbol table, gamma coded
  Scalar       an int, string or model value (`0..9 | None` beyond ENUM_LIMIT): a flag, then
               Signed or Symbol
  Collection   a sequence or set: its length, then its elements
  Fields       a tuple, or a record of known layout: its fields
  Union        a record of one of several layouts: the layout's number, then its fields
  FiniteSet    a subset of a finite universe: a bitmask or, if shorter, indices
  KeyedMap     a map over a finite domain: "every key" or the set of keys, then the values
  AnyMap       a map with any keys: the keys, then the values
  Flagged      a variable: its typed part, or a flag and a general part for values outside the type
  Memoized     a variable's recent values, by value and by bits
"""
from __future__ import annotations

import marshal
from itertools import chain
from operator import getitem
from typing import Any, Callable

from ..values import symbol


class OutsideType(LookupError):
    """A value outside its declared type (KeyError, also a LookupError, says the same)."""


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
        """The text of `encode` and `decode` (and helpers), run into `env`."""
        encode, decode = self.encode_function(parts, names), self.decode_function(parts, names)
        text = "\n\n".join(self.functions + [encode, decode]) + "\n"
        exec(compile(text, "<modelcheck:packing>", "exec"), self.env)
        return text

    def encode_function(self, parts: list[Part], names: list[str]) -> str:
        self.lines, self.depth = ["def encode(st):"], 1
        self.line(f"if type(st) is not tuple or len(st) != {len(parts)}:")
        self.line("    return dumps(st) + b'\\0'  # not of the variables' kinds: kept as it is")
        self.line("c = p = 0")

        def variables():
            self.line("pass  # a spec may have no variables")
            for i, (part, name) in enumerate(zip(parts, names)):
                self.line(f"# {name}")
                self.write(part, f"st[{i}]")
        self.block("try:", variables)
        self.line("except Exception:")
        self.line("    return dumps(st) + b'\\0'")
        self.line("# the shortest bytes: a typed encoding never ends in a zero byte, a marshalled one does")
        self.line("return c.to_bytes((c.bit_length() + 7) >> 3, 'little')")
        return "\n".join(self.lines)

    def decode_function(self, parts: list[Part], names: list[str]) -> str:
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
        return "\n".join(self.lines)

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


def codec_functions(parts: list[Part], names: list[str]) -> tuple[str, Callable, Callable]:
    """(source, encode, decode) for states whose variables, so named, have these parts."""
    code = _Code()
    source = code.module(parts, names)
    return source, code.env["encode"], code.env["decode"]


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


class Symbol(Part):
    """A string or model value of a spec mixing them with ints (a float, values.symbol): its
    index, gamma coded. (Elsewhere a symbol is its index: IntFrom(0).)"""

    def write(self, code, v):
        v = code.local(v)
        code.line(f"if {v}.__class__ is not float: raise OutsideType({v})")
        code.put_gamma(f"int({v})")

    def read(self, code):
        return f"({code.get_gamma()} + {symbol(0, True)})"


class Scalar(Part):
    """An int, string or model value: a flag bit (1: a string or model value), then either."""

    def write(self, code, v):
        v = code.local(v)
        code.block(f"if {v}.__class__ is float:", lambda: (code.put("1", "1"), code.write(SYMBOL, v)))
        code.block("else:", lambda: (code.put("0", "1"), code.write(SIGNED, v)))

    def read(self, code):
        x = code.name("x")
        code.line("p += 1")
        code.block("if (n >> (p - 1)) & 1:", lambda: code.line(f"{x} = {code.read(SYMBOL)}"))
        code.block("else:", lambda: code.line(f"{x} = {code.read(SIGNED)}"))
        return x


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
        code.line(f"if len({v}) != {len(self.parts) + offset}: raise TypeError({v})  # another shape: marshal")
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
        code.line(f"if len({v}[0]) != len({v}[1]): raise TypeError({v})  # not a map: marshal")
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
        code.line(f"if len({v}[0]) != len({v}[1]): raise TypeError({v})  # not a map: marshal")
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

    LIMIT = 1024    # values remembered per variable and width; then the memo starts afresh
    WIDTHS = 4      # widths remembered per variable
    MAX_BITS = 256  # longer values are not remembered: rarely met twice, and heavy to keep

    def __init__(self, part: Part):
        self.part = part
        self.codes: dict = {}  # value -> (bits, width)
        self.tables: list[tuple[int, int, dict]] = []  # (width, mask, bits -> value), in the order met
        self.by_width: dict[int, dict] = {}  # the same tables by width

    def keep_code(self, v, bits: int, width: int) -> None:
        if width > self.MAX_BITS:
            return
        if len(self.codes) >= self.LIMIT:
            self.codes.clear()
        self.codes[v] = (bits, width)

    def keep_value(self, bits: int, width: int, v) -> None:
        table = self.by_width.get(width)
        if table is None:
            if len(self.tables) >= self.WIDTHS or width > self.MAX_BITS:
                return
            table = self.by_width[width] = {}
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
SYMBOL = Symbol()
SCALAR = Scalar()
UNENCODABLE = Unencodable()
