"""Runtime values: how the compiled spec represents each kind, the helpers its generated code
calls, and the conversion of runtime values into ITF-shaped values for reports.

Representation (chosen so that hashing is fast, C-level and the same in every process):
  int, bool        -> int, bool
  model value, str -> its index i in the spec's symbol table (`symbol`), never a Python str:
                      str hashes change with PYTHONHASHSEED, which would make set iteration
                      order, thus exploration order, differ between runs. In a spec where a
                      value may be an int or a symbol (`0..3 | None`, `x == None` for an int
                      x: CheckedSpec.mixes_ints_and_symbols) it is the float i + 0.5 instead,
                      never equal to an int, so that the model value numbered 3 is not 3;
                      floats hash in C, the same in every process, and order among ints, but
                      hash slower than small ints, so the other specs keep ints.
  set              -> frozenset
  map (function)   -> (keys, values): two tuples, keys sorted canonically
  record           -> (layout tag, field values in field-name order)
  tuple, sequence  -> tuple
  bag              -> map to positive counts (a key whose count drops to 0 leaves the domain)
A state is the tuple of the variables' values in declaration order.
"""
from __future__ import annotations

from itertools import chain, combinations, product
from typing import Any, Callable

from .lang.kinds import (AnyK, BoolK, FnK, IntK, Kind, MixK, ModelK, RecK, SeqK, SetK, StrK, SymK,
                         TupleK, UnionK)

EMPTY: frozenset = frozenset()
ONCE = (None,)
MISSING = object()  # a memo's "no answer yet": any value, even None or False, can be an answer


class EvalError(Exception):
    """A spec expression that has no value: a map applied outside its domain, and the like."""


def explain(e: Exception) -> str:
    """What went wrong in generated code, in the spec's terms. Inlined operations raise
    Python's own exceptions; they are named here after what they mean in the spec."""
    if isinstance(e, EvalError):
        return str(e)
    text = str(e)
    if isinstance(e, ValueError) and "tuple.index" in text:
        return "map applied outside its domain"
    if isinstance(e, ZeroDivisionError):
        return "division by zero"
    if isinstance(e, TypeError) and "NoneType" in text:
        return "record has no such field (a message of another type?)"
    if isinstance(e, RecursionError):
        return "evaluation recursed too deeply"
    return f"{type(e).__name__}: {text}"


# ---------------------------------------------------------------- symbols

def symbol(index: int, mixed: bool) -> int | float:
    """The runtime value of the string or model value at `index` in the symbol table, in a
    spec that mixes ints with strings or model values (`mixed`) or not."""
    return index + 0.5 if mixed else index


def symbol_index(v: int | float) -> int:
    """The symbol table index of a string's or model value's runtime value."""
    return int(v)


def is_symbol(v: Any) -> bool:
    """Whether a runtime value of a type mixing ints with strings or model values is a string
    or model value."""
    return type(v) is float


# ---------------------------------------------------------------- ordering

def canon(v: Any) -> Any:
    """A sort key giving a total, deterministic order on values of one kind."""
    if isinstance(v, frozenset):
        return (len(v), tuple(sorted(canon(x) for x in v)))
    if isinstance(v, tuple):
        return tuple(canon(x) for x in v)
    return v


def sort_keys(keys, needs_canon: bool) -> tuple:
    return tuple(sorted(keys, key=canon)) if needs_canon else tuple(sorted(keys))


# ---------------------------------------------------------------- maps

def ap(f: tuple, k: Any) -> Any:
    try:
        return f[1][f[0].index(k)]
    except ValueError:
        raise EvalError("map applied outside its domain") from None


def except_(f: tuple, k: Any, v: Any) -> tuple:
    keys, vals = f
    try:
        i = keys.index(k)
    except ValueError:
        raise EvalError("'with' updates a key outside the map's domain") from None
    if vals[i] == v:
        return f  # unchanged: keep the object, so that a step that changes nothing is seen as such
    return keys, vals[:i] + (v,) + vals[i + 1:]


def mk_map(keys: tuple, fn: Callable[[Any], Any]) -> tuple:
    return keys, tuple(map(fn, keys))


