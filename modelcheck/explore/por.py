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

T is built from patterns: an action with some parameters fixed (the rest any value). What
the construction needs of the footprints and proofs is computed once, as tables
(StubbornTables: which actions may leave the constraint, repair or break each check, and
how a pattern of one action brings in patterns of another); the native search
(explore/native/por.c) builds the same sets from the same tables, in the same order, so both
backends choose the same ample sets. T is remembered by its seed and the set of instances
enabled at s, which is all it depends on. If no seed gives a valid ample set smaller than
all enabled instances, s is expanded fully. Deadlocks are kept (C0, C1).

The counts of what the reduction did are those of a search expanding states one at a time:
at a stop (a violation, --max-states) the states expanded after the stopping one in the same
batch do not count (`rewind`).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Protocol, Sequence

ANY = object()  # a pattern's parameter that is not fixed
CLOSURES_KEPT = 100_000  # stubborn sets remembered, by seed and enabled instances
LEAVES = "{} may leave the state constraint"
EVERY_STEP = "every stubborn set holds every enabled step"
PROVISO = "the cycle proviso"


class Place(Protocol):
    var: int
    param: int | None


class ActionFootprint(Protocol):
    name: str
    params: tuple[str, ...]
    reads: frozenset
    writes: frozenset
    accumulates: frozenset[int]
    param_kinds: tuple  # the kind of each parameter's values (compared for equality)


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


@dataclass(frozen=True)
class Related:
    """How a pattern of one action brings in a pattern of action `other`: the one with the
    parameter `target` of `other` fixed to the value of the pattern's parameter `source`;
    every instance of `other` when either is -1 (or the pattern leaves `source` free)."""
    other: int
    source: int
    target: int


@dataclass(frozen=True)
class StubbornTables:
    """What the stubborn-set construction needs of the footprints and proofs, per action
    (in the spec's order) and per check of a state (the invariants, then the type checks)."""
    names: tuple[str, ...]
    arity: tuple[int, ...]
    leaves: tuple[bool, ...]                  # may take a state within the constraint out of it
    repairers: tuple[frozenset[int], ...]     # per check: the actions that may repair it (C2a)
    breakers: tuple[tuple[int, ...], ...]     # per check: those that may break it (C2b), ascending
    enablers: tuple[tuple[Related, ...], ...]     # per action: the writers of what it reads
    conflicting: tuple[tuple[Related, ...], ...]  # per action: those and what conflicts with its writes

    @property
    def possible(self) -> bool:
        """Whether some action may be in an ample set at all."""
        return not all(self.leaves)


def stubborn_tables(footprints: Footprints, invariants: Sequence[str], proved: Proved = Proved()) -> StubbornTables:
    actions = footprints.actions
    written = [frozenset(w.var for w in fp.writes) for fp in actions]
    leaves = tuple(bool(w & footprints.constraint_reads) and fp.name not in proved.stays_within
                   for w, fp in zip(written, actions))
    checks = footprints.checks(invariants)
    names = [*invariants, *[None] * (len(checks) - len(invariants))]
    writers = [[a for a, w in enumerate(written) if w & reads] for reads in checks]
    repairers = tuple(frozenset(a for a in found if (name, actions[a].name) not in proved.never_repairs)
                      for name, found in zip(names, writers))
    breakers = tuple(tuple(a for a in found if (name, actions[a].name) not in proved.never_breaks)
                     for name, found in zip(names, writers))
    return StubbornTables(tuple(fp.name for fp in actions), tuple(len(fp.params) for fp in actions), leaves,
                          repairers, breakers, tuple(_relations(actions, fp, False) for fp in actions),
                          tuple(_relations(actions, fp, True) for fp in actions))


def _relations(actions: Sequence[ActionFootprint], mine: ActionFootprint, conflicts: bool) -> tuple[Related, ...]:
    """The relations that bring in every instance that writes a place `mine` reads, and
    with `conflicts` also every instance that reads or writes a place it writes (but for two
    accumulations into the same set, which commute), in a fixed order."""
    my_reads = _ordered(mine.reads)
    my_writes = _ordered(mine.writes) if conflicts else []
    found: list[Related] = []
    for b, other in enumerate(actions):
        reads, writes = _ordered(other.reads), _ordered(other.writes)
        pairs = [(w, x) for w in my_writes for x in reads]
        pairs += [(w, x) for w in my_writes for x in writes
                  if not (w.var in mine.accumulates and x.var in other.accumulates)]
        pairs += [(r, x) for r in my_reads for x in writes]
        for place, x in pairs:
            if place.var == x.var:
                keyed = place.param is not None and x.param is not None
                found.append(Related(b, place.param if keyed else -1, x.param if keyed else -1))
    return tuple(dict.fromkeys(found))


def _ordered(places: Iterable[Place]) -> list[Place]:
    return sorted(places, key=lambda p: (p.var, -1 if p.param is None else p.param))


Pattern = tuple[int, tuple]  # (action, a value or ANY per parameter)
Instance = tuple[int, tuple]  # (action, parameter values)


