"""Fingerprints of states: Python's hash of the state tuple, with two corrections.

Symmetry: a state's fingerprint is that of a canonical member of its orbit (the states that
permuting the symmetric sets' model values turns it into), so every state of an orbit gets
the same fingerprint and the search keeps one state per orbit, as TLC's SYMMETRY does.
Enumerating every permutation costs n! rewrites of each state; instead:

  1. each model value m of a symmetric set gets a signature: a summary of its part of the
     state that permuting model values does not change (its entries in maps keyed by model
     values, with other model values blurred to "self" or "another one"; where else it
     occurs: a message's source, an election's voters...);
  2. the relabelings considered are those that number the values in the order of their
     signatures, in every order only within groups of equal signatures;
  3. the canonical member is the one of those relabelings with the least hash.

If permuting by p turns s into s', p maps each value's signature in s to the same signature
in s', so the relabelings considered for s' are those for s composed with p, they give the
same states, and the least hash is the same: an orbit gets one fingerprint however the
signatures are defined, provided they are invariant. Different orbits share no state, so
their fingerprints differ as much as Python's hashes do: the distinct states counted are the
orbits, exactly as with every permutation. Most states of a protocol tell their processes
apart, so most need one relabeling instead of n!.

-1 and -2: Python hashes both to -2, so (x = -1) and (x = -2) would get one fingerprint and
one of them would never be explored. When a variable's declared type allows both, -1 is
replaced by a value no spec uses before hashing.

Where ints and model values mix, a model value or string is a float (values.symbol), which
never hashes like a small int: 3 and the model value numbered 3 get different fingerprints.
The tables below are then dicts from those floats, not tuples indexed by the ids.

Where model values and integers sit inside a state follows from the variables' kinds, so
the functions that rewrite states are built once per kind, here, at compile time.
"""
from __future__ import annotations

from itertools import permutations, product
from operator import itemgetter
from typing import Any, Callable, Sequence

from ..lang.kinds import FnK, IntK, Kind, MixK, ModelK, RecK, SeqK, SetK, SymK, TupleK, UnionK, contains
from ..values import canon, symbol, symbol_index

MINUS_ONE_STANDIN = 2 ** 61 - 2  # hashes to itself; far outside any spec's integers
ATOMS = (ModelK, SymK, MixK)     # kinds whose values may be model values
SymbolTable = tuple | dict       # a symbol's runtime value -> what it maps to (symbol_table)


def symbol_table(images: Sequence, mixed: bool) -> SymbolTable:
    """A table from the runtime value of the symbol at index i to images[i]: a tuple where
    the runtime values are the indexes, a dict where they are floats (values.symbol)."""
    return {symbol(i, True): x for i, x in enumerate(images)} if mixed else tuple(images)


def _symbols(n_symbols: int, mixed: bool) -> list:
    return [symbol(i, mixed) for i in range(n_symbols)]


class Relabeling:
    """A permutation of the symbols: `table[v]` is the image of the symbol whose runtime
    value is v (symbol_table); `orders[g]` reorders the values of a map keyed by exactly the
    members of group g (ascending) into the order of their images' keys."""
    __slots__ = ("table", "orders")

    def __init__(self, table: SymbolTable, groups: Sequence[tuple]):
        self.table = table
        # the value at key m comes from the key whose image m is
        preimage = {image: v for v, image in (table.items() if isinstance(table, dict) else enumerate(table))}
        self.orders = tuple(itemgetter(*(g.index(preimage[m]) for m in g)) for g in groups)


Permuter = Callable[[Any, Relabeling], Any]  # (value, relabeling) -> the relabeled value


