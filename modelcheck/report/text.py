"""CheckResult -> the text `modelcheck check` prints: the verdict, the trace, the statistics."""
from __future__ import annotations

import time
from typing import Any

from ..explore.resources import describe_bytes
from ..explore.result import CheckResult, Outcome, Stats, Trace, Violation
from ..values import show
from .compact import call, state_lines

VERDICTS = {
    Outcome.OK: "No error found: every invariant holds in every reachable state.",
    Outcome.VIOLATION: "Error: invariant {name} is violated.",
    Outcome.DEADLOCK: "Error: deadlock reached (a state with no successor).",
    Outcome.ERROR: "Error: the spec could not be evaluated: {name}",
    Outcome.INCOMPLETE: "Stopped before the end ({stopped}): no error found so far.",
}

EXPANDED_FULLY_SHOWN = 4  # reasons listed after a search with partial-order reduction
TYPE_VERDICT = "Error: a variable is outside its declared type: {name}"


def render_result(spec_name: str, result: CheckResult, invariants: list[str],
                  properties: list[str] | None = None) -> str:
    v = result.violation
    head = f"Model checking {spec_name}; invariants: {', '.join(invariants) or 'none'}"
    if properties:
        head += f"; properties: {', '.join(properties)}"
    lines = [head, ""]
    verdict = TYPE_VERDICT if v is not None and v.kind == "type" else VERDICTS[result.outcome]
    if v is not None and v.kind == "property":
        verdict = "Error: property {name} is violated."
    elif result.outcome is Outcome.OK and properties:
        verdict += " Every property holds in every fair behaviour."
    lines.append(verdict.format(name=v.name if v else "", stopped=result.stopped_because))
    if v is not None and v.trace.loop is not None:
        count = f"{len(v.trace)} state" + ("s" if len(v.trace) > 1 else "")
        lines += ["", f"Shortest lasso ({count}; then back to state {v.trace.loop + 1}, for ever):", ""]
        lines += render_trace(v.trace)
    elif v is not None and v.trace.steps:
        lines += ["", f"Shortest trace ({steps(len(v.trace) - 1)}; the last state {last_state(v)}):", ""]
        lines += render_trace(v.trace)
    lines += ["", *render_stats(result.stats, complete=result.outcome is Outcome.OK)]
    return "\n".join(lines)


def steps(n: int) -> str:
    return f"{n} step" if n == 1 else f"{n} steps"


def last_state(v: Violation) -> str:
    """What is wrong with the last state of a violation's trace."""
    return {"invariant": f"violates {v.name}", "type": "is outside the declared types", "deadlock": "has no successor",
            "error": "cannot be evaluated", "property": f"loops back, violating {v.name}"}[v.kind]


def render_trace(trace: Trace) -> list[str]:
    lines = []
    previous = None
    for i, step in enumerate(trace.steps):
        lines.append("State 1: initial state" if step.action is None
                     else f"State {i + 1}: {call(step.action, step.args, text=show)}")
        lines += [f"    {line}" for line in state_lines(step, previous, text=show)] or ["    (no variable changed)"]
        previous = step
    if trace.loop is not None:
        lines += render_back_edge(trace)
    return lines


def render_back_edge(trace: Trace) -> list[str]:
    """The step closing a lasso: from the last state back to state loop + 1."""
    last, target = len(trace), trace.loop + 1
    if trace.back is None:
        return [f"State {last} stutters for ever (back to state {target}: no variable changes again)."]
    return [f"Back to state {target}: {call(trace.back.action, trace.back.args, text=show)}",
            f"    (the step from state {last} reaches state {target} again; the loop repeats for ever)"]


def render_stats(stats: Stats, complete: bool = False) -> list[str]:
    """`complete`: the search explored every reachable state, so an action that produced no
    successor can never be taken (after a stop by a limit, a violation or an error it may
    simply not have been reached)."""
    lines = [f"{stats.generated:,} states generated, {stats.distinct:,} distinct states found, "
             f"{stats.queue:,} states left on queue.",
             f"The depth of the complete state graph search is {stats.depth}.",
             f"Finished in {stats.seconds:.2f} s ({stats.states_per_second:,.0f} distinct states/s).",
             f"Fingerprint collision probability (optimistic): {stats.collision_probability:.1e}"]
    if stats.reduced_states is not None:
        lines.append(f"Explored {stats.distinct:,} states with partial-order reduction: "
                     f"{stats.reduced_states:,} of them expanded by an ample set, the others fully.")
        if stats.expanded_fully:
            shown = list(stats.expanded_fully.items())[:EXPANDED_FULLY_SHOWN]
            more = len(stats.expanded_fully) - len(shown)
            lines.append("States of several steps expanded fully, per reason (docs/partial-order.md; a "
                         "state may count under several): " + "; ".join(f"{why}: {n:,}" for why, n in shown)
                         + (f"; {more} more reasons" if more else "") + ".")
    if stats.edges:
        on_disk = f", {describe_bytes(stats.edge_bytes_on_disk)} of them written to disk under --memory" \
            if stats.edge_bytes_on_disk else ""
        lines.append(f"Behaviour graph: {stats.edges:,} steps recorded "
                     f"({stats.edge_bytes / max(stats.edges, 1):.1f} bytes per step while recorded{on_disk}).")
    if stats.action_counts:
        width = max(len(a) for a in stats.action_counts)
        lines.append("Coverage (successors generated per action):")
        lines += [f"  {a:<{width}}  {n:>12,}" for a, n in stats.action_counts.items()]
        never = never_enabled(stats) if complete else []
        if never:
            lines.append(f"Warning: never enabled: {', '.join(never)}")
            lines += [f"  {a}: its guard {stats.never_true[a]} was false in every state where it was evaluated"
                      for a in never if a in stats.never_true]
    return lines


def never_enabled(stats: Stats) -> list[str]:
    return [a for a, n in stats.action_counts.items() if n == 0]


def render_progress(stats: Stats) -> str:
    return (f"{stats.seconds:6.1f} s  depth {stats.depth:3d}  {stats.distinct:>11,} distinct  "
            f"{stats.generated:>12,} generated  {stats.queue:>9,} queued  "
            f"{stats.states_per_second:>8,.0f} states/s")


def render_header(spec_name: str, path: str, constants: dict[str, Any], invariants: list[str],
                  workers: int, check_deadlock: bool) -> str:
    """What a check is about to do, printed before it starts (as TLC does)."""
    consts = ", ".join(f"{n} = {show(v)}" for n, v in constants.items()) or "none"
    return "\n".join([
        f"Checking {spec_name} ({path}) with {workers} worker{'s' if workers != 1 else ''}",
        f"  constants: {consts}",
        f"  invariants: {', '.join(invariants) or 'none'}; deadlocks {'checked' if check_deadlock else 'not checked'}"])


def render_progress_line(stats: Stats) -> str:
    """One progress line for a log (stderr not a terminal): the wall-clock time, then as TLC."""
    return (f"{time.strftime('%Y-%m-%d %H:%M:%S')} progress after {stats.seconds:.1f} s: depth {stats.depth}, "
            f"{stats.generated:,} states generated, {stats.distinct:,} distinct, {stats.queue:,} on queue, "
            f"{stats.states_per_second:,.0f} distinct states/s")
