"""CheckResult -> the text `modelcheck check` prints: the verdict, the trace, the statistics."""
from __future__ import annotations

from ..explore.result import CheckResult, Outcome, Stats, Trace, Violation
from .compact import call, changes, compact

VERDICTS = {
    Outcome.OK: "No error found: every invariant holds in every reachable state.",
    Outcome.VIOLATION: "Error: invariant {name} is violated.",
    Outcome.DEADLOCK: "Error: deadlock reached (a state with no successor).",
    Outcome.ERROR: "Error: the spec could not be evaluated: {name}",
    Outcome.INCOMPLETE: "Stopped before the end ({stopped}): no error found so far.",
}


def render_result(spec_name: str, result: CheckResult, invariants: list[str],
                  properties: list[str] | None = None) -> str:
    v = result.violation
    head = f"Model checking {spec_name}; invariants: {', '.join(invariants) or 'none'}"
    if properties:
        head += f"; properties: {', '.join(properties)}"
    lines = [head, ""]
    verdict = VERDICTS[result.outcome]
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
    lines += ["", *render_stats(result.stats)]
    return "\n".join(lines)


def steps(n: int) -> str:
    return f"{n} step" if n == 1 else f"{n} steps"


def last_state(v: Violation) -> str:
    """What is wrong with the last state of a violation's trace."""
    return {"invariant": f"violates {v.name}", "deadlock": "has no successor",
            "error": "cannot be evaluated", "property": f"loops back, violating {v.name}"}[v.kind]


def render_trace(trace: Trace) -> list[str]:
    lines = []
    previous = None
    for i, step in enumerate(trace.steps):
        if step.action is None:
            lines.append("State 1: initial state")
            lines += [f"    {name} = {compact(value)}" for name, value in step.state.items()]
        else:
            lines.append(f"State {i + 1}: {call(step.action, step.args)}")
            changed = [c for name, value in step.state.items()
                       for c in changes(name, previous[name], value)]
            lines += [f"    {c}" for c in changed] or ["    (no variable changed)"]
        previous = step.state
    if trace.loop is not None:
        lines += render_back_edge(trace)
    return lines


def render_back_edge(trace: Trace) -> list[str]:
    """The step closing a lasso: from the last state back to state loop + 1."""
    last, target = len(trace), trace.loop + 1
    if trace.back is None:
        return [f"State {last} stutters for ever (back to state {target}: no variable changes again)."]
    return [f"Back to state {target}: {call(trace.back.action, trace.back.args)}",
            f"    (the step from state {last} reaches state {target} again; the loop repeats for ever)"]


def render_stats(stats: Stats) -> list[str]:
    lines = [f"{stats.generated:,} states generated, {stats.distinct:,} distinct states found, "
             f"{stats.queue:,} states left on queue.",
             f"The depth of the complete state graph search is {stats.depth}.",
             f"Finished in {stats.seconds:.2f} s ({stats.states_per_second:,.0f} distinct states/s).",
             f"Fingerprint collision probability (optimistic): {stats.collision_probability:.1e}"]
    if stats.edges:
        lines.append(f"Behaviour graph: {stats.edges:,} steps recorded "
                     f"({stats.edge_bytes / max(stats.edges, 1):.1f} bytes per step while recorded).")
    if stats.action_counts:
        width = max(len(a) for a in stats.action_counts)
        lines.append("Coverage (successors generated per action):")
        lines += [f"  {a:<{width}}  {n:>12,}" for a, n in stats.action_counts.items()]
        never = [a for a, n in stats.action_counts.items() if n == 0]
        if never:
            lines.append(f"Warning: never enabled: {', '.join(never)}")
    return lines


def render_progress(stats: Stats) -> str:
    return (f"{stats.seconds:6.1f} s  depth {stats.depth:3d}  {stats.distinct:>11,} distinct  "
            f"{stats.generated:>12,} generated  {stats.queue:>9,} queued  "
            f"{stats.states_per_second:>8,.0f} states/s")