def fingerprint_function(kinds: list[Kind], layouts, int_domains, symmetric_groups: list[list],
                         n_symbols: int, mixed: bool) -> Callable[[Any], int]:
    """The fingerprint of a state whose variables have these kinds (symmetric_groups: the
    runtime values of the model values of each symmetric set; mixed: whether those are
    floats, values.symbol)."""
    groups = [tuple(sorted(g)) for g in symmetric_groups if len(g) > 1]  # one value: nothing to permute
    fix_minus_one = any(d is None or (-1 in d and -2 in d) for d in int_domains)
    leaves: dict[type, Callable] = {}
    if groups:
        leaves[ModelK] = leaves[SymK] = lambda v, r: r.table[v]  # strings are their own images
    if fix_minus_one:
        leaves[IntK] = lambda v, r: MINUS_ONE_STANDIN if v == -1 else v
    # MixK occurs in mixed specs only, whose tables are dicts from floats: ints are not keys
    if groups and fix_minus_one:
        leaves[MixK] = lambda v, r: r.table.get(v, MINUS_ONE_STANDIN if v == -1 else v)
    elif groups:
        leaves[MixK] = lambda v, r: r.table.get(v, v)  # ints are their own images
    elif fix_minus_one:
        leaves[MixK] = leaves[IntK]
    if not leaves:
        return hash
    if not groups:
        rewrite = state_permuter(kinds, layouts, leaves)
        identity = Relabeling(symbol_table(_symbols(n_symbols, mixed), mixed), groups)
        return lambda s: hash(rewrite(s, identity))
    return Canonical(kinds, layouts, groups, n_symbols, mixed, leaves).fingerprint


def relabeling(groups: Sequence[tuple], orders: Sequence[Sequence], n_symbols: int, mixed: bool = False
               ) -> Relabeling:
    """The relabeling sending the k-th value of orders[g] to the k-th member of groups[g]
    (runtime values of model values; `mixed`: floats, values.symbol)."""
    images = _symbols(n_symbols, mixed)
    for group, order in zip(groups, orders):
        for src, dst in zip(order, group):
            images[symbol_index(src)] = dst
    return Relabeling(symbol_table(images, mixed), groups)


class Canonical:
    """Fingerprints up to symmetry: signatures first, then the relabelings they allow.

    Both steps work variable by variable and remember their results for the values they
    saw last: a step changes few variables, so most values of a successor are its parent's
    (the very objects), and looking one up is far cheaper than walking it again."""

    def __init__(self, kinds: list[Kind], layouts, groups: list[tuple], n_symbols: int, mixed: bool, leaves: dict):
        self.groups = groups
        self.n_symbols = n_symbols
        self.mixed = mixed
        self.slices = []  # where each group's members sit in the signature columns
        start = 0
        for g in groups:
            self.slices.append((start, start + len(g)))
            start += len(g)
        members = tuple(m for g in groups for m in g)
        walkers = variable_walkers(kinds, layouts, groups, n_symbols, mixed)
        permuters = [permuter(k, layouts, leaves, groups) for k in kinds]
        # per variable that holds model values or rewritten ints: (index, lookup, permute)
        self.variables = [(i, *_remembered(None if w is None else _columns(w, members)), p)
                          for i, (w, p) in enumerate(zip(walkers, permuters)) if p is not None]
        # The relabelings allowed by a pattern of signatures: for each group, each member's
        # rank among the distinct signatures of its group. Few patterns occur.
        self.allowed: dict[tuple, list[Relabeling]] = {}

    def fingerprint(self, s) -> int:
        found = []
        columns = []
        for i, by_id, miss, permute in self.variables:
            v = s[i]
            seen = by_id.get(id(v))
            if seen is None or seen.value is not v:
                seen = miss(v)
            found.append((i, seen, permute))
            if seen.columns is not None:
                columns.append(seen.columns)
        columns = list(zip(*columns))
        pattern = tuple([tuple(_ranks(columns[a:b])) for a, b in self.slices])
        relabelings = self.allowed.get(pattern)
        if relabelings is None:
            relabelings = self.allowed[pattern] = self._relabelings(pattern)
        least = None
        for r in relabelings:
            state = list(s)
            for i, seen, permute in found:
                image = seen.images.get(r)
                if image is None:
                    image = seen.images[r] = permute(seen.value, r)
                state[i] = image
            h = hash(tuple(state))
            if least is None or h < least:
                least = h
        return least

    def _relabelings(self, pattern: tuple[tuple[int, ...], ...]) -> list[Relabeling]:
        """Members in the order of their ranks, in every order within equal ranks."""
        per_group = []
        for group, ranks in zip(self.groups, pattern):
            cells = [[m for m, r in zip(group, ranks) if r == rank] for rank in sorted(set(ranks))]
            per_group.append([sum(choice, ()) for choice in product(*(permutations(c) for c in cells))])
        return [relabeling(self.groups, orders, self.n_symbols, self.mixed) for orders in product(*per_group)]


