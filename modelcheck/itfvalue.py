"""ITF values (the JSON shape of values in reports and traces) put in canonical form.

ITF (the Informal Trace Format of Apalache and Quint) writes ints as {"#bigint": "3"}, sets
as {"#set": [...]}, maps as {"#map": [[k, v], ...]}, tuples as {"#tup": [...]}, records as
JSON objects and sequences as JSON arrays. A set or a map may list its elements in any order,
so two tools (or the explorer and a trace file) can write one value differently; `canonical`
gives every value one spelling, with set elements and map entries sorted by `order_key`, so
that equal values compare equal as Python data. Used by the ITF reader and writer
(report/itf.py) and by replay (explore/replay.py); it knows nothing about specs.
"""
from __future__ import annotations

from typing import Any

from .values import ModelValue

_SPECIAL = ("#bigint", "#set", "#map", "#tup", "#unserializable")


def order_key(v: Any) -> tuple:
    """A total order on canonical ITF values: by shape first, then by content
    (ints numerically, strings and model values alphabetically, collections elementwise)."""
    if isinstance(v, bool):
        return (0, int(v))
    if isinstance(v, str):
        return (2, str(v), isinstance(v, ModelValue))  # "a1" and the model value a1 are two values
    if isinstance(v, int):  # a plain JSON number, as other tools may write small ints
        return (1, v)
    if isinstance(v, list):
        return (3, tuple(order_key(x) for x in v))
    if isinstance(v, dict):
        if "#bigint" in v:
            return (1, int(v["#bigint"]))
        if "#tup" in v:
            return (4, tuple(order_key(x) for x in v["#tup"]))
        if "#set" in v:
            return (5, tuple(sorted(order_key(x) for x in v["#set"])))
        if "#map" in v:
            return (6, tuple(sorted((order_key(k), order_key(x)) for k, x in v["#map"])))
        if "#unserializable" in v:
            return (8, str(v["#unserializable"]))
        return (7, tuple(sorted((k, order_key(x)) for k, x in v.items())))
    return (9, repr(v))


def canonical(v: Any) -> Any:
    """The canonical spelling of an ITF value: ints as #bigint, set elements (without
    duplicates) and map entries sorted by order_key, record fields sorted by name.
    Strings keep their type (a ModelValue stays one)."""
    if isinstance(v, bool) or isinstance(v, str):
        return v
    if isinstance(v, int):
        return {"#bigint": str(v)}
    if isinstance(v, list):
        return [canonical(x) for x in v]
    if isinstance(v, dict):
        if "#bigint" in v:
            return {"#bigint": str(int(v["#bigint"]))}
        if "#tup" in v:
            return {"#tup": [canonical(x) for x in v["#tup"]]}
        if "#set" in v:
            elems: dict = {}
            for x in v["#set"]:
                c = canonical(x)
                elems.setdefault(order_key(c), c)
            return {"#set": [elems[k] for k in sorted(elems)]}
        if "#map" in v:
            entries = [(canonical(k), canonical(x)) for k, x in v["#map"]]
            entries.sort(key=lambda e: order_key(e[0]))
            return {"#map": [[k, x] for k, x in entries]}
        if "#unserializable" in v:
            return {"#unserializable": str(v["#unserializable"])}
        return {k: canonical(v[k]) for k in sorted(v)}
    return v


def same(a: Any, b: Any) -> bool:
    """Whether two ITF values denote the same value, whatever their element order."""
    return canonical(a) == canonical(b)


def model_values_in(v: Any, out: set[str] | None = None) -> set[str]:
    """The model values (ModelValue strings) occurring in an ITF value."""
    out = set() if out is None else out
    if isinstance(v, ModelValue):
        out.add(str(v))
    elif isinstance(v, list):
        for x in v:
            model_values_in(x, out)
    elif isinstance(v, dict):
        for key in _SPECIAL:
            if key in v:
                inner = v[key]
                if key == "#map":
                    for k, x in inner:
                        model_values_in(k, out)
                        model_values_in(x, out)
                elif isinstance(inner, list):
                    for x in inner:
                        model_values_in(x, out)
                return out
        for x in v.values():
            model_values_in(x, out)
    return out


def mark_model_values(v: Any, names: frozenset[str] | set[str]) -> Any:
    """v with every plain string that names a model value turned into a ModelValue
    (JSON has only strings; the trace's #meta lists which of them are model values)."""
    if isinstance(v, str):
        return ModelValue(v) if v in names and not isinstance(v, ModelValue) else v
    if isinstance(v, list):
        return [mark_model_values(x, names) for x in v]
    if isinstance(v, dict):
        if "#bigint" in v or "#unserializable" in v:
            return v
        if "#map" in v:
            return {"#map": [[mark_model_values(k, names), mark_model_values(x, names)] for k, x in v["#map"]]}
        if "#set" in v:
            return {"#set": [mark_model_values(x, names) for x in v["#set"]]}
        if "#tup" in v:
            return {"#tup": [mark_model_values(x, names) for x in v["#tup"]]}
        return {k: mark_model_values(x, names) for k, x in v.items()}
    return v
