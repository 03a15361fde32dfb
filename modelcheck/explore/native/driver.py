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
from typing import Any, Sequence

from ..bfs import PROGRESS_EVERY, Limits, NullReporter, Reporter, explain_error
from ..checkpoint import Checkpointer
from ..model import Codec, Model, StateChecks
from ..resources import describe_bytes, rss_bytes
from ..result import CheckResult, Outcome, Stats, Trace, Violation
from ..trace import trace_of
from .checkpoints import NativeCheckpoints, identity

HERE = Path(__file__).parent
SEARCH_SOURCES = (HERE / "search.c", HERE / "store.c", HERE / "replay.c")
POLL_SECONDS = 0.05
# With --memory, the share of it for the states of the levels in memory. The Python explorer
# gives them a quarter; in C the rest of a level is larger than its states' bytes (16 to 56
# bytes of bookkeeping per state, search.c) and the visited set takes 11 to 16 per state.
QUEUE_SHARE = 8

# Status codes of search.h
FINISHED, INVARIANT, TYPE, DEADLOCK, ERROR, MAX_STATES, MAX_DEPTH, ABORTED, FAILED = range(9)
SITE_NONE, SITE_INIT, SITE_SUCCESSORS, SITE_CONSTRAINT, SITE_CHECKS = range(5)


def search_cdef() -> str:
    """search.h for cffi's cdef (which takes no preprocessor lines); the library also needs
    mc_model.h's declarations, which the compiler half provides."""
    header = (HERE / "search.h").read_text()
    return "\n".join(line for line in header.splitlines() if not line.lstrip().startswith("#")) + "\n"


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
               checkpoint: Checkpointer | None = None, resume: str | None = None) -> CheckResult:
    """The search of bfs.bfs, in C on `workers` threads, with the same result. States of the
    levels beyond `queue_memory` bytes go to temporary files (default: with --memory, an
    eighth of it, QUEUE_SHARE; else none). `checkpoint` and `resume` as for bfs.bfs
    (checkpoints.py)."""
    return native_bfs_measured(native, invariants, limits, reporter, workers, queue_memory, checkpoint, resume)[0]


def native_bfs_measured(native: NativeSearch, invariants: Sequence[str] | None = None, limits: Limits = Limits(),
                        reporter: Reporter = NullReporter(), workers: int = 1, queue_memory: int | None = None,
                        checkpoint: Checkpointer | None = None,
                        resume: str | None = None) -> tuple[CheckResult, int]:
    """native_bfs, and the bytes its visited set took at the end (for benchmarks)."""
    if queue_memory is None and limits.memory is not None:
        queue_memory = limits.memory // QUEUE_SHARE
    model, lib, ffi = native.model, native.lib, native.ffi
    chosen = list(model.invariant_names if invariants is None else invariants)
    _check_contract(native)
    c_invariants = native.names(lib.mc_invariant_count, lib.mc_invariant_name)
    indices = ffi.new("int[]", [c_invariants.index(n) for n in chosen] or [0])
    keeper = NativeCheckpoints(native, None, identity(native, chosen, limits.check_deadlock), checkpoint, 0.0)
    level_started = ffi.callback("void(void *)", keeper.level_started) if checkpoint is not None else ffi.NULL
    options = ffi.new("mcs_options *", {
        "level_started": level_started,
        "workers": workers, "check_deadlock": int(limits.check_deadlock),
        "max_states": -1 if limits.max_states is None else limits.max_states,
        "max_depth": -1 if limits.max_depth is None else limits.max_depth,
        "queue_memory": -1 if queue_memory is None else queue_memory,
        "invariants": indices, "invariant_count": len(chosen)})
    search = lib.mcs_new(options)
    if search == ffi.NULL:
        raise MemoryError("cannot start the native search")
    try:
        keeper.search = search
        earlier = keeper.restore(resume) if resume is not None else 0.0
        keeper.started = started = time.perf_counter() - earlier
        aborted = _run(native, search, limits, reporter, started)
        if keeper.failure is not None:
            raise keeper.failure
        if aborted == "interrupted" and checkpoint is not None:
            keeper.write()  # the level it was in is done again on resuming
        result = _result(native, search, chosen, limits, aborted, time.perf_counter() - started)
        return result, lib.mcs_visited_bytes(search)
    finally:
        lib.mcs_free(search)


def _check_contract(native: NativeSearch) -> None:
    lib = native.lib
    actions = native.names(lib.mc_action_count, lib.mc_action_name)
    invariants = native.names(lib.mc_invariant_count, lib.mc_invariant_name)
    if actions != list(native.model.action_names) or invariants != list(native.model.invariant_names):
        raise NativeMismatch(f"the C model has actions {actions} and invariants {invariants}; the Python model "
                             f"{list(native.model.action_names)} and {list(native.model.invariant_names)}")


