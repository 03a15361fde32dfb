"""`modelcheck prove`: inductive invariants with counterexamples to induction, and bounded
model checking from the initial states."""
from __future__ import annotations

import json

import pytest

from cli.inprocess import modelcheck
from conftest import PAXOS, PAXOS_BUGGY, SPECS
from modelcheck import pipeline
from modelcheck.z3.prove import Prover
from z3_support import paxos_with_inductive_invariant

PAPER_CONSTANTS = ("--const", "Acceptors={a1, a2, a3}", "--const", "Values={v1, v2}", "--const", "Ballots=0..2")


@pytest.fixture(scope="module")
def inductive_spec(tmp_path_factory):
    return paxos_with_inductive_invariant(tmp_path_factory.mktemp("paxos"))


def test_lamports_inductive_invariant_is_proved(inductive_spec):
    proc = modelcheck("prove", inductive_spec, "--inv", "IndInv", *PAPER_CONSTANTS)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Proved: IndInv is inductive" in proc.stdout
    for step in ("init", "Phase1a", "Phase1b", "Phase2a", "Phase2b"):
        assert any(line.split()[:2] == [step, "holds"] for line in proc.stdout.splitlines()), step


def test_inductive_invariant_implies_the_others_in_every_reachable_state(inductive_spec):
    # IndInv is an invariant of the reachable states too (explicit check), so proving it
    # inductive is not vacuous.
    proc = modelcheck("check", inductive_spec, "--inv", "IndInv", "--z3")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_agreement_is_not_inductive():
    proc = modelcheck("prove", PAXOS, "--inv", "Agreement", *PAPER_CONSTANTS)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    out = proc.stdout
    assert "Not inductive:" in out
    assert "to a state violating Agreement" in out
    assert "State 1: a state satisfying Agreement" in out
    assert "State 2: " in out and "State 3" not in out


def test_agreement_cti_as_json():
    proc = modelcheck("prove", PAXOS, "--inv", "Agreement", "--json")
    assert proc.returncode == 1
    obj = json.loads(proc.stdout)
    assert obj["mode"] == "induction" and obj["result"] == "not inductive"
    assert obj["broken"] == ["Agreement"]
    trace = obj["trace"]
    assert len(trace) == 2 and trace[0]["action"] is None and trace[1]["action"] == obj["failing_step"]
    assert set(trace[0]["state"]) == {"maxBal", "maxVBal", "maxVal", "msgs"}


def test_the_cti_is_confirmed_by_the_compiled_model():
    compiled = pipeline.load(PAXOS)
    result = Prover(compiled, ["Agreement"]).induction()
    assert not result.holds and result.broken == ["Agreement"]
    # Prover replays the step with the compiled model before reporting it; do it again here.
    model = compiled.model
    before, after = result.trace.steps
    assert after.action in model.action_names


