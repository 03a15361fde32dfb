"""Swarm search (after Holzmann's swarm verification): many small, differently biased,
randomized searches instead of one exhaustive one, for bugs deeper than breadth-first
search gets in the time there is.

A *member* of the swarm is fixed by the run's seed and its index: member i draws from
random.Random(f"{seed}:{i}") its depth bound (between half the maximum and the maximum)
and a weight per action, each one of: disabled, rare (0.1), normal (1) or favoured (3);
member 0 is unbiased (every weight 1, the full depth). A member takes walks from the
initial states until it has spent its budget of steps (each walk costs one step more than it
takes, so that a member whose weights leave nothing enabled ends too). Each step picks an action with
probability proportional to its weight among the actions that have a successor (within the
state constraint, changing something), preferring actions whose successors the member has
not visited yet, then one such successor uniformly. The member's visited table is a bitstate
array (two bits per fingerprint, Holzmann's bitstate hashing): small and of fixed size, it
may wrongly take a state for visited, which only makes the member skip it as a fresh
choice. So walks of one member spread out instead of repeating each other, and different
members favour different interleavings. Half of a member's walks (RESUME) do not start from
an initial state but continue from where one of its earlier walks ended (kept in a small
archive, as in Go-Explore): depth accumulates over walks, up to MAX_PATH times the bound.

Members are independent, so they run on `workers` processes; results are consumed in
member order and the first member (lowest index) that finds a violation is the one
reported, so a seed names the same result however many workers run it.

Every state a walk reaches, and every successor outside the state constraint, is checked
as the breadth-first explorers check it (model.StateChecks): its variables within their
declared types, then the invariants. A runtime error of the spec ends the member too.

The violation's trace is then shortened (`shorten`): from each state of the trace, a
bounded breadth-first search looks for a later state of the trace, or for any state that
breaks the same invariant (for a type violation: any state outside the types), in fewer
steps than the trace takes, and splices the shortcut in. The result is usually much
shorter, but not guaranteed to be a shortest trace.

The same members, result and shortening serve the native swarm (explore/native/
swarm_driver.py), whose walks run in C with their own random generator: `swarm_result`
turns the members either ran into the SwarmResult, given how to rebuild the winner's path.
"""
from __future__ import annotations

import multiprocessing as mp
import random
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from .bfs import explain_error
from .model import Model, State, StateChecks
from .result import CheckResult, Outcome, Stats, Trace, Violation
from .trace import trace_of

WEIGHTS = (0.0, 0.1, 1.0, 3.0)          # disabled, rare, normal, favoured
BITSTATE_BITS = 1 << 22                 # 512 KiB per member
RESUME = 0.5        # the chance that a walk continues from where an earlier walk ended
ARCHIVE = 1_000     # walk ends a member keeps (a random one is replaced when full)
MAX_PATH = 4        # a walk end is kept only if its path is shorter than MAX_PATH * depth bound


@dataclass(frozen=True)
class Member:
    index: int
    seed: str                  # the random.Random seed of this member: f"{run seed}:{index}"
    depth: int                 # steps per walk at most
    weights: tuple[float, ...]  # per action, parallel to model.action_names


@dataclass(frozen=True)
class MemberResult:
    member: Member
    steps: int                 # steps taken
    walks: int
    states: int                # states newly marked in its visited table
    taken: tuple[int, ...]     # steps taken per action
    found: tuple[str, str] | None = None    # (kind, name): "invariant", "type" or "error", and its name
    path: tuple = ()   # the way to it from an initial state (action -1), as the backend that ran it
                       # keeps it: here (action, fingerprint) pairs; swarm_result's `rebuild` reads it


@dataclass(frozen=True)
class SwarmResult:
    result: CheckResult
    seed: int
    members: tuple[MemberResult, ...]      # every member that ran, in member order
    found_by: Member | None = None
    steps_before_shortening: int | None = None
    taken: dict[str, int] = field(default_factory=dict)  # steps taken per action, all members
    draws: str = "random.Random('{seed}:i')"   # what member i draws from, for the report


