"""--engine ray: the partitioned search on a local Ray instance gives the local engine's results."""
from __future__ import annotations

import pytest

from conftest import PAXOS, PAXOS_BUGGY
from modelcheck import pipeline

ray = pytest.importorskip("ray", reason="Ray is an optional extra: pip install '.[ray]'")


def _summary(r):
    v = r.violation
    return (r.outcome, r.stats.distinct, r.stats.depth, None if v is None else (v.name, v.trace.actions))


@pytest.mark.slow
def test_ray_engine_matches_the_local_engine():
    for spec, invariants in ((PAXOS, None), (PAXOS_BUGGY, ["Agreement"])):
        compiled = pipeline.load(spec)
        local = pipeline.check(compiled, invariants, workers=2)
        on_ray = pipeline.check(compiled, invariants, workers=2, engine="ray")
        assert _summary(on_ray) == _summary(local)


@pytest.mark.slow
def test_cli_engine_ray(run_cli):
    proc = run_cli("check", PAXOS, "--const", "Values={v1}", "--workers", "2", "--engine", "ray", "--json")
    assert proc.returncode == 0, proc.stderr
    assert '"distinct_states": 1681' in proc.stdout
