"""Per-variable differences between what the spec has and what the implementation has.

Both sides are ITF values, compared canonically (set and map order ignored). A difference
is explained where it is: a map per key, a record per field, a set (or bag) by the
elements only one side has, anything else as the two values.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..itfvalue import canonical, order_key
from ..values import ModelValue, show


@dataclass(frozen=True)
class VarDiff:
    name: str
    spec: Any
    impl: Any
    lines: tuple[str, ...]    # where they differ, one line each


def diff_states(spec: dict[str, Any], impl: dict[str, Any]) -> list[VarDiff]:
    out = []
    for name in spec:
        if name not in impl:
            out.append(VarDiff(name, spec[name], None, (f"{name}: missing from the implementation's mapping",)))
            continue
        a, b = canonical(spec[name]), canonical(impl[name])
        if a != b:
            out.append(VarDiff(name, spec[name], impl[name], tuple(explain(name, a, b))))
    for name in impl:
        if name not in spec:
            out.append(VarDiff(name, None, impl[name], (f"{name}: the spec has no such variable",)))
    return out


def explain(path: str, a: Any, b: Any) -> list[str]:
    """Lines saying where canonical values a (spec) and b (implementation) differ."""
    if a == b:
        return []
    if isinstance(a, dict) and isinstance(b, dict):
        if "#set" in a and "#set" in b:
            only_a = [x for x in a["#set"] if x not in b["#set"]]
            only_b = [x for x in b["#set"] if x not in a["#set"]]
            return ([f"{path}: spec has {show(x)}, implementation does not" for x in only_a]
                    + [f"{path}: implementation has {show(x)}, spec does not" for x in only_b])
        if "#map" in a and "#map" in b:
            ma = {_key(k): (k, v) for k, v in a["#map"]}
            mb = {_key(k): (k, v) for k, v in b["#map"]}
            lines = []
            for key in sorted(set(ma) | set(mb)):
                if key not in mb:
                    lines.append(f"{path}[{show(ma[key][0])}]: spec has {show(ma[key][1])}, implementation has no entry")
                elif key not in ma:
                    lines.append(f"{path}[{show(mb[key][0])}]: implementation has {show(mb[key][1])}, spec has no entry")
                else:
                    lines += explain(f"{path}[{show(ma[key][0])}]", ma[key][1], mb[key][1])
            return lines
        special = ("#bigint", "#set", "#map", "#tup")
        if not any(k in a for k in special) and not any(k in b for k in special) and set(a) == set(b):
            return [line for f in a for line in explain(f"{path}.{f}", a[f], b[f])]
    note = python_value_note(a, b)
    return [f"{path}: spec {show(a)}, implementation {show(b)}" + (f" ({note})" if note else "")]


def python_value_note(spec: Any, impl: Any) -> str | None:
    """Why two values that may print alike differ: the implementation's side holds a Python
    value, or the wrong ITF form, where the spec has a value of another kind. None if it
    does not; the first such place inside sequences and tuples is named."""
    if isinstance(spec, list) and isinstance(impl, list) and len(spec) == len(impl):
        return next((n for n in map(python_value_note, spec, impl) if n), None)
    if isinstance(spec, dict) and isinstance(impl, dict) and "#tup" in spec and "#tup" in impl:
        return python_value_note(spec["#tup"], impl["#tup"])
    forms = {"#tup": "a tuple (tuple_of(...))", "#set": "a set (set_of(...))", "#map": "a map (map_of(...))"}
    wanted = next((text for key, text in forms.items() if isinstance(spec, dict) and key in spec), None)
    if isinstance(spec, list):
        wanted = "a sequence (a list)"
    if isinstance(impl, ModelValue) and isinstance(spec, str) and not isinstance(spec, ModelValue) and impl == spec:
        return f'the implementation gave the model value {impl} where the spec has the string "{spec}"'
    if isinstance(spec, ModelValue) and isinstance(impl, str) and not isinstance(impl, ModelValue) and impl == spec:
        return (f'the implementation gave the string "{impl}" where the spec has the model value {spec}: '
                f'write model_value("{impl}")')
    if isinstance(impl, (tuple, set, frozenset)) or impl is None:
        return (f"the implementation gave a Python {type(impl).__name__}, not an ITF value"
                + (f", where the spec has {wanted}" if wanted else ""))
    if wanted and isinstance(impl, list):
        return f"the implementation gave a sequence (a list) where the spec has {wanted}"
    if wanted and isinstance(impl, dict) and not any(k in impl for k in forms):
        return f"the implementation gave a record (a dict) where the spec has {wanted}"
    if isinstance(spec, list) and isinstance(impl, dict) and "#tup" in impl:
        return "the implementation gave a tuple (tuple_of(...)) where the spec has a sequence (a list)"
    return None


def _key(k: Any) -> str:
    return repr(order_key(k))
