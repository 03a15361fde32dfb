"""`--engine ray --backend native` on a local Ray instance: the counts, depth, per-action
counts, verdict and counterexample of the single-process native search, and of the Python
backend where its counts do not depend on its batches (a whole search; at a violation, the
verdict, trace and depth). Ray is an optional extra: without it these skip, and
test_native_batches.py runs the same workers in-process."""
from __future__ import annotations

import dataclasses
import functools
import json

import pytest

from conftest import SPECS
from modelcheck import pipeline
from modelcheck.compile.native import native_problem
from modelcheck.explore.bfs import Limits
from modelcheck.explore.result import Outcome
from modelcheck.lang.errors import SpecError

ray = pytest.importorskip("ray", reason="Ray is an optional extra: pip install '.[ray]'")
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(native_problem() is not None, reason=f"no native build here: {native_problem()}")]


@pytest.fixture(scope="module", autouse=True)
def local_ray():
    """One Ray instance for the module: each check then starts only its actors."""
    started = not ray.is_initialized()
    if started:
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield
    if started:
        ray.shutdown()


def counts(result):
    return (result.outcome, result.stopped_because, result.stats.distinct, result.stats.generated,
            result.stats.depth, result.stats.action_counts)


def three_ways(spec: str, consts=None, invariants=None, limits: Limits = Limits()):
    """(native on Ray with two actors, native in one process, python in one process)."""
    compiled = pipeline.load(SPECS / spec, consts)
    backend = pipeline.choose_backend(compiled, "native", optimize=False)
    on_ray = pipeline.check(compiled, invariants, limits, workers=2, engine="ray", backend=backend)
    alone = pipeline.check(compiled, invariants, limits, backend=backend)
    python = pipeline.check(compiled, invariants, limits)
    assert counts(on_ray) == counts(alone) and on_ray.stats.queue == alone.stats.queue
    assert on_ray.violation == alone.violation
    return on_ray, python


@pytest.mark.parametrize("spec, consts", [("two_phase.spec", None), ("paxos.spec", {"Ballots": "0..1"})],
                         ids=["two_phase", "paxos"])
def test_a_whole_search_counts_as_both_backends(spec, consts):
    on_ray, python = three_ways(spec, consts)
    assert on_ray.outcome is Outcome.OK and counts(on_ray) == counts(python)


def test_a_violation_as_both_backends():
    on_ray, python = three_ways("paxos_buggy.spec", invariants=["Agreement"])
    assert on_ray.outcome is Outcome.VIOLATION
    assert (on_ray.violation, on_ray.stats.depth) == (python.violation, python.stats.depth)


def test_max_states_as_the_native_search():
    on_ray, _ = three_ways("paxos.spec", {"Ballots": "0..1"}, limits=Limits(max_states=2500))
    assert on_ray.stopped_because == "max states 2500"


def test_cli_auto_runs_native_on_ray(run_cli):
    proc = run_cli("check", SPECS / "paxos.spec", "--const", "Ballots=0..1", "--workers", "2", "--engine", "ray",
                   "--json", env={"MODELCHECK_BACKEND": "auto"})
    assert proc.returncode == 0, proc.stderr
    assert "backend: native (a C compiler is there and the spec is in the native subset" in proc.stderr
    assert json.loads(proc.stdout)["distinct_states"] == pipeline.check(
        pipeline.load(SPECS / "paxos.spec", {"Ballots": "0..1"})).stats.distinct



def test_an_actor_that_cannot_load_the_spec_is_an_error_that_says_why(tmp_path):
    # as on a node without the spec at the path the command was given
    compiled = pipeline.load(SPECS / "two_phase.spec")
    backend = pipeline.choose_backend(compiled, "native", optimize=False)
    elsewhere = dataclasses.replace(compiled, recipe=functools.partial(pipeline.load, tmp_path / "two_phase.spec"))
    with pytest.raises(SpecError, match="a Ray worker failed: .*two_phase.spec") as failed:
        pipeline.check(elsewhere, workers=2, engine="ray", backend=backend)
    assert "the spec at the same path" in failed.value.hint
