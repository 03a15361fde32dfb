"""CheckResult -> the one JSON object that `modelcheck check --json` prints.

Values are ITF values ({"#bigint": "3"}, {"#set": [...]}, {"#map": [...]}, {"#tup": [...]},
records as objects, sequences as arrays, strings as strings) except model values, which ITF
lacks: they are written {"#model": "a1"}, so that the model value a1 and the string "a1"
never look alike. (ITF files, --out-itf, write model values as strings and list them in
#meta.modelValues, as Apalache and Quint read them.)
"""
from __future__ import annotations

from typing import Any

from ..explore.result import CheckResult, Outcome, Trace
from ..values import ModelValue
from .text import never_enabled

MODEL_VALUE = "#model"


def result_json(spec: str, result: CheckResult, constants: dict[str, Any]) -> dict[str, Any]:
    v = result.violation
    return {
        "spec": spec,
        "result": result.outcome.value,
        "distinct_states": result.stats.distinct,
        "states_generated": result.stats.generated,
        "depth": result.stats.depth,
        "seconds": round(result.stats.seconds, 3),
        "constants": json_value(constants),
        "stopped_because": result.stopped_because,
        "action_counts": result.stats.action_counts,
        # as the text report's "Warning: never enabled: A, B", after a complete search only
        "never_enabled": (never := never_enabled(result.stats) if result.outcome is Outcome.OK else []),
        "warnings": [f"never enabled: {a}" for a in never],
        "never_true_guards": {a: result.stats.never_true[a] for a in never if a in result.stats.never_true},
        "violation": None if v is None else {"kind": v.kind, "name": v.name, "trace": trace_json(v.trace),
                                             **lasso_json(v.trace)},
        **({"behaviour_graph_steps": result.stats.edges} if result.stats.edges else {}),
        **({"partial_order_reduced_states": result.stats.reduced_states,
            "partial_order_expanded_fully": result.stats.expanded_fully}
           if result.stats.reduced_states is not None else {}),
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
    return [{"action": s.action, "args": json_value(s.args), "state": json_value(s.state),
             **({"aliases": json_value(s.aliases)} if s.aliases else {})} for s in trace.steps]


def json_value(v: Any) -> Any:
    """An ITF value (or a dict of them) with model values tagged {"#model": name}."""
    if isinstance(v, ModelValue):
        return {MODEL_VALUE: str(v)}
    if isinstance(v, list):
        return [json_value(x) for x in v]
    if isinstance(v, dict):
        return {k: json_value(x) for k, x in v.items()}
    return v
