"""The builtin operators of the spec language (`size`, `put`, `subseq`, `bag_add`, ...)
encoded for Z3: the `_b_NAME` methods the encoder calls for a call of NAME. Each folds
constants and handles sets and maps without a finite universe (slots), as symbolic.py's
operations do; what it cannot encode raises EncodeError.
"""
from __future__ import annotations

from itertools import combinations
from typing import Any

import z3

from ..lang.kinds import AnyK, FnK, IntK, Kind, SeqK, TupleK
from ..values import canon
from .scalars import (AND, AND2, ARITH, CMP, EncodeError, IEQ, IITE, IMIN, NOT, OR, OR2, Unbounded,
                      int_values, is_sym, mk_int)
from .symbolic import (SFun, SSet, SSlots, chain, entries, eq, fun_slots, items, merge, mk_fun,
                       mk_map, mk_seq, mk_set, mk_slots, possible, seq_parts, slots_size, tup_elems)

POWERSET_LIMIT = 16  # largest set whose subsets are enumerated


class Builtins:
    """Mixed into the Encoder, whose kind() and default() they use."""

    def _b_size(self, e, a):
        s = a[0]
        if not is_sym(s):
            return len(s)
        if isinstance(s, SSlots):
            return slots_size(s, self.kind(e.args[0]).elem)
        sure = sum(1 for g in s.mem.values() if g is True)
        terms = [z3.If(g, 1, 0) for g in s.mem.values() if g is not True]
        return mk_int(z3.Sum(terms) + sure if terms else z3.IntVal(sure),
                      frozenset(range(sure, sure + len(terms) + 1)))

    def _b_subsets(self, e, a):
        s = no_slots(a[0], "subsets")
        if not is_sym(s):
            elems = sorted(s, key=canon)
            if len(elems) > POWERSET_LIMIT:
                raise EncodeError(f"subsets of a set of {len(elems)} elements is too big to encode")
            return frozenset(frozenset(c) for n in range(len(elems) + 1) for c in combinations(elems, n))
        elems = sorted(s.mem, key=canon)
        if len(elems) > POWERSET_LIMIT:
            raise EncodeError(f"subsets of a set of up to {len(elems)} elements is too big to encode")
        return mk_set({frozenset(c): AND(s.mem[u] for u in c) for n in range(len(elems) + 1)
                       for c in combinations(elems, n)})

    def _b_union(self, e, a):
        ss = no_slots(a[0], "union")
        if not is_sym(ss):
            return frozenset().union(*ss)
        mem: dict = {}
        for g, t in items(ss):
            for u, g2 in (no_slots(t, "union").mem.items() if isinstance(t, SSet) else ((u, True) for u in t)):
                mem[u] = OR2(mem.get(u, False), AND2(g, g2))
        return mk_set(mem)

    def _minmax(self, a, smallest: bool):
        if len(a) == 2:
            return IMIN(a[0], a[1], smallest)
        s = no_slots(a[0], "min" if smallest else "max")
        if not is_sym(s):
            return (min(s) if smallest else max(s)) if s else 0
        cases = sorted(((g, u) for u, g in s.mem.items()), key=lambda gu: gu[1], reverse=not smallest)
        if not cases:
            return 0
        return chain(cases[:-1], cases[-1][1], IntK())

    def _b_min(self, e, a):
        return self._minmax(a, True)

    def _b_max(self, e, a):
        return self._minmax(a, False)

    def _b_domain(self, e, a):
        if isinstance(self.kind(e.args[0]), (SeqK, TupleK)):
            n, xs = seq_parts(a[0]) if isinstance(self.kind(e.args[0]), SeqK) else (len(tup_elems(a[0])), ())
            if isinstance(n, int):
                return frozenset(range(1, n + 1))
            return mk_set({j + 1: CMP("<", j, n) for j in range(len(xs))})
        return mk_slots((p, kk) for p, kk, _ in fun_slots(a[0]))

    def _b_range(self, e, a):
        k = self.kind(e).elem
        if isinstance(self.kind(e.args[0]), (SeqK, TupleK)):
            n, xs = seq_parts(a[0]) if isinstance(self.kind(e.args[0]), SeqK) else (None, tup_elems(a[0]))
            pairs = [(True if n is None else CMP("<", j, n), x) for j, x in enumerate(xs)]
        else:
            pairs = [(p, x) for p, _, x in fun_slots(a[0])]
        return mk_slots(s for p, x in pairs for s in expand(p, x, k))

    def _b_put(self, e, a):
        f, key, v = a
        return upsert(f, key, self.kind(e), lambda p, x: v)

    def _b_len(self, e, a):
        if isinstance(self.kind(e.args[0]), TupleK):
            return len(tup_elems(a[0]))
        return seq_parts(a[0])[0]

    def _b_append(self, e, a):
        s, x = a
        k = self.kind(e)
        n, xs = seq_parts(s)
        if isinstance(n, int):
            return mk_seq(n + 1, xs[:n] + (x,))
        new = [merge(IEQ(n, j), x, y, k.elem) for j, y in enumerate(xs)] + [x]
        return mk_seq(ARITH("+", n, 1), new)

    def _b_head(self, e, a):
        n, xs = seq_parts(a[0])
        return xs[0] if xs else self.default(self.kind(e))

    def _b_tail(self, e, a):
        n, xs = seq_parts(a[0])
        if isinstance(n, int):
            return mk_seq(max(n - 1, 0), xs[1:n])
        return mk_seq(IITE(CMP(">", n, 0), ARITH("-", n, 1), 0), xs[1:])

    def _b_subseq(self, e, a):
        """s[max(i, 1) - 1 : max(j, 0)] if i <= j else <<>>, as the compiled code has it."""
        s, i, j = a
        n, xs = seq_parts(s)
        if not is_sym(i) and not is_sym(j) and not is_sym(n):
            part = xs[:n][max(i, 1) - 1:max(j, 0)] if i <= j else ()
            return mk_seq(len(part), part)
        start = ARITH("-", IMIN(i, 1, smallest=False), 1)
        end = IMIN(IMIN(j, 0, smallest=False), n)
        length = IITE(CMP("<=", i, j), IMIN(ARITH("-", end, start), 0, smallest=False), 0)
        if isinstance(start, int):
            return mk_seq(length, xs[start:])
        ek = self.kind(e).elem
        elems = []
        for p in range(len(xs)):
            cases = [(c, xs[sv + p]) for sv in range(len(xs) - p) for c in (IEQ(start, sv),) if c is not False]
            elems.append(chain(cases[:-1], cases[-1][1], ek) if cases else self.default(ek))
        return mk_seq(length, elems)

    def concat(self, s, t, k: SeqK):
        n1, xs = seq_parts(s)
        n2, ys = seq_parts(t)
        if isinstance(n1, int):
            return mk_seq(ARITH("+", n1, n2), xs[:n1] + ys)
        out = []
        ek = k.elem if isinstance(k, SeqK) else AnyK()
        d1 = int_values(n1)
        for p in range(len(xs) + len(ys)):
            cases = []
            for m in d1:
                v = xs[p] if p < m else (ys[p - m] if 0 <= p - m < len(ys) else None)
                if v is not None:
                    cases.append((IEQ(n1, m), v))
            out.append(chain(cases[:-1], cases[-1][1], ek) if cases else self.default(ek))
        return mk_seq(ARITH("+", n1, n2), out)

    def _b_bag_add(self, e, a):
        b, x = a
        return upsert(b, x, self.kind(e), lambda p, c: 1 if c is None else ARITH("+", IITE(p, c, 0), 1))

    def _b_bag_remove(self, e, a):
        b, x = a
        k = self.kind(e)
        out = []
        for p, kk, c in fun_slots(b):
            hit = eq(x, kk, k.dom)
            if hit is False:
                out.append((p, kk, c))
                continue
            gone = AND2(hit, CMP("<=", c, 1))
            out.append((AND2(p, NOT(gone)), kk, IITE(hit, ARITH("-", c, 1), c)))
        return mk_fun(out, k)

    def _b_bag_count(self, e, a):
        b, x = a
        k = self.kind(e.args[0])
        total = 0
        for p, kk, c in fun_slots(b):
            hit = AND2(p, eq(x, kk, k.dom))
            if hit is not False:
                total = ARITH("+", total, IITE(hit, c, 0))
        return total

    def _b_bag_sum(self, e, a):
        total = 0
        for p, _, c in fun_slots(a[0]):
            total = ARITH("+", total, IITE(p, c, 0))
        return total