REMEMBERED = 1 << 15  # values remembered per variable; forgotten all at once when full


class _Seen:
    """What was computed for one value of a variable: its signature columns (None if it
    holds no model value) and its images by the relabelings tried so far (shared by the
    _Seen of equal values)."""
    __slots__ = ("value", "columns", "images")

    def __init__(self, value, columns, images: dict):
        self.value = value
        self.columns = columns
        self.images = images


def _remembered(columns: Callable[[Any], tuple[int, ...]] | None) -> tuple[dict, Callable[[Any], _Seen]]:
    """A table from a value's id to its _Seen (which holds the value, so that its id stays
    its own), and the function filling it for a value not found there: from an equal value
    seen before (a value rebuilt equal, e.g. a state unpacked from the queue), or anew."""
    by_id: dict[int, _Seen] = {}
    by_value: dict[Any, _Seen] = {}

    def miss(v) -> _Seen:
        known = by_value.get(v)
        if known is None:
            if len(by_value) >= REMEMBERED:
                by_value.clear()
            seen = by_value[v] = _Seen(v, None if columns is None else columns(v), {})
        else:
            seen = _Seen(v, known.columns, known.images)
        if len(by_id) >= REMEMBERED:
            by_id.clear()
        by_id[id(v)] = seen
        return seen
    return by_id, miss


def _columns(walk: Walker, members: tuple[int, ...]) -> Callable[[Any], tuple[int, ...]]:
    """The walker's sums for a value, one per member in `members` order."""
    def columns(v) -> tuple[int, ...]:
        sums = dict.fromkeys(members, 0)
        walk(v, sums)
        return tuple(sums.values())
    return columns


def _ranks(values: list) -> list[int]:
    """Each value's rank among the distinct values (equal values, equal ranks)."""
    distinct = sorted(set(values))
    return [distinct.index(v) for v in values]


# ---------------------------------------------------------------- rewriting states

def state_permuter(kinds: list[Kind], layouts: tuple[tuple[str, ...], ...], leaves: dict,
                   groups: Sequence[tuple[int, ...]] = ()) -> Permuter:
    """A function rewriting a whole state (permuter, per variable)."""
    parts = [permuter(k, layouts, leaves, groups) for k in kinds]

    def permute(state: tuple, r) -> tuple:
        return tuple(v if p is None else p(v, r) for p, v in zip(parts, state))
    return permute


