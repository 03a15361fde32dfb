"""Breadth-first exploration of every reachable state, TLC style.

Level by level: expand every state of the current depth, then add the batch of successors
to the visited set at once (numpy dedup), then check the invariants of the new states in
the order they were generated. The first violation found is therefore at the least depth,
so its trace is a shortest one, and it is the one a sequential BFS would report first.

State constraints follow TLC: a successor outside the constraint is checked against the
invariants but is neither counted as distinct nor explored. A deadlock is a state with no
successor at all (successors outside the constraint count).
"""
from __future__ import annotations

import functools
import time
from array import array
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol, Sequence

from .behaviour import EdgeRecorder, PredicateValues, TemporalProperty, properties_of, resolve
from .checkpoint import Checkpointer, Snapshot, arrays_from, check_against
from .checkpoint import load as checkpoint_load
from .frontier import Frontier, MarshalCodec
from .model import Codec, Model, StateChecks, exact_fingerprint
from .por import Proved, Reduction
from .resources import TIMEOUT_GRACE, OutOfTime, describe_bytes, few_full_collections, rss_bytes, time_limit
from .result import CheckResult, Outcome, Stats, Trace, Violation
from .liveness import find_lasso, tableau
from .trace import lasso_trace, rebuild_trace, state_at
from .visited import VisitedStates


@dataclass(frozen=True)
class Limits:
    max_states: int | None = None
    max_depth: int | None = None
    check_deadlock: bool = True
    memory: int | None = None     # bytes of resident memory (with workers: of all processes)
    timeout: float | None = None  # seconds of wall time from the start of the search,
    timeout_from: float | None = None  # or from this time.perf_counter() (the command's start)


class Reporter(Protocol):
    """Told the statistics every PROGRESS_EVERY seconds, or every `every` seconds if the
    reporter has that attribute and it is shorter."""
    def progress(self, stats: Stats) -> None: ...


class NullReporter:
    def progress(self, stats: Stats) -> None:
        pass


PROGRESS_EVERY = 1.0  # seconds between progress reports
# States of a level kept as Python objects (about 1 KB each); the rest are packed by the
# model's codec (about 15 bytes each, but 20 us to pack and unpack: a third more time on
# Paxos). Under --memory, speed gives way to space.
KEEP_OBJECTS = 100_000
KEEP_OBJECTS_UNDER_BUDGET = 2_000
BATCH_SIZE = 50_000   # successors deduplicated at once; admitting in generation order keeps BFS order
BATCH_SIZE_UNDER_BUDGET = 5_000  # under --memory: a batch holds its states as objects


@dataclass
class _Batch:
    """Successors of part of a level, before deduplication."""
    fps: list[int] = field(default_factory=list)
    seen: set[int] = field(default_factory=set)  # fps, for dropping a repeat at once: most are
    states: list = field(default_factory=list)     # repeats, and a state held costs a kilobyte
    parents: list[int] = field(default_factory=list)
    actions: list[int] = field(default_factory=list)
    # The first successor outside the constraint that breaks an invariant:
    # (position in the batch, invariant, parent index, action, state).
    outside: tuple | None = None
    # Per parent with a successor here: the level's action counts before its expansion, so
    # that a stop gives the counts of the moment a sequential search meets the stop point.
    starts: dict[int, tuple[int, ...]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.fps)


class ModelCodec:
    """The model's codec (or marshal), built the first time a state is packed: most searches
    never pack one, and building it compiles code."""

    def __init__(self, model: Model):
        self.model = model

    @functools.cached_property
    def codec(self) -> Codec:
        return getattr(self.model, "codec", None) or MarshalCodec()

    def encode(self, s) -> bytes:
        return self.codec.encode(s)

    def decode(self, data: bytes):
        return self.codec.decode(data)


