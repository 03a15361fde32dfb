"""Hypothesis strategies for well-formed specs, each with a reference model.

`specs()` draws a spec text over a fixed menu of variables (ints, a set, a sequence, a
map over model values, a record, a bool) with randomly built expressions and statements
from the whole grammar. Every expression is built together with its meaning as a Python
function of an environment, written from the README's description of the language, not from
our compiler; `reference.py` explores those functions breadth-first. So a generated spec has
two independent evaluations, and the fuzzer compares them: outcome, state count, depth, and
that every counterexample is a real path of the reference model.

`const_exprs()` draws a closed expression and its value, for `const R = ...`.

Semantics mirrored here (README, "The spec language in five minutes"): `/` and `%` floor,
an error when dividing by zero; `a..b` is empty when b < a; `choose` takes the least
element in canonical order (ints numerically, model values in declaration order); maps
applied outside their domain, `head`/`tail` of an empty sequence, a sequence index out of
1..len, `min`/`max` of an empty set are errors. Where our evaluation order may legitimately
differ (an error inside a quantifier body that short-circuits, a let binding that is never
used), the meaning is `Unknown` and the oracle is skipped for that spec.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from hypothesis import strategies as st


class Undefined(Exception):
    """The expression has no value: the checker must report a runtime error."""


class Unknown(Exception):
    """Whether there is a value depends on evaluation order; no oracle for this spec."""


BIG_DOMAIN = 2_000  # a reference loop longer than this gives up (Unknown) instead of hanging


@dataclass
class E:
    text: str
    kind: str                       # int bool iset seq map rec proc
    ev: Callable[[dict], Any]


@dataclass
class Var:
    name: str
    kind: str
    type_text: str


VARS = [
    Var("x", "int", "0..N"),
    Var("y", "int", "-3..3"),
    Var("s", "iset", "set[0..3]"),
    Var("q", "seq", "seq[0..3, 3]"),
    Var("f", "map", "Procs -> 0..3"),
    Var("r", "rec", "{a: 0..3, b: bool}"),
    Var("b", "bool", "bool"),
    Var("p", "proc", "Procs"),
    Var("msgs", "msgset", "set[Msg]"),
]
MSG_TYPE = 'type Msg = {kind: "a", x: 0..3} | {kind: "b", x: 0..3, y: 0..3}'
# a message as the reference sees it: ("a", x) or ("b", x, y)


@dataclass
class Scope:
    """The names an expression may read, with their kinds and how to read them."""
    procs: tuple[str, ...]
    names: dict[str, list[tuple[str, Callable[[dict], Any]]]] = field(default_factory=dict)
    counter: list[int] = field(default_factory=lambda: [0])

    def with_name(self, name: str, kind: str) -> "Scope":
        names = {k: list(v) for k, v in self.names.items()}
        names.setdefault(kind, []).append((name, lambda env, n=name: env[n]))
        return Scope(self.procs, names, self.counter)

    def fresh(self) -> str:
        self.counter[0] += 1
        return f"v{self.counter[0]}"


# ---------------------------------------------------------------- helpers of the reference semantics

def _div(a, b):
    if b == 0:
        raise Undefined("division by zero")
    return a // b


def _mod(a, b):
    if b == 0:
        raise Undefined("modulo by zero")
    return a % b


def _range(a, b):
    if b - a + 1 > BIG_DOMAIN:  # as a set, the checker refuses it; as a domain it loops (long): no oracle
        raise Unknown("big set")
    return frozenset(range(a, b + 1))


def _domain(s):
    if len(s) > BIG_DOMAIN:
        raise Unknown("big domain")
    return sorted(s, key=_order)


def _order(v):
    if isinstance(v, frozenset):
        return (len(v), tuple(sorted(_order(x) for x in v)))
    if isinstance(v, tuple):
        return tuple(_order(x) for x in v)
    return v


def _all_values(fn, items):
    """Evaluate fn on every item; an error anywhere is an error of the whole (comprehensions
    evaluate every element)."""
    return [fn(x) for x in items]


def _quant(fn, items, want_all: bool):
    """forall/exists: short-circuits in an order we do not fix, so an error in some element
    makes the outcome order-dependent unless no element errs."""
    results, failed = [], False
    for x in items:
        try:
            results.append(fn(x))
        except Undefined:
            failed = True
    if failed:
        raise Unknown("error inside a quantifier")
    return all(results) if want_all else any(results)


def _ap(f, k):
    for key, v in f:
        if key == k:
            return v
    raise Undefined("map applied outside its domain")


def _except(f, k, v):
    if all(key != k for key, _ in f):
        raise Undefined("'with' outside the domain")
    return tuple((key, v if key == k else old) for key, old in f)


def _seq_at(q, i):
    if 1 <= i <= len(q):
        return q[i - 1]
    raise Undefined("sequence index out of range")


def _seq_set(q, i, v):
    if 1 <= i <= len(q):
        return q[:i - 1] + (v,) + q[i:]
    raise Undefined("sequence index out of range")


def _head(q):
    if not q:
        raise Undefined("head of an empty sequence")
    return q[0]


def _tail(q):
    if not q:
        raise Undefined("tail of an empty sequence")
    return q[1:]


def _min(s):
    if not s:
        raise Undefined("min of an empty set")
    return min(s)


def _max(s):
    if not s:
        raise Undefined("max of an empty set")
    return max(s)


def _filter(items, cond) -> frozenset:
    return frozenset(x for x, ok in zip(items, _all_values(cond, items)) if ok)


def _choose(items, cond):
    found = [x for x, ok in zip(items, _all_values(cond, items)) if ok]
    if not found:
        raise Undefined("choose found nothing")
    return min(found, key=_order)


def _long(q):
    """q ++ q doubles at every step: the reference gives up where the checker's limits stop it."""
    if len(q) > BIG_DOMAIN:
        raise Unknown("long sequence")
    return q