def test_paxos_tla_first_attempt_inv_is_not_inductive():
    # Paxos.tla calls its Inv "a first attempt at an inductive invariant"; it is not one:
    # both engines agree on the counterexample (a 1b message claiming no vote, from an
    # acceptor whose earlier vote then is not accounted for when a 2a is sent).
    proc = modelcheck("prove", PAXOS, "--inv", "Inv")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Not inductive: Phase2a(" in proc.stdout


def test_init_violation(spec_file):
    path = spec_file("spec T\nconst N = 3\nvar x : 0..N\ninit { either { x := 0 } or { x := 3 } }\n"
                     "action Inc { require x < N\n x := x + 1 }\ninvariant Small: x < 3\n")
    proc = modelcheck("prove", path)
    assert proc.returncode == 1
    assert "Not inductive: an initial state violates Small" in proc.stdout
    assert "x = 3" in proc.stdout


def test_simple_counter_is_inductive(spec_file):
    path = spec_file("spec T\nconst N = 3\nvar x : 0..N\ninit { x := 0 }\n"
                     "action Inc { require x < N\n x := x + 1 }\ninvariant Bounded: x <= N\n")
    proc = modelcheck("prove", path)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_bmc_finds_the_shortest_violation_of_paxos_buggy():
    proc = modelcheck("prove", PAXOS_BUGGY, "--depth", "10")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Error: invariant Inv is violated." in proc.stdout
    assert "Shortest trace (7 steps; the last state violates Inv)" in proc.stdout
    # the same depth as the explicit-state search
    check = modelcheck("check", PAXOS_BUGGY, "--json")
    assert len(json.loads(check.stdout)["violation"]["trace"]) == 8


def test_bmc_on_correct_paxos_finds_nothing():
    proc = modelcheck("prove", PAXOS, "--depth", "4", "--json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    obj = json.loads(proc.stdout)
    assert obj["mode"] == "bmc" and obj["result"] == "ok" and obj["max_depth"] == 4
    assert [s["name"] for s in obj["steps"]] == [f"depth {i}" for i in range(5)]


def test_bmc_step_out_of_declared_type_is_reported(spec_file):
    path = spec_file("spec T\nvar x : 0..2\ninit { x := 0 }\naction Inc { x := x + 1 }\ninvariant Ok: true\n")
    proc = modelcheck("prove", path, "--depth", "5")
    assert proc.returncode == 2
    assert "gives variable x a value outside its declared type: 3" in proc.stderr


def test_prove_unknown_invariant():
    proc = modelcheck("prove", PAXOS, "--inv", "Nope")
    assert proc.returncode == 2 and "no invariant 'Nope'" in proc.stderr


@pytest.mark.slow
def test_bmc_agreement_alone_at_twelve_steps():
    proc = modelcheck("prove", PAXOS_BUGGY, "--inv", "Agreement", "--depth", "12")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Shortest trace (12 steps; the last state violates Agreement)" in proc.stdout


# ---------------------------------------------------------------- infinite types (raft.spec)

RAFT = SPECS / "raft.spec"


def test_unbounded_int_induction_is_a_proof(spec_file):
    # Nat is an unbounded Z3 Int: no capacity is involved, so the result is a proof
    path = spec_file("spec T\nvar x : Nat\nvar y : int\ninit { x := 0\n y := 0 }\n"
                     "action Inc { x := x + 1\n y := y - x }\ninvariant Signs: x >= 0 and y <= 0\n")
    proc = modelcheck("prove", path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Proved: Signs is inductive" in proc.stdout


def test_induction_is_relative_to_the_constraint(spec_file):
    path = spec_file("spec T\nvar x : Nat\ninit { x := 0 }\naction Inc { x := x + 1 }\n"
                     "invariant Small: x <= 5\nconstraint Upto: x < 5\n")
    proc = modelcheck("prove", path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "relative to the state constraint Upto" in proc.stdout
    assert "Inv /\\ Upto /\\ A => Inv'" in proc.stdout


def test_raft_cti():
    proc = modelcheck("prove", RAFT, "--inv", "OneLeaderPerTerm")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Not inductive: BecomeLeader(" in proc.stdout
    assert "relative to the state constraint Bounds" in proc.stdout


def test_raft_no_cti_within_the_bound_is_not_a_proof():
    proc = modelcheck("prove", RAFT, "--inv", "LogMatching", "--json")
    assert proc.returncode == 3, proc.stdout + proc.stderr
    obj = json.loads(proc.stdout)
    assert obj["result"] == "no counterexample within the bound" and obj["bound"] == 2
    assert "messages" in obj["bounded"] and "log" in obj["bounded"]


def test_raft_bmc_finds_nothing_in_two_steps():
    proc = modelcheck("prove", RAFT, "--depth", "2")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "No violation within 2 steps" in proc.stdout


def test_bmc_grows_the_room_for_a_set_of_nats(spec_file):
    # s needs 4 slots at depth 4; the copies start with room for 2
    path = spec_file("spec T\nvar s : set[Nat]\ninit { s := {} }\naction Add { s := s + {size(s) * 3} }\n"
                     "invariant Small: size(s) < 4\n")
    proc = modelcheck("prove", path, "--depth", "6", "--json")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    obj = json.loads(proc.stdout)
    assert obj["depth"] == 4 and obj["restarts"] >= 1
    assert len(obj["trace"]) == 5


def test_cti_where_the_spec_is_undefined_is_reported(spec_file):
    # the only CTI is s = <<>>, where s[1] is undefined: the compiled model cannot take the
    # step Z3 found (for Z3, s[1] is some value, here 0), which is said, without a traceback
    path = spec_file("spec T\nvar s : seq[0..5, 1]\ninit { s := <<2>> }\n"
                     "action A { require len(s) == 0 or s[1] > 1\n s := <<s[1] - 1>> }\n"
                     "invariant Ok: len(s) == 0 or s[1] >= 1\n")
    proc = modelcheck("prove", path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Z3 chose a state in which the compiled model cannot evaluate A" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.slow
def test_raft_restart_forgets_vote_bmc_runs_on_three_servers():
    # the explicit checker finds ElectionSafety broken after 18 steps at these constants;
    # bounded model checking gets a few steps deep in a minute (see the closing note)
    proc = modelcheck("prove", SPECS / "raft_restart_forgets_vote.spec", "--inv", "ElectionSafety",
                          "--const", "Servers={s1, s2, s3}", "--const", "MaxTerm=2", "--const", "MaxLogLen=0",
                          "--const", "MaxDup=1", "--const", "MaxMsgs=1", "--depth", "5")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "No violation within 5 steps" in proc.stdout
