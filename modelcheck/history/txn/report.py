"""A transactional check's result as text for people and as one JSON object for programs.
An anomaly is shown with the models it rules out, its cycle edge by edge (each edge named,
with the key and value that make it), and its transactions. Pure functions."""
from __future__ import annotations

from .anomalies import Anomaly, explain, ruled_out
from .check import TxnResult
from .format import Txn
from ..result import Verdict

SHOWN = 10  # anomalies listed in text at most; --json has them all


def render_text(result: TxnResult, source: str) -> str:
    model = result.model
    if result.verdict is Verdict.VALID:
        lines = [f"{source}: {model}"]
    elif result.verdict is Verdict.UNKNOWN:
        lines = [f"{source}: unknown whether {model}: {result.reason}"]
    else:
        names = sorted({a.name for a in result.anomalies})
        lines = [f"{source}: NOT {model}: {len(result.anomalies)} anomal{'y' if len(result.anomalies) == 1 else 'ies'} "
                 f"({', '.join(names)})"]
        lines += _listing(result.anomalies)
    if result.allowed:
        lines += ["", f"Found, but allowed by {model}:"] + _listing(result.allowed)
    s = result.stats
    lines += ["", f"{s.ops:,} transactions ({result.kind}), {s.keys:,} key{'s' if s.keys != 1 else ''}, {s.seconds:.2f} s"]
    return "\n".join(lines)


def _listing(anomalies: tuple[Anomaly, ...]) -> list[str]:
    lines = []
    for anomaly in anomalies[:SHOWN]:
        lines += ["", *anomaly_text(anomaly)]
    if len(anomalies) > SHOWN:
        lines += ["", f"(and {len(anomalies) - SHOWN:,} more; --json lists them all)"]
    return lines


def anomaly_text(anomaly: Anomaly) -> list[str]:
    lines = [f"{anomaly.name}: {explain(anomaly.name)}",
             f"  rules out: {', '.join(ruled_out(anomaly.name)) or 'none of the models'}"]
    if anomaly.steps:
        lines.append("  the cycle: " + " ".join(f"{s.src.name} -{s.kind}->" for s in anomaly.steps)
                     + f" {anomaly.steps[0].src.name}")
        lines += [f"    {s.src.name} -{s.kind}-> {s.dst.name}: {s.text}" for s in anomaly.steps]
    else:
        lines.append(f"  {anomaly.text}")
    lines.append("  the transactions:")
    lines += ["    " + row for row in txn_table(_distinct(anomaly.txns))]
    return lines


def txn_table(txns: list[Txn]) -> list[str]:
    rows = [[t.name, f"process {t.process}", t.status, _events(t), t.describe()] for t in txns]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    return ["  ".join(cell.ljust(w) for cell, w in zip(r, widths)) + "  " + r[4] for r in rows]


def _events(t: Txn) -> str:
    if t.complete is None:
        return f"event {t.invoke}-"
    return f"events {t.invoke}-{t.complete}"


def _distinct(txns: tuple[Txn, ...]) -> list[Txn]:
    return list({t.id: t for t in txns}.values())


# ---------------------------------------------------------------- JSON

def result_json(result: TxnResult, source: str) -> dict:
    s = result.stats
    return {
        "file": source,
        "model": result.model,
        "verdict": result.verdict.value,
        "reason": result.reason,
        "kind": result.kind,
        "anomalies": [anomaly_json(a) for a in result.anomalies],
        "allowed": [anomaly_json(a) for a in result.allowed],
        "stats": {"transactions": s.ops, "keys": s.keys, "seconds": round(s.seconds, 6)},
    }


def anomaly_json(anomaly: Anomaly) -> dict:
    return {
        "name": anomaly.name,
        "explanation": explain(anomaly.name),
        "rules_out": list(ruled_out(anomaly.name)),
        "text": anomaly.text,
        "cycle": [{"from": s.src.name, "kind": s.kind, "to": s.dst.name, "key": s.key, "value": s.value,
                   "why": s.text} for s in anomaly.steps],
        "transactions": [txn_json(t) for t in _distinct(anomaly.txns)],
    }


def txn_json(t: Txn) -> dict:
    return {"name": t.name, "process": t.process, "status": t.status,
            "value": [[op.f, op.key, list(op.value) if isinstance(op.value, tuple) else op.value] for op in t.ops],
            "invoke_event": t.invoke, "complete_event": t.complete,
            "invoke_time": t.invoke_time, "complete_time": t.complete_time, "text": t.describe()}
