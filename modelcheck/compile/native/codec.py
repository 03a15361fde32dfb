"""The native backend's state bytes (mc_runtime.h describes them) from and to the Python
backend's runtime values (values.py): a state encoded here is the state the C code emits."""
from __future__ import annotations

from typing import Any

from ...lang.kinds import AnyK, BoolK, FnK, IntK, Kind, ModelK, RecK, SeqK, SetK, StrK, SymK, TupleK, UnionK
from ...values import canon

T_INT, T_FALSE, T_TRUE, T_SYM, T_TUP, T_REC, T_SET, T_MAP = range(8)
INT64 = 2 ** 63


class NativeCodec:
    """Encodes and decodes the states of one compiled spec (its variables' kinds, and the
    record layouts of the Python backend, whose ids the C code shares)."""

    def __init__(self, var_kinds: list[Kind], layouts: tuple[tuple[str, ...], ...]):
        self.var_kinds = var_kinds
        self.layouts = layouts

    def encode(self, state: tuple) -> bytes:
        out = bytearray()
        for v, k in zip(state, self.var_kinds, strict=True):
            encode_value(out, v, k, self.layouts)
        return bytes(out)

    def decode(self, data: bytes) -> tuple:
        values = []
        pos = 0
        for _ in self.var_kinds:
            v, pos = decode_value(data, pos, self.layouts)
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
        out.append(T_TRUE if v else T_FALSE)
    elif isinstance(k, IntK) or (isinstance(k, AnyK) and isinstance(v, int)):
        if not -INT64 <= v < INT64:
            raise ValueError(f"the integer {v} does not fit in the native engine's 64 bits")
        out.append(T_INT)
        _varint(out, 2 * v if v >= 0 else -2 * v - 1)  # zigzag
    elif isinstance(k, (ModelK, StrK, SymK)):
        out.append(T_SYM)
        _varint(out, v)
    elif isinstance(k, SetK):
        out.append(T_SET)
        _varint(out, len(v))
        for x in sorted(v, key=canon):
            encode_value(out, x, k.elem, layouts)
    elif isinstance(k, FnK) or (isinstance(k, AnyK) and _empty_map(v)):
        keys, vals = v
        dom, cod = (k.dom, k.cod) if isinstance(k, FnK) else (AnyK(), AnyK())
        out.append(T_MAP)
        _varint(out, len(keys))
        for i in sorted(range(len(keys)), key=lambda i: canon(keys[i])):
            encode_value(out, keys[i], dom, layouts)
            encode_value(out, vals[i], cod, layouts)
    elif isinstance(k, (SeqK, TupleK)):
        out.append(T_TUP)
        _varint(out, len(v))
        kinds = k.elems if isinstance(k, TupleK) else (k.elem,) * len(v)
        for x, xk in zip(v, kinds, strict=True):
            encode_value(out, x, xk, layouts)
    elif isinstance(k, (RecK, UnionK)):
        names = layouts[v[0]]
        shape = k if isinstance(k, RecK) else k.variant(names)
        if shape is None or shape.names != names:
            raise ValueError(f"a record with fields {names} where {k.show()} is expected")
        out.append(T_REC)
        _varint(out, v[0])
        for x, (_, fk) in zip(v[1:], shape.fields, strict=True):
            encode_value(out, x, fk, layouts)
    else:
        raise ValueError(f"cannot encode {v!r} as a value of kind {k.show()}")


def _empty_map(v: Any) -> bool:
    return v == ((), ())


def _read_varint(data: bytes, pos: int) -> tuple[int, int]:
    x = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        x |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return x, pos
        shift += 7


def decode_value(data: bytes, pos: int, layouts) -> tuple[Any, int]:
    tag = data[pos]
    pos += 1
    if tag == T_INT:
        z, pos = _read_varint(data, pos)
        return (z >> 1) ^ -(z & 1), pos
    if tag in (T_FALSE, T_TRUE):
        return tag == T_TRUE, pos
    if tag == T_SYM:
        return _read_varint(data, pos)
    if tag in (T_TUP, T_SET):
        n, pos = _read_varint(data, pos)
        items = []
        for _ in range(n):
            x, pos = decode_value(data, pos, layouts)
            items.append(x)
        return (tuple(items) if tag == T_TUP else frozenset(items)), pos
    if tag == T_REC:
        layout, pos = _read_varint(data, pos)
        fields = [layout]
        for _ in layouts[layout]:
            x, pos = decode_value(data, pos, layouts)
            fields.append(x)
        return tuple(fields), pos
    if tag == T_MAP:
        n, pos = _read_varint(data, pos)
        keys, vals = [], []
        for _ in range(n):
            key, pos = decode_value(data, pos, layouts)
            val, pos = decode_value(data, pos, layouts)
            keys.append(key)
            vals.append(val)
        return (tuple(keys), tuple(vals)), pos
    raise ValueError(f"malformed native state: unknown value tag {tag} at byte {pos - 1}")
