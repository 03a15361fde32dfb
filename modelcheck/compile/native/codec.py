"""The native backend's state bytes from and to the Python backend's runtime values
(values.py): a state encoded here is the state the C code emits (emit.py's codec functions
write the same bytes).

A value's bytes are directed by its kind, without tags:
  int     zigzag varint          bool    one byte, 0 or 1      string, model value  varint id
  set, sequence   varint n, then n values (a set's in canonical order)
  tuple           its values          record   its fields in name order
  union           varint layout, then that record's fields
  map (and bag)   varint n, then n (key, value) pairs in key order
A state is its variables' bytes in declaration order. Equal values have equal bytes.
"""
from __future__ import annotations

from typing import Any

from ...lang.kinds import BoolK, FnK, IntK, Kind, ModelK, RecK, SeqK, SetK, StrK, SymK, TupleK, UnionK
from ...values import canon

INT64 = 2 ** 63
SYMBOLIC = (ModelK, StrK, SymK)


class NativeCodec:
    """Encodes and decodes the states of one compiled spec (its variables' kinds, and the
    record layouts of the Python backend, whose ids the C code shares)."""

    def __init__(self, var_kinds: list[Kind], layouts: tuple[tuple[str, ...], ...],
                 params: tuple[tuple[tuple[str, Kind], ...], ...] = ()):
        self.var_kinds = var_kinds
        self.layouts = layouts
        self.params = params  # per action: its parameters' names and kinds

    def decode_params(self, action: int, data: bytes) -> tuple:
        """An action instance's parameter values from their bytes (mc_instance)."""
        values = []
        pos = 0
        for _, k in self.params[action]:
            v, pos = decode_value(data, pos, k, self.layouts)
            values.append(v)
        if pos != len(data):
            raise ValueError(f"malformed native action instance: {len(data) - pos} bytes after the last parameter")
        return tuple(values)

    def encode(self, state: tuple) -> bytes:
        out = bytearray()
        for v, k in zip(state, self.var_kinds, strict=True):
            encode_value(out, v, k, self.layouts)
        return bytes(out)

    def decode(self, data: bytes) -> tuple:
        values = []
        pos = 0
        for k in self.var_kinds:
            v, pos = decode_value(data, pos, k, self.layouts)
            values.append(v)
        if pos != len(data):
            raise ValueError(f"malformed native state: {len(data) - pos} bytes after the last variable")
        return tuple(values)


def _varint(out: bytearray, x: int) -> None:
    while x >= 0x80:
        out.append((x & 0x7F) | 0x80)
        x >>= 7
    out.append(x)


def encode_value(out: bytearray, v: Any, k: Kind, layouts) -> None:
    if isinstance(k, BoolK):
        out.append(1 if v else 0)
    elif isinstance(k, IntK):
        if not -INT64 <= v < INT64:
            raise ValueError(f"the integer {v} does not fit in the native engine's 64 bits")
        _varint(out, 2 * v if v >= 0 else -2 * v - 1)  # zigzag
    elif isinstance(k, SYMBOLIC):
        _varint(out, v)
    elif isinstance(k, SetK):
        _varint(out, len(v))
        for x in sorted(v, key=canon):
            encode_value(out, x, k.elem, layouts)
    elif isinstance(k, FnK):
        keys, vals = v
        _varint(out, len(keys))
        for i in sorted(range(len(keys)), key=lambda i: canon(keys[i])):
            encode_value(out, keys[i], k.dom, layouts)
            encode_value(out, vals[i], k.cod, layouts)
    elif isinstance(k, SeqK):
        _varint(out, len(v))
        for x in v:
            encode_value(out, x, k.elem, layouts)
    elif isinstance(k, TupleK):
        for x, xk in zip(v, k.elems, strict=True):
            encode_value(out, x, xk, layouts)
    elif isinstance(k, (RecK, UnionK)):
        names = layouts[v[0]]
        shape = k if isinstance(k, RecK) else k.variant(names)
        if shape is None or shape.names != names:
            raise ValueError(f"a record with fields {names} where {k.show()} is expected")
        if isinstance(k, UnionK):
            _varint(out, v[0])
        for x, (_, fk) in zip(v[1:], shape.fields, strict=True):
            encode_value(out, x, fk, layouts)
    else:
        raise ValueError(f"cannot encode {v!r} as a value of kind {k.show()}")


def _read_varint(data: bytes, pos: int) -> tuple[int, int]:
    x = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        x |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return x, pos
        shift += 7


def decode_value(data: bytes, pos: int, k: Kind, layouts) -> tuple[Any, int]:
    if isinstance(k, BoolK):
        return data[pos] == 1, pos + 1
    if isinstance(k, IntK):
        z, pos = _read_varint(data, pos)
        return (z >> 1) ^ -(z & 1), pos
    if isinstance(k, SYMBOLIC):
        return _read_varint(data, pos)
    if isinstance(k, (SetK, SeqK)):
        n, pos = _read_varint(data, pos)
        items = []
        for _ in range(n):
            x, pos = decode_value(data, pos, k.elem, layouts)
            items.append(x)
        return (frozenset(items) if isinstance(k, SetK) else tuple(items)), pos
    if isinstance(k, FnK):
        n, pos = _read_varint(data, pos)
        keys, vals = [], []
        for _ in range(n):
            key, pos = decode_value(data, pos, k.dom, layouts)
            val, pos = decode_value(data, pos, k.cod, layouts)
            keys.append(key)
            vals.append(val)
        return (tuple(keys), tuple(vals)), pos
    if isinstance(k, TupleK):
        items = []
        for xk in k.elems:
            x, pos = decode_value(data, pos, xk, layouts)
            items.append(x)
        return tuple(items), pos
    if isinstance(k, (RecK, UnionK)):
        if isinstance(k, UnionK):
            layout, pos = _read_varint(data, pos)
            shape = k.variant(layouts[layout])
        else:
            layout, shape = layouts.index(k.names), k
        fields = [layout]
        for _, fk in shape.fields:
            x, pos = decode_value(data, pos, fk, layouts)
            fields.append(x)
        return tuple(fields), pos
    raise ValueError(f"cannot decode a value of kind {k.show()}")