def _field_y(m):
    if m[0] != "b":
        raise Undefined("record has no such field")
    return m[2]


def _choose_one(items, cond):
    found = [x for x, ok in zip(items, _all_values(cond, items)) if ok]
    if not found:
        raise Undefined("choose found nothing")
    if len(found) > 1:
        raise Unknown("choose among several records")
    return found[0]


def _lazy_let(value_fn):
    """A let binding: the checker may evaluate it only where it is used, or not at all, so an
    error in it has no oracle."""
    def ev(env):
        try:
            return value_fn(env)
        except Undefined:
            raise Unknown("error in a let binding") from None
    return ev


def _guard_big(n):
    if abs(n) > 10 ** 300:
        raise Unknown("huge integer")
    return n


# ---------------------------------------------------------------- expressions

class Gen:
    """Draws expressions of a kind; `draw` is hypothesis's."""

    def __init__(self, draw, procs: tuple[str, ...], huge: bool):
        self.draw = draw
        self.procs = procs
        self.huge = huge

    def pick(self, options):
        return self.draw(st.sampled_from(options))

    def n(self, lo, hi):
        return self.draw(st.integers(lo, hi))

    def expr(self, kind: str, sc: Scope, depth: int) -> E:
        if depth <= 0 or self.n(0, 3) == 0:
            return self.leaf(kind, sc)
        return getattr(self, "_" + kind)(sc, depth - 1)

    # -- leaves
    def leaf(self, kind: str, sc: Scope) -> E:
        names = sc.names.get(kind, [])
        if names and self.n(0, 2) > 0:
            name, ev = self.pick(names)
            return E(name, kind, ev)
        if kind == "int":
            if self.huge and self.n(0, 9) == 0:
                v = self.draw(st.one_of(st.integers(10 ** 9, 10 ** 40), st.integers(-10 ** 40, -10 ** 9)))
            else:
                v = self.n(-3, 5)
            return E(f"({v})" if v < 0 else str(v), "int", lambda env, v=v: v)
        if kind == "bool":
            v = self.draw(st.booleans())
            return E("true" if v else "false", "bool", lambda env, v=v: v)
        if kind == "iset":
            vs = self.draw(st.lists(st.integers(-2, 4), max_size=3))
            if not vs:
                return E("{}", "iset", lambda env: frozenset())
            return E("{" + ", ".join(map(str, vs)) + "}", "iset", lambda env, vs=vs: frozenset(vs))
        if kind == "seq":
            vs = self.draw(st.lists(st.integers(0, 3), max_size=3))
            text = "tail(<<" + ", ".join(map(str, [0] + vs)) + ">>)"
            return E(text, "seq", lambda env, vs=vs: tuple(vs))
        if kind == "map":
            v = self.n(0, 3)
            return E(f"[{(b := sc.fresh())} in Procs -> {v}]", "map",
                     lambda env, v=v: tuple((p, v) for p in self.procs))
        if kind == "rec":
            a, bb = self.n(0, 3), self.draw(st.booleans())
            return E(f"{{a: {a}, b: {'true' if bb else 'false'}}}", "rec", lambda env, a=a, bb=bb: (a, bb))
        if kind == "proc":
            p = self.pick(self.procs)
            return E(p, "proc", lambda env, p=p: p)
        if kind == "msg":
            x = self.n(0, 3)
            if self.draw(st.booleans()):
                return E(f'{{kind: "a", x: {x}}}', "msg", lambda env, x=x: ("a", x))
            y = self.n(0, 3)
            return E(f'{{kind: "b", x: {x}, y: {y}}}', "msg", lambda env, x=x, y=y: ("b", x, y))
        if kind == "msgset":  # not {}: its elements would have no type to read fields by
            m = self.leaf("msg", sc)
            if self.draw(st.booleans()):
                return E(f"{{{m.text}}}", "msgset", lambda env: frozenset({m.ev(env)}))
            return E(f"({{{m.text}}} - {{{m.text}}})", "msgset", lambda env: frozenset())
        raise AssertionError(kind)

    # -- compound, one method per kind
    def _int(self, sc, d):
        c = self.n(0, 19)
        if c == 19:
            s = self.expr("msgset", sc, d)
            return E(f"size({s.text})", "int", lambda env: len(s.ev(env)))
        if c <= 4:
            op = "+-*/%"[c]
            a, b = self.expr("int", sc, d), self.expr("int", sc, d)
            fn = {"+": lambda x, y: x + y, "-": lambda x, y: x - y, "*": lambda x, y: _guard_big(x * y),
                  "/": _div, "%": _mod}[op]
            return E(f"({a.text} {op} {b.text})", "int", lambda env: fn(a.ev(env), b.ev(env)))
        if c == 5:
            a = self.expr("int", sc, d)
            return E(f"(-{a.text})", "int", lambda env: -a.ev(env))
        if c == 6:
            s = self.expr("iset", sc, d)
            return E(f"size({s.text})", "int", lambda env: len(s.ev(env)))
        if c == 7:
            q = self.expr("seq", sc, d)
            return E(f"len({q.text})", "int", lambda env: len(q.ev(env)))
        if c == 8:
            f, p = self.expr("map", sc, d), self.expr("proc", sc, d)
            return E(f"{f.text}[{p.text}]", "int", lambda env: _ap(f.ev(env), p.ev(env)))
        if c == 9:
            q, i = self.expr("seq", sc, d), self.expr("int", sc, d)
            return E(f"{q.text}[{i.text}]", "int", lambda env: _seq_at(q.ev(env), i.ev(env)))
        if c == 10:
            r = self.expr("rec", sc, d)
            return E(f"{r.text}.a", "int", lambda env: r.ev(env)[0])
        if c == 11:
            return self._ite("int", sc, d)
        if c == 12:
            return self._choose("int", "iset", sc, d)
        if c == 13:
            s = self.expr("iset", sc, d)
            fn, name = self.pick([(_min, "min"), (_max, "max")])
            return E(f"{name}({s.text})", "int", lambda env: fn(s.ev(env)))
        if c == 14:
            a, b = self.expr("int", sc, d), self.expr("int", sc, d)
            fn, name = self.pick([(min, "min"), (max, "max")])
            return E(f"{name}({a.text}, {b.text})", "int", lambda env: fn(a.ev(env), b.ev(env)))
        if c == 15:
            return self._let("int", sc, d)
        if c == 16:
            q = self.expr("seq", sc, d)
            return E(f"head({q.text})", "int", lambda env: _head(q.ev(env)))
        if c == 17:
            f = self.expr("map", sc, d)
            return E(f"size(range({f.text}))", "int", lambda env: len({v for _, v in f.ev(env)}))
        if c == 18 and self.draw(st.booleans()):
            m = self.expr("msg", sc, d)
            if self.draw(st.booleans()):
                return E(f"{m.text}.x", "int", lambda env: m.ev(env)[1])
            return E(f"{m.text}.y", "int", lambda env: _field_y(m.ev(env)))
        a = self.expr("int", sc, d)
        return E(f"({a.text})", "int", a.ev)

    def _bool(self, sc, d):
        c = self.n(0, 18)
        if c == 18:  # membership in a function set: every value of f is in S
            f, s = self.expr("map", sc, d), self.expr("iset", sc, d)
            return E(f"({f.text} in [Procs -> {s.text}])", "bool",
                     lambda env: (lambda vs: all(v in vs for _, v in f.ev(env)))(s.ev(env)))
        if c == 16:
            m, s = self.expr("msg", sc, d), self.expr("msgset", sc, d)
            return E(f"({m.text} in {s.text})", "bool", lambda env: m.ev(env) in s.ev(env))
        if c == 17:
            return self._msg_quant(sc, d)
        if c <= 1:
            kind = self.pick(["int", "iset", "seq", "map", "rec", "proc", "bool", "msg", "msgset"])
            a, b = self.expr(kind, sc, d), self.expr(kind, sc, d)
            op = "==" if c == 0 else "!="
            return E(f"({a.text} {op} {b.text})", "bool",
                     (lambda env: a.ev(env) == b.ev(env)) if c == 0 else (lambda env: a.ev(env) != b.ev(env)))
        if c == 2:
            op = self.pick(["<", "<=", ">", ">="])
            a, b = self.expr("int", sc, d), self.expr("int", sc, d)
            fn = {"<": lambda x, y: x < y, "<=": lambda x, y: x <= y, ">": lambda x, y: x > y,
                  ">=": lambda x, y: x >= y}[op]
            return E(f"({a.text} {op} {b.text})", "bool", lambda env: fn(a.ev(env), b.ev(env)))
        if c == 3:
            op = self.pick(["and", "or", "=>", "<=>"])
            a, b = self.expr("bool", sc, d), self.expr("bool", sc, d)
            fn = {"and": lambda env: a.ev(env) and b.ev(env), "or": lambda env: a.ev(env) or b.ev(env),
                  "=>": lambda env: (not a.ev(env)) or b.ev(env), "<=>": lambda env: a.ev(env) == b.ev(env)}[op]
            return E(f"({a.text} {op} {b.text})", "bool", fn)
        if c == 4:
            a = self.expr("bool", sc, d)
            return E(f"(not {a.text})", "bool", lambda env: not a.ev(env))
        if c == 5:
            i, s = self.expr("int", sc, d), self.expr("iset", sc, d)
            neg = self.draw(st.booleans())
            return E(f"({i.text} {'not in' if neg else 'in'} {s.text})", "bool",
                     lambda env: (i.ev(env) in s.ev(env)) != neg)
        if c == 6:
            a, b = self.expr("iset", sc, d), self.expr("iset", sc, d)
            op = self.pick(["subseteq", "<", "<="])
            fn = {"subseteq": lambda x, y: x <= y, "<=": lambda x, y: x <= y, "<": lambda x, y: x < y}[op]
            return E(f"({a.text} {op} {b.text})", "bool", lambda env: fn(a.ev(env), b.ev(env)))
        if c in (7, 8):
            dom_kind = self.pick(["iset", "procs"])
            v = sc.fresh()
            if dom_kind == "iset":
                s = self.expr("iset", sc, d)
                inner = sc.with_name(v, "int")
                dom_text, dom_ev = s.text, s.ev
            else:
                inner = sc.with_name(v, "proc")
                dom_text, dom_ev = "Procs", (lambda env: frozenset(self.procs))
            body = self.expr("bool", inner, d)
            q = "forall" if c == 7 else "exists"
            return E(f"({q} {v} in {dom_text}: {body.text})", "bool",
                     lambda env: _quant(lambda x: body.ev({**env, v: x}), _domain(dom_ev(env)), q == "forall"))
        if c == 9:
            return self._ite("bool", sc, d)
        if c == 10:
            r = self.expr("rec", sc, d)
            return E(f"{r.text}.b", "bool", lambda env: r.ev(env)[1])
        if c == 11:
            return self._let("bool", sc, d)
        if c == 12:
            q = self.expr("seq", sc, d)
            return E(f"({q.text} == <<>>)", "bool", lambda env: q.ev(env) == ())
        if c == 13:
            p = self.expr("proc", sc, d)
            return E(f"({p.text} in Procs)", "bool", lambda env: p.ev(env) in self.procs)
        if c == 14:
            i = self.expr("int", sc, d)
            return E(f"({i.text} in Nat)", "bool", lambda env: i.ev(env) >= 0)
        a = self.expr("bool", sc, d)
        return E(f"({a.text})", "bool", a.ev)

    def _iset(self, sc, d):
        c = self.n(0, 12)
        if c <= 2:
            op = "+-&"[c]
            a, b = self.expr("iset", sc, d), self.expr("iset", sc, d)
            fn = {"+": lambda x, y: x | y, "-": lambda x, y: x - y, "&": lambda x, y: x & y}[op]
            return E(f"({a.text} {op} {b.text})", "iset", lambda env: fn(a.ev(env), b.ev(env)))
        if c == 3:
            a, b = self.expr("int", sc, d), self.expr("int", sc, d)
            return E(f"({a.text}..{b.text})", "iset", lambda env: _range(a.ev(env), b.ev(env)))
        if c == 4:
            v = sc.fresh()
            s = self.expr("iset", sc, d)
            cond = self.expr("bool", sc.with_name(v, "int"), d)
            return E(f"{{{v} in {s.text} | {cond.text}}}", "iset",
                     lambda env: _filter(_domain(s.ev(env)), lambda x: cond.ev({**env, v: x})))
        if c == 5:
            v = sc.fresh()
            s = self.expr("iset", sc, d)
            inner = sc.with_name(v, "int")
            body = self.expr("int", inner, d)
            if self.draw(st.booleans()):
                cond = self.expr("bool", inner, d)
                return E(f"{{{body.text} for {v} in {s.text} if {cond.text}}}", "iset", lambda env: frozenset(
                    _all_values(lambda x: body.ev({**env, v: x}),
                                _filter(_domain(s.ev(env)), lambda x: cond.ev({**env, v: x})))))
            return E(f"{{{body.text} for {v} in {s.text}}}", "iset", lambda env: frozenset(
                _all_values(lambda x: body.ev({**env, v: x}), _domain(s.ev(env)))))
        if c == 6:
            elems = [self.expr("int", sc, d) for _ in range(self.n(1, 3))]
            return E("{" + ", ".join(e.text for e in elems) + "}", "iset",
                     lambda env: frozenset(e.ev(env) for e in elems))
        if c == 7:
            q = self.expr("seq", sc, d)
            fn, name = self.pick([(lambda t: frozenset(range(1, len(t) + 1)), "domain"), (frozenset, "range")])
            return E(f"{name}({q.text})", "iset", lambda env: fn(q.ev(env)))
        if c == 8:
            f = self.expr("map", sc, d)
            return E(f"range({f.text})", "iset", lambda env: frozenset(v for _, v in f.ev(env)))
        if c == 9:
            a, b = self.expr("iset", sc, d), self.expr("iset", sc, d)
            return E(f"union({{{a.text}, {b.text}}})", "iset", lambda env: a.ev(env) | b.ev(env))
        if c == 10:
            return self._ite("iset", sc, d)
        if c == 11:
            return self._let("iset", sc, d)
        a = self.expr("iset", sc, d)
        return E(f"({a.text})", "iset", a.ev)

    def _seq(self, sc, d):
        c = self.n(0, 7)
        if c == 0:
            q, i = self.expr("seq", sc, d), self.expr("int", sc, d)
            return E(f"append({q.text}, {i.text})", "seq", lambda env: q.ev(env) + (i.ev(env),))
        if c == 1:
            q = self.expr("seq", sc, d)
            return E(f"tail({q.text})", "seq", lambda env: _tail(q.ev(env)))
        if c == 2:
            q, i, j = self.expr("seq", sc, d), self.expr("int", sc, d), self.expr("int", sc, d)

            def sub(env):
                t, a, b = q.ev(env), i.ev(env), j.ev(env)
                return t[max(a, 1) - 1:b] if a <= b and b >= 0 else ()
            return E(f"subseq({q.text}, {i.text}, {j.text})", "seq", sub)
        if c == 3:
            a, b = self.expr("seq", sc, d), self.expr("seq", sc, d)
            return E(f"({a.text} ++ {b.text})", "seq", lambda env: _long(a.ev(env) + b.ev(env)))
        if c == 4:
            q, i, v = self.expr("seq", sc, d), self.expr("int", sc, d), self.expr("int", sc, d)
            return E(f"({q.text} with [{i.text}] = {v.text})", "seq",
                     lambda env: _seq_set(q.ev(env), i.ev(env), v.ev(env)))
        if c == 5:
            return self._ite("seq", sc, d)
        if c == 6:  # [v in q | p]: the elements satisfying p, in order
            v = sc.fresh()
            q = self.expr("seq", sc, d)
            cond = self.expr("bool", sc.with_name(v, "int"), d)

            def select(env):
                items = q.ev(env)
                return tuple(x for x, ok in zip(items, _all_values(lambda x: cond.ev({**env, v: x}), items)) if ok)
            return E(f"[{v} in {q.text} | {cond.text}]", "seq", select)
        q = self.expr("seq", sc, d)
        return E(f"({q.text})", "seq", q.ev)

    def _map(self, sc, d):
        c = self.n(0, 3)
        if c == 0:
            v = sc.fresh()
            body = self.expr("int", sc.with_name(v, "proc"), d)
            return E(f"[{v} in Procs -> {body.text}]", "map",
                     lambda env: tuple(zip(self.procs, _all_values(lambda p: body.ev({**env, v: p}), self.procs))))
        if c == 1:
            f, p, v = self.expr("map", sc, d), self.expr("proc", sc, d), self.expr("int", sc, d)
            return E(f"({f.text} with [{p.text}] = {v.text})", "map",
                     lambda env: _except(f.ev(env), p.ev(env), v.ev(env)))
        if c == 2:
            return self._ite("map", sc, d)
        f = self.expr("map", sc, d)
        return E(f"({f.text})", "map", f.ev)

    def _rec(self, sc, d):
        c = self.n(0, 2)
        if c == 0:
            a, b = self.expr("int", sc, d), self.expr("bool", sc, d)
            return E(f"{{a: {a.text}, b: {b.text}}}", "rec", lambda env: (a.ev(env), b.ev(env)))
        if c == 1:
            r, a = self.expr("rec", sc, d), self.expr("int", sc, d)
            return E(f"({r.text} with .a = {a.text})", "rec", lambda env: (a.ev(env), r.ev(env)[1]))
        return self._ite("rec", sc, d)

    def _msg(self, sc, d):
        c = self.n(0, 2)
        if c == 0:
            x, y = self.expr("int", sc, d), self.expr("int", sc, d)
            return E(f'{{kind: "b", x: {x.text}, y: {y.text}}}', "msg", lambda env: ("b", x.ev(env), y.ev(env)))
        if c == 1:
            v = sc.fresh()
            s = self.expr("msgset", sc, d)
            key = self.expr("int", sc, d)
            cond = self.expr("bool", sc.with_name(v, "msg"), d)
            # choose takes a fixed element, which one is ours to decide: no oracle unless one fits
            return E(f"(choose {v} in {s.text}: {v}.x == {key.text} and {cond.text})", "msg",
                     lambda env: _choose_one([m for m in _domain(s.ev(env)) if m[1] == key.ev(env)],
                                             lambda m: cond.ev({**env, v: m})))
        return self._ite("msg", sc, d)

    def _msgset(self, sc, d):
        c = self.n(0, 4)
        if c == 0:
            s, m = self.expr("msgset", sc, d), self.expr("msg", sc, d)
            op = self.pick(["+", "-"])
            return E(f"({s.text} {op} {{{m.text}}})", "msgset",
                     (lambda env: s.ev(env) | {m.ev(env)}) if op == "+" else (lambda env: s.ev(env) - {m.ev(env)}))
        if c == 1:
            a, b = self.expr("msgset", sc, d), self.expr("msgset", sc, d)
            return E(f"({a.text} + {b.text})", "msgset", lambda env: a.ev(env) | b.ev(env))
        if c in (2, 3):  # a filter that our compiler turns into an index lookup (index_by)
            v = sc.fresh()
            s = self.expr("msgset", sc, d)
            field, pos = self.pick([("x", 1), ("kind", 0)])
            key = self.expr("int", sc, d) if field == "x" else self._kind_lit()
            cond = self.expr("bool", sc.with_name(v, "msg"), d)
            return E(f"{{{v} in {s.text} | {v}.{field} == {key.text} and {cond.text}}}", "msgset",
                     lambda env: _filter(_domain(s.ev(env)), lambda m: m[pos] == key.ev(env) and cond.ev({**env, v: m})))
        return self._ite("msgset", sc, d)

    def _kind_lit(self) -> E:
        k = self.pick(["a", "b"])
        return E(f'"{k}"', "str", lambda env, k=k: k)

    def _msg_quant(self, sc, d):
        v = sc.fresh()
        s = self.expr("msgset", sc, d)
        inner = sc.with_name(v, "msg")
        body = self.expr("bool", inner, d)
        if self.draw(st.booleans()):  # exists v in S: v.x == k and p  (an index lookup)
            key = self.expr("int", sc, d)
            return E(f"(exists {v} in {s.text}: {v}.x == {key.text} and {body.text})", "bool",
                     lambda env: _quant(lambda m: m[1] == key.ev(env) and body.ev({**env, v: m}),
                                        _domain(s.ev(env)), False))
        kind = self._kind_lit()  # forall v in S: v.kind == "a" => p  (an index lookup too)
        return E(f"(forall {v} in {s.text}: {v}.kind == {kind.text} => {body.text})", "bool",
                 lambda env: _quant(lambda m: m[0] != kind.ev(env) or body.ev({**env, v: m}),
                                    _domain(s.ev(env)), True))

    def _proc(self, sc, d):
        c = self.n(0, 1)
        if c == 0:
            return self._choose("proc", "procs", sc, d)
        return self._ite("proc", sc, d)

    # -- shared shapes
    def _ite(self, kind, sc, d):
        c, a, b = self.expr("bool", sc, d), self.expr(kind, sc, d), self.expr(kind, sc, d)
        return E(f"(if {c.text} then {a.text} else {b.text})", kind,
                 lambda env: a.ev(env) if c.ev(env) else b.ev(env))

    def _let(self, kind, sc, d):
        v = sc.fresh()
        vk = self.pick(["int", "iset", "bool"])
        value = self.expr(vk, sc, d)
        body = self.expr(kind, sc.with_name(v, vk), d)
        value_ev = _lazy_let(value.ev)
        return E(f"(let {v} = {value.text} in {body.text})", kind,
                 lambda env: body.ev({**env, v: value_ev(env)}))

    def _choose(self, kind, dom, sc, d):
        v = sc.fresh()
        if dom == "procs":
            inner = sc.with_name(v, "proc")
            dom_text, dom_ev = "Procs", (lambda env: self.procs)
        else:
            s = self.expr("iset", sc, d)
            inner = sc.with_name(v, "int")
            dom_text, dom_ev = s.text, (lambda env: _domain(s.ev(env)))
        cond = self.expr("bool", inner, d)
        return E(f"(choose {v} in {dom_text}: {cond.text})", kind,
                 lambda env: _choose(list(dom_ev(env)), lambda x: cond.ev({**env, v: x})))


