"""toy.c (a hand-written model behind mc_model.h) compiled with the native search once per
session, as the compiler half compiles a spec; with toy.py, its twin in Python. The toy's
parameters are environment variables that the C model reads when the search starts."""
from __future__ import annotations

import functools
import os
import subprocess
import tempfile
from pathlib import Path

import cffi
import pytest

from modelcheck.compile.native.build import CDEF, CFLAGS, HERE as MODEL_HEADER_DIR, find_compiler
from modelcheck.explore.native.driver import SEARCH_SOURCES, NativeSearch, search_cdef

from toy import ToyModel, toy_codec

HERE = Path(__file__).parent


def needs_compiler():
    return pytest.mark.skipif(find_compiler() is None, reason="no C compiler ($CC, cc, gcc or clang) on PATH")


@functools.cache
def _library():
    so = Path(tempfile.mkdtemp(prefix="mc_native_toy_")) / "toy.so"
    subprocess.run([find_compiler(), *CFLAGS, f"-I{MODEL_HEADER_DIR}", "-o", str(so), str(HERE / "toy.c"),
                    *map(str, SEARCH_SOURCES)], check=True)
    ffi = cffi.FFI()
    ffi.cdef(CDEF + search_cdef())
    return ffi, ffi.dlopen(str(so))


def toy(**params: int) -> NativeSearch:
    """The toy with these parameters (see toy.c), in C and in Python. The C side takes them
    from the environment: the toy made last is the one a search runs."""
    for name in [n for n in os.environ if n.startswith("TOY_")]:
        del os.environ[name]
    os.environ.update({f"TOY_{name}": str(value) for name, value in params.items()})
    ffi, lib = _library()
    return NativeSearch(ffi, lib, ToyModel(**{k.lower(): v for k, v in params.items()}), toy_codec)