_last_domain: list = [None, EMPTY]


def map_domain(f: tuple) -> frozenset:
    """domain(f) as a set. The set of the last map asked for is kept, so that every action
    and invariant of one state gets the same object, and index_by's grouping of it is shared."""
    keys = f[0]
    if _last_domain[0] is not keys:
        _last_domain[0], _last_domain[1] = keys, frozenset(keys)
    return _last_domain[1]


def map_put(f: tuple, k: Any, v: Any, needs_canon: bool) -> tuple:
    """f with k mapped to v, adding k to the domain if needed."""
    keys, vals = f
    if k in keys:
        i = keys.index(k)
        return keys, vals[:i] + (v,) + vals[i + 1:]
    new_keys = sort_keys(keys + (k,), needs_canon)
    i = new_keys.index(k)
    return new_keys, vals[:i] + (v,) + vals[i:]


def map_drop(f: tuple, k: Any) -> tuple:
    keys, vals = f
    i = keys.index(k)
    return keys[:i] + keys[i + 1:], vals[:i] + vals[i + 1:]


EMPTY_MAP: tuple = ((), ())


# ---------------------------------------------------------------- bags

def bag_add(b: tuple, x: Any, needs_canon: bool) -> tuple:
    keys = b[0]
    if x in keys:
        return except_(b, x, b[1][keys.index(x)] + 1)
    return map_put(b, x, 1, needs_canon)


def bag_remove(b: tuple, x: Any) -> tuple:
    keys = b[0]
    if x not in keys:
        return b
    n = b[1][keys.index(x)]
    return map_drop(b, x) if n <= 1 else except_(b, x, n - 1)


def bag_count(b: tuple, x: Any) -> int:
    keys = b[0]
    return b[1][keys.index(x)] if x in keys else 0


# ---------------------------------------------------------------- sequences, records, sets

def seq_at(s: tuple, i: int) -> Any:
    if 1 <= i <= len(s):
        return s[i - 1]
    raise EvalError(f"sequence index {i} out of range 1..{len(s)}")


def seq_set(s: tuple, i: int, v: Any) -> tuple:
    if 1 <= i <= len(s):
        return s[:i - 1] + (v,) + s[i:]
    raise EvalError(f"sequence index {i} out of range 1..{len(s)}")


def head(s: tuple) -> Any:
    if s:
        return s[0]
    raise EvalError("head of an empty sequence")


def tail(s: tuple) -> tuple:
    if s:
        return s[1:]
    raise EvalError("tail of an empty sequence")


def getf(r: tuple, positions: tuple) -> Any:
    """Field of a record whose shape is known only at run time (an element of a union)."""
    pos = positions[r[0]]
    if pos is None:
        raise EvalError("record has no such field")
    return r[pos]


def setf(r: tuple, pos: int, v: Any) -> tuple:
    return r[:pos] + (v,) + r[pos + 1:]


def set_add(s: frozenset, x: Any) -> frozenset:
    """s + {x}, returning s itself when x is already in it (message sets mostly re-send)."""
    return s if x in s else s | frozenset((x,))


def in_range(x: int, lo: int, hi: int) -> bool:
    """x in lo..hi once all three are evaluated, as the spec says."""
    return lo <= x <= hi


# A value of a type mixing ints with strings or model values (`0..3 | None`) is used as an int
# only after a test at run time, as TLC does: `None + 1` is an error, `None in 0..3` false.

def as_int(x: int | float) -> int:
    """x where an int is needed (arithmetic, order, an index)."""
    if x.__class__ is float:
        raise EvalError("a string or model value is used as an int (in arithmetic, an order or an "
                        "index): test first that the value is one, e.g. x in Int")
    return x


def mixed_in_range(x: int | float, lo: int, hi: int) -> bool:
    """x in lo..hi where x may be a string or model value."""
    return x.__class__ is not float and lo <= x <= hi


def mixed_in_nat(x: int | float) -> bool:
    """x in Nat where x may be a string or model value."""
    return x.__class__ is not float and x >= 0


