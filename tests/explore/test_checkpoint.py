"""Checkpoint and resume: a search stopped part-way and resumed reaches the same end."""
from __future__ import annotations

import pytest

from cli.inprocess import modelcheck
from conftest import PAXOS, PAXOS_BUGGY
from modelcheck import pipeline
from modelcheck.explore.bfs import Limits
from modelcheck.explore.checkpoint import Checkpointer
from modelcheck.lang.errors import SpecError


def _summary(r):
    v = r.violation
    return (r.outcome, r.stats.distinct, r.stats.generated, r.stats.depth, r.stats.action_counts,
            None if v is None else (v.name, v.trace.actions))


@pytest.mark.parametrize("spec, invariants", [(PAXOS, None), (PAXOS_BUGGY, ["Agreement"])])
def test_resume_reaches_the_same_result(tmp_path, spec, invariants):
    full = pipeline.check(pipeline.load(spec), invariants)
    stopped = pipeline.check(pipeline.load(spec), invariants, Limits(max_depth=6),
                             checkpoint=Checkpointer(tmp_path, every_seconds=0))
    assert stopped.stopped_because == "max depth 6"
    resumed = pipeline.check(pipeline.load(spec), invariants, resume=str(tmp_path))
    assert _summary(resumed) == _summary(full)


def test_resume_refuses_a_checkpoint_of_other_constants(tmp_path):
    pipeline.check(pipeline.load(PAXOS), None, Limits(max_depth=3), checkpoint=Checkpointer(tmp_path, 0))
    with pytest.raises(SpecError, match="another spec, other constants"):
        pipeline.check(pipeline.load(PAXOS, {"Values": "{v1}"}), resume=str(tmp_path))


def test_resume_from_nothing_is_a_clear_error(tmp_path):
    proc = modelcheck("check", PAXOS, "--resume", tmp_path / "none")
    assert proc.returncode == 2
    assert "no checkpoint" in proc.stderr and "hint:" in proc.stderr
    assert "Traceback" not in proc.stderr
