"""Text for `modelcheck simulate` and `modelcheck replay` (the check report is text.py)."""
from __future__ import annotations

from dataclasses import replace

from ..explore.replay import ReplayResult
from ..explore.result import Outcome
from ..explore.simulate import SimResult
from .json_out import json_value, trace_json
from ..values import show
from .text import VERDICTS, last_state, render_trace, steps


def render_simulation(spec_name: str, result: SimResult, invariants: list[str], runs: int, depth: int) -> str:
    lines = [f"Simulating {spec_name}: {runs:,} random walks of up to {depth} steps, seed {result.seed}; "
             f"invariants: {', '.join(invariants) or 'none'}", ""]
    v = result.violation
    if result.outcome is Outcome.OK:
        lines.append(f"No error found in {result.stats.runs:,} random runs. Simulation is not exhaustive: "
                     "`modelcheck check` explores every state.")
    elif result.outcome is Outcome.INCOMPLETE:
        lines.append(f"Interrupted after {result.stats.runs:,} runs: no error found so far.")
    else:
        lines.append(VERDICTS[result.outcome].format(name=v.name if v else "", stopped=""))
    if v is not None and v.trace.steps:
        lines += ["", f"Trace of run {result.run + 1} ({steps(len(v.trace) - 1)}; the last state {last_state(v)}). "
                  "Found by a random walk, so not necessarily the shortest: `modelcheck check` finds a shortest one.",
                  f"The same run comes back with --seed {result.seed}.", ""]
        lines += render_trace(v.trace)
    s = result.stats
    lines += ["", f"{s.runs:,} runs, {s.steps:,} steps in {s.seconds:.2f} s "
                  f"({s.traces_per_second:,.0f} traces/s, {s.steps_per_second:,.0f} steps/s)."]
    if s.taken:
        width = max(len(a) for a in s.taken)
        lines.append(f"Coverage (steps taken per action; states where it was enabled):")
        lines += [f"  {a:<{width}}  {s.taken[a]:>10,} taken  {s.enabled[a]:>10,} enabled" for a in s.taken]
        never = [a for a, n in s.enabled.items() if n == 0]
        if never:
            lines.append(f"Warning: never enabled: {', '.join(never)}")
    return "\n".join(lines)


def simulation_json(spec_name: str, result: SimResult, constants: dict) -> dict:
    v = result.violation
    s = result.stats
    return {"spec": spec_name, "result": result.outcome.value, "seed": result.seed, "runs": s.runs,
            "steps": s.steps, "seconds": round(s.seconds, 3), "traces_per_second": round(s.traces_per_second, 1),
            "constants": json_value(constants), "steps_taken": s.taken, "enabled": s.enabled,
            "violation": None if v is None else {"kind": v.kind, "name": v.name, "run": result.run + 1,
                                                 "shortest": False, "trace": trace_json(v.trace)}}


