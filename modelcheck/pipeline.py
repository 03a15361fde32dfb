"""The data path in one place: text -> parse -> typecheck -> compile -> explore.

A newcomer reads this file first; each line is one stage, each stage one package.
"""
from __future__ import annotations

import functools
from dataclasses import replace
from pathlib import Path
from typing import Sequence

from . import compile as compile_stage
from .compile.optimise import ALL_PASSES, NO_PASSES
from .explore.bfs import Limits, NullReporter, Reporter, bfs
from .explore.checkpoint import CheckpointError, Checkpointer
from .explore.parallel import parallel_bfs
from .explore.ray_engine import RayUnavailable, ray_bfs
from .explore.result import CheckResult
from .lang.errors import SpecError, SpecErrors, attach_source
from .lang.parser import parse_expr, parse_file, parse_text
from .lang.typecheck import typecheck


def load(path: str | Path, consts: dict[str, str] | None = None, optimise: bool = True) -> compile_stage.CompiledSpec:
    """Parse, check and compile a spec file; consts maps constant names to expression texts.
    `optimise`: apply the compiler's optimisations (False: --no-opt)."""
    compiled = compile_parsed(parse_file(path), consts, optimise)
    return replace(compiled, recipe=functools.partial(load, str(path), dict(consts or {}), optimise))


def load_text(text: str, consts: dict[str, str] | None = None, filename: str = "<spec>",
              optimise: bool = True) -> compile_stage.CompiledSpec:
    """The same for a spec given as text (tests, notebooks)."""
    compiled = compile_parsed(parse_text(text, filename), consts, optimise)
    return replace(compiled, recipe=functools.partial(load_text, text, dict(consts or {}), filename, optimise))


def compile_parsed(parsed, consts: dict[str, str] | None, optimise: bool = True) -> compile_stage.CompiledSpec:
    """Check and compile a parsed spec (one that a tool may have extended, as evaluate.py
    does with an expression)."""
    texts = {f"--const {name}": text for name, text in (consts or {}).items()}
    overrides = {name: parse_expr(text, f"--const {name}") for name, text in (consts or {}).items()}
    try:
        checked = typecheck(parsed, overrides)
    except SpecErrors as e:
        for err in e.errors:
            attach_source(err, texts)
        raise
    return compile_stage.build(checked, passes=ALL_PASSES if optimise else NO_PASSES)


def check(compiled: compile_stage.CompiledSpec, invariants: Sequence[str] | None = None,
          limits: Limits = Limits(), reporter: Reporter = NullReporter(), workers: int = 1,
          checkpoint: Checkpointer | None = None, resume: str | None = None,
          engine: str = "local", ray_address: str | None = None,
          properties: Sequence[str] | None = ()) -> CheckResult:
    """`properties`: the temporal properties to check (None: every declared one; by default
    none, so that a caller asking for invariants, such as bench/run, gets a safety check)."""
    known = compiled.model.invariant_names
    for name in invariants or ():
        if name not in known:
            raise SpecError(f"--inv {name}: the spec has no invariant '{name}'",
                            hint="invariants of this spec: " + (", ".join(known) or "none"))
    properties = _temporal(compiled, properties, workers, checkpoint, resume, engine)
    if engine == "ray":
        try:
            return ray_bfs(compiled.model, workers, compiled.recipe, invariants, limits, reporter, ray_address)
        except RayUnavailable as e:
            raise SpecError(str(e), hint="install the extra with pip install '.[ray]', or use --engine local") from None
    if workers > 1:
        if checkpoint is not None or resume is not None:
            raise SpecError("checkpoints are written by the one-process search for now",
                            hint="drop --workers, or drop --checkpoint/--resume")
        return parallel_bfs(compiled.model, workers, invariants, limits, reporter, properties)
    try:
        return bfs(compiled.model, invariants, limits, reporter, checkpoint, resume, properties)
    except CheckpointError as e:
        raise SpecError(str(e), hint="start without --resume, or point it at the directory "
                                     "given to --checkpoint by the same command line") from None


def _temporal(compiled: compile_stage.CompiledSpec, names: Sequence[str] | None, workers: int,
              checkpoint, resume, engine: str) -> list[str]:
    """The temporal properties to check, after refusing what cannot check them soundly."""
    declared = compiled.model.property_names
    for name in names or ():
        if name not in declared:
            raise SpecError(f"--prop {name}: the spec has no property '{name}'",
                            hint="properties of this spec: " + (", ".join(declared) or "none"))
    chosen = list(declared if names is None else names)
    if not chosen:
        return []
    listed = ", ".join(chosen)
    if compiled.checked.symmetry:
        raise SpecError(f"temporal properties ({listed}) cannot be checked with symmetry "
                        f"({', '.join(compiled.checked.symmetry)}): a cycle among symmetric states is not "
                        "a cycle of the spec's behaviours",
                        hint="check them on a copy of the spec without the symmetry declaration, "
                             "or leave them out with --no-props")
    if checkpoint is not None or resume is not None:
        raise SpecError(f"temporal properties ({listed}) are not checked with --checkpoint/--resume: "
                        "checkpoints do not hold the behaviour graph",
                        hint="drop --checkpoint/--resume, or leave the properties out with --no-props")
    if engine == "ray":
        raise SpecError(f"temporal properties ({listed}) are not checked with --engine ray",
                        hint="use --engine local (with --workers), or leave them out with --no-props")
    return chosen
