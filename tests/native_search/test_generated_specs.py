"""The native backend against the Python backend on the fuzzer's generated specs
(tests/fuzz/specgen.py: the whole grammar, constraints, runtime errors, deadlocks), and one
thread against two. Each spec is compiled to C, so this runs -m slow."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from fuzz.specgen import specs
from modelcheck import pipeline
from modelcheck.compile.native import native_problem, native_subset_problem
from modelcheck.explore.bfs import Limits
from modelcheck.explore.result import Outcome
from modelcheck.lang.errors import SpecError, SpecErrors

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(native_problem() is not None, reason=f"no native build here: {native_problem()}")]

LIMITS_CAP = 20_000  # distinct states: generated specs can be large; both backends stop there


def summary(result):
    return (result.outcome, result.stopped_because, result.violation, result.stats.distinct,
            result.stats.generated, result.stats.depth, result.stats.action_counts)


@settings(max_examples=25, deadline=None, database=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
@given(specs())
def test_native_as_python_on_generated_specs(spec):
    try:
        compiled = pipeline.load_text(spec.text, spec.consts)
    except (SpecError, SpecErrors):
        return  # the generator's rare spec the checker refuses: not this test's subject
    if native_subset_problem(compiled) is not None:
        return
    limits = Limits(max_states=LIMITS_CAP, check_deadlock=spec.check_deadlock)
    backend = pipeline.choose_backend(compiled, "native", optimize=False)
    python = pipeline.check(compiled, None, limits)
    native = [pipeline.check(compiled, None, limits, workers=w, backend=backend) for w in (1, 2)]
    assert summary(native[0]) == summary(native[1])
    if python.outcome in (Outcome.OK, Outcome.DEADLOCK) or python.stopped_because.startswith("max states"):
        # where a search ends on its own or at a deadlock, or at N states, both count alike
        assert summary(native[0])[:3] == summary(python)[:3]
        if python.outcome is not Outcome.INCOMPLETE:
            assert summary(native[0]) == summary(python), spec.text
    else:  # a violation or an error: the same verdict and counterexample
        assert (native[0].outcome, native[0].violation) == (python.outcome, python.violation), spec.text
