"""toy.c (a hand-written model behind mc_model.h) built with the native search once per
session; with toy.py, its twin in Python. The toy's parameters are environment variables
that the C model reads when the search starts."""
from __future__ import annotations

import functools
import os
import tempfile
from pathlib import Path

import pytest

from conftest import REPO
from modelcheck.explore.native.build import build_search, c_compiler
from modelcheck.explore.native.driver import NativeSearch

from toy import ToyModel, toy_codec

HERE = Path(__file__).parent
MODEL_HEADER_DIR = REPO / "modelcheck" / "compile" / "native"
CACHE = Path(tempfile.mkdtemp(prefix="mc_native_toy_"))


def needs_compiler():
    return pytest.mark.skipif(c_compiler() is None, reason="no C compiler ($CC, cc or gcc) on PATH")


@functools.cache
def _built():
    return build_search((HERE / "toy.c").read_text(), [MODEL_HEADER_DIR], cache=CACHE)


def toy(**params: int) -> NativeSearch:
    """The toy with these parameters (see toy.c), in C and in Python. The C side takes them
    from the environment: the toy made last is the one a search runs."""
    for name in [n for n in os.environ if n.startswith("TOY_")]:
        del os.environ[name]
    os.environ.update({f"TOY_{name}": str(value) for name, value in params.items()})
    built = _built()
    return NativeSearch(built.ffi, built.lib, ToyModel(**{k.lower(): v for k, v in params.items()}), toy_codec)
