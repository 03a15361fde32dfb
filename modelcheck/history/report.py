"""A history check's result as text for people and as one JSON object for programs.
Pure functions: the command (cli.py) prints what they return."""
from __future__ import annotations

from .format import Op
from .result import Result, Verdict

SHOWN = 60  # operations listed in text at most; --json and --out have them all
ADJECTIVE = {"linearizable": "linearizable", "sequential": "sequentially consistent",
             "eventual": "eventually consistent"}


def render_text(result: Result, source: str) -> str:
    name = ADJECTIVE[result.model]
    if result.verdict is Verdict.VALID:
        lines = [f"{source}: {name}"]
    elif result.verdict is Verdict.UNKNOWN:
        lines = [f"{source}: unknown whether {name}: {result.reason}"]
    else:
        lines = [f"{source}: NOT {name}: {result.reason}"]
        if result.ops:
            shown = _last(result.ops, SHOWN)
            lines += ["", _ops_heading(result), *op_table(shown, result.culprit)]
            if len(shown) < len(result.ops):
                lines.append(f"  (the last {len(shown)} of {len(result.ops):,}; --json or --out FILE gives all)")
            lines.append("")
    lines += [f"note: {note}" for note in result.notes]
    lines.append(_stats(result))
    return "\n".join(lines)


def _last(ops: tuple[Op, ...], n: int) -> tuple[Op, ...]:
    """The last n operations: the inconsistency shows at the end (the culprit is last)."""
    return ops[-n:] if len(ops) > n else ops


def _ops_heading(result: Result) -> str:
    if result.model == "eventual":
        return f"The final reads of key {result.key!r}:"
    n = len(result.ops)
    on_key = f" on key {result.key!r}" if result.key else ""
    what = f"This operation{on_key} is" if n == 1 else f"These {n} operations{on_key} are"
    why = ("shrunk within the time bound; perhaps not minimal" if not result.minimal
           else "minimal" if n == 1 else "minimal: leaving out any one of them makes the rest consistent, or leaves a read without the write it read")
    return f"{what} already not {ADJECTIVE[result.model]} on {'its' if n == 1 else 'their'} own ({why}):"


def op_table(ops: tuple[Op, ...], culprit: Op | None = None) -> list[str]:
    """One row per operation: process, what it did, when it was invoked and completed."""
    with_node = any(op.node is not None for op in ops)
    rows = [["process", "operation", "invoked", "completed"] + (["replica"] if with_node else [])]
    for op in ops:
        row = [str(op.process), op.describe(), _when(op.invoke, op.invoke_time),
               _when(op.complete, op.complete_time) if op.status != "info" else "never (outcome unknown)"]
        rows.append(row + ([op.node or ""] if with_node else []))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for r, op in zip(rows, (None,) + tuple(ops)):
        text = "  " + "  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip()
        lines.append(text + ("   <- cannot be placed" if op is not None and op is culprit else ""))
    return lines


def _when(event: int | None, t: float | None) -> str:
    if event is None:
        return "-"
    return f"event {event}" + (f" ({t:g} s)" if t is not None else "")


def _stats(result: Result) -> str:
    s = result.stats
    parts = [f"{s.ops:,} operations", f"{s.keys:,} key{'s' if s.keys != 1 else ''}", f"{s.seconds:.2f} s"]
    if s.steps:
        parts += [f"{s.steps:,} search steps", f"{s.states:,} search states cached"]
    return ", ".join(parts)


# ---------------------------------------------------------------- JSON

def result_json(result: Result, source: str) -> dict:
    s = result.stats
    return {
        "file": source,
        "model": result.model,
        "verdict": result.verdict.value,
        "reason": result.reason,
        "key": result.key,
        "ops": [op_json(op) for op in result.ops],
        "culprit": op_json(result.culprit) if result.culprit else None,
        "minimal": result.minimal,
        "reads": result.reads,
        "notes": list(result.notes),
        "stats": {"ops": s.ops, "keys": s.keys, "seconds": round(s.seconds, 6), "steps": s.steps,
                  "states": s.states},
    }


def op_json(op: Op) -> dict:
    """An operation with the fields of the history format's events, plus where it was."""
    value = op.result if op.f == "get" else (list(op.arg) if op.f == "cas" else op.arg)
    return {"process": op.process, "f": op.f, "key": op.key, "value": value, "status": op.status,
            "invoke_event": op.invoke, "complete_event": op.complete,
            "invoke_time": op.invoke_time, "complete_time": op.complete_time, "node": op.node,
            "text": op.describe()}
