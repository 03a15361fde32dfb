"""The shapes of values ("kinds") that the type checker infers and the compiler relies on.

A declared type such as `Acceptors -> -1..2` is both a finite set of values (its domain,
used by `is`, Z3 and symmetry) and a kind (`Fn(Model, Int)`), which decides how each
operator is compiled: `+` on two sets is union, on two ints addition.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Kind:
    def __str__(self) -> str:
        return self.show()

    def show(self) -> str:
        return type(self).__name__.lower()


@dataclass(frozen=True, slots=True)
class AnyK(Kind):
    """Not yet known: the element of `{}`, for instance. Joins with every kind."""

    def show(self) -> str:
        return "?"


@dataclass(frozen=True, slots=True)
class BoolK(Kind):
    def show(self) -> str:
        return "bool"


@dataclass(frozen=True, slots=True)
class IntK(Kind):
    def show(self) -> str:
        return "int"


@dataclass(frozen=True, slots=True)
class StrK(Kind):
    def show(self) -> str:
        return "string"


@dataclass(frozen=True, slots=True)
class ModelK(Kind):
    """A model value (a1, v1, None): atoms that can only be compared for equality."""

    def show(self) -> str:
        return "model value"


@dataclass(frozen=True, slots=True)
class SymK(Kind):
    """A string or a model value (`"none" | Servers`): both are entries of one symbol table."""

    def show(self) -> str:
        return "string or model value"


@dataclass(frozen=True, slots=True)
class MixK(Kind):
    """An int, a string or a model value (`0..3 | None`). Values of it can be compared for
    equality only: no arithmetic or order. At run time a string or model value is never equal
    to an int (values.py), so they mix; a bool does not (Python's True == 1)."""

    def show(self) -> str:
        return "int, string or model value"


SYMBOLIC = (StrK, ModelK, SymK)
MAY_BE_SYMBOL = (StrK, ModelK, SymK, MixK)  # kinds whose values may be strings or model values
SCALAR_MIX = (IntK,) + MAY_BE_SYMBOL          # kinds whose join is MixK when they differ in kind


@dataclass(frozen=True, slots=True)
class SetK(Kind):
    elem: Kind

    def show(self) -> str:
        return f"set[{self.elem.show()}]"


@dataclass(frozen=True, slots=True)
class FnK(Kind):
    """A map with a finite domain (TLA+ function); bags are maps to counts."""
    dom: Kind
    cod: Kind

    def show(self) -> str:
        return f"({self.dom.show()} -> {self.cod.show()})"


@dataclass(frozen=True, slots=True)
class SeqK(Kind):
    elem: Kind

    def show(self) -> str:
        return f"seq[{self.elem.show()}]"


@dataclass(frozen=True, slots=True)
class TupleK(Kind):
    elems: tuple[Kind, ...]

    def show(self) -> str:
        return "<<" + ", ".join(e.show() for e in self.elems) + ">>"


@dataclass(frozen=True, slots=True)
class RecK(Kind):
    fields: tuple[tuple[str, Kind], ...]  # sorted by field name

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f for f, _ in self.fields)

    def field(self, name: str) -> Kind | None:
        return next((k for f, k in self.fields if f == name), None)

    def show(self) -> str:
        return "{" + ", ".join(f"{f}: {k.show()}" for f, k in self.fields) + "}"


@dataclass(frozen=True, slots=True)
class UnionK(Kind):
    """Records of different shapes in one set (message types): one RecK per shape."""
    variants: tuple[RecK, ...]  # sorted by field names, one per distinct field set

    def show(self) -> str:
        return " | ".join(v.show() for v in self.variants)

    def variant(self, names: tuple[str, ...]) -> RecK | None:
        return next((v for v in self.variants if v.names == names), None)


def rec(fields: dict[str, Kind]) -> RecK:
    return RecK(tuple(sorted(fields.items())))


class KindMismatch(Exception):
    pass


def join(a: Kind, b: Kind) -> Kind:
    """The least kind holding values of both a and b; KindMismatch if there is none."""
    if a == b:
        return a
    if isinstance(a, AnyK):
        return b
    if isinstance(b, AnyK):
        return a
    if isinstance(a, SYMBOLIC) and isinstance(b, SYMBOLIC):
        return SymK()
    if isinstance(a, SCALAR_MIX) and isinstance(b, SCALAR_MIX):
        return MixK()
    if isinstance(a, SetK) and isinstance(b, SetK):
        return SetK(join(a.elem, b.elem))
    if isinstance(a, FnK) and isinstance(b, FnK):
        return FnK(join(a.dom, b.dom), join(a.cod, b.cod))
    if isinstance(a, (SeqK, TupleK)) and isinstance(b, (SeqK, TupleK)):
        if isinstance(a, TupleK) and isinstance(b, TupleK) and len(a.elems) == len(b.elems):
            return TupleK(tuple(join(x, y) for x, y in zip(a.elems, b.elems)))
        elem: Kind = AnyK()
        for k in _seq_elems(a) + _seq_elems(b):
            elem = join(elem, k)
        return SeqK(elem)
    if isinstance(a, (RecK, UnionK)) and isinstance(b, (RecK, UnionK)):
        return _join_records(a, b)
    raise KindMismatch(f"{a.show()} and {b.show()}")


def _seq_elems(k: Kind) -> tuple[Kind, ...]:
    return k.elems if isinstance(k, TupleK) else (k.elem,)


def elem_kinds(k: Kind, n: int) -> tuple[Kind, ...]:
    """The kinds of the n elements of a tuple type's values: a union of tuples of different
    lengths has a sequence kind (join), whose every element has its element kind."""
    return k.elems if isinstance(k, TupleK) else (k.elem,) * n


def _join_records(a: RecK | UnionK, b: RecK | UnionK) -> Kind:
    by_names: dict[tuple[str, ...], RecK] = {}
    for v in _variants(a) + _variants(b):
        old = by_names.get(v.names)
        by_names[v.names] = v if old is None else RecK(
            tuple((f, join(k1, k2)) for (f, k1), (_, k2) in zip(old.fields, v.fields)))
    if len(by_names) == 1:
        return next(iter(by_names.values()))
    return UnionK(tuple(by_names[n] for n in sorted(by_names)))


def _variants(k: RecK | UnionK) -> tuple[RecK, ...]:
    return k.variants if isinstance(k, UnionK) else (k,)


def record_field(k: RecK | UnionK, name: str) -> Kind | None:
    """The kind of field `name` in every record shape of k that has it; None if none has it."""
    found = [v.field(name) for v in _variants(k) if v.field(name) is not None]
    if not found:
        return None
    out = found[0]
    for f in found[1:]:
        out = join(out, f)
    return out


def contains(k: Kind, cls: type) -> bool:
    """Whether a value of kind k may hold a value of kind cls somewhere inside."""
    if isinstance(k, cls):
        return True
    if isinstance(k, (SetK, SeqK)):
        return contains(k.elem, cls)
    if isinstance(k, FnK):
        return contains(k.dom, cls) or contains(k.cod, cls)
    if isinstance(k, TupleK):
        return any(contains(e, cls) for e in k.elems)
    if isinstance(k, RecK):
        return any(contains(f, cls) for _, f in k.fields)
    if isinstance(k, UnionK):
        return any(contains(v, cls) for v in k.variants)
    return False
