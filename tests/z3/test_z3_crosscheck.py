"""`check --z3`: every explored state's invariants decided by Z3 too, with no disagreement."""
from __future__ import annotations

import dataclasses

import pytest

from cli.inprocess import modelcheck
from conftest import NO_DEADLOCK, PAXOS, PAXOS_BUGGY, SPECS
from modelcheck import pipeline
from modelcheck.explore.bfs import bfs
from modelcheck.explore.result import Outcome
from modelcheck.z3.crosscheck import CrossCheckedModel, Z3Disagreement, Z3Invariants


RAFT = SPECS / "raft.spec"


def test_z3_package_does_not_shadow_the_z3_library():
    import z3
    assert hasattr(z3, "Solver") and hasattr(z3, "Z3_solver_check_assumptions")
    import modelcheck.z3.scalars as scalars
    assert scalars.z3 is z3


@pytest.fixture(scope="module")
def paxos():
    return pipeline.load(PAXOS)


def test_every_paxos_state_agrees(paxos):
    model = CrossCheckedModel(paxos, paxos.model.invariant_names)
    result = bfs(model)
    assert result.outcome == Outcome.OK
    assert result.stats.distinct == 3921
    assert model.z3.states == 3921          # every distinct state decided by Z3
    assert model.disagreements == 0
    model.finish()                          # raises on a disagreement


def test_a_sample_of_raft_states_agrees():
    # raft.spec's types are infinite (Nat terms, unbounded logs, a bag of messages): the
    # encoding grows its capacity to fit each state, and no sampled state is left undecided
    raft = pipeline.load(RAFT, {"MaxMsgs": "1"})
    model = CrossCheckedModel(raft, raft.model.invariant_names, sample=300, seed=1)
    result = bfs(model, limits=NO_DEADLOCK)
    assert result.outcome == Outcome.OK
    assert result.stats.distinct == 1760 and model.seen >= 1760
    model.finish()
    assert model.z3.states == 300 and model.disagreements == 0


@pytest.mark.slow
def test_every_raft_state_agrees():
    raft = pipeline.load(RAFT, {"MaxMsgs": "1"})
    model = CrossCheckedModel(raft, raft.model.invariant_names)
    result = bfs(model, limits=NO_DEADLOCK)
    assert result.outcome == Outcome.OK
    assert result.stats.distinct == 1760
    # every distinct state, and the successors outside the constraint the explorer checks too
    assert model.z3.states >= 1760
    assert model.disagreements == 0
    model.finish()


def test_z3_verdicts_on_a_violating_state():
    buggy = pipeline.load(PAXOS_BUGGY)
    model = CrossCheckedModel(buggy, ["Agreement"])
    result = bfs(model, ["Agreement"])
    assert result.outcome == Outcome.VIOLATION   # Z3 agreed that the last state breaks Agreement
    assert model.disagreements == 0
    assert len(result.violation.trace) == 13     # 12 steps, as without Z3


def test_z3_decides_each_invariant(paxos):
    z = Z3Invariants(paxos, ["TypeOK", "Inv", "Agreement"])
    init = next(iter(paxos.model.init_states()))[2]
    assert z.decide(init) == [True, True, True]


def test_a_lying_predicate_is_caught(paxos):
    class Lying:
        def __init__(self, inner):
            self.inner = inner

        def __getattr__(self, name):
            return getattr(self.inner, name)

        def invariant(self, name):
            real = self.inner.invariant(name)
            return lambda s: real(s) and len(s[3]) < 3   # wrong once msgs has 3 messages

    lying = dataclasses.replace(paxos, model=Lying(paxos.model))
    model = CrossCheckedModel(lying, ["Agreement"])
    result = bfs(model, ["Agreement"])
    assert result.stopped_because == "interrupted"     # the search stops at once
    assert model.disagreements == 1
    with pytest.raises(Z3Disagreement) as e:
        model.finish()
    assert "invariant Agreement is false by the compiled predicate, true by Z3" in e.value.render()
    assert "msgs = {" in e.value.render()


def test_sample_is_uniform_and_checked(paxos):
    model = CrossCheckedModel(paxos, paxos.model.invariant_names, sample=300, seed=1)
    result = bfs(model)
    assert result.outcome == Outcome.OK
    assert model.z3.states == 0 and model.seen == 3921
    model.finish()
    assert model.z3.states == 300 and model.disagreements == 0
    assert len({id(s) for s in model.reservoir}) == 300


def test_cli_check_z3(paxos):
    proc = modelcheck("check", PAXOS, "--z3")
    assert proc.returncode == 0, proc.stderr
    assert "3,921 distinct states found" in proc.stdout
    assert "Z3 decided the invariants of 3,921 states" in proc.stderr
    assert "0 disagreements" in proc.stderr


def test_cli_check_z3_sample_json():
    proc = modelcheck("check", PAXOS, "--z3-sample", "100", "--json")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().startswith("{") and '"distinct_states": 3921' in proc.stdout
    assert "a sample of 100 of 3,921 states" in proc.stderr


def test_cli_check_z3_finds_the_bug_too():
    proc = modelcheck("check", PAXOS_BUGGY, "--z3", "--inv", "Agreement")
    assert proc.returncode == 1, proc.stderr
    assert "Error: invariant Agreement is violated." in proc.stdout
    assert "0 disagreements" in proc.stderr


def test_cli_check_z3_with_workers_is_a_usage_error():
    proc = modelcheck("check", PAXOS, "--z3", "--workers", "2")
    assert proc.returncode == 2
    assert "error: --z3 checks states in one process" in proc.stderr and "Traceback" not in proc.stderr


def test_cli_check_z3_unknown_invariant():
    proc = modelcheck("check", PAXOS, "--z3", "--inv", "Nope")
    assert proc.returncode == 2
    assert "no invariant 'Nope'" in proc.stderr


def test_unencodable_spec_is_an_error_with_location(spec_file):
    path = spec_file("spec T\nvar s : set[Nat]\ninit { s := {} }\naction A { s := s + {size(s)} }\n"
                     "invariant Small: size(subsets(s)) < 100\n")
    proc = modelcheck("check", path, "--z3", "--max-states", "3")
    assert proc.returncode == 2
    assert (f"{path}:5:23: error: cannot encode for Z3: subsets of a set without a finite universe "
            "is not supported by the Z3 encoding") in proc.stderr
    assert "Traceback" not in proc.stderr


def test_infinite_types_are_encoded(spec_file):
    # Nat is an unbounded Z3 Int; sets over it are slots, as many as the state needs
    path = spec_file("spec T\nvar x : Nat\nvar s : set[Nat]\ninit { x := 0\n s := {} }\n"
                     "action A { require x < 6\n x := x + 1\n s := s + {x * 2} }\n"
                     "invariant Small: size(s) == x and forall y in s: y < 2 * x\n")
    proc = modelcheck("check", path, "--z3", "--no-deadlock")
    assert proc.returncode == 0, proc.stderr
    assert "Z3 decided the invariants of 7 states" in proc.stderr


@pytest.mark.slow
def test_every_paxos_state_agrees_at_three_ballots():
    compiled = pipeline.load(PAXOS, {"Ballots": "0..2"})
    model = CrossCheckedModel(compiled, compiled.model.invariant_names)
    result = bfs(model)
    assert result.outcome == Outcome.OK and result.stats.distinct == 185369
    assert model.z3.states == 185369 and model.disagreements == 0
