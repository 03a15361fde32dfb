"""Partial-order reduction for safety: expand a state by an ample set of its steps, not all.

The model gives, per action, the places its instances may read and write (a variable, or the
key of a map named by a parameter: compile/independence.py). At a state s the search
computes every step, groups the steps by action instance (action and parameter values),
and looks for an ample set: the instances enabled at s inside a stubborn set T, where

  C0  T holds an enabled instance (the seed), so a state with steps keeps one;
  C1  for an instance of T enabled at s, every instance (enabled or not) that may write a
      place it reads or writes, or read a place it writes, is in T; for one disabled at s,
      every instance that may write a place it reads (what could enable it) is in T. So no
      sequence of steps outside T can enable a disabled instance of T, and each enabled one
      commutes with such a sequence (Valmari's strong stubborn sets; they imply Peled's C1)
      (two accumulations `x := x + E` into one set commute: they do not conflict);
  C2  no enabled instance of T may take a state within the state constraint out of it;
      and for each check of a state (each chosen invariant, the type check of each
      type-checked variable) either no enabled instance of T may repair a violation of it
      (then the steps taken first cannot hide a violation found later), or every instance
      that may break it is in T (every path to a violation takes a step of T: the up-set
      condition of Schmidt's stubborn sets for reachability). "May": writes a variable the
      constraint or check reads, unless `Proved` says it cannot (Z3: z3/visibility.py).
      docs/partial-order.md proves that these keep every violation;
  C3  (the BFS cycle proviso) every successor by the ample set is a state not visited yet;
      otherwise s is expanded fully. A cycle of the reduced graph returns to a state
      expanded before; its last-expanded state saw that state visited and was expanded
      fully, so no step is ignored for ever around a cycle.

T is built from patterns: an action with some parameters fixed (the rest any value). The
patterns related to a pattern are computed once from the footprints, and T is remembered by
its seed and the set of instances enabled at s, which is all it depends on. If no seed
gives a valid ample set smaller than all enabled instances, s is expanded fully. Deadlocks
are kept (C0, C1).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Protocol, Sequence

ANY = object()  # a pattern's parameter that is not fixed
CLOSURES_KEPT = 100_000  # stubborn sets remembered, by seed and enabled instances


class Place(Protocol):
    var: int
    param: int | None


class ActionFootprint(Protocol):
    name: str
    params: tuple[str, ...]
    reads: frozenset
    writes: frozenset
    accumulates: frozenset[int]


class Footprints(Protocol):
    actions: Sequence[ActionFootprint]
    constraint_reads: frozenset[int]

    def checks(self, invariants: Sequence[str]) -> tuple[frozenset[int], ...]: ...


@dataclass(frozen=True)
class Proved:
    """Facts about actions proved for every typed state (by Z3: z3/visibility.py), each of
    which lets an action that writes what a check reads count as if it did not, for C2."""
    stays_within: frozenset[str] = frozenset()                # Cons ∧ A ⇒ Cons'
    never_repairs: frozenset[tuple[str, str]] = frozenset()   # (invariant, action): ¬Inv ∧ A ⇒ ¬Inv'
    never_breaks: frozenset[tuple[str, str]] = frozenset()    # (invariant, action): Inv ∧ Cons ∧ A ⇒ Inv'


Pattern = tuple[int, tuple]  # (action, a value or ANY per parameter)
Instance = tuple[int, tuple]  # (action, parameter values)


@dataclass
class Reduction:
    """The ample-set chooser of one search, and what it did."""
    footprints: Footprints
    invariants: Sequence[str]
    visited: Callable[[Any], bool]    # whether a state was visited before (C3)
    proved: Proved = Proved()
    reduced: int = 0                  # states expanded by an ample set smaller than all
    # states with two or more enabled instances expanded fully, by why (the text says it)
    expanded_fully: Counter = field(default_factory=Counter)

    def __post_init__(self) -> None:
        actions = self.footprints.actions
        written = [frozenset(w.var for w in fp.writes) for fp in actions]
        # may take a state within the constraint out of it: never in an ample set (C2)
        self.leaves = [bool(w & self.footprints.constraint_reads) and fp.name not in self.proved.stays_within
                       for w, fp in zip(written, actions)]
        # per check of a state (the invariants, then the type checks): the actions that may
        # repair a violation of it (C2a) and those that may break it (C2b)
        checks = self.footprints.checks(self.invariants)
        names = [*self.invariants, *[None] * (len(checks) - len(self.invariants))]
        writers = [[a for a, w in enumerate(written) if w & reads] for reads in checks]
        self.repairers = [frozenset(a for a in found if (name, actions[a].name) not in self.proved.never_repairs)
                          for name, found in zip(names, writers)]
        self.breakers = [frozenset(a for a in found if (name, actions[a].name) not in self.proved.never_breaks)
                         for name, found in zip(names, writers)]
        self.full = [(a, (ANY,) * len(fp.params)) for a, fp in enumerate(actions)]
        self.possible = not all(self.leaves)
        self._closures: dict[tuple, tuple[frozenset[Pattern] | None, int | None]] = {}
        self._related_patterns: dict[tuple[Pattern, bool], frozenset[Pattern]] = {}

    def expand(self, s, actions: Sequence[Callable], pruned: list[int]) -> list[list]:
        """Every action's steps of s to explore, per action: those of the ample set, or all.
        The steps computed but left out are added to `pruned`, per action."""
        steps: list[list] = [list(fn(s)) for fn in actions]
        by_instance: dict[Instance, int] = {}
        for a, found in enumerate(steps):
            n = len(self.footprints.actions[a].params)
            for _names, values, _t in found:
                key = (a, tuple(values[:n]))
                by_instance[key] = by_instance.get(key, 0) + 1
        ample = self._ample(s, by_instance, steps)
        if ample is None:
            return steps
        self.reduced += 1
        chosen: list[list] = []
        for a, found in enumerate(steps):
            n = len(self.footprints.actions[a].params)
            kept = [step for step in found if (a, tuple(step[1][:n])) in ample]
            pruned[a] += len(found) - len(kept)
            chosen.append(kept)
        return chosen

    def _ample(self, s, enabled: dict[Instance, int], steps: list[list]) -> set[Instance] | None:
        """The smallest valid ample set over the seeds (C0-C2), if it passes C3; None: all."""
        if len(enabled) < 2:
            return None
        best: set[Instance] | None = None
        best_size = sum(enabled.values())
        live = frozenset(enabled)
        leaving: set[int] = set()  # actions whose enabled instances ended a stubborn set
        for seed in enabled:
            if self.leaves[seed[0]]:
                leaving.add(seed[0])
                continue
            closure, blocker = self._closure(seed, live)
            if closure is None:
                leaving |= {blocker} - {None}
                continue
            ample = {i for i in enabled if _covered(i, closure)}
            size = sum(enabled[i] for i in ample)
            if size < best_size and len(ample) < len(enabled):
                best, best_size = ample, size
        if best is None:
            names = [self.footprints.actions[a].name for a in sorted(leaving)]
            self.expanded_fully.update([f"{name} may leave the state constraint" for name in names]
                                       or ["every stubborn set holds every enabled step"])
            return None
        if not self._proviso(s, best, steps):
            self.expanded_fully["the cycle proviso"] += 1
            return None
        return best

    def _proviso(self, s, ample: set[Instance], steps: list[list]) -> bool:
        """C3: no step of the ample set leads back to a state visited already (s included)."""
        for a, found in enumerate(steps):
            n = len(self.footprints.actions[a].params)
            for _names, values, t in found:
                if (a, tuple(values[:n])) in ample and (t is s or self.visited(t)):
                    return False
        return True

    def _closure(self, seed: Instance, live: frozenset[Instance]) -> tuple[frozenset[Pattern] | None, int | None]:
        """The stubborn set grown from one instance, given the instances enabled at the state
        (it depends on nothing else, so it is remembered); None if it would take in an enabled
        instance that may leave the constraint (then also that instance's action), or every
        enabled instance."""
        key = (seed, live)
        if key not in self._closures:
            if len(self._closures) >= CLOSURES_KEPT:
                self._closures.clear()
            self._closures[key] = self._grow(seed, live)
        return self._closures[key]

    def _grow(self, seed: Instance, live: frozenset[Instance]) -> tuple[frozenset[Pattern] | None, int | None]:
        """C1: a pattern covering an enabled instance brings in every pattern it conflicts
        with; one covering only disabled instances brings in those that may enable it (that
        write a place it reads: its enabledness is a function of what it reads).
        C2: once an enabled instance of the set may repair a check's violation, every
        instance that may break the check joins the set."""
        patterns: set[Pattern] = set()
        enabled_actions: set[int] = set()
        covered: set[Instance] = set()
        todo = [seed]
        while todo:
            patterns.update(todo)
            while todo:
                p = todo.pop()
                mine = {i for i in live if _covered(i, (p,))}
                if mine:
                    if self.leaves[p[0]]:
                        return None, p[0]
                    enabled_actions.add(p[0])
                    covered |= mine
                    if len(covered) == len(live):
                        return None, None
                for q in self._related(p, conflicts=bool(mine)):
                    if not _covered(q, patterns):
                        patterns.add(q)
                        todo.append(q)
            for repairers, breakers in zip(self.repairers, self.breakers):
                if repairers & enabled_actions:
                    todo += [self.full[b] for b in breakers if not _covered(self.full[b], patterns)]
        return frozenset(patterns), None

    def _related(self, p: Pattern, conflicts: bool) -> frozenset[Pattern]:
        key = (p, conflicts)
        if key not in self._related_patterns:
            self._related_patterns[key] = frozenset(self._find_related(p, conflicts))
        return self._related_patterns[key]

    def _find_related(self, p: Pattern, conflicts: bool) -> Iterator[Pattern]:
        """The patterns covering every instance that writes a place p reads, and with
        `conflicts` also every instance that reads or writes a place p writes (but for two
        accumulations into the same set, which commute)."""
        mine = self.footprints.actions[p[0]]
        my_reads = [_concrete(x, p[1]) for x in mine.reads]
        my_writes = [_concrete(x, p[1]) for x in mine.writes] if conflicts else []
        for b, other in enumerate(self.footprints.actions):
            arity = len(other.params)
            pairs = [(w, x) for w in my_writes for x in other.reads]
            pairs += [(w, x) for w in my_writes for x in other.writes
                      if not (w[0] in mine.accumulates and x.var in other.accumulates)]
            pairs += [(r, x) for r in my_reads for x in other.writes]
            for (var, key), x in pairs:
                if var != x.var:
                    continue
                if key is ANY or x.param is None:
                    yield b, (ANY,) * arity
                else:
                    yield b, tuple(key if k == x.param else ANY for k in range(arity))


def _concrete(place: Place, values: tuple) -> tuple[int, Any]:
    """(variable, key value or ANY) of a place under a pattern's parameter values."""
    return place.var, ANY if place.param is None else values[place.param]


def _covered(instance: Instance | Pattern, patterns) -> bool:
    """Whether one of the patterns covers the instance (or every instance of a pattern: its
    ANY parameters are covered only by ANY)."""
    a, values = instance
    return any(b == a and all(v is ANY or v == x for v, x in zip(fixed, values)) for b, fixed in patterns)
