"""Which parts of the state each action reads and writes, for partial-order reduction.

An action instance is an action with values for its parameters (`Timeout(s1)`); the picks
and `either` branches inside it are all part of the instance. For every action this module
computes, from the spec's syntax, a superset of the places any instance of it may read (its
guards, picks, lets, the values it assigns, the operators it calls, transitively) and may
write (its assignment targets). A place is a variable, or one key of a variable that is a map
when the key is one of the action's parameters: `votedFor[i] := j` in `RequestVote(i, j)`
writes key i of votedFor only, so `RequestVote(s1, ..)` and `RequestVote(s2, ..)` do not
collide on it. Every other use of a variable (`domain(messages)`, `log[m.mdest]`, `log[k]`
over a quantifier, a whole-variable assignment) is a use of all of it: when the analysis
cannot name the key, it assumes every key (sound first).

Two instances whose places do not overlap, except where both only read, are independent:
neither can enable, disable or change what the other does, and both orders give the same
state. One exception to "both write": an *accumulation* `x := x + E` of a set variable x
(written so, or through an operator without parameters whose body is that, like Raft's
`allLogs := LogsSoFar`), where E does not read x, commutes with every other accumulation
into x (set union is commutative and associative: both orders give x + E1 + E2, E1 and E2
unchanged as neither reads x). An action accumulates into x when every assignment it makes
to x is one; it may still read x elsewhere (a guard), which is a read like any other.

The explorer (explore/por.py) builds its ample sets from this. It also needs the variables
each check reads (each chosen invariant, the state constraint, each variable the run-time
type check tests): which steps may change a check's verdict.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from ..lang import ast as A
from ..lang.kinds import Kind, SetK
from ..lang.typecheck import CheckedSpec


@dataclass(frozen=True)
class Place:
    """A variable (by its position in the state), or one key of it: the value of the action
    parameter at position `param` (None: the whole variable, every key)."""
    var: int
    param: int | None = None


@dataclass(frozen=True)
class ActionFootprint:
    """What any instance of one action may read and write."""
    name: str
    params: tuple[str, ...]
    reads: frozenset[Place]
    writes: frozenset[Place]
    accumulates: frozenset[int] = frozenset()  # variables it writes by set-union accumulations only
    param_kinds: tuple[Kind, ...] = ()  # the kind of each parameter's values


@dataclass(frozen=True)
class Footprints:
    """The footprints of every action (in the spec's action order) and the variables that
    each check reads, by name."""
    var_names: tuple[str, ...]
    actions: tuple[ActionFootprint, ...]
    invariant_reads: dict[str, frozenset[int]]
    constraint_reads: frozenset[int]
    type_checked: frozenset[int]  # variables the type check may test at run time

    def checks(self, invariants: Iterable[str]) -> tuple[frozenset[int], ...]:
        """The variables each check of a state reads that a search with these invariants
        makes: each invariant, and the type check of each type-checked variable (one check
        per variable: a value outside its type is a violation of its own)."""
        return (*(self.invariant_reads[name] for name in invariants), *(frozenset({v}) for v in self.type_checked))


def footprints(checked: CheckedSpec, type_checked: Iterable[str]) -> Footprints:
    """`type_checked`: the variables the run-time type check tests (build.py knows)."""
    reader = _Reader(checked)
    actions = tuple(reader.action(d) for d in checked.spec.of(A.ActionDecl))
    invariants = {d.name: reader.variables(d.expr) for d in checked.spec.of(A.InvariantDecl)}
    constraint = frozenset().union(*(reader.variables(d.expr) for d in checked.spec.of(A.ConstraintDecl)))
    index = {v.name: i for i, v in enumerate(checked.vars)}
    typed = frozenset(index[name] for name in type_checked)
    return Footprints(tuple(v.name for v in checked.vars), actions, invariants, constraint, typed)


# A bound name's key: the position of the action parameter it equals, or None (unknown).
_Keys = dict[str, int | None]


class _Reader:
    def __init__(self, checked: CheckedSpec):
        self.c = checked
        self.var_index = {v.name: i for i, v in enumerate(checked.vars)}
        self.def_places: dict[tuple[str, tuple], frozenset[Place]] = {}
        self.in_progress: set[tuple[str, tuple]] = set()

    def variables(self, e: A.Expr) -> frozenset[int]:
        """The variables an expression may read (a check: no parameters, every key)."""
        return frozenset(p.var for p in self.expr(e, {}))

    def action(self, d: A.ActionDecl) -> ActionFootprint:
        keys: _Keys = {}
        reads: set[Place] = set()
        for i, b in enumerate(d.params):
            reads |= self.expr(b.domain, keys)
            keys[self.c.binder_names[id(b)]] = i
        writes: set[Place] = set()
        accumulated: dict[int, bool] = {}  # variable -> whether every assignment to it accumulates
        self.stmts(d.body, keys, reads, writes, accumulated)
        accumulates = frozenset(v for v, only in accumulated.items() if only)
        return ActionFootprint(d.name, tuple(b.name for b in d.params), frozenset(reads), frozenset(writes),
                               accumulates, tuple(self.c.kinds[id(b.domain)].elem for b in d.params))

    def stmts(self, stmts: tuple[A.Stmt, ...], keys: _Keys, reads: set[Place], writes: set[Place],
              accumulated: dict[int, bool]) -> None:
        keys = dict(keys)  # a let is in scope for the rest of its block
        for s in stmts:
            if isinstance(s, A.Require):
                reads |= self.expr(s.cond, keys)
            elif isinstance(s, A.Assign):
                var = self.var_index[s.target]
                added = self.accumulation(var, s.value, keys) if not s.path else None
                reads |= self.expr(s.value, keys) if added is None else added
                accumulated[var] = accumulated.get(var, True) and added is not None
                for sel in s.path:
                    if isinstance(sel, A.IndexSel):
                        reads |= self.expr(sel.key, keys)
                first = s.path[0] if s.path else None
                key = self.key(first.key, keys) if isinstance(first, A.IndexSel) else None
                writes.add(Place(var, key))
            elif isinstance(s, A.Pick):
                reads |= self.expr(s.binder.domain, keys)
                if s.cond is not None:
                    reads |= self.expr(s.cond, keys)
            elif isinstance(s, A.LetStmt):
                reads |= self.expr(s.value, keys)
                keys[self.c.binder_names[id(s)]] = self.key(s.value, keys)
            elif isinstance(s, A.If):
                reads |= self.expr(s.cond, keys)
                self.stmts(s.then, keys, reads, writes, accumulated)
                self.stmts(s.orelse, keys, reads, writes, accumulated)
            elif isinstance(s, A.Either):
                for branch in s.branches:
                    self.stmts(branch, keys, reads, writes, accumulated)
            else:
                raise AssertionError(f"statement {type(s).__name__} has no footprint rule")

    def accumulation(self, var: int, value: A.Expr, keys: _Keys) -> frozenset[Place] | None:
        """What E reads, if `value` is `x + E` or `E + x` with x the set variable `var` and E
        not reading x, written out or as the body of an operator without parameters (whose
        E is read with no parameter keys: every key); else None."""
        if not isinstance(self.c.var_kinds[self.c.vars[var].name], SetK):
            return None
        if isinstance(value, A.Name) and (ref := self.c.refs.get(id(value))) is not None and ref.kind == "def":
            info = self.c.defs[ref.name]
            if info.param_names:
                return None
            value, keys = info.decl.body, {}
        if not (isinstance(value, A.Binary) and value.op == "+"):
            return None
        for mine, added in ((value.left, value.right), (value.right, value.left)):
            if isinstance(mine, A.Name) and self._var(mine) == var:
                places = self.expr(added, keys)
                if all(p.var != var for p in places):
                    return places
        return None

    def key(self, e: A.Expr, keys: _Keys) -> int | None:
        """The parameter position e is known to equal, or None."""
        if isinstance(e, A.Name):
            ref = self.c.refs.get(id(e))
            if ref is not None and ref.kind == "bound":
                return keys.get(ref.name)
        return None

    def expr(self, e: A.Expr, keys: _Keys) -> frozenset[Place]:
        out: set[Place] = set()
        stack: list = [e]
        while stack:
            n = stack.pop()
            if isinstance(n, A.Index) and isinstance(n.base, A.Name) and self._var(n.base) is not None:
                out.add(Place(self._var(n.base), self.key(n.key, keys)))
                stack.append(n.key)
                continue
            if isinstance(n, A.Name):
                ref = self.c.refs.get(id(n))
                if ref is not None and ref.kind == "var":
                    out.add(Place(self.var_index[ref.name]))
                elif ref is not None and ref.kind == "def":
                    out |= self._def(ref.name, ())
                continue
            if isinstance(n, A.Call) and n.func in self.c.defs:
                out |= self._def(self.c.target(n), tuple(self.key(a, keys) for a in n.args))
            stack.extend(A.children(n))
        return frozenset(out)

    def _var(self, e: A.Name) -> int | None:
        ref = self.c.refs.get(id(e))
        return self.var_index[ref.name] if ref is not None and ref.kind == "var" else None

    def _def(self, target: str, arg_keys: tuple) -> frozenset[Place]:
        """What an operator's body reads, its parameters standing for the arguments' keys
        (the arguments themselves are read where the call is)."""
        info = self.c.defs[target]
        if info.recursive:  # its calls of itself pass other keys: assume every key
            arg_keys = (None,) * len(arg_keys)
        memo = (target, arg_keys)
        if memo in self.def_places:
            return self.def_places[memo]
        if memo in self.in_progress:  # recursion: the outer visit of this body collects it
            return frozenset()
        self.in_progress.add(memo)
        keys = dict(zip(info.param_names, arg_keys))
        places = self.expr(info.decl.body, keys)
        self.in_progress.discard(memo)
        self.def_places[memo] = places
        return places