def plan_member(seed: int, index: int, actions: int, max_depth: int) -> Member:
    rng = random.Random(f"{seed}:{index}")
    if index == 0:
        return Member(0, f"{seed}:0", max_depth, (1.0,) * actions)
    depth = rng.randint(max(1, max_depth // 2), max_depth)
    weights = tuple(rng.choice(WEIGHTS) for _ in range(actions))
    return Member(index, f"{seed}:{index}", depth, weights)


class _Bitstate:
    """A fixed-size visited table: two bits per fingerprint; may report an unseen state as seen."""

    def __init__(self, bits: int = BITSTATE_BITS):
        self.mask = bits - 1
        self.table = bytearray(bits // 8)

    def add(self, fp: int) -> bool:
        """Mark fp; True if it was not marked before."""
        new = False
        for h in (fp & self.mask, (fp >> 32) & self.mask):
            byte, bit = h >> 3, 1 << (h & 7)
            if not self.table[byte] & bit:
                self.table[byte] |= bit
                new = True
        return new

    def __contains__(self, fp: int) -> bool:
        return all(self.table[h >> 3] & (1 << (h & 7)) for h in (fp & self.mask, (fp >> 32) & self.mask))


def run_member(model: Model, member: Member, invariants: Sequence[str], steps: int) -> MemberResult:
    """Walks of one member until it has taken `steps` steps or found a violation."""
    rng = random.Random(member.seed + ":walks")
    checks = StateChecks(model, invariants)
    constraint = model.constraint()
    actions = [(a, fn) for a, fn in enumerate(model.actions()) if member.weights[a] > 0]
    fingerprint = model.fingerprint
    visited = _Bitstate()
    taken = [0] * len(member.weights)
    inits = list(model.init_states())
    archive: list[tuple[State, tuple]] = []   # (state, its path): where earlier walks ended
    done = walks = states = 0
    while done + walks < steps:   # a walk costs one more step: members stuck at the start end too
        walks += 1
        if archive and rng.random() < RESUME:
            s, prefix = archive[rng.randrange(len(archive))]
            path = list(prefix)
        else:
            _, _, s = inits[rng.randrange(len(inits))]
            fp = fingerprint(s)
            states += visited.add(fp)
            path = [(-1, fp)]
        start = len(path)
        try:
            found = checks.first_broken(s)
            for _ in range(member.depth):
                if found is not None or done + walks >= steps:
                    break
                enabled = []   # (weight, action, successors inside the constraint)
                for a, fn in actions:
                    inside = []
                    for _, _, t in fn(s):
                        if t is s or t == s:
                            continue
                        if constraint is not None and not constraint(t):
                            broken = checks.first_broken(t)
                            if broken is not None:  # checked though never extended, as in bfs.py
                                return _found(member, done + 1, walks, states, taken, a, broken,
                                              path + [(a, fingerprint(t))])
                            continue
                        inside.append(t)
                    if inside:
                        enabled.append((member.weights[a], a, inside))
                if not enabled:
                    break
                a, fp, s = _choose(rng, enabled, visited, fingerprint)
                states += visited.add(fp)
                path.append((a, fp))
                taken[a] += 1
                done += 1
                found = checks.first_broken(s)
        except KeyboardInterrupt:
            raise
        except Exception as e:
            found = ("error", explain_error(model, e))   # worded as `check` words it
        if found is not None:
            return MemberResult(member, done, walks, states, tuple(taken), found, tuple(path))
        if start < len(path) < MAX_PATH * member.depth:
            _archive(rng, archive, (s, tuple(path)))
    return MemberResult(member, done, walks, states, tuple(taken))


def _archive(rng: random.Random, archive: list, entry: tuple) -> None:
    if len(archive) < ARCHIVE:
        archive.append(entry)
    else:
        archive[rng.randrange(ARCHIVE)] = entry


def _choose(rng: random.Random, enabled: list, visited: _Bitstate, fingerprint) -> tuple[int, int, State]:
    """An action by weight, then one of its successors not visited yet; an action whose
    successors are all visited is put aside while others have fresh ones. Fingerprints only
    the successors of the actions drawn (fingerprinting is most of the cost of a step)."""
    left = list(enabled)
    while left:
        k = rng.choices(range(len(left)), weights=[w for w, _, _ in left])[0]
        _, a, successors = left.pop(k)
        order = list(successors)
        rng.shuffle(order)
        for t in order:
            ft = fingerprint(t)
            if ft not in visited:
                return a, ft, t
    _, a, successors = rng.choices(enabled, weights=[w for w, _, _ in enabled])[0]
    t = successors[rng.randrange(len(successors))]
    return a, fingerprint(t), t


def _found(member, done, walks, states, taken, a, broken, path) -> MemberResult:
    taken[a] += 1
    return MemberResult(member, done, walks, states, tuple(taken), broken, tuple(path))


# ---------------------------------------------------------------- the swarm

_FORKED: dict[str, Any] = {}   # what forked workers inherit (nothing is pickled but member numbers)


def _run_forked(index: int) -> MemberResult:
    f = _FORKED
    return run_member(f["model"], plan_member(f["seed"], index, len(f["model"].action_names), f["depth"]),
                      f["invariants"], f["steps"])


def swarm(model: Model, invariants: Sequence[str] | None = None, seed: int = 0, members: int = 1000,
          depth: int = 100, member_steps: int = 20_000, workers: int = 1, timeout: float | None = None,
          shorten_states: int = 5_000, on_member: Callable[[MemberResult], None] | None = None,
          first_member: int = 0) -> SwarmResult:
    """Run members first_member, first_member + 1, ... until one finds a violation, `members`
    have run, or `timeout` seconds have passed; shorten the violation's trace (see the module
    docstring). A member found by one run is run alone by first_member=index, members=1."""
    indexes = range(first_member, first_member + members)
    names = list(model.invariant_names if invariants is None else invariants)
    started = time.perf_counter()
    done: list[MemberResult] = []
    stopped = "finished"
    if workers > 1:
        _FORKED.update(model=model, seed=seed, depth=depth, invariants=names, steps=member_steps)
        pool = mp.get_context("fork").Pool(workers)
        results = pool.imap(_run_forked, indexes)
    else:
        pool = None
        results = (run_member(model, plan_member(seed, i, len(model.action_names), depth), names, member_steps)
                   for i in indexes)
    try:
        while True:
            remaining = None if timeout is None else timeout - (time.perf_counter() - started)
            if remaining is not None and remaining <= 0:
                stopped = f"timeout {timeout:g} s"
                break
            try:
                r = results.next(remaining) if pool is not None else next(results)
            except StopIteration:
                break
            except mp.TimeoutError:
                stopped = f"timeout {timeout:g} s"
                break
            done.append(r)
            if on_member is not None:
                on_member(r)
            if r.found is not None:
                break
    except KeyboardInterrupt:
        stopped = "interrupted"
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()
            _FORKED.clear()
    return swarm_result(model, seed, done, stopped, started, shorten_states, lambda path: rebuild_path(model, path))


def swarm_result(model: Model, seed: int, done: Sequence[MemberResult], stopped: str, started: float,
                 shorten_states: int, rebuild: Callable[[tuple], list["Step"]],
                 draws: str = SwarmResult.draws) -> SwarmResult:
    """The SwarmResult of the members `done` (in member order; the first that found
    something is the winner): its path rebuilt by `rebuild` into runtime steps and shortened
    (see the module docstring); `stopped` says why the swarm ended if nothing was found."""
    action_names = list(model.action_names)
    taken = {a: sum(r.taken[i] for r in done) for i, a in enumerate(action_names)}
    stats = Stats(generated=sum(r.steps for r in done), distinct=sum(r.states for r in done),
                  action_counts=dict(taken))
    winner = next((r for r in done if r.found is not None), None)
    if winner is None:
        stats.seconds = time.perf_counter() - started
        outcome = Outcome.OK if stopped == "finished" else Outcome.INCOMPLETE
        return SwarmResult(CheckResult(outcome, stats, None, stopped), seed, tuple(done), taken=taken, draws=draws)
    kind, name = winner.found
    steps = rebuild(winner.path)
    before = len(steps) - 1
    if kind == "invariant":
        steps = shorten(model, steps, model.invariant(name), shorten_states)
    elif kind == "type":   # any state outside the types will do; the report names the last one's
        type_check = StateChecks(model, []).first_broken
        steps = shorten(model, steps, lambda s: type_check(s) is None, shorten_states)
        name = type_check(steps[-1][3])[1]
    stats.depth = len(steps)
    stats.seconds = time.perf_counter() - started
    outcome = Outcome.ERROR if kind == "error" else Outcome.VIOLATION
    violation = Violation(kind, name, _trace(model, steps))
    return SwarmResult(CheckResult(outcome, stats, violation, "found"), seed, tuple(done), winner.member,
                       before, taken, draws)


def _trace(model: Model, steps) -> Trace:
    try:
        return trace_of(model, steps)
    except Exception:  # describing the state that failed to evaluate may fail again
        return trace_of(model, steps[:-1]) if len(steps) > 1 else Trace(())


Step = tuple[int, tuple, tuple, State]   # (action, argument names, argument values, state)


def rebuild_path(model: Model, path: Sequence[tuple[int, int]]) -> list[Step]:
    """Runtime steps from (action, fingerprint) pairs, by re-execution."""
    steps: list[Step] = []
    state = None
    for a, fp in path:
        candidates = model.init_states() if a < 0 else model.actions()[a](state)
        names, args, state = next((n, v, t) for n, v, t in candidates if model.fingerprint(t) == fp)
        steps.append((a, names, args, state))
    return steps


def shorten(model: Model, steps: list[Step], bad: Callable[[State], bool], budget: int) -> list[Step]:
    """A trace from an initial state to a state where `bad` is false, no longer than `steps`:
    from each state of the trace in turn, a breadth-first search of at most `budget` states
    for a later state of the trace, or any state where `bad` fails, in fewer steps; the best
    shortcut found is spliced in. Not guaranteed shortest."""
    constraint = model.constraint()
    actions = list(enumerate(model.actions()))
    i = 0
    while i < len(steps) - 1:
        position = {model.fingerprint(s[3]): j for j, s in enumerate(steps) if j > i}
        last = len(steps) - 1
        try:
            shortcut = _shortcut(model, actions, constraint, steps[i][3], position, last, last - i, bad, budget)
        except Exception:  # the spec fails to evaluate somewhere around: no shortcut from here
            shortcut = None
        if shortcut is not None:
            j, middle = shortcut
            steps = steps[:i + 1] + middle + steps[j + 1:]
        i += 1
    return steps


def _shortcut(model, actions, constraint, start, position: dict[int, int], last: int, length: int,
              bad, budget: int) -> tuple[int, list[Step]] | None:
    """(j, steps) reaching trace position j (or a bad state, j = last) from `start` in fewer
    steps than the trace takes; the one saving the most steps, searched breadth-first."""
    start_fp = model.fingerprint(start)
    parent: dict[int, tuple] = {start_fp: None}
    queue = deque([(start, start_fp, 0)])
    base = last - length      # the trace position of `start`
    best: tuple[int, int, int] | None = None   # (saving, j, fp)
    while queue and len(parent) < budget:
        s, fp, d = queue.popleft()
        if d + 1 >= length - (best[0] if best else 0):
            break   # breadth-first: nothing further out saves more
        for a, fn in actions:
            for names, args, t in fn(s):
                if t is s or t == s:
                    continue
                ft = model.fingerprint(t)
                if ft in parent:
                    continue
                inside = constraint is None or constraint(t)
                j = last if not bad(t) else position.get(ft)
                parent[ft] = (fp, a, names, args, t)
                if j is not None and (j - base) - (d + 1) > (best[0] if best else 0):
                    best = ((j - base) - (d + 1), j, ft)
                if inside and j is None:
                    queue.append((t, ft, d + 1))
    if best is None:
        return None
    _, j, fp = best
    middle: list[Step] = []
    while parent[fp] is not None:
        prev, a, names, args, t = parent[fp]
        middle.append((a, names, args, t))
        fp = prev
    return j, middle[::-1]
