"""Hostile input in CI: a few thousand cases from every strategy of hostile.py, each run
through the command's entry point. Each must end in a normal result or an error message with
exit code 2 (3 for a limit): never an exception escaping main(), never output that contradicts
its exit code, never an answer that differs from the reference model, never a hang.
`bench/fuzz` runs the same cases by the hundred thousand.
"""
from __future__ import annotations

import faulthandler

import pytest
from hypothesis import HealthCheck, Phase, given, settings

import harness
import hostile
import specgen

# cases per kind in the default run (~15 s in all); the slow kinds (time limits, compiling deep
# nesting) get fewer. The slow run (-m slow) draws thirty times as many, fresh each time.
COUNTS = {"generated": 150, "const_expr": 150, "mutated": 100, "nested": 30, "huge": 15, "unicode": 75,
          "bytes": 75, "text": 75, "consts": 100, "options": 40, "itf": 100, "checkpoint": 50}
HANG = 60  # seconds: a case still running then is a hang; the process dies with every thread's stack


@pytest.fixture(autouse=True)
def quick_limits(monkeypatch):
    monkeypatch.setattr(harness, "CASE_TIMEOUT", 0.5)


def check(case) -> None:
    faulthandler.dump_traceback_later(HANG, exit=True)
    try:
        outcome, detail = hostile.run_case(case)
    finally:
        faulthandler.cancel_dump_traceback_later()
    assert outcome in harness.OUTCOMES, outcome
    assert outcome not in harness.FAILURES, f"{outcome}: {detail}\n\ncase ({case.kind}):\n{case.describe()}"


@pytest.mark.parametrize("kind", sorted(COUNTS))
def test_hostile_input(kind):
    @settings(max_examples=COUNTS[kind], database=None, deadline=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate, Phase.shrink], suppress_health_check=list(HealthCheck))
    @given(hostile.cases({kind: 1}))
    def run(case):
        check(case)
    run()


def check_unoptimised(gs) -> None:
    """A generated spec compiled with --no-opt agrees with its reference model too."""
    outcome, detail = harness.run_generated(gs, extra=("--no-opt",))
    assert outcome not in harness.FAILURES, f"{outcome}: {detail}\n\nspec (--no-opt):\n{gs.text}"


@settings(max_examples=60, database=None, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
@given(specgen.specs(huge=False))
def test_generated_specs_without_optimisations(gs):
    check_unoptimised(gs)


@pytest.mark.slow
@settings(max_examples=1500, database=None, deadline=None, suppress_health_check=list(HealthCheck))
@given(specgen.specs(huge=False))
def test_generated_specs_without_optimisations_more(gs):
    check_unoptimised(gs)


@pytest.mark.slow
@pytest.mark.parametrize("kind", sorted(COUNTS))
def test_hostile_input_more(kind):
    @settings(max_examples=COUNTS[kind] * 30, database=None, deadline=None,
              phases=[Phase.generate, Phase.shrink], suppress_health_check=list(HealthCheck))
    @given(hostile.cases({kind: 1}))
    def run(case):
        check(case)
    run()
