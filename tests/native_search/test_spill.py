"""The native search with its levels' states spilled to temporary files (what --memory does
to the states beyond its share) counts as it does in memory: on two-phase commit with 5 RMs,
whole (and then as the Python backend) and stopped by --max-states in the middle of a
level, on one thread and two."""
from __future__ import annotations

import pytest

from conftest import SPECS
from modelcheck import pipeline
from modelcheck.compile.native import native_problem
from modelcheck.explore.bfs import Limits
from modelcheck.explore.native.driver import native_bfs
from modelcheck.explore.result import Outcome

pytestmark = pytest.mark.skipif(native_problem() is not None, reason=f"no native build here: {native_problem()}")

SPILLED = 4096  # bytes of states in memory: a few hundred of the widest level's thousands


def summary(result):
    return (result.outcome, result.stopped_because, result.stats.distinct, result.stats.generated,
            result.stats.depth, result.stats.queue, result.stats.action_counts)


@pytest.fixture(scope="module")
def two_phase():
    compiled = pipeline.load(SPECS / "two_phase.spec", {"RM": "{r1, r2, r3, r4, r5}"})
    return compiled, pipeline.choose_backend(compiled, "native", optimize=False).native


@pytest.mark.parametrize("max_states", [None, 5000], ids=["whole", "max-states"])
def test_spilled_levels_count_as_in_memory(two_phase, max_states):
    compiled, native = two_phase
    limits = Limits(max_states=max_states)
    for workers in (1, 2):
        in_memory = native_bfs(native, limits=limits, workers=workers)
        spilled = native_bfs(native, limits=limits, workers=workers, queue_memory=SPILLED)
        assert summary(spilled) == summary(in_memory)
        assert in_memory.outcome is (Outcome.OK if max_states is None else Outcome.INCOMPLETE)
    if max_states is None:
        # (in the middle of a level the Python explorer counts whole batches of successors)
        assert summary(spilled) == summary(pipeline.check(compiled, None, limits))
