"""The data path in one place: text -> parse -> typecheck -> compile -> explore.

A newcomer reads this file first; each line is one stage, each stage one package.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Sequence

from . import compile as compile_stage
from .compile.optimise import ALL_PASSES, NO_PASSES
from .explore.bfs import Limits, NullReporter, Reporter, bfs
from .explore.checkpoint import CheckpointError, Checkpointer
from .explore.native.driver import SEARCH_SOURCES, NativeSearch, native_bfs, search_cdef
from .explore.parallel import parallel_bfs
from .explore.native.reduction import native_problem as native_reduction_problem
from .explore.por import Proved, stubborn_tables
from .explore.ray_engine import RayUnavailable, RayWorkerFailed, native_ray_bfs, ray_bfs
from .explore.result import CheckResult
from .lang.errors import SpecError, SpecErrors, attach_source
from .lang.parser import parse_expr, parse_file, parse_text
from .lang.typecheck import typecheck
from .z3.visibility import prove_visibility


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
          properties: Sequence[str] | None = (), partial_order: bool = False,
          backend: "Backend | None" = None) -> CheckResult:
    """`properties`: the temporal properties to check (None: every declared one; by default
    none, so that a caller asking for invariants, such as bench/run, gets a safety check).
    `partial_order`: expand states by ample sets (explore/por.py).
    `backend`: what choose_backend chose (None: the Python explorer)."""
    known = compiled.model.invariant_names
    for name in invariants or ():
        if name not in known:
            raise SpecError(f"--inv {name}: the spec has no invariant '{name}'",
                            hint="invariants of this spec: " + (", ".join(known) or "none"))
    properties = _temporal(compiled, properties, workers, checkpoint, resume, engine)
    if partial_order:
        _refuse_with_reduction(compiled, properties, workers, engine)
    if engine == "ray":
        if checkpoint is not None or resume is not None:
            raise SpecError("checkpoints are not written with --engine ray: its coordinator keeps the search "
                            "in memory only", hint="drop --engine ray (use --workers N on one machine), "
                                                   "or drop --checkpoint/--resume")
        try:
            if backend is not None and backend.native is not None:
                factory = functools.partial(native_search_of, compiled.recipe, backend.optimize)
                return native_ray_bfs(backend.native, workers, factory, invariants, limits, reporter, ray_address)
            return ray_bfs(compiled.model, workers, compiled.recipe, invariants, limits, reporter, ray_address)
        except RayUnavailable as e:
            raise SpecError(str(e), hint="install the extra with pip install '.[ray]', or use --engine local") from None
        except RayWorkerFailed as e:
            raise SpecError(f"a Ray worker failed: {e}",
                            hint="each node needs modelcheck, the spec at the same path and, with the native backend, "
                                 "a C compiler and cffi; or use --engine local") from None
    if workers > 1 and (backend is None or backend.native is None):
        if checkpoint is not None or resume is not None:
            raise SpecError("checkpoints are written by the one-process search for now",
                            hint="drop --workers, or drop --checkpoint/--resume")
        return parallel_bfs(compiled.model, workers, invariants, limits, reporter, properties)
    try:
        chosen = list(known if invariants is None else invariants)
        proved = prove_visibility(compiled, chosen) if partial_order else Proved()
        if backend is not None and backend.native is not None:
            tables = stubborn_tables(compiled.model.footprints, chosen, proved) if partial_order else None
            return native_bfs(backend.native, invariants, limits, reporter, workers, checkpoint=checkpoint,
                              resume=resume, properties=properties, reduction=tables)
        return bfs(compiled.model, invariants, limits, reporter, checkpoint, resume, properties, partial_order,
                   proved)
    except CheckpointError as e:
        raise SpecError(str(e), hint="start without --resume, or point it at the directory "
                                     "given to --checkpoint by the same command line") from None


def _refuse_with_reduction(compiled: compile_stage.CompiledSpec, properties: Sequence[str], workers: int,
                           engine: str) -> None:
    """Partial-order reduction keeps invariant violations and deadlocks, and nothing else;
    it is built into the one-process search."""
    if properties:
        raise SpecError(f"temporal properties ({', '.join(properties)}) are not checked with --por: "
                        "the reduction keeps invariant violations and deadlocks only",
                        hint="leave the properties out with --no-props, or check them without --por")
    if compiled.checked.symmetry:
        raise SpecError(f"--por is not combined with symmetry ({', '.join(compiled.checked.symmetry)}) yet",
                        hint="drop --por, or check a copy of the spec without the symmetry declaration")
    if workers > 1 or engine == "ray":
        raise SpecError("--por runs in the one-process search only",
                        hint="drop --workers and --engine ray, or drop --por")


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


@dataclass(frozen=True)
class Backend:
    """The explorer that runs a check and why, in words for one line of output."""
    name: str                          # "native" or "python"
    reason: str
    native: NativeSearch | None = None
    optimize: bool = True              # the native C compiled with -O2 (else -O0)


def choose_backend(compiled: compile_stage.CompiledSpec, requested: str, properties: Sequence[str] | None = (),
                   z3: bool = False, asked_by: str | None = None,
                   optimize: bool = True, partial_order: bool = False) -> Backend:
    """`requested`: "native", "python" or "auto" (native when it can run this check, else
    python), as `asked_by` says (default: --backend REQUESTED). Asking for native when it
    cannot run the check is an error that says why. `optimize`: compile the C with -O2 (else
    -O0, quicker to compile, slower to run: for tests)."""
    asked_by = asked_by or f"--backend {requested}"
    if requested == "python":
        return Backend("python", asked_by)
    problem = _native_unsupported(z3)
    if problem is None:
        from .compile import native as native_compile
        problem = native_compile.native_problem() or native_compile.native_subset_problem(compiled)
    if problem is None and partial_order:
        problem = native_reduction_problem(compiled.model.footprints)
    built = None
    if problem is None:
        built, problem = _build_native(compiled, optimize)
    if problem is not None:
        if requested == "native":
            raise SpecError(f"--backend native cannot run this check: {problem}",
                            hint="use --backend python, or --backend auto, which falls back to it")
        return Backend("python", problem.splitlines()[0])  # one line: a compiler's output follows the first
    spec, search = built
    how = "loaded from the cache" if spec.cached else f"C compiled in {spec.compile_seconds:.2f} s"
    why = asked_by if requested == "native" else "a C compiler is there and the spec is in the native subset"
    chosen = list(compiled.model.property_names if properties is None else properties)
    if chosen:
        why += f"; temporal properties ({', '.join(chosen)}) checked on the graph it records"
    return Backend("native", f"{why}; {how}", search, optimize)


def _native_unsupported(z3: bool) -> str | None:
    """What this check asks that the native explorer does not do yet, if anything."""
    if z3:
        return "the native explorer does not cross-check invariants with Z3 (--z3, --z3-sample)"
    return None


def build_search(compiled: compile_stage.CompiledSpec, optimize: bool = True):
    """(NativeSpec, NativeSearch): the spec's C and the search's compiled into one shared
    object (or taken from build.py's cache) and loaded; raises as build_native does.
    `optimize`: -O2, else -O0 (quicker to compile: for tests)."""
    from .compile import native as native_compile
    spec = native_compile.build_native(compiled, SEARCH_SOURCES, search_cdef(), optimize=optimize)
    return spec, NativeSearch(spec.ffi, spec.lib, compiled.model, spec.codec)


def native_search_of(recipe, optimize: bool) -> NativeSearch:
    """The native search of the spec a recipe (CompiledSpec.recipe) loads: what each Ray
    actor runs, built where it runs (a node without the shared object in its cache compiles it)."""
    return build_search(recipe(), optimize)[1]


def _build_native(compiled: compile_stage.CompiledSpec, optimize: bool):
    """((the native spec, the search over it), None), or (None, why it cannot be built)."""
    from .compile import native as native_compile
    try:
        return build_search(compiled, optimize), None
    except native_compile.NativeUnsupported as e:
        return None, f"the native backend does not compile {e}"
    except native_compile.NativeBuildError as e:
        return None, str(e)
