"""Runs the swarm search in C (swarm.c) and returns what explore/swarm.py's swarm returns: the
same SwarmResult, built by the same swarm_result (so the winner's trace is shortened and
reported alike).

The members' walks run in C with xoshiro256** instead of random.Random, so a seed names a
different swarm than on the Python backend, but the same one on every run and with any
number of workers. The winner's path comes back as state bytes (replayed in C from the
ordinals of its steps), decoded and executed again by the Python model (driver.py); a
runtime error's message comes from the Python model too, by running again what failed.
"""
from __future__ import annotations

import time
from typing import Any, Sequence

from ..model import StateChecks
from ..swarm import Member, MemberResult, SwarmResult, swarm_result
from .driver import NativeMismatch, NativeSearch, failure_message, run_watched, runtime_steps, type_problem

# What a member found (swarm.h)
NOTHING, INVARIANT, TYPE, ERROR_AT, ERROR_FROM, ERROR_INIT = range(6)
DRAWS = "xoshiro256** seeded by ({seed}, i)"


def native_swarm(native: NativeSearch, invariants: Sequence[str] | None = None, seed: int = 0, members: int = 1000,
                 depth: int = 100, member_steps: int = 20_000, workers: int = 1, timeout: float | None = None,
                 shorten_states: int = 5_000, first_member: int = 0) -> SwarmResult:
    """explore/swarm.py's swarm, its members run in C on `workers` threads."""
    model, lib, ffi = native.model, native.lib, native.ffi
    names = list(model.invariant_names if invariants is None else invariants)
    c_invariants = native.names(lib.mc_invariant_count, lib.mc_invariant_name)
    indices = ffi.new("int[]", [c_invariants.index(n) for n in names] or [0])
    options = ffi.new("mcsw_options *", {
        "workers": workers, "seed": seed % 2 ** 64, "first_member": first_member, "members": members,
        "max_depth": depth, "member_steps": member_steps, "invariants": indices, "invariant_count": len(names)})
    started = time.perf_counter()
    swarm = lib.mcsw_new(options)
    if swarm == ffi.NULL:
        raise MemoryError("cannot start the native swarm")
    try:
        def poll(now: float) -> str | None:
            return f"timeout {timeout:g} s" if timeout is not None and now - started >= timeout else None

        aborted = run_watched(lambda: lib.mcsw_run(swarm), lambda: lib.mcsw_abort(swarm), poll)
        failed = lib.mcsw_failure(swarm)
        if failed != ffi.NULL:
            aborted = ffi.string(failed).decode()
        done = [_member(native, swarm, k, names, seed) for k in range(lib.mcsw_done(swarm))]
        stopped = aborted or "finished"
        return swarm_result(model, seed, done, stopped, started, shorten_states, lambda path: runtime_steps(native, path),
                            DRAWS)
    finally:
        lib.mcsw_free(swarm)


def _member(native: NativeSearch, swarm, k: int, invariants: list[str], seed: int) -> MemberResult:
    ffi, lib, model = native.ffi, native.lib, native.model
    r = ffi.new("mcsw_member_result *")
    if lib.mcsw_member(swarm, k, r) != 0:
        raise NativeMismatch(f"the native swarm lists member {k} as done but has no result for it")
    actions = len(model.action_names)
    member = Member(r.index, f"{seed}:{r.index}", r.depth, tuple(r.weights[a] for a in range(actions)))
    result = MemberResult(member, r.steps, r.walks, r.states, tuple(r.taken[a] for a in range(actions)))
    if r.found == NOTHING:
        return result
    path = _path(native, swarm)
    found = _finding(native, r, invariants, path)
    return MemberResult(member, r.steps, r.walks, r.states, result.taken, found, tuple(path))


def _path(native: NativeSearch, swarm) -> list[tuple[int, Any]]:
    """The winner's steps as (action, decoded state)."""
    ffi, lib = native.ffi, native.lib
    n = lib.mcsw_trace_length(swarm)
    if n < 0:
        raise NativeMismatch("the native swarm could not replay the path of its finding")
    data, size = ffi.new("uint8_t **"), ffi.new("size_t *")
    steps = []
    for k in range(n):
        action = lib.mcsw_trace_step(swarm, k, data, size)
        steps.append((action, native.codec.decode(bytes(ffi.buffer(data[0], size[0])))))
    return steps


def _finding(native: NativeSearch, r, invariants: list[str], path: list[tuple[int, Any]]) -> tuple[str, str]:
    """(kind, name) of what the member found, named (and for errors worded) by the Python model."""
    model = native.model
    if r.found == INVARIANT:
        return "invariant", invariants[r.which]
    if r.found == TYPE:
        return "type", type_problem(model, path[-1][1])
    if r.found == ERROR_INIT:
        return "error", failure_message(model, lambda: list(model.init_states()))
    state = path[-1][1]
    checks = StateChecks(model, invariants)
    if r.found == ERROR_AT:
        return "error", failure_message(model, lambda: checks.first_broken(state))
    if r.found == ERROR_FROM:
        return "error", failure_message(model, lambda: _step_from(model, checks, state))
    raise NativeMismatch(f"the native swarm reports an unknown finding {r.found}")


def _step_from(model, checks: StateChecks, state) -> None:
    """What a walk evaluates to step from `state`: every successor, the constraint of each,
    the checks of those outside it."""
    constraint = model.constraint()
    for successors in model.actions():
        for _, _, t in successors(state):
            if constraint is not None and not constraint(t):
                checks.first_broken(t)
