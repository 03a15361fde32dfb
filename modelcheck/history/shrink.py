"""Make a counterexample small: leave operations out while the rest stays bad.

`around` first finds a small bad window of a long history, so that shrinking starts from a
few dozen operations instead of thousands, each trial of which would be a long search.
`shrink` is delta debugging's complement step (Zeller and Hildebrandt's ddmin): try leaving out
each of n chunks; on success keep the smaller set and coarsen, else split finer, down to
single operations. When it ends at chunks of one without a removal, no single operation can
be left out (1-minimal). The predicate is a search that may be slow, so the whole thing
runs within a deadline and returns the smallest bad set found so far.
"""
from __future__ import annotations

from typing import Callable, TypeVar

from .format import Op
from .model import with_sources
from .result import Deadline

T = TypeVar("T")


def shrink(items: list[T], bad: Callable[[list[T]], bool], deadline: Deadline,
           keep: tuple[T, ...] = ()) -> tuple[list[T], bool]:
    """A sub-list of `items` (which must be bad) that is still bad, and whether it is
    1-minimal; the items in `keep` are never left out (e.g. the operation a message names)."""
    if keep:
        position = {id(item): i for i, item in enumerate(items)}
        kept = [item for item in items if any(item is k for k in keep)]
        rest, minimal = shrink([item for item in items if not any(item is k for k in keep)],
                               lambda subset: bad(sorted(kept + subset, key=lambda x: position[id(x)])), deadline)
        return sorted(kept + rest, key=lambda x: position[id(x)]), minimal
    chunks = 2
    while items:  # down to none: with `keep`, the last other item may go too
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


def around(ops: list[Op], first: int, last: int, bad: Callable[[list[Op]], bool],
           real_time: bool = True) -> list[Op] | None:
    """A smaller bad part of a bad history, if one is found: the operations running within
    `width` events of the events first..last, and the writes of the values they read
    (with_sources), `width` doubling until that part is bad. None when the part would be all
    of `ops`."""
    width = 16
    while True:
        near = with_sources([op for op in ops if op.returns >= first - width and op.invoke <= last + width], ops,
                            real_time)
        if len(near) == len(ops):
            return None
        if bad(near):
            return near
        width *= 2
