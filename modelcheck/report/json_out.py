"""CheckResult -> the one JSON object that `modelcheck check --json` prints."""
from __future__ import annotations

from typing import Any

from ..explore.result import CheckResult, Trace


def result_json(spec: str, result: CheckResult, constants: dict[str, Any]) -> dict[str, Any]:
    v = result.violation
    return {
        "spec": spec,
        "result": result.outcome.value,
        "distinct_states": result.stats.distinct,
        "states_generated": result.stats.generated,
        "depth": result.stats.depth,
        "seconds": round(result.stats.seconds, 3),
        "constants": constants,
        "stopped_because": result.stopped_because,
        "action_counts": result.stats.action_counts,
        # as the text report's "Warning: never enabled: A, B"
        "never_enabled": (never := [a for a, n in result.stats.action_counts.items() if n == 0]),
        "warnings": [f"never enabled: {a}" for a in never],
        "violation": None if v is None else {"kind": v.kind, "name": v.name, "trace": trace_json(v.trace),
                                             **lasso_json(v.trace)},
        **({"behaviour_graph_steps": result.stats.edges} if result.stats.edges else {}),
    }


def lasso_json(trace: Trace) -> dict[str, Any]:
    """For a lasso: `loop`, the index in `trace` of the state the last state goes back to
    (as ITF's loop), and `back`, the step that does (null: the last state stutters)."""
    if trace.loop is None:
        return {}
    back = trace.back
    return {"loop": trace.loop,
            "back": None if back is None else {"action": back.action, "args": back.args}}


def trace_json(trace: Trace) -> list[dict[str, Any]]:
    return [{"action": s.action, "args": s.args, "state": s.state} for s in trace.steps]
