"""Scalars of the Z3 encoding: booleans and ints (also model values and strings), each
either a concrete Python value or a Z3 term, with operations that fold constants.

Model values and strings are their symbol ids, as at run time; in a spec that mixes them
with ints (`0..3 | None`) they are floats i + 0.5 (values.symbol), and a term that may hold
one is a Z3 Real, so that it never equals an int, as in the compiled model. Only ints take
part in arithmetic and order.

An int term is an Sc: its Z3 Int term and what is known of its values, a finite domain or,
for ints of infinite types (Nat), bounds, so that comparisons fold and `1..n` expands where
n is bounded. EncodeError (a construct the encoding cannot handle) is defined here, at the
bottom of the package's imports.
"""
from __future__ import annotations

import z3


DOMAIN_LIMIT = 4096       # largest int domain tracked through arithmetic


class EncodeError(Exception):
    """A construct the Z3 encoding cannot handle; the encoder attaches the expression's span."""

    def __init__(self, message: str, span=None, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.span = span
        self.hint = hint


class Unbounded(EncodeError):
    """A value or type that has no finite set of possible values to expand into. Where a
    finite expansion is only an optimisation, the caller falls back to slots instead."""


class Sym:
    __slots__ = ()


class Sc(Sym):
    __slots__ = ("t", "dom", "lo", "hi", "eqs")

    def __init__(self, t, dom, lo: int | None = None, hi: int | None = None):
        self.t = t
        self.dom = dom
        if dom:
            lo, hi = min(dom), max(dom)
        self.lo, self.hi = lo, hi     # bounds, when dom is not known (None: unbounded)
        self.eqs: dict | None = None  # value -> cached term t == value

    def __repr__(self):
        return f"Sc({self.t}, {sorted(self.dom) if self.dom is not None else None})"


def is_sym(v) -> bool:
    return isinstance(v, (Sym, z3.ExprRef))


# ---------------------------------------------------------------- booleans

def NOT(a):
    if a is True:
        return False
    if a is False:
        return True
    return z3.Not(a)


def AND(xs):
    out = []
    for x in xs:
        if x is False:
            return False
        if x is not True:
            out.append(x)
    if not out:
        return True
    return out[0] if len(out) == 1 else z3.And(out)


def OR(xs):
    out = []
    for x in xs:
        if x is True:
            return True
        if x is not False:
            out.append(x)
    if not out:
        return False
    return out[0] if len(out) == 1 else z3.Or(out)


def AND2(a, b):
    return AND((a, b))


def OR2(a, b):
    return OR((a, b))


def IMP(a, b):
    if a is False or b is True:
        return True
    if a is True:
        return b
    if b is False:
        return z3.Not(a)
    return z3.Implies(a, b)


def IFF(a, b):
    if isinstance(a, bool) and isinstance(b, bool):
        return a == b
    if a is True:
        return b
    if b is True:
        return a
    if a is False:
        return z3.Not(b)
    if b is False:
        return z3.Not(a)
    return a == b


def BITE(c, a, b):
    if c is True:
        return a
    if c is False:
        return b
    if a is b or (isinstance(a, bool) and isinstance(b, bool) and a == b):
        return a
    if a is True and b is False:
        return c
    if a is False and b is True:
        return z3.Not(c)
    return z3.If(c, _bterm(a), _bterm(b))


def _bterm(x):
    return z3.BoolVal(x) if isinstance(x, bool) else x


def is_true(model: z3.ModelRef, b) -> bool:
    if isinstance(b, bool):
        return b
    return z3.is_true(model.eval(b, model_completion=True))


# ---------------------------------------------------------------- ints (also model values and strings)

CONCRETE = (int, float)  # a concrete int, or a model value's or string's float


def iterm(v):
    if isinstance(v, int):
        return z3.IntVal(v)
    if isinstance(v, float):
        return z3.RealVal(v)  # i + 0.5 is exact in binary: the rational (2i + 1) / 2
    return v.t


def scalar_value(t):
    """The concrete value of a Z3 numeral: an int, or a model value's or string's float."""
    if z3.is_int_value(t):
        return t.as_long()
    q = t.as_fraction()
    return int(q) if q.denominator == 1 else float(q)


def idom(v):
    return frozenset((v,)) if isinstance(v, CONCRETE) else v.dom


def bounds(v) -> tuple[int | None, int | None]:
    """The least and greatest value an int can take (None: unbounded that way)."""
    return (v, v) if isinstance(v, CONCRETE) else (v.lo, v.hi)


def int_values(v) -> list[int]:
    """Every value an int can take, in order; Unbounded if they are not finitely many."""
    if isinstance(v, CONCRETE):
        return [v]
    if v.dom is not None:
        return sorted(v.dom)
    if v.lo is None or v.hi is None or v.hi - v.lo >= DOMAIN_LIMIT:
        raise Unbounded("cannot enumerate the values of an unbounded integer",
                        hint="only values with a finite range can be elements of sets or keys of maps")
    return list(range(v.lo, v.hi + 1))


def mk_int(t, dom, lo=None, hi=None):
    if z3.is_int_value(t) or z3.is_rational_value(t):
        return scalar_value(t)
    if dom is not None and len(dom) == 1:
        return next(iter(dom))
    if dom is None and lo is not None and lo == hi:
        return lo
    return Sc(t, dom, lo, hi)


def _combine(da, db, fn):
    if da is None or db is None or len(da) * len(db) > DOMAIN_LIMIT:
        return None
    out = set()
    for x in da:
        for y in db:
            try:
                out.add(fn(x, y))
            except ZeroDivisionError:
                pass
    return frozenset(out)


def _add(x, y):
    return None if x is None or y is None else x + y


def _interval(op: str, a, b) -> tuple[int | None, int | None]:
    """Bounds of a + b or a - b from those of a and b (for ints with no finite domain)."""
    (la, ha), (lb, hb) = bounds(a), bounds(b)
    if op == "+":
        return _add(la, lb), _add(ha, hb)
    if op == "-":
        return _add(la, None if hb is None else -hb), _add(ha, None if lb is None else -lb)
    return None, None


def ARITH(op: str, a, b):
    if isinstance(a, int) and isinstance(b, int):
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        if b == 0:
            return 0  # undefined (the compiled code raises); any value will do
        return a // b if op == "/" else a % b
    ta, tb = iterm(a), iterm(b)
    if op in ("+", "-", "*"):
        t = ta + tb if op == "+" else ta - tb if op == "-" else ta * tb
        fn = {"+": lambda x, y: x + y, "-": lambda x, y: x - y, "*": lambda x, y: x * y}[op]
        return mk_int(t, _combine(idom(a), idom(b), fn), *_interval(op, a, b))
    # Python's floor division and modulo: the remainder has the divisor's sign.
    if isinstance(b, int) and b > 0:
        q = ta / tb
    else:
        q = z3.If(tb >= 0, ta / tb, (-ta) / (-tb))
    if op == "/":
        return mk_int(q, _combine(idom(a), idom(b), lambda x, y: x // y))
    return mk_int(ta - tb * q, _combine(idom(a), idom(b), lambda x, y: x % y))


def IS_INT(v):
    """Whether a value of a type mixing ints with strings or model values is an int."""
    if isinstance(v, CONCRETE):
        return isinstance(v, int)
    if v.dom is not None:
        kinds = {isinstance(x, int) for x in v.dom}
        if len(kinds) == 1:
            return kinds.pop()
    return z3.IsInt(v.t) if z3.is_real(v.t) else True


def AS_INT(v):
    """A value of a type mixing ints with strings or model values, used as an int: where it is
    not one the compiled code raises an error (values.as_int), and any int will do here."""
    if isinstance(v, CONCRETE):
        return v if isinstance(v, int) else 0
    if not z3.is_real(v.t):
        return v
    ints = None if v.dom is None else frozenset(x for x in v.dom if isinstance(x, int))
    if ints is not None and not ints:
        return 0
    return mk_int(z3.ToInt(v.t), ints, v.lo, v.hi)


def NEG(a):
    if isinstance(a, int):
        return -a
    return mk_int(-a.t, None if a.dom is None else frozenset(-x for x in a.dom),
                  None if a.hi is None else -a.hi, None if a.lo is None else -a.lo)


def _lt(x, y) -> bool:
    return x is not None and y is not None and x < y


def _le(x, y) -> bool:
    return x is not None and y is not None and x <= y


def CMP(op: str, a, b):
    if isinstance(a, int) and isinstance(b, int):
        return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]
    if op in (">", ">="):  # a > b is b < a
        a, b, op = b, a, "<" if op == ">" else "<="
    (lo_a, hi_a), (lo_b, hi_b) = bounds(a), bounds(b)
    if op == "<":
        if _lt(hi_a, lo_b):
            return True
        if _le(hi_b, lo_a):
            return False
    else:
        if _le(hi_a, lo_b):
            return True
        if _lt(hi_b, lo_a):
            return False
    ta, tb = iterm(a), iterm(b)
    return ta < tb if op == "<" else ta <= tb


def IEQ(a, b):
    if isinstance(a, CONCRETE):
        if isinstance(b, CONCRETE):
            return a == b
        a, b = b, a
    if isinstance(b, CONCRETE):
        if (a.dom is not None and b not in a.dom) or _lt(b, a.lo) or _lt(a.hi, b):
            return False
        if a.eqs is None:
            a.eqs = {}
        r = a.eqs.get(b)
        if r is None:
            r = a.eqs[b] = a.t == b
        return r
    if a.dom is not None and b.dom is not None and a.dom.isdisjoint(b.dom):
        return False
    if _lt(a.hi, b.lo) or _lt(b.hi, a.lo):
        return False
    return a.t == b.t


def IITE(c, a, b):
    if c is True:
        return a
    if c is False:
        return b
    if isinstance(a, CONCRETE) and isinstance(b, CONCRETE) and a == b and type(a) is type(b):
        return a
    da, db = idom(a), idom(b)
    if da is not None and db is not None:
        return Sc(z3.If(c, iterm(a), iterm(b)), da | db)
    (la, ha), (lb, hb) = bounds(a), bounds(b)
    lo = None if la is None or lb is None else min(la, lb)
    hi = None if ha is None or hb is None else max(ha, hb)
    return Sc(z3.If(c, iterm(a), iterm(b)), None, lo, hi)


def IMIN(a, b, smallest: bool = True):
    """min(a, b) (max with smallest=False); one bounded side bounds the result that way."""
    c = CMP("<=", a, b) if smallest else CMP(">=", a, b)
    r = IITE(c, a, b)
    if isinstance(r, Sc) and r.dom is None and r is not a and r is not b:  # a fresh term: refine its bounds
        (la, ha), (lb, hb) = bounds(a), bounds(b)
        if smallest:
            his = [h for h in (ha, hb) if h is not None]
            r.hi = min(his) if his else None
        else:
            los = [x for x in (la, lb) if x is not None]
            r.lo = max(los) if los else None
    return r
