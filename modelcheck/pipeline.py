"""The data path in one place: text -> parse -> typecheck -> compile -> explore.

A newcomer reads this file first; each line is one stage, each stage one package.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

from . import compile as compile_stage
from .explore.bfs import Limits, NullReporter, Reporter, bfs
from .explore.result import CheckResult
from .lang.errors import SpecError, SpecErrors, attach_source
from .lang.parser import parse_expr, parse_file
from .lang.typecheck import typecheck


def load(path: str | Path, consts: dict[str, str] | None = None) -> compile_stage.CompiledSpec:
    """Parse, check and compile a spec; consts maps constant names to expression texts."""
    texts = {f"--const {name}": text for name, text in (consts or {}).items()}
    overrides = {name: parse_expr(text, f"--const {name}") for name, text in (consts or {}).items()}
    parsed = parse_file(path)
    try:
        checked = typecheck(parsed, overrides)
    except SpecErrors as e:
        for err in e.errors:
            attach_source(err, texts)
        raise
    return compile_stage.build(checked)


def check(compiled: compile_stage.CompiledSpec, invariants: Sequence[str] | None = None,
          limits: Limits = Limits(), reporter: Reporter = NullReporter()) -> CheckResult:
    known = compiled.model.invariant_names
    for name in invariants or ():
        if name not in known:
            raise SpecError(f"--inv {name}: the spec has no invariant '{name}'",
                            hint="invariants of this spec: " + (", ".join(known) or "none"))
    return bfs(compiled.model, invariants, limits, reporter)
