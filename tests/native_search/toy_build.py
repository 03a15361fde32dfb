"""Builds toy.c (a hand-written model behind mc_model.h) with the native search into a cffi
module, one per set of parameters, cached for the session; and toy.py's twin of it."""
from __future__ import annotations

import functools
import hashlib
import importlib.util
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

from conftest import REPO
from modelcheck.explore.native.driver import SEARCH_SOURCES, NativeSearch, search_cdef

from toy import ToyModel, toy_codec

HERE = Path(__file__).parent
MODEL_HEADER_DIR = REPO / "modelcheck" / "compile" / "native"
BUILD_DIR = Path(tempfile.mkdtemp(prefix="mc_native_toy_"))


def needs_compiler():
    return pytest.mark.skipif(shutil.which("cc") is None and shutil.which("gcc") is None,
                              reason="no C compiler (cc or gcc) on PATH")


@functools.cache
def _module(params: tuple[tuple[str, int], ...]):
    import cffi
    defines = [(name, str(value)) for name, value in params]
    name = "_toy_" + hashlib.sha256(repr(params).encode()).hexdigest()[:12]
    ffi = cffi.FFI()
    ffi.cdef(search_cdef())
    ffi.set_source(name, '#include "search.h"\n#include "mc_model.h"\n',
                   sources=[str(HERE / "toy.c"), *map(str, SEARCH_SOURCES)],
                   include_dirs=[str(SEARCH_SOURCES[0].parent), str(MODEL_HEADER_DIR)],
                   define_macros=defines, extra_compile_args=["-O2", "-pthread"], extra_link_args=["-pthread"])
    path = ffi.compile(tmpdir=str(BUILD_DIR / name), verbose=False)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sys.modules[name] = module
    return module


def toy(**params: int) -> NativeSearch:
    """The toy with these parameters (toy.c's macros), in C and in Python."""
    module = _module(tuple(sorted(params.items())))
    return NativeSearch(module.ffi, module.lib, ToyModel(**{k.lower(): v for k, v in params.items()}), toy_codec)
