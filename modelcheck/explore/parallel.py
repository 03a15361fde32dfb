"""Breadth-first search on several cores: the same search as bfs.py, split across processes.

The coordinator (this process) owns the visited set and the parent links; each worker
process owns a contiguous slice of the current level's states. Per level:

  1. every worker expands its slice and sends back only numbers: the fingerprints, parents
     and actions of its successors, in generation order;
  2. the coordinator concatenates the workers' candidates in worker order — which is the
     order a sequential BFS generates them in, because worker w's slice precedes worker
     w+1's — and deduplicates them exactly as bfs.py does;
  3. each worker keeps its new states and checks their invariants;
  4. the workers pass a few states to their neighbours so that each again owns an equal,
     contiguous slice of the next level.

States cross process boundaries only in step 4 (and as counterexample endings), so the
expensive part of the work — successor generation and invariant checks — runs in parallel
while the counts, the first violation and its shortest trace are those of bfs.py.
"""
from __future__ import annotations

import marshal
import multiprocessing as mp
import signal
import time
from array import array
from bisect import bisect_left
from dataclasses import dataclass
from typing import Any, Sequence

from .behaviour import EdgeRecorder, PredicateValues, properties_of
from .bfs import CheckedOnce, Found, Limits, NullReporter, Reporter, Search, counts_through, explain_error
from .model import Model, StateChecks, exact_fingerprint
from .resources import few_full_collections, rss_bytes
from .result import CheckResult, Outcome, Stats, Trace, Violation
from .trace import rebuild_trace
from .visited import VisitedStates


def parallel_bfs(model: Model, workers: int, invariants: Sequence[str] | None = None,
                 limits: Limits = Limits(), reporter: Reporter = NullReporter(),
                 properties: Sequence[str] | None = ()) -> CheckResult:
    """`properties` as for bfs(): each worker records the steps of its slice (edges and
    action instances) and the state predicates of its new states; the coordinator merges
    them into one behaviour graph and checks the properties after the search."""
    names = list(model.invariant_names if invariants is None else invariants)
    return _Coordinator(model, workers, names, limits, reporter, properties).run()


# ---------------------------------------------------------------- worker side

@dataclass
class WorkerEvent:
    """Something that may end the search, at a position in the level's candidate order."""
    position: int             # candidate position (within the worker, then made global)
    kind: str                 # "outside" (a state outside the constraint breaks an invariant),
                              # "deadlock", "error"
    name: str                 # invariant name, type violation or error message
    parent: int               # global index of the state being expanded
    action: int = -1
    state: bytes | None = None  # marshalled unstored state, for "outside" and constraint errors
    violation: str = "invariant"  # for "outside": the kind of check broken ("invariant", "type")
    worker: int = -1          # set by the coordinator: the worker whose slice it is in