# ---------------------------------------------------------------- statements

@dataclass
class Stmt:
    text: str
    # successors: env (old state + bound names), assigned (var -> new value) -> list of assigned
    run: Callable[[dict, dict], list]


def _seq_stmts(stmts: list[Stmt]):
    def run(env, assigned):
        outs = [(env, assigned)]
        for s in stmts:
            nxt = []
            for e, a in outs:
                nxt += s.run(e, a)
            outs = nxt
        return outs
    return run


class StmtGen:
    def __init__(self, g: Gen, vars_: list[Var], in_init: bool):
        self.g = g
        self.vars = vars_
        self.in_init = in_init

    def block(self, sc: Scope, depth: int, assigned: frozenset, must_assign: frozenset) -> tuple[list[Stmt], frozenset]:
        """Statements assigning each var at most once; `must_assign` are assigned at the end."""
        g = self.g
        out: list[Stmt] = []
        for _ in range(g.n(0, 3)):
            c = g.n(0, 6)
            if c <= 1:
                cond = g.expr("bool", sc, depth)
                out.append(Stmt(f"require {cond.text}", lambda env, a, cond=cond: [(env, a)] if cond.ev(env) else []))
            elif c == 2 and depth > 0:
                v = sc.fresh()
                kind = g.pick(["iset", "procs", "msgset"])
                if kind == "msgset":
                    s = g.expr("msgset", sc, depth - 1)
                    key = g.expr("int", sc, depth - 1)
                    sc = sc.with_name(v, "msg")
                    dom_text = s.text
                    dom_ev = (lambda env, s=s, key=key: [m for m in _domain(s.ev(env)) if m[1] == key.ev(env)])
                    where0 = f"{v}.x == {key.text}"
                elif kind == "iset":
                    s = g.expr("iset", sc, depth - 1)
                    sc = sc.with_name(v, "int")
                    dom_text, dom_ev = s.text, (lambda env, s=s: _domain(s.ev(env)))
                else:
                    sc = sc.with_name(v, "proc")
                    dom_text, dom_ev = "Procs", (lambda env: g.procs)
                where = g.expr("bool", sc, depth - 1) if g.draw(st.booleans()) else None
                if kind == "msgset":  # pick m in msgs where m.x == k and ...: an index lookup
                    where = E(where0 + (f" and {where.text}" if where else ""), "bool",
                              (lambda env, w=where: w.ev(env)) if where else (lambda env: True))

                def pick_run(env, a, v=v, dom_ev=dom_ev, where=where):
                    outs = []
                    for x in dom_ev(env):
                        e2 = {**env, v: x}
                        if where is None or where.ev(e2):
                            outs.append((e2, a))
                    return outs
                out.append(Stmt(f"pick {v} in {dom_text}" + (f" where {where.text}" if where else ""), pick_run))
            elif c == 3:
                v = sc.fresh()
                value = g.expr("int", sc, depth)
                sc = sc.with_name(v, "int")
                value_ev = _lazy_let(value.ev)  # computed before the first statement reading it, if any
                out.append(Stmt(f"let {v} = {value.text}",
                                lambda env, a, v=v, value_ev=value_ev: [({**env, v: value_ev(env)}, a)]))
            elif c == 4 and depth > 0:
                cond = g.expr("bool", sc, depth - 1)
                then, _ = self.block(sc, depth - 1, assigned, frozenset())
                orelse, _ = self.block(sc, depth - 1, assigned, frozenset())
                # a branch may not assign what a later statement assigns: keep branches read-only
                then = [s for s in then if ":=" not in s.text]
                orelse = [s for s in orelse if ":=" not in s.text]
                tr, er = _seq_stmts(then), _seq_stmts(orelse)
                text = f"if {cond.text} {{ {' '.join(s.text + chr(10) for s in then)}}}" + (
                    f" else {{ {' '.join(s.text + chr(10) for s in orelse)}}}" if orelse or g.draw(st.booleans()) else "")

                def if_run(env, a, cond=cond, tr=tr, er=er):
                    return [(env, a2) for _e, a2 in (tr if cond.ev(env) else er)(env, a)]
                out.append(Stmt(text, if_run))
            elif c == 5 and depth > 0:
                branches = []
                for _ in range(g.n(2, 3)):
                    body, _ = self.block(sc, depth - 1, assigned, frozenset())
                    branches.append([s for s in body if ":=" not in s.text])
                runs = [_seq_stmts(b) for b in branches]
                text = "either " + " or ".join("{ " + " ".join(s.text + "\n" for s in b) + "}" for b in branches)

                def either_run(env, a, runs=runs):
                    return [(env, a2) for r in runs for _e, a2 in r(env, a)]
                out.append(Stmt(text, either_run))
            else:
                free = [v for v in self.vars if v.name not in assigned]
                if free:
                    v = g.pick(free)
                    out.append(self.assign(v, sc, depth))
                    assigned = assigned | {v.name}
        for name in sorted(must_assign - assigned):
            v = next(v for v in self.vars if v.name == name)
            out.append(self.assign(v, sc, depth))
            assigned = assigned | {name}
        return out, assigned

    def assign(self, v: Var, sc: Scope, depth: int) -> Stmt:
        g = self.g
        if not self.in_init and v.kind == "map" and g.n(0, 2) == 0:
            k, value = g.expr("proc", sc, depth), g.expr("int", sc, depth)
            return Stmt(f"{v.name}[{k.text}] := {value.text}", lambda env, a, k=k, value=value, v=v: [
                (env, {**a, v.name: _except(a.get(v.name, env.get(v.name)), k.ev(env), value.ev(env))})])
        if not self.in_init and v.kind == "rec" and g.n(0, 2) == 0:
            value = g.expr("int", sc, depth)
            return Stmt(f"{v.name}.a := {value.text}", lambda env, a, value=value, v=v: [
                (env, {**a, v.name: (value.ev(env), a.get(v.name, env.get(v.name))[1])})])
        value = g.expr(v.kind, sc, depth)
        return Stmt(f"{v.name} := {value.text}", lambda env, a, value=value, v=v: [(env, {**a, v.name: value.ev(env)})])


