"""CheckResult -> the one JSON object that `modelcheck check --json` prints."""
from __future__ import annotations

from typing import Any

from ..explore.result import CheckResult, Outcome, Trace
from .text import never_enabled


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
        # as the text report's "Warning: never enabled: A, B", after a complete search only
        "never_enabled": (never := never_enabled(result.stats) if result.outcome is Outcome.OK else []),
        "warnings": [f"never enabled: {a}" for a in never],
        "never_true_guards": {a: result.stats.never_true[a] for a in never if a in result.stats.never_true},
        "violation": None if v is None else {"kind": v.kind, "name": v.name, "trace": trace_json(v.trace)},
    }


def trace_json(trace: Trace) -> list[dict[str, Any]]:
    return [{"action": s.action, "args": s.args, "state": s.state, **({"aliases": s.aliases} if s.aliases else {})}
            for s in trace.steps]
