"""ITF values (as the explorer describes states) rendered as text a person reads."""
from __future__ import annotations

from typing import Any

from ..values import ModelValue


def show(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, ModelValue):
        return str(v)
    if isinstance(v, str):
        return f'"{v}"'
    if isinstance(v, list):
        return "<<" + ", ".join(show(x) for x in v) + ">>"
    if isinstance(v, dict):
        if "#bigint" in v:
            return v["#bigint"]
        if "#set" in v:
            return "{" + ", ".join(show(x) for x in v["#set"]) + "}"
        if "#map" in v:
            return "[" + ", ".join(f"{show(k)} -> {show(x)}" for k, x in v["#map"]) + "]"
        if "#tup" in v:
            return "<<" + ", ".join(show(x) for x in v["#tup"]) + ">>"
        return "{" + ", ".join(f"{k}: {show(x)}" for k, x in v.items()) + "}"
    return repr(v)


def changes(name: str, old: Any, new: Any) -> list[str]:
    """How a variable changed, as short lines: per key for maps, added/removed for sets."""
    if old == new:
        return []
    if isinstance(old, dict) and isinstance(new, dict):
        if "#set" in old and "#set" in new:
            added = [x for x in new["#set"] if x not in old["#set"]]
            removed = [x for x in old["#set"] if x not in new["#set"]]
            return [f"{name} + {show(x)}" for x in added] + [f"{name} - {show(x)}" for x in removed]
        if "#map" in old and "#map" in new:
            before = {show(k): x for k, x in old["#map"]}
            after = {show(k): x for k, x in new["#map"]}
            if before.keys() == after.keys():
                return [line for k in after for line in changes(f"{name}[{k}]", before[k], after[k])]
    return [f"{name}: {show(old)} -> {show(new)}"]