class _Worker:
    def __init__(self, model: Model, invariants: list[str], check_deadlock: bool, properties: list[str]):
        self.model = model
        temporal = properties_of(model, properties)
        self.recorder = EdgeRecorder(model) if temporal else None
        self.predicates = PredicateValues(temporal)
        self.actions = list(enumerate(model.actions()))
        self.checks = StateChecks(model, invariants)
        self.constraint = model.constraint()
        self.check_deadlock = check_deadlock
        self.outside_checked = CheckedOnce()
        self.frontier: list = []
        self.candidates: list = []
        self.new: list = []

    def serve(self, method: str, args: tuple):
        """One call from the coordinator (a level's expansion, a rebalance...)."""
        with few_full_collections():
            return getattr(self, method)(*args)

    def expand(self, base: int):
        fps, parents, acts = array("q"), array("q"), array("h")
        self.candidates = states = []
        seen: set[int] = set()
        counts = [0] * len(self.actions)
        event = None
        fingerprint, constraint = self.model.fingerprint, self.constraint
        exact = exact_fingerprint(self.model)
        record = self.recorder.record if self.recorder is not None else None
        for offset, s in enumerate(self.frontier):
            index = base + offset
            produced_here = 0
            for a, successors in self.actions:
                t = None
                try:
                    for _n, _a, t in successors(s):
                        produced_here += 1
                        counts[a] += 1
                        if t is s:
                            continue
                        if constraint is not None and not constraint(t):
                            if event is None and self.outside_checked.first_time(exact(t)):
                                broken = self.checks.first_broken(t)
                                if broken is not None:
                                    event = WorkerEvent(len(fps), "outside", broken[1], index, a, marshal.dumps(t),
                                                   broken[0])
                            if record is not None:  # not an edge, but the instance is enabled
                                record(index, fingerprint(t), a, _n, _a)
                            continue
                        f = fingerprint(t)
                        if record is not None:
                            record(index, f, a, _n, _a)
                        if f in seen:  # a repeat within the slice: the coordinator keeps the first
                            continue
                        seen.add(f)
                        fps.append(f)
                        parents.append(index)
                        acts.append(a)
                        states.append(t)
                except MemoryError:
                    raise
                except Exception as e:  # the spec failed: report where, with the state if unstored
                    event = event or WorkerEvent(len(fps), "error", explain_error(self.model, e), index, a,
                                            marshal.dumps(t) if t is not None and t is not s else None)
                    break
            if event is not None and event.kind == "error":
                break
            if produced_here == 0 and self.check_deadlock:
                event = event or WorkerEvent(len(fps), "deadlock", "deadlock", index)
                break
        edges = self.recorder.take() if self.recorder is not None else None
        return fps.tobytes(), parents.tobytes(), acts.tobytes(), counts, event, edges

    def keep(self, positions: list[int]):
        """Keep the new states among the candidates; return the first broken invariant
        and the values of the properties' state predicates in the new states."""
        self.new = [self.candidates[j] for j in positions]
        self.candidates = []
        rows = bytearray()
        temporal = bool(self.predicates.functions)
        for k, t in enumerate(self.new):
            try:
                broken = self.checks.first_broken(t)
                if broken is None and temporal:
                    rows += self.predicates.evaluate(t)
            except Exception as e:
                return (k, "error", explain_error(self.model, e)), bytes(rows)
            if broken is not None:
                return (k, *broken), bytes(rows)
        return None, bytes(rows)

    def counts_until(self, offset: int, action: int, fp: int, state: bytes | None) -> list[int]:
        """Per action, the successors this slice generates up to the stop point: the first
        successor by `action` of its state `offset` that is `state` (unstored), or else the
        state with fingerprint fp within the constraint."""
        counts = [0] * len(self.actions)
        for s in self.frontier[:offset]:
            for a, successors in self.actions:
                for _ in successors(s):
                    counts[a] += 1
        if state is not None:
            matches = marshal.loads(state).__eq__
        else:
            fingerprint, constraint = self.model.fingerprint, self.constraint
            matches = lambda t: fingerprint(t) == fp and (constraint is None or constraint(t))  # noqa: E731
        partial = counts_through(self.model, self.frontier[offset], action, matches)
        return [a + b for a, b in zip(counts, partial)]

    def rebalance(self, mine: tuple[int, int], give: list[tuple[int, int, int]]):
        """Keep new[mine] as the next frontier; return {worker: marshalled slice} to give away."""
        out = {w: marshal.dumps(self.new[a:b]) for w, a, b in give}
        self.frontier = self.new[mine[0]:mine[1]]
        self.new = []
        return out

    def receive(self, before: list[bytes], after: list[bytes]):
        self.frontier = ([t for blob in before for t in marshal.loads(blob)] + self.frontier
                         + [t for blob in after for t in marshal.loads(blob)])
        return len(self.frontier)

    def set_frontier(self, blob: bytes):
        self.frontier = marshal.loads(blob)
        return len(self.frontier)