class CheckedOnce:
    """Remembers fingerprints of states outside the constraint whose invariants were checked.

    Such states are never stored, and the same one is often generated again and again;
    checking it once is enough (an invariant is a function of the state). A fixed table with
    one fingerprint per slot keeps the memory at SLOTS * 8 bytes (2 MB) however many there are: a
    fingerprint pushed out by another one that lands in its slot only costs a re-check."""
    SLOTS = 1 << 18
    EMPTY = -1  # Python never hashes anything to -1, so no fingerprint is -1

    def __init__(self) -> None:
        self.table = array("q", [self.EMPTY]) * self.SLOTS

    def first_time(self, fp: int) -> bool:
        slot = fp & (self.SLOTS - 1)
        if self.table[slot] == fp:
            return False
        self.table[slot] = fp
        return True


def explain_error(model: Model, e: Exception) -> str:
    """A failure of the model's code as a message; models may word it in their own terms."""
    explain = getattr(model, "explain_error", None)
    return explain(e) if explain is not None else f"{type(e).__name__}: {e}"


def counts_through(model: Model, s, action: int, matches: Callable[[Any], bool]) -> list[int]:
    """Per action, how many successors of s are generated (in the search's order: actions
    in turn) up to and including the first successor by `action` that `matches`."""
    counts = [0] * len(model.action_names)
    for a, successors in enumerate(model.actions()):
        for _names, _args, t in successors(s):
            counts[a] += 1
            if a == action and matches(t):
                return counts
    raise AssertionError("a successor of the search could not be generated again")


def check_temporal(model: Model, temporal: Sequence[TemporalProperty], recorder: EdgeRecorder,
                   predicates: PredicateValues, fps, parents, stats: Stats,
                   fingerprint: Callable[[Any], int] | None = None) -> Violation | None:
    """Each temporal property on the recorded behaviour graph, in declaration order: the
    first violated one with its lasso, or None. `fps`, `parents`: the stored states'
    fingerprints (int64) and parent indices (-1: initial), by index; `fingerprint`: the one
    the search gave states (default: the model's). Sets the graph's counts in `stats` and
    closes the recorder (the resolved graph holds what is needed)."""
    graph = resolve(recorder, fps, parents)
    stats.edges = len(graph.src)
    stats.edge_bytes = recorder.nbytes
    stats.edge_bytes_on_disk = recorder.spilled_bytes
    recorder.close()
    column = 0
    for prop in temporal:
        values = [predicates.column(column + i) for i in range(len(prop.predicates))]
        column += len(values)
        p = values[0] if callable(prop.left) else None
        q = values[-1] if callable(prop.right) else None
        lasso = find_lasso(graph, tableau(prop.shape, p, q, prop.taken, graph.states))
        if lasso is not None:
            return Violation("property", prop.name, lasso_trace(model, fps, lasso, graph.keys, fingerprint))
    return None


class Found(Exception):
    """Ends the search early with a result."""

    def __init__(self, result: CheckResult):
        self.result = result


def bfs(model: Model, invariants: Sequence[str] | None = None, limits: Limits = Limits(),
        reporter: Reporter = NullReporter(), checkpoint: Checkpointer | None = None,
        resume: str | None = None, properties: Sequence[str] | None = (),
        partial_order: bool = False, proved: Proved = Proved()) -> CheckResult:
    """Explore every reachable state. `checkpoint` writes the search state at level
    boundaries (and on Ctrl-C); `resume` names a checkpoint directory to continue from.
    `properties`: the temporal properties to check after the search (None: all declared);
    the search then records the behaviour graph (behaviour.py). `partial_order`: expand
    states by ample sets (por.py; the model needs `footprints`), for invariants and
    deadlocks only: the caller refuses temporal properties with it; `proved`: what is known
    of the actions beyond their footprints (z3/visibility.py)."""
    search = Search(model, list(model.invariant_names if invariants is None else invariants),
                    limits, reporter, properties)
    if partial_order:
        search.use_reduction(proved)
    search.checkpointer = checkpoint
    if resume is not None:
        search.resume_from = checkpoint_load(resume, search.identity)
        check_against(search.resume_from, search.fingerprint, model.action_names, resume)
    return search.run()


