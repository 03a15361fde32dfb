"""The txn workload against the real cluster: list-append transactions applied atomically
through the Raft log stay strict serializable through kill -9, pauses and cut links; the
known-bad txn-local-reads variant (reads served from the receiving server's state machine,
not at the transaction's place in the log) is caught as not serializable. Assertions are on
verdicts only. The long runs (-m slow) are a minute of faults each."""
from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from impl.cluster.faults import Options, RunResult, check, run
from impl.cluster.variants import Variant


def txn_run(tmp_path: Path, variant: Variant, seed: int, seconds: float, nodes: int = 3) -> tuple[RunResult, Path]:
    out = tmp_path / f"txn-{variant.value}-{seed}.json"
    result = asyncio.run(run(Options(nodes=nodes, seconds=seconds, clients=5, seed=seed, variant=variant,
                                     workload="txn")))
    result.history.write(out)
    return result, out


def assert_well_formed(result: RunResult, path: Path) -> None:
    document = json.loads(path.read_text())
    assert document["format"] == "modelcheck-txn/1"
    assert result.operations > 100 and len(result.faults) >= 2 and result.converged
    last = document["events"][-1]  # the final transaction read every key
    assert last["type"] == "ok" and [op[0] for op in last["value"]] == ["r"] * result.options.keys
    assert all(isinstance(op[2], list) for op in last["value"])


def verdicts(path: Path) -> dict[str, str]:
    return {model: check(path, model, timeout=120) for model in ("strict-serializable", "serializable")}


def test_transactions_through_the_log_are_strict_serializable_under_faults(tmp_path):
    result, path = txn_run(tmp_path, Variant.CORRECT, seed=7, seconds=10)
    assert_well_formed(result, path)
    assert verdicts(path) == {"strict-serializable": "ok", "serializable": "ok"}


def test_reads_served_from_local_state_are_caught(tmp_path):
    result, path = txn_run(tmp_path, Variant.TXN_LOCAL_READS, seed=1, seconds=10)
    assert_well_formed(result, path)
    assert verdicts(path) == {"strict-serializable": "VIOLATED", "serializable": "VIOLATED"}


@pytest.mark.slow
@pytest.mark.parametrize("seed", [11, 12])
def test_a_minute_of_faults_on_five_servers_stays_strict_serializable(tmp_path, seed):
    result, path = txn_run(tmp_path, Variant.CORRECT, seed=seed, seconds=60, nodes=5)
    assert_well_formed(result, path)
    assert verdicts(path) == {"strict-serializable": "ok", "serializable": "ok"}


@pytest.mark.slow
@pytest.mark.parametrize("seed", [21, 22])
def test_local_transaction_reads_are_caught_on_every_seed(tmp_path, seed):
    result, path = txn_run(tmp_path, Variant.TXN_LOCAL_READS, seed=seed, seconds=60)
    assert_well_formed(result, path)
    assert verdicts(path)["serializable"] == "VIOLATED"
