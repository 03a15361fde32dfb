"""Checkpoints of the native search: written at level starts, resumed to the counts of an
uninterrupted search, refused by the other backend."""
from __future__ import annotations

import pytest

from conftest import SPECS
from modelcheck import pipeline
from modelcheck.compile.native import native_problem
from modelcheck.explore.bfs import Limits
from modelcheck.explore.checkpoint import CheckpointError, Checkpointer
from modelcheck.explore.native.driver import native_bfs
from modelcheck.lang.errors import SpecError

pytestmark = pytest.mark.skipif(native_problem() is not None, reason=f"no native build here: {native_problem()}")


def counts(result):
    return (result.outcome, result.violation, result.stats.distinct, result.stats.generated, result.stats.depth,
            result.stats.action_counts)


@pytest.fixture(scope="module")
def paxos():
    compiled = pipeline.load(SPECS / "paxos.spec", {"Ballots": "0..1"})
    return compiled, pipeline.choose_backend(compiled, "native", optimize=False)


@pytest.mark.parametrize("queue_memory", [None, 600], ids=["in-memory", "spilled"])
@pytest.mark.parametrize("workers", [1, 2])
def test_a_stopped_search_resumes_to_the_same_counts(paxos, tmp_path, workers, queue_memory):
    """Spilled: a few hundred bytes of states in memory, so the checkpoint reads the level
    back from its file and the resumed search writes it to one again."""
    compiled, backend = paxos
    whole = native_bfs(backend.native, workers=workers)
    stopped = native_bfs(backend.native, limits=Limits(max_states=2500), workers=workers,
                         checkpoint=Checkpointer(tmp_path, 0), queue_memory=queue_memory)
    assert stopped.stopped_because == "max states 2500"
    resumed = native_bfs(backend.native, workers=workers, resume=str(tmp_path), queue_memory=queue_memory)
    assert counts(resumed) == counts(whole)


def test_a_violation_found_after_resuming_has_its_whole_trace(tmp_path):
    compiled = pipeline.load(SPECS / "paxos_buggy.spec")
    native = pipeline.choose_backend(compiled, "native", optimize=False).native
    whole = native_bfs(native)
    native_bfs(native, limits=Limits(max_depth=5), checkpoint=Checkpointer(tmp_path, 0))
    assert counts(native_bfs(native, resume=str(tmp_path))) == counts(whole)


def test_the_python_backend_does_not_resume_a_native_checkpoint(paxos, tmp_path):
    compiled, backend = paxos
    native_bfs(backend.native, limits=Limits(max_states=2500), checkpoint=Checkpointer(tmp_path, 0))
    with pytest.raises(SpecError, match="was made for another spec"):
        pipeline.check(compiled, resume=str(tmp_path))
    with pytest.raises(CheckpointError, match="was made for another spec"):
        native_bfs(backend.native, invariants=["Agreement"], resume=str(tmp_path))