class Search:
    def __init__(self, model: Model, invariants: list[str], limits: Limits, reporter: Reporter,
                 properties: Sequence[str] | None = ()):
        self.model = model
        self.checks = StateChecks(model, invariants)
        self.temporal: list[TemporalProperty] = properties_of(model, properties)
        # with --memory, recorded edges beyond a quarter of it go to disk (as levels do)
        self.recorder = EdgeRecorder(model, None if limits.memory is None else limits.memory // 4) \
            if self.temporal else None
        self.predicates = PredicateValues(self.temporal)
        self.limits = limits
        self.reporter = reporter
        self.constraint = model.constraint()
        self.fingerprint = model.fingerprint
        self.exact_fingerprint = exact_fingerprint(model)
        self.visited = VisitedStates()
        self.stats = Stats(action_counts={a: 0 for a in model.action_names})
        self.started = time.perf_counter()
        self.last_report = self.started
        self.report_every = min(PROGRESS_EVERY, getattr(reporter, "every", PROGRESS_EVERY))
        self.bounded = limits.timeout is not None or limits.memory is not None
        self.deadline = None if limits.timeout is None else (
            (self.started if limits.timeout_from is None else limits.timeout_from) + limits.timeout)
        self.unexpanded = 0  # states found but not expanded, besides a batch being admitted
        self.frontier_depth = 0  # depth of the states being expanded; initial states have depth 1
        self.outside_checked = CheckedOnce()
        self.codec = ModelCodec(model)
        self.checkpointer: Checkpointer | None = None
        self.resume_from: Snapshot | None = None
        # actions that have produced no successor yet run watched, so that one never enabled
        # in the whole search can name its guard that was never true (compile/explain.py)
        self.watches: dict[int, Any] = {}
        self.level_start: Snapshot | None = None
        self.level_base: tuple[int, dict[str, int]] = (0, {})  # generated, action counts before the level
        self.identity = f"{getattr(model, 'identity', '')}|{','.join(invariants)}|{limits.check_deadlock}"
        self.reduction: Reduction | None = None
        self.pending: set[int] = set()  # the fingerprints of the batch being filled

    def use_reduction(self, proved: Proved = Proved()) -> None:
        """Partial-order reduction for the rest of the search (por.py)."""
        # met before: stored, or among the successors of this batch found so far (the
        # sequential search's visited set, whatever the batches)
        self.reduction = Reduction(self.model.footprints, [n for n, _ in self.checks.invariants],
                                   lambda t: (f := self.fingerprint(t)) in self.visited or f in self.pending, proved)
        self.stats.reduced_states = 0
        self.identity += "|partial-order"

    def run(self) -> CheckResult:
        backstop = None if self.deadline is None else self.deadline - time.perf_counter() + TIMEOUT_GRACE
        try:
            # time_limit: one evaluation that never ends is stopped too
            with time_limit(backstop), few_full_collections():
                self._explore()
                self._check_properties()
            self._name_false_guards()
            return self._result(Outcome.OK)
        except Found as found:
            return found.result
        except KeyboardInterrupt:
            if self.checkpointer is not None and self.level_start is not None:
                self.checkpointer.write(self.level_start)  # the work of this level is redone
            return self._result(Outcome.INCOMPLETE, stopped="interrupted")
        except OutOfTime:
            return self._result(Outcome.INCOMPLETE, stopped=self._timeout_reason())
        except MemoryError:
            return self._result(Outcome.INCOMPLETE, stopped="out of memory")

    def _timeout_reason(self) -> str:
        return f"timeout {self.limits.timeout:g} s" if self.limits.timeout is not None else "timeout"

    def _check_resources(self, now: float, queue: int) -> None:
        """--timeout and --memory: stop with the statistics so far. Called once per level and
        every few hundred states, never per successor."""
        limits = self.limits
        if self.recorder is not None:
            self.recorder.spill_over_budget()
        if self.deadline is not None and now >= self.deadline:
            self.stats.queue = queue
            raise Found(self._result(Outcome.INCOMPLETE, stopped=self._timeout_reason()))
        if limits.memory is not None:
            used = self._memory_used()
            if used > limits.memory:
                self.stats.queue = queue
                raise Found(self._result(Outcome.INCOMPLETE, stopped=(
                    f"memory {describe_bytes(limits.memory)}; resident {describe_bytes(used)}")))

    def _memory_used(self) -> int:
        return rss_bytes()

    def _result(self, outcome: Outcome, violation: Violation | None = None, stopped: str = "finished"):
        self.stats.seconds = time.perf_counter() - self.started
        if self.reduction is not None:
            self.stats.reduced_states = self.reduction.reduced
            self.stats.expanded_fully = dict(self.reduction.expanded_fully.most_common())
        return CheckResult(outcome, self.stats, violation, stopped)

    # ------------------------------------------------------------ the search
    def _level_started(self, level: Frontier, depth: int) -> None:
        if self.checkpointer is None:
            return
        fps, parents, actions = self.visited.prefix_bytes(len(self.visited))
        states = list(level)
        self.level_start = Snapshot(
            self.identity, fps, parents, actions, states[0][0], [s for _, s in states], depth,
            self.stats.generated, dict(self.stats.action_counts), self.stats.depth,
            time.perf_counter() - self.started)
        if self.checkpointer.due():
            self.checkpointer.write(self.level_start)

    def new_frontier(self) -> Frontier:
        """An empty level. With --memory, packed states beyond a quarter of it go to disk."""
        memory = self.limits.memory
        return Frontier(self.codec,
                        keep_objects=KEEP_OBJECTS if memory is None else KEEP_OBJECTS_UNDER_BUDGET,
                        memory_budget=None if memory is None else memory // 4)

    def _restore(self, snap: Snapshot) -> tuple[Frontier, int]:
        self.visited = VisitedStates.restore(*arrays_from(snap))
        self.stats.distinct = len(self.visited)
        self.stats.generated = snap.generated
        self.stats.action_counts = dict(snap.action_counts)
        self.stats.depth = snap.max_depth_seen
        self.started = time.perf_counter() - snap.seconds
        base = snap.frontier_base
        level = self.new_frontier()
        level.extend(zip(range(base, base + len(snap.frontier)), snap.frontier))
        return level, snap.depth

    def initial_level(self) -> list[tuple[int, Any]]:
        """The distinct initial states within the constraint, as (index, state)."""
        batch = _Batch()
        for names, args, s in self._guarded(lambda: list(self.model.init_states()), -1):
            self._offer_initial(batch, s)
        return self._admit(batch)

    def _initial_frontier(self) -> Frontier:
        level = self.new_frontier()
        level.extend(self.initial_level())
        return level

    def _explore(self) -> None:
        if self.resume_from is not None:
            level, depth = self._restore(self.resume_from)
        else:
            level, depth = self._initial_frontier(), 1
        while level:
            self.frontier_depth = depth
            self._level_started(level, depth)
            self.stats.queue = len(level)
            if self.limits.max_depth is not None and depth >= self.limits.max_depth:
                self.stats.queue = len(level)
                raise Found(self._result(Outcome.INCOMPLETE, stopped=f"max depth {self.limits.max_depth}"))
            level = self._expand(level)
            depth += 1
        self.stats.queue = 0

    def _watched(self, a: int, fn: Callable) -> Callable:
        """The action, watched while it has produced no successor (a whole search is needed
        to say that a guard is never true: not after resuming from a checkpoint)."""
        if self.resume_from is not None or not hasattr(self.model, "guard_watch") or \
                self.stats.action_counts[self.model.action_names[a]] > 0:
            return fn
        if a not in self.watches:
            self.watches[a] = self.model.guard_watch(a)
        return self.watches[a].run

    def _name_false_guards(self) -> None:
        for a, watch in self.watches.items():
            name = self.model.action_names[a]
            guard = watch.always_false() if self.stats.action_counts[name] == 0 else None
            if guard is not None:
                self.stats.never_true[name] = guard

    def _expand(self, level: Frontier) -> Frontier:
        """Expand every state of one depth; return the new states of the next depth."""
        batch = _Batch()
        self.level_base = (self.stats.generated, dict(self.stats.action_counts))
        actions = [(a, self._watched(a, fn)) for a, fn in enumerate(self.model.actions())]
        counts = [0] * len(actions)
        fingerprint, constraint = self.fingerprint, self.constraint
        record = self.recorder.record if self.recorder is not None else None
        # The hot loop: local names only, one append per list per successor.
        fps, seen, states, parents, acts = batch.fps, batch.seen, batch.states, batch.parents, batch.actions
        starts = batch.starts
        self.pending = seen
        next_level = self.new_frontier()
        size = len(level)
        batch_size = BATCH_SIZE if self.limits.memory is None else BATCH_SIZE_UNDER_BUDGET
        self.unexpanded = size
        functions = [fn for _, fn in actions]
        for n, (index, s) in enumerate(level.drain()):
            self.unexpanded = size - n + len(next_level)
            if len(fps) >= batch_size:  # admit in slices: memory holds no level's duplicates
                next_level.extend(self._admit(batch))
                batch = _Batch()
                fps, seen, states, parents, acts = batch.fps, batch.seen, batch.states, batch.parents, batch.actions
                starts = batch.starts
                self.pending = seen
            found_any = False
            before = tuple(counts)
            chosen = None  # with reduction: per action, the steps of s to explore
            if self.reduction is not None and self.reduction.possible:
                try:
                    steps = [list(fn(s)) for fn in functions]
                except (Found, KeyboardInterrupt, MemoryError):
                    raise
                except Exception:  # the full expansion below fails the same way, and reports it
                    steps = None
                if steps is not None:  # the steps left out count as generated, like those outside the constraint
                    chosen = self.reduction.choose(s, index, steps, counts)
            for a, successors in actions:
                try:
                    produced = 0
                    for _names, _args, t in (successors(s) if chosen is None else chosen[a]):
                        produced += 1
                        if t is s:  # the step changed nothing: never a new state
                            continue
                        if constraint is not None and not constraint(t):
                            self._outside(batch, t, index, a, before)
                            if record is not None:  # not an edge, but the instance is enabled
                                record(index, fingerprint(t), a, _names, _args)
                            continue
                        f = fingerprint(t)
                        if record is not None:
                            record(index, f, a, _names, _args)
                        if f in seen:  # the first occurrence is the one a sequential BFS keeps
                            continue
                        seen.add(f)
                        starts[index] = before
                        fps.append(f)
                        states.append(t)
                        parents.append(index)
                        acts.append(a)
                except (Found, KeyboardInterrupt, MemoryError):
                    raise
                except Exception as e:
                    counts[a] += produced  # the successors generated before the failure
                    self._failed(e, counts, batch, index)
                counts[a] += produced
                found_any = found_any or produced > 0
            if not found_any and self.limits.check_deadlock:
                self._record_counts(counts)
                self._admit(batch)  # a violation found before the deadlock is reported first
                trace = rebuild_trace(self.model, self.visited, index)
                raise Found(self._result(Outcome.DEADLOCK, Violation("deadlock", "deadlock", trace)))
            if n % 512 == 0:
                self._maybe_report(size - n)
        self._record_counts(counts)
        self.unexpanded = len(next_level)
        next_level.extend(self._admit(batch))
        return next_level

    def _failed(self, e: Exception, counts: list[int], batch: _Batch, index: int) -> None:
        """The spec's code failed while expanding state `index`: report it after what the
        batch found before (as for a deadlock, what was found first comes first)."""
        self._record_counts(counts)
        self._admit(batch)
        self._spec_error(e, index)

    def _outside(self, batch: _Batch, t, parent: int, action: int, start: tuple[int, ...]) -> None:
        """A successor outside the constraint: check its invariants, then drop it."""
        if batch.outside is None and self.outside_checked.first_time(self.exact_fingerprint(t)):
            try:
                broken = self.checks.first_broken(t)
            except (Found, KeyboardInterrupt, MemoryError):
                raise
            except Exception as e:
                batch.starts[parent] = start
                self._admit(batch)  # a violation met before comes first
                self._met(len(self.visited), batch, parent, action, t.__eq__)
                self._spec_error(e, parent, (action, t))
            if broken is not None:
                batch.outside = (len(batch), broken, parent, action, t)
                batch.starts[parent] = start

    def _record_counts(self, counts: list[int]) -> None:
        for name, c in zip(self.model.action_names, counts):
            self.stats.action_counts[name] += c
            self.stats.generated += c

    def _offer_initial(self, batch: _Batch, t) -> None:
        self.stats.generated += 1
        if self.constraint is not None and not self._guarded(lambda: self.constraint(t), -1, (-1, t)):
            self._outside(batch, t, -1, -1, ())
            return
        batch.fps.append(self.fingerprint(t))
        batch.states.append(t)
        batch.parents.append(-1)
        batch.actions.append(-1)

    def _admit(self, batch: _Batch) -> list[tuple[int, Any]]:
        """Deduplicate a batch into the visited set, check the new states' invariants."""
        base = len(self.visited)
        # Candidates after a reportable state outside the constraint come after the end.
        end = batch.outside[0] if batch.outside is not None else len(batch)
        room = None if self.limits.max_states is None else max(0, self.limits.max_states - base)
        new_positions = self.visited.add_batch(batch.fps[:end], batch.parents[:end], batch.actions[:end], room)
        self.stats.distinct = len(self.visited)
        if new_positions or batch.outside is not None:  # depth: that of the deepest state found
            self.stats.depth = max(self.stats.depth, self.frontier_depth + 1)
        new_states = []
        for k, j in enumerate(new_positions):
            t = batch.states[j]
            broken = self._broken_invariant(t, base + k, met=(base + k + 1, batch, j))
            if broken is not None:
                self._met_new(base + k + 1, batch, j)
                self._violation(broken, base + k)
            if self.temporal:
                self.predicates.append(self._guarded(lambda: self.predicates.evaluate(t), base + k,
                                                     met=(base + k + 1, batch, j)))
            new_states.append((base + k, t))
        full = room is not None and len(new_positions) == room
        if batch.outside is not None and not full:  # beyond the last state admitted: not reached
            _, broken, parent, action, t = batch.outside
            self._met(len(self.visited), batch, parent, action, t.__eq__)
            self._violation(broken, parent, (action, t))
        if full:
            self._stop_at_max_states_in(batch, new_positions[-1] if new_positions else None)
        if self.reduction is not None:
            self.reduction.settle()
        return new_states

    def _stop_at_max_states_in(self, batch: _Batch, j: int | None) -> None:
        """Stop as a search meeting states one at a time stops when it finds the
        --max-states'th new state, at position j of the batch: counts through it, and left to
        explore every state stored after its parent (the rest of the parent's level and what
        the next one has so far), whatever the batches. j is None when the search resumed
        with --max-states already reached: it stops before expanding anything."""
        if j is None:
            self.stats.queue = self.unexpanded
        else:
            self._met_new(len(self.visited), batch, j)
            self.stats.queue = len(self.visited) - batch.parents[j] - 1
        raise Found(self._result(Outcome.INCOMPLETE, stopped=f"max states {self.limits.max_states}"))

    def _generates(self, fp: int) -> Callable[[Any], bool]:
        """Whether a successor is the new state with fingerprint fp (within the constraint)."""
        constraint = self.constraint
        return lambda t: self.fingerprint(t) == fp and (constraint is None or constraint(t))

    def _met_new(self, distinct: int, batch: _Batch, j: int) -> None:
        """_met at the new state at position j of the batch."""
        self._met(distinct, batch, batch.parents[j], batch.actions[j], self._generates(batch.fps[j]))

    def _met(self, distinct: int, batch: _Batch, parent: int, action: int, matches) -> None:
        """Set the statistics to those of a search meeting states one at a time, at the
        moment it generates the stop point: the successor by `action` of state `parent`
        that `matches`. So the counts do not depend on batches, or on --workers."""
        self.stats.distinct = distinct
        if self.reduction is not None:
            self.reduction.rewind(parent)
        if parent >= 0:  # initial states are counted as they are generated
            partial = counts_through(self.model, state_at(self.model, self.visited, parent), action, matches)
            self._count_level([a + b for a, b in zip(batch.starts[parent], partial)])

    def _count_level(self, level: list[int]) -> None:
        """The statistics: what was generated before this level, and `level` (per action)."""
        generated, per_action = self.level_base
        self.stats.generated = generated + sum(level)
        self.stats.action_counts = {name: per_action[name] + c for name, c in zip(self.model.action_names, level)}

    def _check_properties(self) -> None:
        """After a complete search: each temporal property on the behaviour graph, in
        declaration order; the first violated one ends the check with its lasso."""
        if not self.temporal:
            return
        violation = check_temporal(self.model, self.temporal, self.recorder, self.predicates,
                                   self.visited.fps, self.visited.parents, self.stats)
        self.recorder = None  # check_temporal closed it
        if violation is not None:
            raise Found(self._result(Outcome.VIOLATION, violation))

    def _broken_invariant(self, t, index: int, met: tuple | None = None) -> tuple[str, str] | None:
        """(kind, name) of the first check new state t fails: "type" or "invariant"
        (StateChecks). `met`: _met_new's arguments, for the statistics if a check fails."""
        try:  # not _guarded: this runs for every new state and invariant
            return self.checks.first_broken(t)
        except (Found, KeyboardInterrupt, MemoryError):
            raise
        except Exception as e:
            if met is not None:
                self._met_new(*met)
            self._spec_error(e, index)
        return None

    def _violation(self, broken: tuple[str, str], index: int, last=None):
        kind, name = broken
        trace = rebuild_trace(self.model, self.visited, index, last)
        raise Found(self._result(Outcome.VIOLATION, Violation(kind, name, trace)))

    def _guarded(self, fn, index: int, last=None, met: tuple | None = None):
        """Run spec code; an error in it ends the search with the trace to where it happened
        (`met`: at a new state, _met_new's arguments, for the statistics)."""
        try:
            return fn()
        except (Found, KeyboardInterrupt, MemoryError):
            raise
        except Exception as e:  # any failure inside generated code is the spec's runtime error
            if met is not None:
                self._met_new(*met)
            self._spec_error(e, index, last)

    def _spec_error(self, e: Exception, index: int, last=None):
        message = explain_error(self.model, e)
        try:
            trace = rebuild_trace(self.model, self.visited, index, last) if index >= 0 or last else Trace(())
        except Exception:  # the error may recur while replaying; report it without a trace
            trace = Trace(())
        raise Found(self._result(Outcome.ERROR, Violation("error", message, trace)))

    def _maybe_report(self, remaining: int) -> None:
        now = time.perf_counter()
        if self.bounded:
            self._check_resources(now, remaining)
        if now - self.last_report >= self.report_every:
            self.last_report = now
            self.stats.seconds = now - self.started
            self.stats.queue = remaining
            self.reporter.progress(self.stats)