def render_replay(spec_name: str, source: str, result: ReplayResult, states: int) -> str:
    r = result.rejection
    if r is None:
        lines = [f"Trace accepted: each of its {states - 1} steps is a transition of {spec_name}, "
                 "and its first state is an initial state."]
        loop = result.trace.loop
        if loop is not None:
            lines.append(f"It is a lasso and its loop closes: after state {states} comes state {loop + 1} "
                         + ("again (the last state stutters)." if loop == states - 1 else
                            f"(by {result.trace.back.action}), and the loop repeats for ever."))
    else:
        lines = [f"Trace rejected: {_where(r)} is not {'an initial state' if r.step == 0 else 'a transition'} "
                 f"of {spec_name}: {r.message}."]
        if r.step > 0 and r.action is not None:
            args = ", ".join(f"{k} = {show(x)}" for k, x in r.args.items())
            lines.append(f"  The trace's step {r.step}: {r.action}({args})")
        for w in r.why:
            lines.append("  " + _why(w))
            for name, value in w.reads.items():
                text = show(value)
                lines.append(f"      where {name} = {text if len(text) <= 160 else text[:159] + '…'}")
        if r.closest is not None:
            args = ", ".join(f"{k} = {show(x)}" for k, x in r.closest_args.items())
            if r.diffs:
                lines.append(f"  Where the trace's state differs from the closest one the spec reaches "
                             f"(by {r.closest}({args})):")
            else:
                lines.append(f"  The spec reaches the trace's state by {r.closest}({args}).")
        elif r.diffs:
            lines.append("  Where the trace's state differs from the closest one the spec allows:")
        out = [line for d in r.diffs for line in diff_lines(d.name, d.spec, d.trace)]
        lines += [f"    {line}" for line in out[:MAX_DIFF_LINES]]
        if len(out) > MAX_DIFF_LINES:
            lines.append(f"    ... and {len(out) - MAX_DIFF_LINES} more differences")
    for i, problem in result.outside_types:
        lines.append(f"Note: state {i + 1} of the trace is outside the declared types: {problem}")
    broken: dict[str, list[int]] = {}
    for i, name in result.violations:
        broken.setdefault(name, []).append(i + 1)
    for name, where in broken.items():
        which = f"state {where[0]}" if len(where) == 1 else "states " + ", ".join(map(str, where))
        lines.append(f"Note: invariant {name} is violated in {which} of the trace.")
    return "\n".join([f"Replaying {source} ({states} states) against {spec_name}", ""] + lines)


MAX_DIFF_LINES = 12


def diff_lines(name: str, spec, trace) -> list[str]:
    """How the trace's value of a variable differs from the spec's, entry by entry."""
    if spec == trace:
        return []
    if isinstance(spec, dict) and isinstance(trace, dict):
        if "#set" in spec and "#set" in trace:
            return ([f"{name}: the trace has {show(x)}, the spec's state does not" for x in trace["#set"]
                     if x not in spec["#set"]]
                    + [f"{name}: the spec's state has {show(x)}, the trace does not" for x in spec["#set"]
                       if x not in trace["#set"]])
        if "#map" in spec and "#map" in trace:
            a = {show(k): x for k, x in spec["#map"]}
            b = {show(k): x for k, x in trace["#map"]}
            out = []
            for k in b:
                if k in a:
                    out += diff_lines(f"{name}[{k}]", a[k], b[k])
                else:
                    out.append(f"{name}[{k}]: the trace has {show(b[k])}, the spec's state has no such key")
            out += [f"{name}[{k}]: the spec's state has {show(a[k])}, the trace has no such key" for k in a if k not in b]
            return out
        if not any(k.startswith("#") for k in (*spec, *trace)) and spec.keys() == trace.keys():
            return [line for k in trace for line in diff_lines(f"{name}.{k}", spec[k], trace[k])]
    return [f"{name}: the trace has {show(trace)}, the spec gives {show(spec)}"]


def _where(r) -> str:
    if r.reason == "loop":
        return f"the step back from state {r.step} to the loop"
    return "its first state" if r.step == 0 else f"step {r.step} (from state {r.step} to state {r.step + 1})"


def _why(w) -> str:
    at = f" ({w.where})" if w.where else ""
    if len(w.text) > 200:
        w = replace(w, text=w.text[:199] + "…")
    if w.what == "require":
        return f"the guard `{w.text}`{at} is false"
    if w.what == "condition":
        return f"`{w.text}`{at}: the condition is false for {w.binder} = {show(w.value)}"
    if w.what == "pick":
        return f"`{w.text}`{at}: {w.binder} = {show(w.value)} is not among its candidates"
    if w.what == "param":
        return f"parameter `{w.text}`{at}: {w.binder} = {show(w.value)} is not in its domain"
    if w.what == "argument":
        return f"the action has no argument {w.binder} (its arguments: {w.text})"
    if w.what == "error":
        return f"evaluating `{w.text}`{at} fails: {w.error}"
    return w.text
