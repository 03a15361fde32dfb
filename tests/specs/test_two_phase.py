"""specs/two_phase.spec, two-phase commit after Lamport's TwoPhase.tla, checked through the
command line: the state space grows about six-fold per resource manager (the scale benchmark
of bench/run uses 9 of them) and the invariants hold. No state is a deadlock: once the
decision is known, receiving it again is a step that changes nothing, as in TLC."""
from __future__ import annotations

import pytest

from test_raft import check_json
from conftest import SPECS

TWO_PHASE = SPECS / "two_phase.spec"


def rms(n: int) -> str:
    return "RM={" + ", ".join(f"r{i}" for i in range(1, n + 1)) + "}"


@pytest.mark.parametrize("n, distinct, depth", [(3, 288, 11), (4, 1_568, 14), (5, 8_832, 17)])
def test_state_counts(n, distinct, depth):
    proc, report = check_json(TWO_PHASE, "--const", rms(n))
    assert proc.returncode == 0, proc.stderr
    assert (report["distinct_states"], report["depth"]) == (distinct, depth)



def test_every_rm_terminates_under_fairness_of_the_tm_and_of_delivery():
    proc, report = check_json(TWO_PHASE, "--const", rms(3))
    assert proc.returncode == 0 and report["result"] == "ok", proc.stderr
    assert report["behaviour_graph_steps"] > 0  # Terminates was checked


def test_without_fair_delivery_an_rm_never_learns_the_outcome(tmp_path):
    spec = tmp_path / "two_phase.spec"
    spec.write_text(TWO_PHASE.read_text().replace(
        "fairness weak TMRcvPrepared, TMCommit, TMAbort, RMRcvCommitMsg, RMRcvAbortMsg",
        "fairness weak TMRcvPrepared, TMCommit, TMAbort"))
    proc, report = check_json(spec, "--const", rms(3))
    assert proc.returncode == 1
    v = report["violation"]
    assert v["name"] == "Terminates" and v["back"] is None
    last = v["trace"][-1]["state"]
    assert last["tmState"] in ("committed", "aborted")  # the TM decided, yet an RM is still undecided
    assert any(state not in ("committed", "aborted") for _, state in last["rmState"]["#map"])
