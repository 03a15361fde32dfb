"""Runs the breadth-first search in C (search.c) and returns what the Python explorer
returns: the same CheckResult, with the same Trace objects, so every report works unchanged.

The C search knows states only as bytes. For a counterexample it rebuilds the states of the
trace as bytes (replaying the recorded fingerprints); here they are decoded and each step is
executed again by the Python model, which gives the action's arguments and confirms the step.
A runtime error's message comes from the Python model too, by running again what failed in C,
so it is word for word the Python backend's.

Counts at a stop are those of a sequential search stopping at that point (search.c), with
the Python explorer's bookkeeping for runtime errors: an action's successors count once the
action is done, so those of the action that failed are not counted; a failure among the
initial states leaves none admitted.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

from ..behaviour import PredicateValues, TemporalProperty, properties_of
from ..bfs import PROGRESS_EVERY, Limits, NullReporter, Reporter, explain_error
from ..checkpoint import Checkpointer
from ..model import Codec, Model, StateChecks
from ..resources import describe_bytes, rss_bytes
from ..result import CheckResult, Outcome, Stats, Trace, Violation
from ..trace import trace_of
from ..por import StubbornTables
from .checkpoints import NativeCheckpoints, identity
from .reduction import reduction_counts, use_reduction
from .temporal import NativeRecording

HERE = Path(__file__).parent
SEARCH_SOURCES = (HERE / "search.c", HERE / "store.c", HERE / "replay.c", HERE / "batch.c", HERE / "record.c",
                  HERE / "swarm.c", HERE / "por.c")
POLL_SECONDS = 0.05
# With --memory, the share of it for the states of the levels and the candidates in memory
# (the rest goes to temporary files). The Python explorer gives its queue a quarter; in C the
# visited set (11 to 16 bytes per state) and the threads' fingerprints of a level's
# candidates (8 to 16 bytes each, search.c) stay in memory whatever the share.
QUEUE_SHARE = 8

# Status codes of search.h
FINISHED, INVARIANT, TYPE, DEADLOCK, ERROR, MAX_STATES, MAX_DEPTH, ABORTED, FAILED = range(9)
SITE_NONE, SITE_INIT, SITE_SUCCESSORS, SITE_CONSTRAINT, SITE_CHECKS, SITE_PREDICATES = range(6)


def search_cdef() -> str:
    """search.h, batch.h, swarm.h and por.h for cffi's cdef (which takes no preprocessor lines); the
    library also needs mc_model.h's declarations, which the compiler half provides."""
    headers = [(HERE / name).read_text() for name in ("search.h", "batch.h", "swarm.h", "por.h")]
    return "".join(line + "\n" for header in headers for line in header.splitlines()
                   if not line.lstrip().startswith("#"))


class NativeMismatch(AssertionError):
    """The C model and the Python model disagree: a bug of the native compiler."""


@dataclass(frozen=True)
class NativeSearch:
    """A compiled search: the cffi module (ffi, lib) of a model's C with search.c, and the
    Python model and codec of the same spec (for traces and error messages)."""
    ffi: Any
    lib: Any
    model: Model
    codec: Codec

    def names(self, count, name) -> list[str]:
        return [self.ffi.string(name(i)).decode() for i in range(count())]


def native_bfs(native: NativeSearch, invariants: Sequence[str] | None = None, limits: Limits = Limits(),
               reporter: Reporter = NullReporter(), workers: int = 1, queue_memory: int | None = None,
               checkpoint: Checkpointer | None = None, resume: str | None = None,
               properties: Sequence[str] | None = (), reduction: StubbornTables | None = None) -> CheckResult:
    """The search of bfs.bfs, in C on `workers` threads, with the same result. States of the
    levels beyond `queue_memory` bytes go to temporary files (default: with --memory, an
    eighth of it, QUEUE_SHARE; else none). `checkpoint`, `resume` and `properties` as for
    bfs.bfs (checkpoints.py, temporal.py; the caller refuses properties with checkpoints).
    `reduction`: partial-order reduction with these tables (reduction.py; one thread, no
    properties: the caller refuses the others)."""
    return native_bfs_measured(native, invariants, limits, reporter, workers, queue_memory, checkpoint, resume,
                               properties, reduction)[0]