@dataclass
class Reduction:
    """The ample-set chooser of one search, and what it did."""
    footprints: Footprints
    invariants: Sequence[str]
    visited: Callable[[Any], bool]    # whether a state was met before (C3)
    proved: Proved = Proved()
    reduced: int = 0                  # states expanded by an ample set smaller than all
    # states with two or more enabled instances expanded fully, by why (the text says it)
    expanded_fully: Counter = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self.tables = stubborn_tables(self.footprints, self.invariants, self.proved)
        self.possible = self.tables.possible
        self.full = [(a, (ANY,) * n) for a, n in enumerate(self.tables.arity)]
        self._closures: dict[tuple, tuple[frozenset[Pattern] | None, int | None]] = {}
        self._related_patterns: dict[tuple[Pattern, bool], tuple[Pattern, ...]] = {}
        self._log: list[tuple[int, tuple[str, ...] | None]] = []  # (state, why expanded fully; None: by an ample set)

    def choose(self, s, index: int, steps: list[list], pruned: list[int]) -> list[list]:
        """Of s's steps (state `index`; per action, as its function gives them), those to
        explore: the ample set's, or all. The steps left out are added to `pruned`, per action."""
        by_instance: dict[Instance, int] = {}
        for a, found in enumerate(steps):
            n = self.tables.arity[a]
            for _names, values, _t in found:
                key = (a, tuple(values[:n]))
                by_instance[key] = by_instance.get(key, 0) + 1
        ample = self._ample(s, index, by_instance, steps)
        if ample is None:
            return steps
        self.reduced += 1
        self._log.append((index, None))
        chosen: list[list] = []
        for a, found in enumerate(steps):
            n = self.tables.arity[a]
            kept = [step for step in found if (a, tuple(step[1][:n])) in ample]
            pruned[a] += len(found) - len(kept)
            chosen.append(kept)
        return chosen

    def settle(self) -> None:
        """What was done so far counts whatever comes later (a batch was admitted)."""
        self._log.clear()

    def rewind(self, index: int) -> None:
        """A search stopping at state `index`: those expanded after it since `settle` do not count."""
        while self._log and self._log[-1][0] > index:
            _, why = self._log.pop()
            if why is None:
                self.reduced -= 1
            else:
                self.expanded_fully.subtract(why)
        self.expanded_fully = +self.expanded_fully  # no reason counted 0 times

    def _expanded_fully(self, index: int, why: list[str]) -> None:
        self.expanded_fully.update(why)
        self._log.append((index, tuple(why)))

    def _ample(self, s, index: int, enabled: dict[Instance, int], steps: list[list]) -> set[Instance] | None:
        """The smallest valid ample set over the seeds (C0-C2), if it passes C3; None: all."""
        if len(enabled) < 2:
            return None
        best: set[Instance] | None = None
        best_size = sum(enabled.values())
        live = frozenset(enabled)
        leaving: set[int] = set()  # actions whose enabled instances ended a stubborn set
        for seed in enabled:
            if self.tables.leaves[seed[0]]:
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
            self._expanded_fully(index, [LEAVES.format(self.tables.names[a]) for a in sorted(leaving)]
                                 or [EVERY_STEP])
            return None
        if not self._proviso(s, best, steps):
            self._expanded_fully(index, [PROVISO])
            return None
        return best

    def _proviso(self, s, ample: set[Instance], steps: list[list]) -> bool:
        """C3: no step of the ample set leads to a state met already (s included)."""
        for a, found in enumerate(steps):
            n = self.tables.arity[a]
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
        instance that may break the check joins the set. The order of the work (a stack,
        relations and checks in table order) decides which blocker is named: por.c keeps it."""
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
                    if self.tables.leaves[p[0]]:
                        return None, p[0]
                    enabled_actions.add(p[0])
                    covered |= mine
                    if len(covered) == len(live):
                        return None, None
                for q in self._related(p, conflicts=bool(mine)):
                    if not _covered(q, patterns):
                        patterns.add(q)
                        todo.append(q)
            for repairers, breakers in zip(self.tables.repairers, self.tables.breakers):
                if repairers & enabled_actions:
                    todo += [self.full[b] for b in breakers if not _covered(self.full[b], patterns)]
        return frozenset(patterns), None

    def _related(self, p: Pattern, conflicts: bool) -> tuple[Pattern, ...]:
        key = (p, conflicts)
        if key not in self._related_patterns:
            relations = (self.tables.conflicting if conflicts else self.tables.enablers)[p[0]]
            self._related_patterns[key] = tuple(dict.fromkeys(self._instance_of(r, p[1]) for r in relations))
        return self._related_patterns[key]

    def _instance_of(self, r: Related, values: tuple) -> Pattern:
        key = values[r.source] if r.source >= 0 else ANY
        if key is ANY:
            return self.full[r.other]
        return r.other, tuple(key if k == r.target else ANY for k in range(self.tables.arity[r.other]))


def _covered(instance: Instance | Pattern, patterns) -> bool:
    """Whether one of the patterns covers the instance (or every instance of a pattern: its
    ANY parameters are covered only by ANY)."""
    a, values = instance
    return any(b == a and all(v is ANY or v == x for v, x in zip(fixed, values)) for b, fixed in patterns)
