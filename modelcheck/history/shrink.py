"""Make a counterexample small: leave operations out while the rest stays bad.

This is delta debugging's complement step (Zeller and Hildebrandt's ddmin): try leaving out
each of n chunks; on success keep the smaller set and coarsen, else split finer, down to
single operations. When it ends at chunks of one without a removal, no single operation can
be left out (1-minimal). The predicate is a search that may be slow, so the whole thing
runs within a deadline and returns the smallest bad set found so far.
"""
from __future__ import annotations

from typing import Callable, TypeVar

from .result import Deadline

T = TypeVar("T")


def shrink(items: list[T], bad: Callable[[list[T]], bool], deadline: Deadline) -> tuple[list[T], bool]:
    """A sub-list of `items` (which must be bad) that is still bad, and whether it is 1-minimal."""
    chunks = 2
    while len(items) > 1:
        size = -(-len(items) // chunks)  # ceiling
        for start in range(0, len(items), size):
            if deadline.expired():
                return items, False
            candidate = items[:start] + items[start + size:]
            if bad(candidate):
                items, chunks = candidate, max(chunks - 1, 2)
                break
        else:
            if size == 1:
                return items, True
            chunks = min(chunks * 2, len(items))
    return items, True
