"""Shared helpers for the modelcheck test suite: the repository path, the CLI runner,
spec writers and evaluators, and builders for ITF values (the encoding of reports)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from modelcheck import pipeline
from modelcheck.explore.bfs import Limits
from modelcheck.explore.result import CheckResult

# The suite's checks run on the Python backend: --backend auto would compile each of their
# specs to C first (seconds each). tests/native_search/ asks for native explicitly; set
# MODELCHECK_BACKEND=auto (or native) to run the whole suite on the native backend instead.
os.environ.setdefault("MODELCHECK_BACKEND", "python")

REPO = Path(__file__).resolve().parent.parent


def bench_script(relative: str, name: str):
    """A script under bench/ (not a package) imported as module `name`, registered in
    sys.modules so that its dataclasses can look their module up."""
    import importlib.util
    spec = importlib.util.spec_from_file_location(name, REPO / relative)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module

SPECS = REPO / "specs"
PAXOS = SPECS / "paxos.spec"
PAXOS_BUGGY = SPECS / "paxos_buggy.spec"

NO_DEADLOCK = Limits(check_deadlock=False)
# Tests that render .svg/.png pictures need graphviz's programs (dot for traces and graphs,
# neato for sequence charts and history timelines); without them they skip, saying why.
HAVE_GRAPHVIZ = shutil.which("dot") is not None and shutil.which("neato") is not None
needs_graphviz = pytest.mark.skipif(not HAVE_GRAPHVIZ, reason="graphviz's dot/neato are not installed (apt-get install graphviz)")
CLI_TIMEOUT = 300  # seconds; generous, so that a slow machine fails on a result, not a timeout


# ---------------------------------------------------------------- ITF values

def I(n: int) -> dict:
    """An ITF integer."""
    return {"#bigint": str(n)}


def MV(name: str) -> dict:
    """A model value as --json writes it (ITF files write a plain string)."""
    return {"#model": name}


def S(*elems) -> dict:
    """An ITF set, elements given in the expected (sorted) order."""
    return {"#set": list(elems)}


def M(*pairs) -> dict:
    """An ITF map from (key, value) pairs, in key order."""
    return {"#map": [list(p) for p in pairs]}


def T(*elems) -> dict:
    """An ITF tuple."""
    return {"#tup": list(elems)}


def ints(*ns: int) -> dict:
    """An ITF set of integers."""
    return S(*(I(n) for n in ns))


# ---------------------------------------------------------------- specs as text

def evaluate(expr: str, decls: str = "", consts: dict[str, str] | None = None):
    """The ITF value of `expr`, evaluated as the constant R of a spec with no variables."""
    text = f"spec Eval\n{decls}\nconst R = {expr}\ninit {{ }}\n"
    return pipeline.load_text(text, consts).model.describe_constants()["R"]


def check_text(text: str, invariants=None, limits: Limits = Limits(), consts=None,
               filename: str = "<spec>") -> CheckResult:
    """Compile a spec given as text and explore it; `filename` places it (its imports are
    relative to that file's directory)."""
    return pipeline.check(pipeline.load_text(text, consts, filename), invariants, limits)


# ---------------------------------------------------------------- the command line

def run_modelcheck(*args, env: dict[str, str] | None = None, cwd: Path = REPO,
                   timeout: float = CLI_TIMEOUT, input: str | None = None) -> subprocess.CompletedProcess:
    """`python -m modelcheck.cli ARGS` as a user runs it, from the repository root; `input`
    is what the user types (standard input)."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "modelcheck.cli", *map(str, args)], input=input,
                          cwd=cwd, env=full_env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def run_cli():
    """run_cli(*args, env=None) -> CompletedProcess of `modelcheck ...` run from the repo root."""
    return run_modelcheck


@pytest.fixture
def spec_file(tmp_path):
    """spec_file(text, name="t.spec") -> the path of a spec file holding text."""
    def write(text: str, name: str = "t.spec") -> Path:
        path = tmp_path / name
        path.write_text(text)
        return path
    return write