def _serve(conn, model: Model, invariants: list[str], check_deadlock: bool, properties: list[str]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the coordinator's to handle
    worker = _Worker(model, invariants, check_deadlock, properties)
    while True:
        request = conn.recv()
        if request is None:
            return
        method, args = request
        try:
            conn.send(("ok", worker.serve(method, args)))
        except BaseException as e:  # keep the coordinator informed instead of dying silently
            conn.send(("failed", f"{type(e).__name__}: {e}"))
            if isinstance(e, KeyboardInterrupt):
                return


# ---------------------------------------------------------------- coordinator side

class _Coordinator(Search):
    """The sequential search's bookkeeping, with expansion and invariant checks in workers."""

    def __init__(self, model: Model, workers: int, invariants: list[str], limits: Limits, reporter: Reporter,
                 properties: Sequence[str] | None = ()):
        super().__init__(model, invariants, limits, reporter, properties)
        self.property_names = [p.name for p in self.temporal]
        self.label_maps: list[list[int]] = [[] for _ in range(workers)]  # worker label -> ours
        self.n = workers
        self.invariant_names = invariants
        self.conns: list = []
        self.procs: list = []

    # -- plumbing
    def _start(self) -> None:
        ctx = mp.get_context("fork")  # workers inherit the compiled model; nothing is pickled
        for _ in range(self.n):
            ours, theirs = ctx.Pipe()
            p = ctx.Process(target=_serve, args=(theirs, self.model, self.invariant_names,
                                                self.limits.check_deadlock, self.property_names), daemon=True)
            p.start()
            self.conns.append(ours)
            self.procs.append(p)

    def _call_all(self, method: str, args_per_worker: list[tuple]) -> list:
        for conn, args in zip(self.conns, args_per_worker):
            conn.send((method, args))
        return [self._reply(conn) for conn in self.conns]

    def _call(self, worker: int, method: str, args: tuple):
        self.conns[worker].send((method, args))
        return self._reply(self.conns[worker])

    @staticmethod
    def _reply(conn):
        status, value = conn.recv()
        if status != "ok":
            if value.startswith("MemoryError"):
                raise MemoryError(value)
            raise RuntimeError(f"worker failed: {value}")
        return value

    def _memory_used(self) -> int:
        return rss_bytes() + sum(rss_bytes(p.pid) for p in self.procs)

    def _shutdown(self) -> None:
        for conn in self.conns:
            try:
                conn.send(None)
            except (BrokenPipeError, OSError):
                pass
        for p in self.procs:
            p.join(timeout=1)
            if p.is_alive():
                p.terminate()

    # -- the search
    def run(self) -> CheckResult:
        self._start()
        try:
            return super().run()
        finally:
            self._shutdown()

    def _explore(self) -> None:
        level = [state for _, state in self.initial_level()]
        sizes = self._distribute(level)
        depth = 1
        base = 0
        while sum(sizes):
            self.frontier_depth = depth
            self.stats.queue = sum(sizes)
            if self.limits.max_depth is not None and depth >= self.limits.max_depth:
                raise Found(self._result(Outcome.INCOMPLETE, stopped=f"max depth {self.limits.max_depth}"))
            if self.bounded:  # --timeout, --memory: once per level
                self._check_resources(time.perf_counter(), sum(sizes))
            next_base = len(self.visited)
            sizes = self._level(base, sizes)
            base = next_base
            depth += 1
            self._report()
        self.stats.queue = 0

    def _distribute(self, level: list) -> list[int]:
        slices = _split(len(level), self.n)
        return self._call_all("set_frontier", [(marshal.dumps(level[a:b]),) for a, b in slices])

    def _level(self, base: int, sizes: list[int]) -> list[int]:
        starts = [base + sum(sizes[:w]) for w in range(self.n)]
        self.level_base = (self.stats.generated, dict(self.stats.action_counts))
        replies = self._call_all("expand", [(start,) for start in starts])
        fps, parents, actions, events, offsets = array("q"), array("q"), array("h"), [], []
        self.slice_counts = [counts for _, _, _, counts, _, _ in replies]
        self.slice_starts = starts
        for w, (f, p, a, counts, event, edges) in enumerate(replies):
            offsets.append(len(fps))
            if edges is not None:
                self.recorder.merge(edges, self.label_maps[w])
            if event is not None:
                event.position += len(fps)
                event.worker = w
                events.append(event)
            fps.frombytes(f)
            parents.frombytes(p)
            actions.frombytes(a)
            for name, c in zip(self.model.action_names, counts):
                self.stats.action_counts[name] += c
                self.stats.generated += c
        first_event = min(events, key=lambda e: e.position) if events else None
        limit = first_event.position if first_event is not None else len(fps)
        index0 = len(self.visited)
        room = None if self.limits.max_states is None else max(0, self.limits.max_states - index0)
        new_positions = self.visited.add_batch(fps[:limit].tolist(), parents[:limit].tolist(),
                                               actions[:limit].tolist(), room)
        if room is not None and len(new_positions) == room and first_event is not None \
                and new_positions and first_event.position > new_positions[-1]:
            first_event = None  # after the last state --max-states lets in: never reached
        self.stats.distinct = len(self.visited)
        if new_positions or (first_event is not None and first_event.kind == "outside"):
            # a state outside the constraint is one level deeper, as in bfs.py; a deadlock
            # or an error is at the state being expanded
            self.stats.depth = max(self.stats.depth, self.frontier_depth + 1)
        per_worker = [[] for _ in range(self.n)]
        bounds = offsets + [len(fps)]
        w = 0
        for j in new_positions:
            while j >= bounds[w + 1]:
                w += 1
            per_worker[w].append(j - offsets[w])
        kept = self._call_all("keep", [(positions,) for positions in per_worker])
        checks = [check for check, _ in kept]
        if self.temporal:
            for _, rows in kept:
                self.predicates.extend(rows)
        self._first_violation(checks, per_worker, offsets, new_positions, index0, first_event)
        if self.limits.max_states is not None and self.stats.distinct >= self.limits.max_states:
            self._stop_at_max_states(new_positions, offsets)
        return self._rebalance([len(p) for p in per_worker])

    def _stop_at_max_states(self, new_positions: list[int], offsets: list[int]) -> None:
        """The counts of a sequential search at the --max-states'th state (bfs.py's): through
        its generation, and left to explore the level's states after its parent with the
        new states found."""
        index = len(self.visited) - 1
        parent = self.visited.parents[index]
        level_start, level_size = self.slice_starts[0], self.stats.queue
        found = len(self.visited) - (level_start + level_size)  # the new states follow the level
        self._count_through(_worker_of(offsets, new_positions[-1]), parent,
                            self.visited.actions[index], self.visited.fps[index])
        self.stats.queue = level_size - (parent - level_start) - 1 + found
        raise Found(self._result(Outcome.INCOMPLETE, stopped=f"max states {self.limits.max_states}"))

    def _first_violation(self, checks, per_worker, offsets, new_positions, index0, event) -> None:
        """End the search at the earliest of: a new state breaking an invariant, or an event."""
        best = None  # (candidate position, kind, name, index)
        for w, check in enumerate(checks):
            if check is not None:
                k, kind, name = check
                j = offsets[w] + per_worker[w][k]
                if best is None or j < best[0]:
                    best = (j, kind, name, index0 + bisect_left(new_positions, j))
        if event is not None and (best is None or event.position <= best[0]):
            self._stop_at_event(event)
        if best is not None:
            j, kind, name, index = best
            w = _worker_of(offsets, j)
            self.stats.distinct = index + 1
            self._count_through(w, self.visited.parents[index], self.visited.actions[index], self.visited.fps[index])
            trace = rebuild_trace(self.model, self.visited, index)
            if kind == "error":
                raise Found(self._result(Outcome.ERROR, Violation("error", name, trace)))
            raise Found(self._result(Outcome.VIOLATION, Violation(kind, name, trace)))

    def _count_through(self, w: int, parent: int, action: int, fp: int, state: bytes | None = None) -> None:
        """The statistics of a sequential search at the stop point: every slice before
        worker w's, and worker w's up to the point (parallel.py's docstring)."""
        level = [sum(c) for c in zip(*self.slice_counts[:w])] or [0] * len(self.model.action_names)
        mine = self._call(w, "counts_until", (parent - self.slice_starts[w], action, fp, state))
        self._count_level([a + b for a, b in zip(level, mine)])

    def _stop_at_event(self, e: WorkerEvent) -> None:
        if e.kind == "outside":  # the worker expanded its slice on: count again up to the state
            self._count_through(e.worker, e.parent, e.action, 0, e.state)
        else:  # the worker stopped there (a deadlock, an error): slices before it, and its own
            self._count_level([sum(c) for c in zip(*self.slice_counts[:e.worker + 1])])
        last = (e.action, marshal.loads(e.state)) if e.state is not None else None
        try:
            trace = rebuild_trace(self.model, self.visited, e.parent, last)
        except Exception:
            trace = Trace(())
        if e.kind == "deadlock":
            raise Found(self._result(Outcome.DEADLOCK, Violation("deadlock", "deadlock", trace)))
        if e.kind == "error":
            raise Found(self._result(Outcome.ERROR, Violation("error", e.name, trace)))
        raise Found(self._result(Outcome.VIOLATION, Violation(e.violation, e.name, trace)))

    def _rebalance(self, counts: list[int]) -> list[int]:
        """Move states between neighbours so that each worker owns an equal contiguous slice."""
        have = []
        start = 0
        for c in counts:
            have.append((start, start + c))
            start += c
        want = _split(start, self.n)
        plans = []
        for w, (h0, h1) in enumerate(have):
            give = []
            for v, (w0, w1) in enumerate(want):
                a, b = max(h0, w0), min(h1, w1)
                if v != w and a < b:
                    give.append((v, a - h0, b - h0))
            a, b = max(h0, want[w][0]), min(h1, want[w][1])
            plans.append(((a - h0, b - h0) if a < b else (0, 0), give))
        gifts = self._call_all("rebalance", plans)
        args = []
        for v in range(self.n):
            before = [gifts[w][v] for w in range(v) if v in gifts[w]]
            after = [gifts[w][v] for w in range(v + 1, self.n) if v in gifts[w]]
            args.append((before, after))
        return self._call_all("receive", args)

    def _report(self) -> None:
        self.stats.seconds = time.perf_counter() - self.started
        self.reporter.progress(self.stats)


def _worker_of(offsets: list[int], j: int) -> int:
    """The worker whose candidates hold position j of the level (offsets: where each starts)."""
    return next(w for w in reversed(range(len(offsets))) if offsets[w] <= j)


def _split(n: int, parts: int) -> list[tuple[int, int]]:
    bounds = [n * i // parts for i in range(parts + 1)]
    return list(zip(bounds, bounds[1:]))
