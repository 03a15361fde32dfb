"""Compiles a model's C (one file implementing mc_model.h) with the search (search.c) into one
shared object through cffi, cached by the hash of everything that goes into it: the second
check of the same spec and constants loads it in milliseconds.

The cache is $MODELCHECK_CACHE/native, else ~/.cache/modelcheck/native.
"""
from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.util
import os
import shlex
import shutil
import sys
import sysconfig
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from .driver import HERE, SEARCH_SOURCES, search_cdef

COMPILE_ARGS = ("-O2", "-pthread", "-fno-strict-aliasing")


class CompileFailed(Exception):
    """The C compiler rejected the sources; the message has its output."""


@dataclass(frozen=True)
class Built:
    ffi: Any
    lib: Any
    seconds: float       # compiling, or loading from the cache
    cached: bool
    path: Path


def c_compiler() -> str | None:
    """The C compiler cffi will call ($CC, else Python's own), if it is installed."""
    command = os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc"
    words = shlex.split(command)
    return shutil.which(words[0]) if words else None


def cache_dir() -> Path:
    root = os.environ.get("MODELCHECK_CACHE")
    return (Path(root) if root else Path.home() / ".cache" / "modelcheck") / "native"


def build_search(model_source: str, include_dirs: Sequence[Path], defines: Sequence[tuple[str, str]] = (),
                 cache: Path | None = None) -> Built:
    """The search over the model whose C is `model_source` (it includes "mc_model.h", found
    in `include_dirs`), compiled or taken from the cache."""
    started = time.perf_counter()
    cache = cache_dir() if cache is None else cache
    inputs = [model_source, *(p.read_text() for p in SEARCH_SOURCES), (HERE / "search.h").read_text(),
              *(p.read_text() for d in include_dirs for p in sorted(Path(d).glob("*.h"))),
              repr(sorted(defines)), repr(COMPILE_ARGS), sys.version, _cffi_version()]
    name = "_mc_native_" + hashlib.sha256("\0".join(inputs).encode()).hexdigest()[:20]
    target = cache / (name + importlib.machinery.EXTENSION_SUFFIXES[0])
    cached = target.exists()
    if not cached:
        _compile(name, model_source, include_dirs, defines, cache, target)
    module = _load(name, target)
    return Built(module.ffi, module.lib, time.perf_counter() - started, cached, target)


def _cffi_version() -> str:
    import cffi
    return cffi.__version__


def _compile(name: str, model_source: str, include_dirs: Sequence[Path], defines, cache: Path, target: Path) -> None:
    import cffi
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache, prefix="build-") as work:
        model_file = Path(work) / "model.c"
        model_file.write_text(model_source)
        ffi = cffi.FFI()
        ffi.cdef(search_cdef())
        ffi.set_source(name, '#include "search.h"\n#include "mc_model.h"\n',
                       sources=[str(model_file), *map(str, SEARCH_SOURCES)],
                       include_dirs=[str(HERE), *map(str, include_dirs)], define_macros=list(defines),
                       extra_compile_args=list(COMPILE_ARGS), extra_link_args=["-pthread"])
        try:
            built = ffi.compile(tmpdir=work, verbose=False)
        except (cffi.VerificationError, OSError) as e:
            raise CompileFailed(str(e)) from None
        os.replace(built, target)  # atomic: another process building the same sees all or nothing


def _load(name: str, path: Path):
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sys.modules[name] = module
    return module