def permuter(k: Kind, layouts, leaves: dict, groups: Sequence[tuple[int, ...]] = (), blur: bool = False
             ) -> Permuter | None:
    """A function rewriting the atoms inside a value of kind k (model values, integers) with
    the functions in `leaves`, by kind; None if k holds none of them. `blur`: the leaves
    may map several atoms to one, so a map's keys may collide (a signature's summaries)."""
    def sub(kind: Kind) -> Permuter | None:
        return permuter(kind, layouts, leaves, groups, blur)
    if type(k) in leaves:
        return leaves[type(k)]
    if isinstance(k, SetK):
        e = sub(k.elem)
        return None if e is None else (lambda v, r: frozenset([e(x, r) for x in v]))
    if isinstance(k, SeqK):
        e = sub(k.elem)
        return None if e is None else (lambda v, r: tuple([e(x, r) for x in v]))
    if isinstance(k, TupleK):
        return _positional([sub(x) for x in k.elems], 0)
    if isinstance(k, FnK):
        if blur:
            return _blurred_map_permuter(sub(k.dom), sub(k.cod))
        return _map_permuter(sub(k.dom), sub(k.cod), groups if type(k.dom) in ATOMS else (),
                             contains(k.dom, SetK))
    if isinstance(k, RecK):
        return _positional([sub(f) for _, f in k.fields], 1)
    if isinstance(k, UnionK):
        by_tag = _per_variant(k, layouts, lambda fields: _positional([sub(f) for f in fields], 1))
        if all(p is None for p in by_tag.values()):
            return None
        return lambda v, r: v if by_tag.get(v[0]) is None else by_tag[v[0]](v, r)
    return None


def _positional(parts: list, offset: int) -> Permuter | None:
    if all(p is None for p in parts):
        return None
    full = [None] * offset + parts
    return lambda v, r: tuple([x if p is None else p(x, r) for p, x in zip(full, v)])


def _map_permuter(dom: Permuter | None, cod: Permuter | None, groups: Sequence[tuple[int, ...]],
                  needs_canon: bool) -> Permuter | None:
    """Maps are (sorted keys, values). A map keyed by exactly the members of a group (the
    usual `Procs -> T`) keeps its keys; its values are reordered."""
    if dom is None and cod is None:
        return None
    whole = list(enumerate(groups))

    def permute(v, r):
        keys, vals = v
        if cod is not None:
            vals = tuple([cod(x, r) for x in vals])
        if dom is None:
            return keys, vals
        for g, group in whole:
            if keys == group:
                return keys, r.orders[g](vals)
        pairs = sorted(zip([dom(x, r) for x in keys], vals),
                       key=(lambda kv: canon(kv[0])) if needs_canon else itemgetter(0))
        return tuple([a for a, _ in pairs]), tuple([b for _, b in pairs])
    return permute


def _blurred_map_permuter(dom: Permuter | None, cod: Permuter | None) -> Permuter | None:
    """As _map_permuter, for blurring leaves: keys may collide, so the pairs are sorted."""
    if dom is None and cod is None:
        return None

    def permute(v, r):
        keys, vals = v
        if cod is not None:
            vals = tuple([cod(x, r) for x in vals])
        if dom is None:
            return keys, vals
        pairs = sorted(zip([dom(x, r) for x in keys], vals), key=canon)
        return tuple([a for a, _ in pairs]), tuple([b for _, b in pairs])
    return permute


# ---------------------------------------------------------------- signatures

# A member's signature is a sum of hashes of its occurrences (a multiset: order-free), each
# hashed with the place it occurs at (a number per atom position of the variables' kinds).
Walker = Callable[[Any, dict], None]  # (value, {member: sum so far}) -> None, adds occurrences


def variable_walkers(kinds: list[Kind], layouts, groups: Sequence[tuple], n_symbols: int, mixed: bool
                     ) -> list[Walker | None]:
    """Per variable, a walker adding to sums[m] numbers that permuting the groups' members
    carries along: walking p(v) adds to p(m) what walking v adds to m."""
    blurs = _blurring_tables(groups, n_symbols, mixed)
    blur_leaves = {ModelK: _blur_atom, SymK: _blur_atom, MixK: _blur_mixed}
    places = iter(range(1, 1 << 30))
    return [_walker(k, layouts, places, blurs, blur_leaves) for k in kinds]


class _Blur:
    """Relabeling-like: maps the symbols as seen from one member (see _blurring_tables)."""
    __slots__ = ("table",)

    def __init__(self, table: SymbolTable):
        self.table = table


def _blur_atom(v, b: _Blur):
    return b.table[v]


def _blur_mixed(v, b: _Blur):
    return b.table.get(v, v)  # a mixed spec's table (a dict of floats): ints stay