def native_bfs_measured(native: NativeSearch, invariants: Sequence[str] | None = None, limits: Limits = Limits(),
                        reporter: Reporter = NullReporter(), workers: int = 1, queue_memory: int | None = None,
                        checkpoint: Checkpointer | None = None, resume: str | None = None,
                        properties: Sequence[str] | None = (),
                        reduction: StubbornTables | None = None) -> tuple[CheckResult, int]:
    """native_bfs, and the bytes its visited set took at the end (for benchmarks)."""
    if queue_memory is None and limits.memory is not None:
        queue_memory = limits.memory // QUEUE_SHARE
    model, lib, ffi = native.model, native.lib, native.ffi
    chosen = list(model.invariant_names if invariants is None else invariants)
    _check_contract(native)
    c_invariants = native.names(lib.mc_invariant_count, lib.mc_invariant_name)
    indices = ffi.new("int[]", [c_invariants.index(n) for n in chosen] or [0])
    keeper = NativeCheckpoints(native, None, identity(native, chosen, limits.check_deadlock)
                               + ("|partial-order" if reduction is not None else ""), checkpoint, 0.0)
    temporal = properties_of(model, properties)
    # with --memory, recorded edges beyond a quarter of it go to disk, as in the Python explorer
    recording = NativeRecording(native, temporal, None if limits.memory is None else limits.memory // 4) \
        if temporal else None
    level_started = ffi.NULL
    if checkpoint is not None or recording is not None:
        level_started = ffi.callback("void(void *)", lambda user: _level_started(keeper, recording, user))
    options = ffi.new("mcs_options *", {
        "level_started": level_started,
        "workers": workers, "check_deadlock": int(limits.check_deadlock),
        "max_states": -1 if limits.max_states is None else limits.max_states,
        "max_depth": -1 if limits.max_depth is None else limits.max_depth,
        "queue_memory": -1 if queue_memory is None else queue_memory,
        "invariants": indices, "invariant_count": len(chosen),
        **(recording.options() if recording is not None else {})})
    search = lib.mcs_new(options)
    if search == ffi.NULL:
        raise MemoryError("cannot start the native search")
    try:
        kept = use_reduction(ffi, lib, search, reduction) if reduction is not None else None
        keeper.search = search
        earlier = keeper.restore(resume) if resume is not None else 0.0
        keeper.started = started = time.perf_counter() - earlier
        aborted = _run(native, search, limits, reporter, started)
        for failure in (keeper.failure, recording.failure if recording is not None else None):
            if failure is not None:
                raise failure
        if aborted == "interrupted" and checkpoint is not None:
            keeper.write()  # the level it was in is done again on resuming
        result = _result(native, search, chosen, limits, aborted, time.perf_counter() - started, temporal)
        if kept is not None:
            result.stats.reduced_states, result.stats.expanded_fully = reduction_counts(ffi, lib, search, reduction)
        if recording is not None and result.outcome == Outcome.OK:
            result = _check_properties(native, search, recording, result, started)
        return result, lib.mcs_visited_bytes(search)
    finally:
        lib.mcs_free(search)


def _level_started(keeper: NativeCheckpoints, recording: "NativeRecording | None", user) -> None:
    """The C search's callback at a level start: checkpoints, and the graph recorded so far."""
    keeper.level_started(user)
    if recording is not None:
        recording.level_started(keeper.search)


def _check_properties(native: NativeSearch, search, recording: "NativeRecording", result: CheckResult,
                      started: float) -> CheckResult:
    """After a complete search: the temporal properties on the recorded graph."""
    recording.take(search)  # the last level's
    stats = result.stats
    violation = recording.check(search, stats)
    stats.seconds = time.perf_counter() - started
    if violation is None:
        return CheckResult(Outcome.OK, stats)
    return CheckResult(Outcome.VIOLATION, stats, violation)


def _check_contract(native: NativeSearch) -> None:
    lib = native.lib
    actions = native.names(lib.mc_action_count, lib.mc_action_name)
    invariants = native.names(lib.mc_invariant_count, lib.mc_invariant_name)
    if actions != list(native.model.action_names) or invariants != list(native.model.invariant_names):
        raise NativeMismatch(f"the C model has actions {actions} and invariants {invariants}; the Python model "
                             f"{list(native.model.action_names)} and {list(native.model.invariant_names)}")


def _run(native: NativeSearch, search, limits: Limits, reporter: Reporter, started: float) -> str | None:
    """Runs the search, watching the clock, the memory and Ctrl-C (run_watched), reporting
    progress. Returns why it was aborted, or None."""
    lib = native.lib
    deadline = None if limits.timeout is None else (
        (started if limits.timeout_from is None else limits.timeout_from) + limits.timeout)
    every = min(PROGRESS_EVERY, getattr(reporter, "every", PROGRESS_EVERY))
    last_report = started
    progress = native.ffi.new("uint64_t[4]")

    def poll(now: float) -> str | None:
        nonlocal last_report
        if now - last_report >= every:
            last_report = now
            lib.mcs_progress(search, progress)
            reporter.progress(Stats(generated=progress[0], distinct=progress[1], queue=progress[2],
                                    depth=progress[3], seconds=now - started))
        return _limit_reached(limits, deadline, now)

    return run_watched(lambda: lib.mcs_run(search), lambda: lib.mcs_abort(search), poll)


def run_watched(run: Callable[[], None], abort: Callable[[], None], poll: Callable[[float], str | None]) -> str | None:
    """Calls `run` (a C function that releases the GIL) in a thread and `poll` with the clock
    every POLL_SECONDS from here; the first reason `poll` gives to stop, or Ctrl-C, calls
    `abort`. Returns that reason ("interrupted" for Ctrl-C), or None. Returns only once `run`
    has returned (an Event, not Thread.join: a join interrupted by Ctrl-C may return early)."""
    done = threading.Event()

    def run_then_signal() -> None:
        try:
            run()
        finally:
            done.set()

    runner = threading.Thread(target=run_then_signal, name="native search", daemon=True)
    reason = None
    runner.start()
    try:
        while not done.wait(POLL_SECONDS):
            if reason is None:
                reason = poll(time.perf_counter())
                if reason is not None:
                    abort()
    except KeyboardInterrupt:
        abort()
        _wait_through_interrupts(done)
        return "interrupted"
    return reason


def _wait_through_interrupts(done: threading.Event) -> None:
    """Waits for the aborted search to return; a second Ctrl-C does not cut the wait short
    (the search's memory is freed after it)."""
    while True:
        try:
            if done.wait(POLL_SECONDS):
                return
        except KeyboardInterrupt:
            continue


def _limit_reached(limits: Limits, deadline: float | None, now: float) -> str | None:
    if deadline is not None and now >= deadline:
        return f"timeout {limits.timeout:g} s" if limits.timeout is not None else "timeout"
    if limits.memory is not None:
        used = rss_bytes()
        if used > limits.memory:
            return f"memory {describe_bytes(limits.memory)}; resident {describe_bytes(used)}"
    return None


def _result(native: NativeSearch, search, invariants: list[str], limits: Limits, aborted: str | None,
            seconds: float, temporal: Sequence[TemporalProperty] = ()) -> CheckResult:
    lib, model = native.lib, native.model
    r = lib.mcs_result_of(search)
    names = list(model.action_names)
    counts = {a: r.action_counts[i] + r.stop_parent_counts[i] for i, a in enumerate(names)}
    stats = Stats(generated=r.generated, distinct=r.distinct, queue=r.queue, depth=r.depth,
                  seconds=seconds, action_counts=counts)
    outcome = r.outcome
    if outcome == FINISHED:
        stats.queue = 0
        return CheckResult(Outcome.OK, stats)
    if outcome == MAX_STATES:
        return CheckResult(Outcome.INCOMPLETE, stats, None, f"max states {limits.max_states}")
    if outcome == MAX_DEPTH:
        return CheckResult(Outcome.INCOMPLETE, stats, None, f"max depth {limits.max_depth}")
    if outcome == ABORTED:
        return CheckResult(Outcome.INCOMPLETE, stats, None, aborted or "interrupted")
    if outcome == FAILED:
        message = native.ffi.string(r.message).decode()
        return CheckResult(Outcome.INCOMPLETE, stats, None, "out of memory" if "memory" in message else message)
    if lib.mcs_build_trace(search) != 0:
        raise NativeMismatch("the native search could not replay its own counterexample")
    path = _path(native, search)
    last = _last(native, search) if r.has_last else None
    if outcome == DEADLOCK:
        return CheckResult(Outcome.DEADLOCK, stats, Violation("deadlock", "deadlock", _trace(native, path)))
    if outcome in (INVARIANT, TYPE):
        steps = path + ([(r.last_action, last)] if last is not None else [])
        trace = _trace(native, steps)
        name = invariants[r.which] if outcome == INVARIANT else type_problem(model, steps[-1][1])
        return CheckResult(Outcome.VIOLATION, stats, Violation("invariant" if outcome == INVARIANT else "type", name, trace))
    return _error(native, r, stats, invariants, path, last, temporal)


def _path(native: NativeSearch, search) -> list[tuple[int, Any]]:
    """The stored states of the counterexample, as (action, decoded state)."""
    ffi, lib = native.ffi, native.lib
    data, size = ffi.new("uint8_t **"), ffi.new("size_t *")
    steps = []
    for k in range(lib.mcs_trace_length(search)):
        action = lib.mcs_trace_step(search, k, data, size)
        steps.append((action, native.codec.decode(bytes(ffi.buffer(data[0], size[0])))))
    return steps


def _last(native: NativeSearch, search):
    ffi = native.ffi
    data, size = ffi.new("uint8_t **"), ffi.new("size_t *")
    native.lib.mcs_last(search, data, size)
    return native.codec.decode(bytes(ffi.buffer(data[0], size[0])))


def _trace(native: NativeSearch, steps: Sequence[tuple[int, Any]]) -> Trace:
    return trace_of(native.model, runtime_steps(native, steps))


def runtime_steps(native: NativeSearch, steps: Sequence[tuple[int, Any]]) -> list[tuple[int, tuple, tuple, Any]]:
    """(action, decoded state) steps of the C search executed again by the Python model, each
    producing the next state: (action, argument names, argument values, state) as trace_of
    takes them."""
    model = native.model
    done, state = [], None
    for action, target in steps:
        candidates = model.init_states() if action < 0 else model.actions()[action](state)
        found = next(((names, args, t) for names, args, t in candidates if t == target), None)
        if found is None:
            raise NativeMismatch(f"the Python model does not repeat step {len(done)} of the native "
                                 f"counterexample ({'initial state' if action < 0 else model.action_names[action]})")
        names, args, state = found
        done.append((action, names, args, state))
    return done


def type_problem(model: Model, state) -> str:
    """The Python model's message for a state the native type check finds outside its types."""
    problem = StateChecks(model, []).first_broken(state)
    if problem is None:
        raise NativeMismatch("the native type check failed on a state the Python model finds well typed")
    return problem[1]


def _error(native: NativeSearch, r, stats: Stats, invariants: list[str], path, last,
           temporal: Sequence[TemporalProperty]) -> CheckResult:
    """A runtime error: run again in Python what failed in C, for its message; count as the
    Python explorer does (see the module docstring)."""
    model = native.model
    site = r.site
    if site == SITE_INIT:
        message = failure_message(model, lambda: list(model.init_states()))
        stats.generated = stats.distinct = stats.depth = 0
        return CheckResult(Outcome.ERROR, stats, Violation("error", message, Trace(())))
    if site == SITE_SUCCESSORS:
        a, message = failing_action(model, path[-1][1])
        _drop_partial(stats, r, model, a)
        return CheckResult(Outcome.ERROR, stats, Violation("error", message, _trace(native, path)))
    if site == SITE_CONSTRAINT:
        message = failure_message(model, lambda: model.constraint()(last))
        if r.state < 0:  # an initial state: it was generated; the Python explorer admits none
            stats.generated += 1
            stats.distinct = stats.depth = 0
            return CheckResult(Outcome.ERROR, stats, Violation("error", message, _trace(native, [(-1, last)])))
        _drop_partial(stats, r, model, r.error_action)
        return CheckResult(Outcome.ERROR, stats, Violation("error", message, _trace(native, path)))
    steps = path + ([(r.last_action, last)] if last is not None else [])
    if site == SITE_PREDICATES:
        message = failure_message(model, lambda: PredicateValues(temporal).evaluate(steps[-1][1]))
        return CheckResult(Outcome.ERROR, stats, Violation("error", message, _trace(native, steps)))
    message = failure_message(model, lambda: StateChecks(model, invariants).first_broken(steps[-1][1]))
    if r.state < 0 and last is not None:  # an initial state outside the constraint: none admitted
        stats.distinct = 0
    return CheckResult(Outcome.ERROR, stats, Violation("error", message, _trace(native, steps)))


def failing_action(model: Model, state) -> tuple[int, str]:
    """The action whose successors of `state` fail in the Python model, and the message."""
    for a, successors in enumerate(model.actions()):
        try:
            for _ in successors(state):
                pass
        except Exception as e:
            return a, explain_error(model, e)
    raise NativeMismatch("the native search failed computing successors that the Python model computes")


def failure_message(model: Model, run: Callable[[], Any]) -> str:
    try:
        run()
    except Exception as e:
        return explain_error(model, e)
    raise NativeMismatch("the native search met a runtime error that the Python model does not")


def _drop_partial(stats: Stats, r, model: Model, failed: int) -> None:
    """The successors of the failing state's actions from the failing one on do not count."""
    for a in range(failed, len(model.action_names)):
        n = r.stop_parent_counts[a]
        stats.action_counts[model.action_names[a]] -= n
        stats.generated -= n