# ---------------------------------------------------------------- whole specs

@dataclass
class Action:
    name: str
    params: list[tuple[str, str, Callable[[dict], Any]]]  # (name, domain text, domain values)
    body: Callable[[dict, dict], list]


@dataclass
class GenSpec:
    """A spec text, its constant overrides, and its reference model (None: no oracle)."""
    text: str
    consts: dict[str, str]
    vars: list[Var]
    consts_env: dict[str, Any]
    init: Callable[[], list] | None
    actions: list[Action]
    invariants: list[tuple[str, Callable[[dict], bool]]]
    constraint: Callable[[dict], bool] | None
    check_deadlock: bool = True
    oracle: bool = True


@st.composite
def specs(draw, huge: bool = False) -> GenSpec:
    """A spec that (almost always) passes the checker's static rules, with its reference model."""
    procs = tuple(f"p{i}" for i in range(1, draw(st.integers(1, 3)) + 1))
    n_value = draw(st.integers(0, 3))
    vars_ = [v for v in VARS if draw(st.booleans())] or [VARS[0]]
    g = Gen(draw, procs, huge)
    consts_env = {"N": n_value, "Procs": frozenset(procs)}  # Procs: for the reference's type check
    const_sc = Scope(procs, {"int": [("N", lambda env: env["N"])]})
    # init: no state reads
    init_gen = StmtGen(g, vars_, in_init=True)
    init_stmts, _ = init_gen.block(const_sc, draw(st.integers(0, 2)), frozenset(), frozenset(v.name for v in vars_))
    init_run = _seq_stmts(init_stmts)
    state_sc = Scope(procs, {k: list(v) for k, v in const_sc.names.items()}, const_sc.counter)
    for v in vars_:
        state_sc = state_sc.with_name(v.name, v.kind)
    actions = []
    act_gen = StmtGen(g, vars_, in_init=False)
    for i in range(draw(st.integers(0, 3))):
        sc = state_sc
        params = []
        for _ in range(draw(st.integers(0, 2))):
            pname = sc.fresh()
            if draw(st.booleans()):
                params.append((pname, "Procs", lambda env: procs))
                sc = sc.with_name(pname, "proc")
            else:
                hi = draw(st.integers(-1, 3))
                params.append((pname, f"0..{hi}", lambda env, hi=hi: tuple(range(0, hi + 1))))
                sc = sc.with_name(pname, "int")
        stmts, _ = act_gen.block(sc, draw(st.integers(0, 3)), frozenset(), frozenset())
        actions.append((f"A{i}", params, stmts))
    invariants = [(f"Inv{i}", g.expr("bool", state_sc, draw(st.integers(0, 3)))) for i in range(draw(st.integers(0, 2)))]
    constraint = g.expr("bool", state_sc, 2) if draw(st.integers(0, 3)) == 0 else None
    check_deadlock = draw(st.booleans())

    lines = ["spec Fuzz", f"const N = {n_value}", "const Procs = {" + ", ".join(procs) + "}", MSG_TYPE]
    lines += [f"var {v.name} : {v.type_text}" for v in vars_]
    lines.append("init {\n  " + "\n  ".join(s.text for s in init_stmts) + "\n}")
    for name, params, stmts in actions:
        ps = f"({', '.join(f'{p} in {d}' for p, d, _ in params)})" if params else ""
        lines.append(f"action {name}{ps} {{\n  " + "\n  ".join(s.text for s in stmts) + "\n}")
    lines += [f"invariant {name}: {e.text}" for name, e in invariants]
    if constraint is not None:
        lines.append(f"constraint Bound: {constraint.text}")
    text = "\n".join(lines) + "\n"

    def init():
        return [a for _e, a in init_run(dict(consts_env), {})]

    acts = [Action(name, [(p, d, dom) for p, d, dom in params], _seq_stmts(stmts)) for name, params, stmts in actions]
    return GenSpec(text, {}, vars_, consts_env, init, acts,
                   [(name, e.ev) for name, e in invariants], constraint.ev if constraint else None, check_deadlock)


@st.composite
def const_exprs(draw, huge: bool = True) -> tuple[str, str, Any]:
    """(kind, text, value or an Undefined/Unknown instance) of a closed expression."""
    procs = ("p1", "p2", "p3")
    g = Gen(draw, procs, huge)
    kind = draw(st.sampled_from(["int", "bool", "iset", "seq", "map", "rec", "proc", "msg", "msgset"]))
    sc = Scope(procs, {"int": [("N", lambda env: env["N"])]})
    e = g.expr(kind, sc, draw(st.integers(0, 4)))
    try:
        value = e.ev({"N": 2})
    except (Undefined, Unknown) as err:
        value = err
    return kind, e.text, value
