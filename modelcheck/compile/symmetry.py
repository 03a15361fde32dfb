"""Symmetry reduction: permutations of symmetric model values, applied to whole states.

A state's fingerprint under symmetry is the least fingerprint over all permutations of the
symmetric sets, so every state of an orbit gets the same fingerprint (TLC does the same).
Where model values sit inside a state follows from the variables' kinds, so the permuting
functions are built once per kind, here, at compile time.
"""
from __future__ import annotations

from itertools import permutations, product
from typing import Any, Callable

from ..lang.kinds import FnK, Kind, ModelK, RecK, SeqK, SetK, TupleK, UnionK
from ..values import canon

Permuter = Callable[[Any, tuple], Any]  # (value, P) -> value with every model id m replaced by P[m]


def permutation_tables(groups: list[list[int]], n_symbols: int) -> list[tuple[int, ...]]:
    """Every combination of permutations of each group, as id -> id tables."""
    tables = []
    for choice in product(*(permutations(g) for g in groups)):
        table = list(range(n_symbols))
        for group, image in zip(groups, choice):
            for src, dst in zip(group, image):
                table[src] = dst
        tables.append(tuple(table))
    return tables


def state_permuter(kinds: list[Kind], layouts: tuple[tuple[str, ...], ...]) -> Permuter:
    parts = [permuter(k, layouts) for k in kinds]

    def permute(state: tuple, table: tuple) -> tuple:
        return tuple(v if p is None else p(v, table) for p, v in zip(parts, state))
    return permute


def permuter(k: Kind, layouts) -> Permuter | None:
    """A function permuting the model values inside a value of kind k; None if there are none."""
    if isinstance(k, ModelK):
        return lambda v, t: t[v]
    if isinstance(k, SetK):
        e = permuter(k.elem, layouts)
        return None if e is None else (lambda v, t: frozenset(e(x, t) for x in v))
    if isinstance(k, (SeqK, TupleK)):
        elems = [permuter(x, layouts) for x in (k.elems if isinstance(k, TupleK) else ())]
        if isinstance(k, SeqK):
            e = permuter(k.elem, layouts)
            return None if e is None else (lambda v, t: tuple(e(x, t) for x in v))
        return _positional(elems, 0)
    if isinstance(k, FnK):
        return _map_permuter(permuter(k.dom, layouts), permuter(k.cod, layouts))
    if isinstance(k, RecK):
        return _positional([permuter(f, layouts) for _, f in k.fields], 1)
    if isinstance(k, UnionK):
        by_tag = {}
        for tag, names in enumerate(layouts):
            variant = k.variant(names)
            if variant is not None:
                by_tag[tag] = _positional([permuter(f, layouts) for _, f in variant.fields], 1)
        if all(p is None for p in by_tag.values()):
            return None
        return lambda v, t: v if by_tag.get(v[0]) is None else by_tag[v[0]](v, t)
    return None


def _positional(parts: list, offset: int) -> Permuter | None:
    if all(p is None for p in parts):
        return None
    full = [None] * offset + parts
    return lambda v, t: tuple(x if p is None else p(x, t) for p, x in zip(full, v))


def _map_permuter(dom: Permuter | None, cod: Permuter | None) -> Permuter | None:
    if dom is None and cod is None:
        return None

    def permute(v, t):
        keys = v[0] if dom is None else tuple(dom(x, t) for x in v[0])
        vals = v[1] if cod is None else tuple(cod(x, t) for x in v[1])
        if dom is None:
            return keys, vals
        pairs = sorted(zip(keys, vals), key=lambda kv: canon(kv[0]))
        return tuple(a for a, _ in pairs), tuple(b for _, b in pairs)
    return permute
