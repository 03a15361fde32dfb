"""The fuzzer's generated specs (tests/fuzz/specgen.py: every construct of the grammar, with
runtime errors) compiled to C agree with the Python backend state by state, or are refused
with a reason. Each spec costs a C compilation (about half a second), hence few by default."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from native_harness import CACHE, compare, needs_native

sys.path.insert(0, str(Path(__file__).parent.parent / "fuzz"))
import specgen  # noqa: E402

from modelcheck import pipeline  # noqa: E402
from modelcheck.compile.native import build_native, native_subset_problem  # noqa: E402
from modelcheck.lang.errors import SpecError, SpecErrors  # noqa: E402


def agrees(gs) -> None:
    try:
        compiled = pipeline.load_text(gs.text, gs.consts)
    except (SpecError, SpecErrors):
        return  # the generator's rare spec that the checker refuses: nothing to compile
    problem = native_subset_problem(compiled.checked)
    if problem is not None:
        assert problem.startswith("the native backend does not compile")
        return
    compare(compiled, build_native(compiled, cache_dir=CACHE, optimize=False), max_states=300)


@needs_native
def test_generated_specs_agree():
    @settings(max_examples=6, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(specgen.specs())
    def run(gs):
        agrees(gs)
    run()


@pytest.mark.slow
@needs_native
def test_many_generated_specs_agree():
    @settings(max_examples=300, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(specgen.specs())
    def run(gs):
        agrees(gs)
    run()
