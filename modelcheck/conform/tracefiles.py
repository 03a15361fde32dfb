"""Trace suites on disk: one ITF file per trace (report/itf.py), plus a summary.

A suite directory holds `<strategy>-NNNN.itf.json` files, each an ITF trace whose `#meta`
says which spec and constants produced it, the strategy, and (for coverage traces) the
transition classes it was generated for; and `<strategy>.json`, the suite's coverage
summary. Tests replay the files; `modelcheck traces` writes them.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from ..explore.result import Trace
from ..itfvalue import mark_model_values
from ..report.itf import itf_text, itf_to_expression, itf_to_trace, trace_to_itf
from .tracegen import Coverage, SuiteTrace

SUFFIX = ".itf.json"


@dataclass(frozen=True)
class TraceFile:
    path: Path
    trace: Trace
    meta: dict[str, Any]

    @property
    def name(self) -> str:
        return self.path.name[: -len(SUFFIX)] if self.path.name.endswith(SUFFIX) else self.path.name

    @property
    def constants(self) -> dict[str, Any]:
        """The constants the trace was generated with (ITF values, model values marked)."""
        names = frozenset(self.meta.get("modelValues", ()))
        return {k: mark_model_values(v, names) for k, v in self.meta.get("constants", {}).items()}

    @property
    def refused(self) -> tuple[int, ...]:
        """Steps that are inputs the spec refuses (no step of it takes them): replay presents
        them, and the implementation must refuse them too (criteria.py)."""
        return tuple(int(k) for k in self.meta.get("refused", ()))

    def spec_steps(self) -> Trace:
        """The trace without its refused steps: a behaviour of the spec."""
        if not self.refused:
            return self.trace
        return Trace(tuple(s for k, s in enumerate(self.trace.steps) if k not in self.refused))

    def const_overrides(self) -> dict[str, str]:
        """The constants as --const texts, to load the spec as the trace's generator did."""
        return {k: itf_to_expression(v) for k, v in self.constants.items()}


def write_suite(directory: str | Path, suite: Iterable[SuiteTrace], strategy: str, spec_path: str,
                spec_name: str, constants: dict[str, Any], coverage: Coverage | None = None,
                extra_meta: dict[str, Any] | None = None, name: str | None = None,
                goals: dict[str, Any] | None = None) -> list[Path]:
    """Write the suite's traces as NAME-NNNN.itf.json and its summary as NAME.json (NAME:
    the strategy, unless given), replacing an earlier suite of that name there. `goals`:
    the coverage of --criteria (criteria.py), for the summary."""
    name = name or strategy
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob(f"{name}-*{SUFFIX}"):
        old.unlink()
    written = []
    for i, st in enumerate(suite, 1):
        meta = {"source": "modelcheck traces", "spec": spec_name, "spec_file": str(spec_path),
                "strategy": strategy, "constants": constants, **(extra_meta or {})}
        if st.covers:
            meta["covers"] = list(st.covers)
        if st.beyond_constraint:
            meta["beyond_constraint"] = True
        if st.refused:
            meta["refused"] = list(st.refused)
        path = out / f"{name}-{i:04d}{SUFFIX}"
        path.write_text(itf_text(trace_to_itf(st.trace, meta)), encoding="utf-8")
        written.append(path)
    summary = {"spec": spec_name, "spec_file": str(spec_path), "strategy": strategy, "constants": constants,
               "traces": len(written), "steps": sum(len(st.trace) - 1 for st in suite), **(extra_meta or {})}
    if coverage is not None:
        summary["coverage"] = coverage.summary()
    if goals is not None:
        summary["goals"] = goals
    (out / f"{name}.json").write_text(json.dumps(summary, indent=1, default=str) + "\n", encoding="utf-8")
    return written


def read_trace(path: str | Path) -> TraceFile:
    path = Path(path)
    data = json.loads(path.read_text(encoding="utf-8"))
    return TraceFile(path, itf_to_trace(data), data.get("#meta", {}) if isinstance(data, dict) else {})


def trace_paths(location: str | Path) -> list[Path]:
    """The trace files at `location`: a file, or every *.itf.json under a directory (sorted)."""
    p = Path(location)
    if p.is_file():
        return [p]
    if not p.is_dir():
        raise FileNotFoundError(f"no trace file or directory {location}")
    return sorted(p.rglob(f"*{SUFFIX}"))


def load_suite(location: str | Path) -> list[TraceFile]:
    return [read_trace(p) for p in trace_paths(location)]
