"""Build the native form of a compiled spec: its C source (emit.py), compiled with the system
C compiler into a shared object cached by the hash of everything that went into it, and
loaded through cffi; plus the codec between its state bytes and the Python backend's states."""
from __future__ import annotations

import hashlib
import importlib.util
import itertools
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from ...lang import ast as A
from ...lang.typecheck import CheckedSpec
from ..build import CompiledSpec
from .codec import NativeCodec, encode_value
from .emit import NativeUnsupported, Tables, check_scalars, check_subset, generate_c

HERE = Path(__file__).parent
HEADERS = ("mc_model.h", "mc_runtime.h", "mc_entry.h")
CFLAGS = ("-shared", "-fPIC", "-std=gnu11", "-pthread")

# mc_model.h's declarations, as cffi reads them (it takes no preprocessor lines)
CDEF = "\n".join(line for line in (HERE / "mc_model.h").read_text().splitlines()
                 if not line.lstrip().startswith("#"))


class NativeBuildError(Exception):
    """No native build: no C compiler, no cffi, or the compiler failed; str(e) says which."""


@dataclass(frozen=True)
class NativeSpec:
    """A spec compiled to C and loaded: `lib` has mc_model.h's functions (and those of any
    extra sources declared in extra_cdef), `codec` converts states."""
    ffi: Any
    lib: Any
    codec: NativeCodec
    source: str            # the generated C
    path: Path             # the shared object
    compile_seconds: float  # 0.0 when it came from the cache
    cached: bool


def native_subset_problem(spec: CheckedSpec | CompiledSpec) -> str | None:
    """None if the whole spec compiles to C, else one sentence saying why not. Given the
    CompiledSpec, the constants' values are checked too (an integer past 64 bits)."""
    try:
        if isinstance(spec, CompiledSpec):
            generate_c(spec.checked, tables(spec))
        else:
            check_subset(spec)
    except NativeUnsupported as e:
        return f"the native backend does not compile {e}"
    return None


def find_compiler() -> str | None:
    for name in (os.environ.get("CC"), "cc", "gcc", "clang"):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


def native_problem() -> str | None:
    """None if native builds can be made here, else why not."""
    if importlib.util.find_spec("cffi") is None:
        return "cffi is not installed (pip install cffi)"
    if find_compiler() is None:
        return "no C compiler found (install gcc or clang, or set CC)"
    return None


def c_source(compiled: CompiledSpec) -> str:
    """The C source of a compiled spec; its constants (with --const overrides) baked in."""
    return generate_c(compiled.checked, tables(compiled))


def tables(compiled: CompiledSpec) -> Tables:
    checked, gen, ns = compiled.checked, compiled.generated, compiled.model.ns
    check_scalars(checked)  # before encoding the constants, which may hold such floats
    const_bytes = bytearray()
    for d in checked.consts:
        try:
            encode_value(const_bytes, ns[f"C_{d.name}"], checked.const_kinds[d.name], gen.layouts)
        except ValueError as e:
            raise NativeUnsupported(f"constant {d.name}: {e}") from None
    return Tables(gen.symbols, gen.layouts, bytes(const_bytes), _permutations(compiled),
                  compiled.model.footprints.type_checked)


def _permutations(compiled: CompiledSpec) -> tuple[tuple[int, ...], ...]:
    """Every permutation of the symmetric sets' model values but the identity, as symbol id
    maps (the C canonical form starts from the state itself)."""
    n = len(compiled.generated.symbols)
    groups = [sorted(compiled.model.ns[f"C_{name}"]) for name in compiled.checked.symmetry]
    if not groups:
        return ()
    perms = []
    for choice in itertools.product(*(itertools.permutations(g) for g in groups)):
        table = list(range(n))
        for group, image in zip(groups, choice):
            for a, b in zip(group, image):
                table[a] = b
        if table != list(range(n)):
            perms.append(tuple(table))
    return tuple(perms)


def codec(compiled: CompiledSpec) -> NativeCodec:
    checked = compiled.checked
    params = tuple(tuple((b.name, checked.kinds[id(b.domain)].elem) for b in d.params)
                   for d in checked.spec.of(A.ActionDecl))
    return NativeCodec([checked.var_kinds[v.name] for v in checked.vars], compiled.generated.layouts, params)


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "modelcheck" / "native"


def build_native(compiled: CompiledSpec, extra_sources: Sequence[str | Path] = (), extra_cdef: str = "",
                 cache_dir: Path | None = None, optimize: bool = True) -> NativeSpec:
    """Compile the spec's C (and `extra_sources`, e.g. the search in C, which may include
    mc_model.h) into a shared object, or take it from the cache, and load it. `optimize`:
    -O2 (else -O0, five times quicker to compile: for tests). Raises NativeUnsupported
    (outside the subset) or NativeBuildError (nothing to compile with)."""
    problem = native_problem()
    if problem is not None:
        raise NativeBuildError(problem)
    import cffi

    source = c_source(compiled)
    # the extra sources and the headers beside them (which they may include) are hashed too
    folders = dict.fromkeys(Path(p).resolve().parent for p in extra_sources)
    extras = [(str(p), Path(p).read_text()) for p in
              [*extra_sources, *(h for d in folders for h in sorted(d.glob("*.h")))]]
    compiler = find_compiler()
    flags = ("-O2" if optimize else "-O0", *CFLAGS)
    digest = hashlib.sha256()
    for part in [source, compiler, " ".join(flags), *(HERE.joinpath(h).read_text() for h in HEADERS),
                 *(f"{name}\n{text}" for name, text in extras)]:
        digest.update(part.encode())
        digest.update(b"\0")
    folder = (cache_dir or cache_root()) / digest.hexdigest()[:32]
    so = folder / "model.so"
    started = time.perf_counter()
    cached = so.exists()
    if not cached:
        _compile([compiler, *flags], folder, source, extra_sources, so)
    seconds = 0.0 if cached else time.perf_counter() - started
    ffi = cffi.FFI()
    ffi.cdef(CDEF + extra_cdef)
    lib = ffi.dlopen(str(so))
    return NativeSpec(ffi, lib, codec(compiled), source, so, seconds, cached)


def _compile(compiler: list[str], folder: Path, source: str, extra_sources, so: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "model.c").write_text(source)
    # compiled under a temporary name and renamed: another process may build the same object
    fd, tmp = tempfile.mkstemp(suffix=".so", dir=folder)
    os.close(fd)
    # the extra sources may include mc_model.h, and headers of their own beside them
    includes = dict.fromkeys(f"-I{d}" for d in [HERE, *(Path(p).resolve().parent for p in extra_sources)])
    cmd = [*compiler, *includes, "-o", tmp, str(folder / "model.c"), *map(str, extra_sources), "-lm"]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        os.unlink(tmp)
        raise NativeBuildError(f"the C compiler failed ({' '.join(cmd)}):\n{done.stderr[-4000:]}")
    os.replace(tmp, so)
