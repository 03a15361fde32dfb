"""The spec language's abstract syntax: frozen dataclasses, each carrying its source span.

The parser builds these; no later stage mutates them. The type checker keeps what it learns
in side tables keyed by node identity, and the compiler reads both.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from .errors import Span


# ---------------------------------------------------------------- expressions

@dataclass(frozen=True, slots=True, eq=False)
class Expr:
    span: Span


@dataclass(frozen=True, slots=True, eq=False)
class IntLit(Expr):
    value: int


@dataclass(frozen=True, slots=True, eq=False)
class BoolLit(Expr):
    value: bool


@dataclass(frozen=True, slots=True, eq=False)
class StrLit(Expr):
    value: str


@dataclass(frozen=True, slots=True, eq=False)
class Name(Expr):
    id: str


@dataclass(frozen=True, slots=True, eq=False)
class Call(Expr):
    """A builtin (size, max, ...) or a user operator declared with `def`."""
    func: str
    args: tuple[Expr, ...]


@dataclass(frozen=True, slots=True, eq=False)
class Unary(Expr):
    op: str  # "not" | "-"
    operand: Expr


@dataclass(frozen=True, slots=True, eq=False)
class Binary(Expr):
    """Infix operators; op is the operator as written (`and`, `==`, `+`, `..`, `in`, ...)."""
    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True, eq=False)
class Is(Expr):
    """`e is T`: membership of a value in a type, checked structurally (TLA+'s TypeOK)."""
    value: Expr
    type: TypeExpr


@dataclass(frozen=True, slots=True, eq=False)
class Index(Expr):
    """`f[k]` (map application) or `s[i]` (1-based sequence indexing); `f[a, b]` is f[<<a, b>>]."""
    base: Expr
    key: Expr


@dataclass(frozen=True, slots=True, eq=False)
class Field(Expr):
    base: Expr
    name: str


@dataclass(frozen=True, slots=True, eq=False)
class IndexSel:
    span: Span
    key: Expr


@dataclass(frozen=True, slots=True, eq=False)
class FieldSel:
    span: Span
    name: str


Selector = IndexSel | FieldSel


@dataclass(frozen=True, slots=True, eq=False)
class Update:
    span: Span
    path: tuple[Selector, ...]
    value: Expr


@dataclass(frozen=True, slots=True, eq=False)
class Except(Expr):
    """`f with [k] = v, [j].x = w`: TLA+'s EXCEPT."""
    base: Expr
    updates: tuple[Update, ...]


@dataclass(frozen=True, slots=True, eq=False)
class Binder:
    span: Span
    name: str
    domain: Expr


@dataclass(frozen=True, slots=True, eq=False)
class SetLit(Expr):
    elems: tuple[Expr, ...]


@dataclass(frozen=True, slots=True, eq=False)
class SetFilter(Expr):
    """`{x in S | p}`"""
    binder: Binder
    cond: Expr


@dataclass(frozen=True, slots=True, eq=False)
class SetMap(Expr):
    """`{e for x in S, y in T if p}`"""
    body: Expr
    binders: tuple[Binder, ...]
    cond: Expr | None


@dataclass(frozen=True, slots=True, eq=False)
class RecordLit(Expr):
    fields: tuple[tuple[str, Expr], ...]


@dataclass(frozen=True, slots=True, eq=False)
class MapCtor(Expr):
    """`[x in S -> e]`"""
    binder: Binder
    body: Expr


@dataclass(frozen=True, slots=True, eq=False)
class FnSet(Expr):
    """`[S -> T]`: the set of all maps with domain S and values in T (TLA+'s [S -> T])."""
    domain: Expr
    codomain: Expr


@dataclass(frozen=True, slots=True, eq=False)
class SeqFilter(Expr):
    """`[x in s | p]`: the elements of sequence s satisfying p, in order (TLA+'s SelectSeq)."""
    binder: Binder
    cond: Expr


@dataclass(frozen=True, slots=True, eq=False)
class TupleLit(Expr):
    """`<<a, b>>`: a tuple, or a sequence where a sequence is expected."""
    elems: tuple[Expr, ...]


@dataclass(frozen=True, slots=True, eq=False)
class Quant(Expr):
    kind: str  # "forall" | "exists"
    binders: tuple[Binder, ...]
    body: Expr


@dataclass(frozen=True, slots=True, eq=False)
class Choose(Expr):
    binder: Binder
    cond: Expr


@dataclass(frozen=True, slots=True, eq=False)
class Ite(Expr):
    cond: Expr
    then: Expr
    orelse: Expr


@dataclass(frozen=True, slots=True, eq=False)
class Let(Expr):
    bindings: tuple[tuple[str, Expr], ...]
    body: Expr


@dataclass(frozen=True, slots=True, eq=False)
class TypeOnly(Expr):
    """A type written where a value is expected (`A | B`, `A -> B`); rejected by the checker."""
    type: TypeExpr


# ---------------------------------------------------------------- types

@dataclass(frozen=True, slots=True, eq=False)
class TypeExpr:
    span: Span


@dataclass(frozen=True, slots=True, eq=False)
class SetOfValues(TypeExpr):
    """A type given as a finite set expression: `Acceptors`, `-1..2`, `"1a"`, `Msg`, `bool`."""
    expr: Expr


@dataclass(frozen=True, slots=True, eq=False)
class SetType(TypeExpr):
    elem: TypeExpr


@dataclass(frozen=True, slots=True, eq=False)
class SeqType(TypeExpr):
    elem: TypeExpr
    max_len: Expr | None


@dataclass(frozen=True, slots=True, eq=False)
class BagType(TypeExpr):
    elem: TypeExpr


@dataclass(frozen=True, slots=True, eq=False)
class RecordType(TypeExpr):
    fields: tuple[tuple[str, TypeExpr], ...]


@dataclass(frozen=True, slots=True, eq=False)
class TupleType(TypeExpr):
    elems: tuple[TypeExpr, ...]


@dataclass(frozen=True, slots=True, eq=False)
class UnionType(TypeExpr):
    alts: tuple[TypeExpr, ...]


@dataclass(frozen=True, slots=True, eq=False)
class FnType(TypeExpr):
    domain: TypeExpr
    codomain: TypeExpr


# ---------------------------------------------------------------- statements

@dataclass(frozen=True, slots=True, eq=False)
class Stmt:
    span: Span


@dataclass(frozen=True, slots=True, eq=False)
class Require(Stmt):
    cond: Expr


@dataclass(frozen=True, slots=True, eq=False)
class Assign(Stmt):
    """`x := e`, or `x[k].f := e` (a functional update of part of x)."""
    target: str
    path: tuple[Selector, ...]
    value: Expr


@dataclass(frozen=True, slots=True, eq=False)
class Pick(Stmt):
    """`pick x in S where p`: the rest of the action runs once for each such x."""
    binder: Binder
    cond: Expr | None


@dataclass(frozen=True, slots=True, eq=False)
class LetStmt(Stmt):
    name: str
    value: Expr


@dataclass(frozen=True, slots=True, eq=False)
class If(Stmt):
    cond: Expr
    then: tuple[Stmt, ...]
    orelse: tuple[Stmt, ...]


@dataclass(frozen=True, slots=True, eq=False)
class Either(Stmt):
    """Nondeterministic choice between blocks; the rest of the action follows each."""
    branches: tuple[tuple[Stmt, ...], ...]


# ---------------------------------------------------------------- declarations

@dataclass(frozen=True, slots=True, eq=False)
class ConstDecl:
    span: Span
    name: str
    value: Expr


@dataclass(frozen=True, slots=True, eq=False)
class ModelDecl:
    span: Span
    names: tuple[str, ...]


@dataclass(frozen=True, slots=True, eq=False)
class SymmetryDecl:
    span: Span
    name: str


@dataclass(frozen=True, slots=True, eq=False)
class DefDecl:
    span: Span
    name: str
    params: tuple[str, ...] | None  # None: `def X = e` (no parentheses)
    body: Expr


@dataclass(frozen=True, slots=True, eq=False)
class TypeDecl:
    span: Span
    name: str
    type: TypeExpr


@dataclass(frozen=True, slots=True, eq=False)
class VarDecl:
    span: Span
    name: str
    type: TypeExpr


@dataclass(frozen=True, slots=True, eq=False)
class InitDecl:
    span: Span
    body: tuple[Stmt, ...]


@dataclass(frozen=True, slots=True, eq=False)
class ActionDecl:
    span: Span
    name: str
    params: tuple[Binder, ...]
    body: tuple[Stmt, ...]


@dataclass(frozen=True, slots=True, eq=False)
class InvariantDecl:
    span: Span
    name: str
    expr: Expr


@dataclass(frozen=True, slots=True, eq=False)
class ConstraintDecl:
    span: Span
    name: str
    expr: Expr


@dataclass(frozen=True, slots=True, eq=False)
class ChartDecl:
    """`chart msgs from acc to dest`: which variable holds the messages (a set, bag or
    sequence of records) and which fields name a message's sender and receiver."""
    span: Span
    var: str
    sender: str | None
    receiver: str | None


@dataclass(frozen=True, slots=True, eq=False)
class AliasDecl:
    """`alias NAME: expr`: a value computed in every state of a trace and shown beside the
    variables (TLC's ALIAS), for reading counterexamples; the search never evaluates it."""
    span: Span
    name: str
    expr: Expr


@dataclass(frozen=True, slots=True, eq=False)
class ImportDecl:
    """`import "base.spec"`: the declarations of that file (path relative to this one)."""
    span: Span
    path: str


@dataclass(frozen=True, slots=True, eq=False)
class Override:
    """`override <declaration>`: replaces the imported declaration of the same name and kind."""
    span: Span
    decl: "Decl"


@dataclass(frozen=True, slots=True, eq=False)
class PropertyDecl:
    """`property NAME: <formula>`: a temporal property of every fair behaviour, of one of
    the shapes SHAPES (TLA+'s []P, <>P, []<>P, <>[]P, P ~> Q) over state predicates; what
    eventually happens (P of eventually and always eventually, Q of leadsto) may instead be
    the action predicate `taken(A)`."""
    span: Span
    name: str
    shape: str          # one of SHAPES
    left: Expr          # P
    right: Expr | None  # Q, for "leadsto" only


SHAPES = ("always", "eventually", "always eventually", "eventually always", "leadsto")


def taken_action(e: Expr | None) -> str | None:
    """The action A of `taken(A)` (an action predicate: some step of A, one that changes
    the state, is taken: TLA+'s <<A>>_vars), where a property has it; else None."""
    if isinstance(e, Call) and e.func == "taken" and len(e.args) == 1 and isinstance(e.args[0], Name):
        return e.args[0].id
    return None


@dataclass(frozen=True, slots=True, eq=False)
class FairnessDecl:
    """`fairness weak A, B` / `fairness strong A` / `fairness weak all`: TLA+'s
    \\A params: WF_vars(A(params)) (or SF_vars) for each named action, or for every action."""
    span: Span
    kind: str                      # "weak" | "strong"
    actions: tuple[str, ...] | None  # None: every action


Decl = (ConstDecl | ModelDecl | SymmetryDecl | DefDecl | TypeDecl | VarDecl | InitDecl
        | ActionDecl | InvariantDecl | ConstraintDecl | ChartDecl | AliasDecl | PropertyDecl | FairnessDecl)


@dataclass(frozen=True, slots=True, eq=False)
class Spec:
    """A parsed spec file: its name and declarations in source order."""
    name: str
    path: str
    source: str
    decls: tuple[Decl, ...]
    sources: dict[str, str] = field(default_factory=dict)  # file -> text, for error rendering

    def of(self, kind: type) -> list:
        return [d for d in self.decls if isinstance(d, kind)]


def clone(node):
    """A copy of an expression with new nodes throughout (the checker's tables are keyed by
    node identity, so a copy can be checked, and compiled, for other types)."""
    if isinstance(node, tuple):
        return tuple(clone(x) for x in node)
    if isinstance(node, (Expr, TypeExpr, Binder, Update, IndexSel, FieldSel)):
        return type(node)(*(clone(getattr(node, slot)) for slot in _fields(type(node))))
    return node


def _fields(cls: type) -> list[str]:
    return [f.name for f in dataclasses.fields(cls)]


def children(node) -> list:
    """The expressions, binders and selectors directly inside a node, in source order."""
    out = []
    for slot in getattr(node, "__slots__", ()):
        _collect(getattr(node, slot), out)
    return out


def _collect(v, out: list) -> None:
    if isinstance(v, (Expr, Binder, Update, IndexSel, TypeExpr)):
        out.append(v)
    elif isinstance(v, tuple):
        for x in v:
            _collect(x, out)


def walk(node):
    """Every node inside `node` (itself included), depth first."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(children(n)))


def walk_stmts(action: ActionDecl):
    """The binders of an action: its parameters and the binders of its picks, in order."""
    yield from action.params
    stack = list(reversed(action.body))
    while stack:
        s = stack.pop()
        if isinstance(s, Pick):
            yield s.binder
        elif isinstance(s, If):
            stack.extend(reversed(s.then + s.orelse))
        elif isinstance(s, Either):
            for b in reversed(s.branches):
                stack.extend(reversed(b))