def expand(guard, x, k: Kind) -> list[tuple[Any, Any]]:
    """Set slots (guard, element) for x: its possible concrete values when they are few, so
    that sets over a finite universe stay one Bool per element; else x itself."""
    try:
        return [(AND2(guard, g), u) for g, u in possible(x, k)]
    except Unbounded:
        return [(guard, x)]


def upsert(f, key, k: FnK, new) -> Any:
    """f with key mapped to new(present, old): present says whether key was in f, old is its
    value there (None if it never is)."""
    if not isinstance(f, SFun):
        try:
            cands = [u for _, u in possible(key, k.dom)]
        except Unbounded:
            cands = None
        if cands is not None:  # a map over concrete keys stays one
            ents = {kk: (p, x) for kk, p, x in entries(f)}
            for u in cands:
                ents.setdefault(u, (False, None))
            out = []
            for kk, (p, x) in ents.items():
                c = eq(key, kk, k.dom)
                if c is False:
                    out.append((kk, p, x))
                elif x is None:
                    out.append((kk, c, new(False, None)))
                else:
                    out.append((kk, OR2(c, p), merge(c, new(p, x), x, k.cod)))
            return mk_map(out)
    out, hits = [], []
    for p, kk, x in fun_slots(f):
        hit = AND2(p, eq(key, kk, k.dom))
        hits.append(hit)
        out.append((p, kk, x if hit is False else merge(hit, new(True, x), x, k.cod)))
    out.append((NOT(OR(hits)), key, new(False, None)))
    return mk_fun(out, k)


def no_slots(s, what: str):
    if isinstance(s, SSlots):
        raise EncodeError(f"{what} of a set without a finite universe is not supported by the Z3 encoding")
    return s
