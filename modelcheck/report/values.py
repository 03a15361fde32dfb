"""How a variable changed between two states, in text a person reads."""
from __future__ import annotations

from typing import Any

from ..values import show


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
