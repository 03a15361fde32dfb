"""CheckResult -> the text `modelcheck check` prints: the verdict, the trace, the statistics."""
from __future__ import annotations

from ..explore.result import CheckResult, Outcome, Stats, Trace
from ..values import show
from .values import changes

VERDICTS = {
    Outcome.OK: "No error found: every invariant holds in every reachable state.",
    Outcome.VIOLATION: "Error: invariant {name} is violated.",
    Outcome.DEADLOCK: "Error: deadlock reached (a state with no successor).",
    Outcome.ERROR: "Error: the spec could not be evaluated: {name}",
    Outcome.INCOMPLETE: "Stopped before the end ({stopped}): no error found so far.",
}


def render_result(spec_name: str, result: CheckResult, invariants: list[str]) -> str:
    v = result.violation
    lines = [f"Model checking {spec_name}; invariants: {', '.join(invariants) or 'none'}", ""]
    lines.append(VERDICTS[result.outcome].format(name=v.name if v else "", stopped=result.stopped_because))
    if v is not None and v.trace.steps:
        what = {"invariant": f"violates {v.name}", "deadlock": "has no successor",
                "error": "cannot be evaluated"}[v.kind]
        lines += ["", f"Shortest trace ({len(v.trace) - 1} steps; the last state {what}):", ""]
        lines += render_trace(v.trace)
    lines += ["", *render_stats(result.stats)]
    return "\n".join(lines)


def render_trace(trace: Trace) -> list[str]:
    lines = []
    previous = None
    for i, step in enumerate(trace.steps):
        if step.action is None:
            lines.append(f"State 1: initial state")
            lines += [f"    {name} = {show(value)}" for name, value in step.state.items()]
        else:
            args = ", ".join(f"{k} = {show(x)}" for k, x in step.args.items())
            lines.append(f"State {i + 1}: {step.action}({args})")
            changed = [c for name, value in step.state.items()
                       for c in changes(name, previous[name], value)]
            lines += [f"    {c}" for c in changed] or ["    (no variable changed)"]
        previous = step.state
    return lines


def render_stats(stats: Stats) -> list[str]:
    lines = [f"{stats.generated:,} states generated, {stats.distinct:,} distinct states found, "
             f"{stats.queue:,} states left on queue.",
             f"The depth of the complete state graph search is {stats.depth}.",
             f"Finished in {stats.seconds:.2f} s ({stats.states_per_second:,.0f} distinct states/s).",
             f"Fingerprint collision probability (optimistic): {stats.collision_probability:.1e}"]
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
