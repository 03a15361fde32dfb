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
state. The explorer (explore/por.py) builds its ample sets from this. It also needs the
variables a check reads (the chosen invariants, the state constraint, the run-time type
checks): a step that writes none of them is invisible to every check.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from ..lang import ast as A
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


@dataclass(frozen=True)
class Footprints:
    """The footprints of every action (in the spec's action order) and the variables that
    each check reads, by name."""
    var_names: tuple[str, ...]
    actions: tuple[ActionFootprint, ...]
    invariant_reads: dict[str, frozenset[int]]
    constraint_reads: frozenset[int]
    type_checked: frozenset[int]  # variables the type check may test at run time

    def visible(self, invariants: Iterable[str]) -> frozenset[int]:
        """The variables a step must not write to be invisible to the chosen checks."""
        out = self.constraint_reads | self.type_checked
        for name in invariants:
            out |= self.invariant_reads[name]
        return out


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
        self.stmts(d.body, keys, reads, writes)
        return ActionFootprint(d.name, tuple(b.name for b in d.params), frozenset(reads), frozenset(writes))

    def stmts(self, stmts: tuple[A.Stmt, ...], keys: _Keys, reads: set[Place], writes: set[Place]) -> None:
        keys = dict(keys)  # a let is in scope for the rest of its block
        for s in stmts:
            if isinstance(s, A.Require):
                reads |= self.expr(s.cond, keys)
            elif isinstance(s, A.Assign):
                reads |= self.expr(s.value, keys)
                for sel in s.path:
                    if isinstance(sel, A.IndexSel):
                        reads |= self.expr(sel.key, keys)
                first = s.path[0] if s.path else None
                key = self.key(first.key, keys) if isinstance(first, A.IndexSel) else None
                writes.add(Place(self.var_index[s.target], key))
            elif isinstance(s, A.Pick):
                reads |= self.expr(s.binder.domain, keys)
                if s.cond is not None:
                    reads |= self.expr(s.cond, keys)
            elif isinstance(s, A.LetStmt):
                reads |= self.expr(s.value, keys)
                keys[self.c.binder_names[id(s)]] = self.key(s.value, keys)
            elif isinstance(s, A.If):
                reads |= self.expr(s.cond, keys)
                self.stmts(s.then, keys, reads, writes)
                self.stmts(s.orelse, keys, reads, writes)
            elif isinstance(s, A.Either):
                for branch in s.branches:
                    self.stmts(branch, keys, reads, writes)
            else:
                raise AssertionError(f"statement {type(s).__name__} has no footprint rule")

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