SET_BOUND = 1_000_000  # elements of a set built at once from a..b or subsets(S), as TLC's bound
INT_DIGITS = 4000      # digits of a product; Python converts at most 4300 digits to text


def int_range(a: int, b: int) -> frozenset:
    """a..b as a set. frozenset(range(...)) runs in C, where no time limit can stop it."""
    if b - a >= SET_BOUND:
        raise EvalError(f"the set {int_text(a)}..{int_text(b)} has more than {SET_BOUND:,} elements")
    return frozenset(range(a, b + 1))


def int_mul(a: int, b: int) -> int:
    p = a * b
    if p.bit_length() > INT_DIGITS * 3.33:
        raise EvalError(f"integer overflow: a product has more than {INT_DIGITS} digits")
    return p


MAX_RECURSION = 100    # nested calls of one recursive operator (Python's own stack allows ~1000 frames)


def recursion_too_deep(name: str):
    raise EvalError(f"operator '{name}' recursed {MAX_RECURSION} calls deep: its recursion does not end, "
                    f"or needs more than {MAX_RECURSION} nested calls")


def int_text(v: int) -> str:
    """str(v), also past the 4300 digits where Python's str(int) refuses."""
    try:
        return str(v)
    except ValueError:
        sign, v = ("-", -v) if v < 0 else ("", v)
        chunks = []
        while v:
            v, r = divmod(v, 10 ** 4000)
            chunks.append(str(r))
        return sign + chunks[-1] + "".join(c.rjust(4000, "0") for c in reversed(chunks[:-1]))


def powerset(s: frozenset) -> frozenset:
    if 2 ** len(s) > SET_BOUND:
        raise EvalError(f"subsets of a set of {len(s)} elements: more than {SET_BOUND:,} sets")
    items = sorted(s, key=canon)
    return frozenset(frozenset(c) for c in chain.from_iterable(combinations(items, n)
                                                               for n in range(len(items) + 1)))


def fn_set(keys: tuple, values: frozenset) -> frozenset:
    """[S -> T]: every map with the (sorted) keys of S and values in T."""
    if len(values) ** len(keys) > SET_BOUND:
        raise EvalError(f"[S -> T] with {len(keys)} keys and {len(values)} values has more than "
                        f"{SET_BOUND:,} maps")
    items = sorted(values, key=canon)
    return frozenset((keys, vals) for vals in product(items, repeat=len(keys)))


def in_fn_set(f: tuple, keys: tuple, values: frozenset) -> bool:
    """f in [S -> T], without building the set."""
    return f[0] == keys and all(v in values for v in f[1])


_indexes: dict[int, tuple[frozenset, dict]] = {}


def index_by(s: frozenset, positions, key) -> list | tuple:
    """The records of s whose field (at `positions`: an int, or a FIELD_ table by layout tag)
    equals key, in s's iteration order. The grouping of the last set seen per field is kept,
    so the actions and invariants that look into the same state's set share one pass."""
    entry = _indexes.get(id(positions))
    if entry is None or entry[0] is not s:
        groups: dict = {}
        if isinstance(positions, int):
            for r in s:
                groups.setdefault(r[positions], []).append(r)
        else:
            for r in s:
                groups.setdefault(r[positions[r[0]]], []).append(r)
        entry = (s, groups)
        _indexes[id(positions)] = entry
    return entry[1].get(key, ())


def choose(candidates) -> Any:
    """TLA+'s CHOOSE: a fixed element; we take the least in canonical order."""
    found = list(candidates)
    if not found:
        raise EvalError("'choose' found no element satisfying its condition")
    return min(found, key=canon)


def set_min(s) -> int:
    if not s:
        raise EvalError("min of an empty set")
    return min(s)


def set_max(s) -> int:
    if not s:
        raise EvalError("max of an empty set")
    return max(s)


def int_div(a: int, b: int) -> int:
    if b == 0:
        raise EvalError("division by zero")
    return a // b


def int_mod(a: int, b: int) -> int:
    if b == 0:
        raise EvalError("modulo by zero")
    return a % b