def _run(native: NativeSearch, search, limits: Limits, reporter: Reporter, started: float) -> str | None:
    """Runs the search in a thread (cffi releases the GIL), watching the clock, the memory and
    Ctrl-C from here. Returns why it was aborted, or None. Returns only once the C search has
    returned (an Event, not Thread.join: a join interrupted by Ctrl-C may return early)."""
    lib = native.lib
    done = threading.Event()

    def search_then_signal() -> None:
        try:
            lib.mcs_run(search)
        finally:
            done.set()

    runner = threading.Thread(target=search_then_signal, name="native search", daemon=True)
    deadline = None if limits.timeout is None else (
        (started if limits.timeout_from is None else limits.timeout_from) + limits.timeout)
    every = min(PROGRESS_EVERY, getattr(reporter, "every", PROGRESS_EVERY))
    last_report, reason = started, None
    progress = native.ffi.new("uint64_t[4]")
    runner.start()
    try:
        while not done.wait(POLL_SECONDS):
            now = time.perf_counter()
            if reason is None:
                reason = _limit_reached(limits, deadline, now)
                if reason is not None:
                    lib.mcs_abort(search)
            if now - last_report >= every:
                last_report = now
                lib.mcs_progress(search, progress)
                reporter.progress(Stats(generated=progress[0], distinct=progress[1], queue=progress[2],
                                        depth=progress[3], seconds=now - started))
    except KeyboardInterrupt:
        lib.mcs_abort(search)
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
            seconds: float) -> CheckResult:
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
        name = invariants[r.which] if outcome == INVARIANT else _type_problem(model, steps[-1][1])
        return CheckResult(Outcome.VIOLATION, stats, Violation("invariant" if outcome == INVARIANT else "type", name, trace))
    return _error(native, r, stats, invariants, path, last)


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


def _trace(native: NativeSearch, steps: list[tuple[int, Any]]) -> Trace:
    """The steps executed again by the Python model: each must produce the next state."""
    model = native.model
    runtime_steps, state = [], None
    for action, target in steps:
        candidates = model.init_states() if action < 0 else model.actions()[action](state)
        found = next(((names, args, t) for names, args, t in candidates if t == target), None)
        if found is None:
            raise NativeMismatch(f"the Python model does not repeat step {len(runtime_steps)} of the native "
                                 f"counterexample ({'initial state' if action < 0 else model.action_names[action]})")
        names, args, state = found
        runtime_steps.append((action, names, args, state))
    return trace_of(model, runtime_steps)


def _type_problem(model: Model, state) -> str:
    problem = StateChecks(model, []).first_broken(state)
    if problem is None:
        raise NativeMismatch("the native type check failed on a state the Python model finds well typed")
    return problem[1]


def _error(native: NativeSearch, r, stats: Stats, invariants: list[str], path, last) -> CheckResult:
    """A runtime error: run again in Python what failed in C, for its message; count as the
    Python explorer does (see the module docstring)."""
    model = native.model
    site = r.site
    if site == SITE_INIT:
        message = _failure(model, lambda: list(model.init_states()))
        stats.generated = stats.distinct = stats.depth = 0
        return CheckResult(Outcome.ERROR, stats, Violation("error", message, Trace(())))
    if site == SITE_SUCCESSORS:
        parent = path[-1][1]
        for a, successors in enumerate(model.actions()):
            try:
                for _ in successors(parent):
                    pass
            except Exception as e:
                _drop_partial(stats, r, model, a)
                return CheckResult(Outcome.ERROR, stats, Violation("error", explain_error(model, e), _trace(native, path)))
        raise NativeMismatch("the native search failed computing successors that the Python model computes")
    if site == SITE_CONSTRAINT:
        message = _failure(model, lambda: model.constraint()(last))
        if r.state < 0:  # an initial state: it was generated; the Python explorer admits none
            stats.generated += 1
            stats.distinct = stats.depth = 0
            return CheckResult(Outcome.ERROR, stats, Violation("error", message, _trace(native, [(-1, last)])))
        _drop_partial(stats, r, model, r.error_action)
        return CheckResult(Outcome.ERROR, stats, Violation("error", message, _trace(native, path)))
    steps = path + ([(r.last_action, last)] if last is not None else [])
    message = _failure(model, lambda: StateChecks(model, invariants).first_broken(steps[-1][1]))
    if r.state < 0 and last is not None:  # an initial state outside the constraint: none admitted
        stats.distinct = 0
    return CheckResult(Outcome.ERROR, stats, Violation("error", message, _trace(native, steps)))


def _failure(model: Model, run) -> str:
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