def _blurring_tables(groups: Sequence[tuple], n_symbols: int, mixed: bool) -> dict[Any, _Blur]:
    """Per member m: m -> -1 ("self"), the other members of group g -> -2 - g ("another
    one of g"), every other symbol to itself. A value blurred this way is the same from
    p(m) in p(s) as from m in s (in a mixed spec an int -1 or -2 - g is left as it is, and
    permuting leaves ints in place, so that still holds)."""
    out = {}
    for g, group in enumerate(groups):
        for m in group:
            images = _symbols(n_symbols, mixed)
            for h, other in enumerate(groups):
                for x in other:
                    images[symbol_index(x)] = -2 - h
            images[symbol_index(m)] = -1
            out[m] = _Blur(symbol_table(images, mixed))
    return out


def _walker(k: Kind, layouts, places, blurs: dict[int, _Blur], blur_leaves: dict) -> Walker | None:
    """Adds to sums[m], for each occurrence of member m in a value of kind k, the hash of its
    place; an occurrence as a map's key also carries the value it maps to, blurred as seen
    from the key. None if k holds no model value."""
    def sub(kind: Kind) -> Walker | None:
        return _walker(kind, layouts, places, blurs, blur_leaves)
    if type(k) in ATOMS:
        place = _place(places)

        def atom(v, sums):
            if v in sums:
                sums[v] += place
        return atom
    if isinstance(k, (SetK, SeqK)):
        e = sub(k.elem)
        if e is None:
            return None

        def each(v, sums):
            for x in v:
                e(x, sums)
        return each
    if isinstance(k, TupleK):
        return _positional_walker([sub(x) for x in k.elems], 0)
    if isinstance(k, RecK):
        return _positional_walker([sub(f) for _, f in k.fields], 1)
    if isinstance(k, UnionK):
        by_tag = _per_variant(k, layouts, lambda fields: _positional_walker([sub(f) for f in fields], 1))
        if all(w is None for w in by_tag.values()):
            return None

        def union(v, sums):
            w = by_tag.get(v[0])
            if w is not None:
                w(v, sums)
        return union
    if isinstance(k, FnK):
        return _map_walker(k, sub, places, blurs, blur_leaves, layouts)
    return None


def _per_variant(k: UnionK, layouts, build: Callable[[list[Kind]], Any]) -> dict[int, Any]:
    """build(the field kinds) for each record layout (by its tag) that is a variant of k."""
    by_tag = {}
    for tag, names in enumerate(layouts):
        variant = k.variant(names)
        if variant is not None:
            by_tag[tag] = build([f for _, f in variant.fields])
    return by_tag


def _place(places) -> int:
    """A number for the next atom position, spread over 64 bits so that sums rarely tie."""
    return hash((next(places), 0x9E3779B97F4A7C15))


def _positional_walker(parts: list, offset: int) -> Walker | None:
    live = [(i + offset, w) for i, w in enumerate(parts) if w is not None]
    if not live:
        return None

    def walk(v, sums):
        for i, w in live:
            w(v[i], sums)
    return walk


def _map_walker(k: FnK, sub, places, blurs: dict[int, _Blur], blur_leaves: dict, layouts) -> Walker | None:
    dom, cod = sub(k.dom), sub(k.cod)
    if type(k.dom) not in ATOMS:
        if dom is None and cod is None:
            return None

        def pairs(v, sums):
            for key, val in zip(*v):
                if dom is not None:
                    dom(key, sums)
                if cod is not None:
                    cod(val, sums)
        return pairs
    place = _place(places)
    blur = permuter(k.cod, layouts, blur_leaves, blur=True)

    def keyed(v, sums):
        for key, val in zip(*v):
            if key in sums:  # the key's entry, seen from the key
                sums[key] += hash((place, val if blur is None else blur(val, blurs[key])))
            if cod is not None:
                cod(val, sums)
    return keyed