# ---------------------------------------------------------------- values for people

class ModelValue(str):
    """A model value in a report: printed bare (a1), where a string prints quoted ("1a")."""


def _display_order(values, k: Kind, symbols: tuple[str, ...]) -> list:
    """Canonical order for reports: strings alphabetically, everything else by value
    (model values in declaration order), ints before strings and model values."""
    if isinstance(k, StrK):
        return sorted(values, key=lambda v: symbols[symbol_index(v)])
    if isinstance(k, MixK):
        return sorted(values, key=lambda v: (is_symbol(v), v))
    return sorted(values, key=canon)


def to_itf(v: Any, k: Kind, symbols: tuple[str, ...], layouts: tuple[tuple[str, ...], ...]) -> Any:
    """A runtime value as an ITF JSON value (ints as {"#bigint": ...}, sets as {"#set": ...})."""
    if isinstance(k, BoolK):
        return bool(v)
    if isinstance(k, ModelK):
        return ModelValue(symbols[symbol_index(v)])
    if isinstance(k, (StrK, SymK)) or (isinstance(k, (MixK, AnyK)) and is_symbol(v)):
        # a model value's entry is a ModelValue (the compiler's symbol table, lower_expr.ModuleTables)
        return symbols[symbol_index(v)]
    if isinstance(k, (IntK, MixK, AnyK)) and isinstance(v, int):
        return {"#bigint": int_text(v)}
    if isinstance(k, SetK):
        return {"#set": [to_itf(x, k.elem, symbols, layouts) for x in _display_order(v, k.elem, symbols)]}
    if isinstance(k, FnK):
        pairs = dict(zip(*v))
        return {"#map": [[to_itf(a, k.dom, symbols, layouts), to_itf(pairs[a], k.cod, symbols, layouts)]
                         for a in _display_order(v[0], k.dom, symbols)]}
    if isinstance(k, SeqK):
        return [to_itf(x, k.elem, symbols, layouts) for x in v]
    if isinstance(k, TupleK):
        return {"#tup": [to_itf(x, ek, symbols, layouts) for x, ek in zip(v, k.elems)]}
    if isinstance(k, (RecK, UnionK)):
        names = layouts[v[0]]
        shape = k if isinstance(k, RecK) else k.variant(names)
        return {f: to_itf(x, fk, symbols, layouts) for (f, fk), x in zip(shape.fields, v[1:])}
    return repr(v)


def angle_brackets(parts: list[str]) -> str:
    """A tuple or sequence from its elements' text: <<a, b>>, spaced inside where an element
    itself starts or ends with angle brackets: << <<c2, 2>>, 3 >>, not <<<<c2, 2>>, 3>>."""
    inner = ", ".join(parts)
    return "<<" + (" " if inner.startswith("<") else "") + inner + (" " if inner.endswith(">") else "") + ">>"


def show(v: Any, record: Callable[[dict], str] | None = None) -> str:
    """An ITF value as text in the spec language's notation; `record` may write records
    differently (pictures write messages as constructors: 1b(acc: a1, ...))."""
    def go(x: Any) -> str:
        if isinstance(x, bool):
            return "true" if x else "false"
        if isinstance(x, ModelValue):
            return str(x)
        if isinstance(x, str):
            return f'"{x}"'
        if isinstance(x, int):
            return str(x)
        if isinstance(x, list):
            return angle_brackets([go(y) for y in x])
        if isinstance(x, dict):
            if "#bigint" in x:
                return str(x["#bigint"])
            if "#set" in x:
                return "{" + ", ".join(go(y) for y in x["#set"]) + "}"
            if "#map" in x:
                return "[" + ", ".join(f"{go(k)} -> {go(y)}" for k, y in x["#map"]) + "]"
            if "#tup" in x:
                return angle_brackets([go(y) for y in x["#tup"]])
            if "#unserializable" in x:
                return str(x["#unserializable"])
            if record is not None:
                return record(x)
            return "{" + ", ".join(f"{k}: {go(y)}" for k, y in x.items()) + "}"
        return repr(x)
    return go(v)
