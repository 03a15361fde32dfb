"""The optimisations of the Python backend: a registry of named passes, each one switchable.

Every pass turns some spec construct into faster code with the same meaning: the same
values, the same successors in the same order, and the same errors where the spec, as
written, would fail. `--no-opt` turns them all off (the differential tests compare both).
A pass is either a rewrite tried by the lowering at one kind of expression (the functions
below, each returning None where it does not apply) or a choice the lowering and the
emitter make elsewhere (hoist, inline, per-state, guard-hoist, memo), named here so that
the one switch covers it.
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from ..lang import ast as A
from ..lang.kinds import FnK, RecK, UnionK
from .analysis import UNROLL_LIMIT, Analysis, operands

if TYPE_CHECKING:
    from .lower_expr import Ctx, ExprLowering

# Nested unrolled quantifiers write out at most this many copies of the innermost body, so
# that the generated code stays small.
UNROLL_NESTED = 64


@dataclass(frozen=True)
class Pass:
    name: str
    summary: str


PASSES = (
    Pass("hoist", "constant subexpressions (K_) and constant operators (G_) computed once, at load"),
    Pass("inline", "calls of operators replaced by their bodies where no argument is evaluated twice"),
    Pass("unroll", "quantifiers over a few elements known at compile time written out as and/or"),
    Pass("over-values", "`forall k in domain(f)` reading k only as f[k] loops over f's values"),
    Pass("early-conjuncts", "nested quantifier loops test each conjunct once its binders are bound"),
    Pass("index", "filters starting with `x.f == key` iterate only the matching elements (index_by)"),
    Pass("per-state", "index lookups reading only the state computed once per action call"),
    Pass("guard-hoist", "an action's leading requires placed in the outermost loop binding what they read"),
    Pass("memo", "parameterless operators over the state computed once per state and remembered "
                 "by the values they read"),
)
ALL_PASSES = frozenset(p.name for p in PASSES)
NO_PASSES: frozenset[str] = frozenset()


def unrolled(lw: ExprLowering, e: A.Quant, ctx: Ctx) -> str | None:
    """`forall i in Servers: p(i)` over a few elements known when generating code is
    `(p(s1) and p(s2))`, the copies in the loop's order: for a small body a generator
    costs several times the body itself (Raft's constraint, `forall i in Servers:
    currentTerm[i] <= MaxTerm and len(log[i]) <= MaxLogLen`: 502 -> 82 ns)."""
    domains = [lw.an.static_elements(b.domain) for b in e.binders]
    if any(d is None for d in domains):
        return None
    count = math.prod(map(len, domains))
    if count > UNROLL_LIMIT or ctx.copies * count > UNROLL_NESTED:
        return None
    names = [lw.c.binder_names[id(b)] for b in e.binders]
    inner = replace(ctx, copies=ctx.copies * max(count, 1))
    copies = [f"({lw.ex(e.body, replace(inner, subst={**ctx.subst, **dict(zip(names, values))}))})"
              for values in itertools.product(*domains)]
    if not copies:
        return str(e.kind == "forall")
    return "(" + (" and " if e.kind == "forall" else " or ").join(copies) + ")"


def over_values(lw: ExprLowering, e: A.Quant, fn: str, ctx: Ctx) -> str | None:
    """`forall k in domain(f): p` where p reads k only as f[k] (Raft's `messages[m] <=
    MaxDup`) loops over f's values instead of looking each key up."""
    if len(e.binders) != 1:
        return None
    b = e.binders[0]
    refs = lw.c.refs
    if not (isinstance(b.domain, A.Call) and b.domain.func == "domain" and isinstance(b.domain.args[0], A.Name)
            and isinstance(lw.kind(b.domain.args[0]), FnK)):
        return None
    f = b.domain.args[0]
    py = lw.c.binder_names[id(b)]
    uses = [n for n in A.walk(e.body) if isinstance(n, A.Name) and refs[id(n)].name == py]
    lookups = [n for n in A.walk(e.body) if isinstance(n, A.Index) and isinstance(n.key, A.Name)
               and refs[id(n.key)].name == py and isinstance(n.base, A.Name)
               and refs[id(n.base)] == refs[id(f)]]
    if not uses or len(uses) != len(lookups):
        return None
    body = replace(ctx, values_of={**ctx.values_of, **{id(n): py for n in lookups}})
    return f"{fn}({lw.ex(e.body, body)} for {py} in {lw.ex(f, ctx)}[1])"


def early_conjuncts(lw: ExprLowering, e: A.Quant, fn: str, ctx: Ctx) -> str | None:
    """`forall x, y, b, v, w: P(x, b, v) and Q(y, b, w) => v == w` tests P once per
    (x, y, b, v), not once per w: the loops are nested and each conjunct of the guard
    (of the body, for an exists) is tested as soon as its binders are bound. Conjuncts
    keep their written order (a conjunct never moves above one written before it), so
    the first false or failing conjunct is the one the flat loop would meet, provided
    every domain has an element; hence only constant domains, and when one is empty the
    quantifier is vacuous and evaluates nothing, as the flat loop."""
    if not all(lw.an.constant(b.domain) for b in e.binders):
        return None
    if e.kind == "forall" and isinstance(e.body, A.Binary) and e.body.op == "=>":
        parts, last = operands(e.body.left, "and"), e.body.right
    elif e.kind == "exists":
        *parts, last = operands(e.body, "and")
    else:
        return None
    names = [lw.c.binder_names[id(b)] for b in e.binders]
    levels, floor = [], 1
    for part in parts:   # how many binders must be bound before the conjunct can be tested
        floor = max([floor] + [i + 1 for i, n in enumerate(names) if lw.an.uses(part, {n})])
        levels.append(floor)
    if all(level == len(names) for level in levels):
        return None
    domains = [lw.domain(b.domain, ctx) for b in e.binders]
    code, ends = lw.ex(last, ctx), sorted(set(levels) | {len(names)})
    for start, end in reversed(list(zip([0] + ends, ends))):
        tests = [f"({lw.ex(p, ctx)})" for p, level in zip(parts, levels) if level == end]
        if tests:
            code = (f"(not ({' and '.join(tests)}) or {code})" if e.kind == "forall"
                    else f"({' and '.join(tests)} and {code})")
        loops = " ".join(f"for {n} in {d}" for n, d in zip(names[start:end], domains[start:end]))
        code = f"{fn}({code} {loops})"
    return f"({code} if {' and '.join(domains)} else {e.kind == 'forall'})"


def index_lookup(lw: ExprLowering, b: A.Binder, eq: A.Expr, ctx: Ctx) -> str | None:
    """Code iterating only the elements of b's domain whose field f equals key, when `eq`
    is `x.f == key` (x bound by b) and every element has field f: a per-set index replaces
    a scan of the whole set, as in a database."""
    if not (isinstance(eq, A.Binary) and eq.op == "=="):
        return None
    refs = lw.c.refs
    py = lw.c.binder_names[id(b)]
    for field, key in ((eq.left, eq.right), (eq.right, eq.left)):
        if not (isinstance(field, A.Field) and isinstance(field.base, A.Name) and refs[id(field.base)].name == py):
            continue
        if any(refs.get(id(n)) == refs[id(field.base)] for n in A.walk(key) if isinstance(n, A.Name)):
            return None
        elem = lw.kind(b.domain).elem
        variants = elem.variants if isinstance(elem, UnionK) else (elem,) if isinstance(elem, RecK) else ()
        if not variants or any(v.field(field.name) is None for v in variants):
            return None
        if isinstance(elem, RecK):
            positions = str(elem.names.index(field.name) + 1)
        else:
            positions = lw.tables.field(field.name)
        dom, key_code = lw.domain(b.domain, ctx), lw.ex(key, ctx)
        if simple(key_code):  # a name or a number cannot fail
            code = f"index_by({dom}, {positions}, {key_code})"
            return per_state(lw, code, [b.domain, key], ctx) if ctx.hoist else code
        # The key is evaluated once instead of once per element: not at all for an empty
        # set, as the spec says (it may fail, e.g. a choose with nothing to choose).
        if dom.isidentifier():
            return f"(index_by({dom}, {positions}, {key_code}) if {dom} else ())"
        return f"(lambda d: index_by(d, {positions}, {key_code}) if d else ())({dom})"
    return None


def per_state(lw: ExprLowering, code: str, parts: list[A.Expr], ctx: Ctx) -> str:
    """Code that cannot fail and depends on the state alone, if `parts` read nothing but
    variables and constants: in an action it is computed once, before the parameter
    loops, instead of once per parameter value (Phase1b's `pick m in msgs where m.type ==
    "1a"` for each acceptor)."""
    if (ctx.prologue is None or "per-state" not in lw.passes or ctx.subst
            or any(lw.an.bound_in(e) or not lw.an.plain(e) for e in parts)):
        return code
    if code not in ctx.prologue:
        ctx.prologue[code] = f"S_{len(ctx.prologue)}"
    return ctx.prologue[code]


def hoisted_guards(an: Analysis, binders: tuple[A.Binder, ...], stmts, params: list[str]
                   ) -> tuple[list[list[A.Require]], list]:
    """Leading `require`s of an action's statements (its parameters: `binders`, named
    `params`), each placed in the outermost parameter loop that binds what it
    reads, so that a guard on b alone is not re-evaluated for every v. Their order is kept.
    A guard placed above loops runs only when those loops are not empty (the action checks),
    so it fails only where the spec evaluates it; hence it stays below a loop whose domain
    reads a parameter bound below the guard. Returns the guards per loop level and the
    statements left. (Both backends place them so.)"""
    guards: list[list[A.Require]] = [[] for _ in range(len(params) + 1)]
    level = 0
    body = list(stmts)
    while body and isinstance(body[0], A.Require):
        req = body.pop(0)
        level = max([level] + [i + 1 for i, p in enumerate(params) if p in an.bound_in(req.cond)])
        if any(p in an.bound_in(b.domain) for b in binders[level:] for p in params[level:]):
            level = len(params)
        guards[level].append(req)
    return guards, body


def simple(code: str) -> bool:
    """Code that is cheap to evaluate twice: a name or a number."""
    return code.isidentifier() or code.lstrip("-").isdigit()
