"""Fingerprints of states: Python's hash of the state tuple, with two corrections.

Symmetry: a state's fingerprint is the least fingerprint over all permutations of the
symmetric sets, so every state of an orbit gets the same fingerprint (TLC does the same).

-1 and -2: Python hashes both to -2, so (x = -1) and (x = -2) would get one fingerprint and
one of them would never be explored. When a variable's declared type allows both, -1 is
replaced by a value no spec uses before hashing.

Where ints and model values mix, a model value or string is a float (values.symbol), which
never hashes like a small int: 3 and the model value numbered 3 get different fingerprints.

Where model values and integers sit inside a state follows from the variables' kinds, so
the functions that rewrite states are built once per kind, here, at compile time.
"""
from __future__ import annotations

from itertools import permutations, product
from typing import Any, Callable

from ..lang.kinds import FnK, IntK, Kind, MixK, ModelK, RecK, SeqK, SetK, SymK, TupleK, UnionK
from ..values import canon, symbol

Permuter = Callable[[Any, dict], Any]  # (value, P) -> value with every model value m replaced by P[m]

MINUS_ONE_STANDIN = 2 ** 61 - 2  # hashes to itself; far outside any spec's integers


def fingerprint_function(kinds: list[Kind], layouts, int_domains, symmetric_groups: list[list],
                         n_symbols: int, mixed: bool) -> Callable[[Any], int]:
    """The fingerprint of a state whose variables have these kinds (symmetric_groups: the
    runtime values of the model values of each symmetric set; mixed: whether they are
    floats, values.symbol)."""
    fix_minus_one = any(d is None or (-1 in d and -2 in d) for d in int_domains)
    leaves: dict[type, Permuter] = {}
    if symmetric_groups:
        leaves[ModelK] = leaves[SymK] = lambda v, t: t[v]  # strings are their own images
    if fix_minus_one:
        leaves[IntK] = lambda v, t: MINUS_ONE_STANDIN if v == -1 else v
    if symmetric_groups and fix_minus_one:
        leaves[MixK] = lambda v, t: t.get(v, MINUS_ONE_STANDIN if v == -1 else v)
    elif symmetric_groups:
        leaves[MixK] = lambda v, t: t.get(v, v)  # ints are their own images
    elif fix_minus_one:
        leaves[MixK] = leaves[IntK]
    if not leaves:
        return hash
    rewrite = state_permuter(kinds, layouts, leaves)
    tables = permutation_tables(symmetric_groups, n_symbols, mixed)

    def fingerprint(s) -> int:
        return min(hash(rewrite(s, t)) for t in tables)
    return fingerprint


def permutation_tables(groups: list[list], n_symbols: int, mixed: bool) -> list[dict]:
    """Every combination of permutations of each group, as tables from every symbol (model
    value or string) to its image."""
    tables = []
    for choice in product(*(permutations(g) for g in groups)):
        table = {symbol(i, mixed): symbol(i, mixed) for i in range(n_symbols)}
        for group, image in zip(groups, choice):
            for src, dst in zip(group, image):
                table[src] = dst
        tables.append(table)
    return tables


def state_permuter(kinds: list[Kind], layouts: tuple[tuple[str, ...], ...], leaves: dict) -> Permuter:
    parts = [permuter(k, layouts, leaves) for k in kinds]

    def permute(state: tuple, table: tuple) -> tuple:
        return tuple(v if p is None else p(v, table) for p, v in zip(parts, state))
    return permute


def permuter(k: Kind, layouts, leaves: dict) -> Permuter | None:
    """A function rewriting the atoms inside a value of kind k (model values, integers) with
    the functions in `leaves`, by kind; None if k holds none of them."""
    if type(k) in leaves:
        return leaves[type(k)]
    if isinstance(k, SetK):
        e = permuter(k.elem, layouts, leaves)
        return None if e is None else (lambda v, t: frozenset(e(x, t) for x in v))
    if isinstance(k, (SeqK, TupleK)):
        elems = [permuter(x, layouts, leaves) for x in (k.elems if isinstance(k, TupleK) else ())]
        if isinstance(k, SeqK):
            e = permuter(k.elem, layouts, leaves)
            return None if e is None else (lambda v, t: tuple(e(x, t) for x in v))
        return _positional(elems, 0)
    if isinstance(k, FnK):
        return _map_permuter(permuter(k.dom, layouts, leaves), permuter(k.cod, layouts, leaves))
    if isinstance(k, RecK):
        return _positional([permuter(f, layouts, leaves) for _, f in k.fields], 1)
    if isinstance(k, UnionK):
        by_tag = {}
        for tag, names in enumerate(layouts):
            variant = k.variant(names)
            if variant is not None:
                by_tag[tag] = _positional([permuter(f, layouts, leaves) for _, f in variant.fields], 1)
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
