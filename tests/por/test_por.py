"""check --por: partial-order reduction keeps every verdict of the full search (the same
invariant violated, with a trace the spec accepts; the same invariants proved; the same
deadlocks) and explores fewer states where steps are independent and invisible."""
from __future__ import annotations

from pathlib import Path

import pytest

from conftest import REPO
from cli.inprocess import modelcheck
from modelcheck import pipeline
from modelcheck.explore import bfs
from modelcheck.explore.bfs import Limits

HERE = Path(__file__).parent
COUNTERS = HERE / "counters.spec"


def check(*args):
    run = modelcheck("check", *args, "--json", "--no-props")
    assert run.returncode in (0, 1), run.out
    return run.json()


def test_independent_counters_need_less_than_half_the_states():
    full = check(COUNTERS, "--inv", "FlagsCounted", "--no-deadlock")
    reduced = check(COUNTERS, "--inv", "FlagsCounted", "--no-deadlock", "--por")
    assert full["result"] == reduced["result"] == "ok"
    assert "partial_order_reduced_states" not in full
    assert reduced["partial_order_reduced_states"] > 0
    assert 2 * reduced["distinct_states"] <= full["distinct_states"]


def test_the_text_report_says_how_many_states_were_explored_with_the_reduction():
    run = modelcheck("check", COUNTERS, "--inv", "FlagsCounted", "--no-deadlock", "--por")
    assert run.returncode == 0, run.out
    assert "Explored 13 states with partial-order reduction: 11 of them expanded by an ample set" in run.out


def test_the_violation_found_with_the_reduction_is_the_same_invariant_and_replays(tmp_path):
    itf = tmp_path / "t.itf.json"
    full = check(COUNTERS)
    reduced = check(COUNTERS, "--por", "--out-itf", itf)
    assert full["violation"]["name"] == reduced["violation"]["name"] == "FlagsRaisedInOrder"
    replayed = modelcheck("replay", COUNTERS, itf)
    assert replayed.returncode == 0, replayed.out
    assert "invariant FlagsRaisedInOrder is violated" in replayed.out


def test_deadlocks_are_kept():
    full = check(COUNTERS, "--inv", "FlagsCounted")
    reduced = check(COUNTERS, "--inv", "FlagsCounted", "--por")
    assert full["result"] == reduced["result"] == "deadlock"
    assert full["violation"]["trace"][-1]["state"] == reduced["violation"]["trace"][-1]["state"]


def test_the_report_says_why_states_were_expanded_fully(tmp_path):
    spec = tmp_path / "bounded.spec"
    spec.write_text(COUNTERS.read_text() + "\nconstraint Within: count[p1] < Max\n")  # Step(p1) leaves it
    run = modelcheck("check", spec, "--inv", "FlagsCounted", "--no-deadlock", "--por")
    assert run.returncode == 0, run.out
    assert "per reason (docs/partial-order.md; a state may count under several): " \
           "Step may leave the state constraint: " in run.out


def test_a_step_proved_unable_to_change_an_invariant_is_taken_first():
    """Step writes `count`, which CountsBounded reads, but cannot break it nor repair it (Z3
    proves both: Step requires count[p] < Max), so it is taken first all the same."""
    args = ["--no-deadlock", "--const", "Max=2", "--inv", "FlagsCounted", "--inv", "CountsBounded"]
    reduced = check(COUNTERS, "--por", *args)
    full = check(COUNTERS, *args)
    assert full["result"] == reduced["result"] == "ok"
    assert reduced["partial_order_reduced_states"] > 0
    assert 2 * reduced["distinct_states"] <= full["distinct_states"]


def test_without_a_proof_a_step_that_a_check_reads_is_taken_first_only_with_all_its_writers(tmp_path):
    """Each Step adds to a set of numbers, which the invariant reads. The set is unbounded, so
    Z3's proofs (which hold values up to a capacity) do not count: every Step may break or
    repair SeenSmall, so a stubborn set holding one Step holds every Step, and no state has an
    ample set smaller than all its steps."""
    spec = tmp_path / "seen.spec"
    spec.write_text("""spec Seen
const Procs = {p1, p2, p3}
var count : Procs -> Nat
var seen  : set[Nat]
init {
  count := [p in Procs -> 0]
  seen  := {}
}
action Step(p in Procs) {
  require count[p] < 2
  count[p] := count[p] + 1
  seen     := seen + {count[p]}
}
invariant SeenSmall: size(seen) <= 2
""")
    reduced = check(spec, "--por", "--no-deadlock")
    full = check(spec, "--no-deadlock")
    assert full["result"] == reduced["result"] == "ok"
    assert reduced["partial_order_reduced_states"] == 0
    assert reduced["distinct_states"] == full["distinct_states"]
    assert reduced["partial_order_expanded_fully"] == {"every stubborn set holds every enabled step": 20}


def test_steps_visible_to_one_invariant_only_are_taken_first_when_they_are_all_its_writers():
    """Every step of two_groups.spec writes a variable an invariant reads. Tally is the only
    writer of what TallyBounded reads and writes nothing Bounded reads: it is taken first."""
    full = check(HERE / "two_groups.spec")
    reduced = check(HERE / "two_groups.spec", "--por")
    assert full["result"] == reduced["result"] == "deadlock"
    assert full["violation"]["trace"][-1]["state"] == reduced["violation"]["trace"][-1]["state"]
    assert reduced["partial_order_reduced_states"] > 0
    assert 2 * reduced["distinct_states"] <= full["distinct_states"]


def test_an_invariant_violated_among_the_steps_taken_first_is_found():
    reduced = check(HERE / "two_groups.spec", "--por", "--const", "MaxTally=4")
    assert reduced["violation"]["name"] == "TallyBounded"


@pytest.mark.parametrize("name, invariant", [("repair.spec", "NotBoth"), ("constraint_exit.spec", "NeverRaised")])
def test_a_step_that_would_hide_the_violation_is_not_taken_first(name, invariant):
    """repair.spec: ClearY is independent of SetX and never breaks the invariant, but after
    it SetX no longer does. constraint_exit.spec: Tick changes nothing an invariant reads but
    leaves the state constraint, where the search stops."""
    reduced = check(HERE / name, "--por", "--no-deadlock")
    assert reduced["result"] == "violation"
    assert reduced["violation"]["name"] == invariant
    assert len(reduced["violation"]["trace"]) == 2  # the initial state and the violating step


def test_additions_to_a_shared_set_commute():
    """Every Step of history.spec adds to the set `seen`; set union does not depend on the order."""
    full = check(HERE / "history.spec", "--no-deadlock")
    reduced = check(HERE / "history.spec", "--no-deadlock", "--por")
    assert full["result"] == reduced["result"] == "ok"
    assert reduced["partial_order_reduced_states"] > 0
    assert 2 * reduced["distinct_states"] <= full["distinct_states"]


# Every spec of specs/, with constants small enough for a test.
SPECS = [
    ("paxos.spec", []),
    ("paxos_buggy.spec", []),
    ("raft.spec", ["--model", "one_message"]),
    ("raft_commit_old_term.spec", ["--const", "MaxMsgs=1"]),
    ("raft_restart_forgets_vote.spec", ["--const", "MaxMsgs=1"]),
    ("register.spec", []),
    ("two_phase.spec", []),
]


def test_the_list_names_every_spec():
    assert {name for name, _ in SPECS} == {p.name for p in (REPO / "specs").glob("*.spec")}


@pytest.mark.parametrize("name, options", SPECS, ids=[name for name, _ in SPECS])
def test_every_spec_gets_the_verdict_of_the_full_search(name, options, tmp_path):
    spec = REPO / "specs" / name
    itf = tmp_path / "t.itf.json"
    full = check(spec, *options)
    reduced = check(spec, *options, "--por", "--out-itf", itf)
    assert reduced["result"] == full["result"]
    assert reduced["distinct_states"] <= full["distinct_states"]
    if full["violation"] is not None:
        assert reduced["violation"]["name"] == full["violation"]["name"]
        replayed = modelcheck("replay", spec, itf, *options)
        assert replayed.returncode == 0, replayed.out


@pytest.mark.parametrize("args, message", [
    (["--const", "Max=1"], "temporal properties (Eventually) are not checked with --por"),
    (["--no-props", "--workers", "2"], "--por runs in the one-process search only"),
])
def test_what_the_reduction_cannot_check_is_refused(tmp_path, args, message):
    spec = tmp_path / "t.spec"
    spec.write_text(COUNTERS.read_text() + "\nproperty Eventually: eventually flag[p1]\nfairness weak all\n")
    run = modelcheck("check", spec, "--por", *args)
    assert run.returncode == 2
    assert message in run.out


PROCS = """spec Procs
const Procs = {p1, p2, p3}
var loc  : Procs -> 0..1
var flag : Procs -> bool
var box  : set[Procs]
init {
  loc  := [p in Procs -> 0]
  flag := [p in Procs -> false]
  box  := {}
}
"""
# the cycle proviso meets successors of states of the level expanded before
MET_IN_THE_LEVEL = PROCS + """action Put(p in Procs) { require loc[p] == 1
  box := box + {p} }
action Recall(p in Procs) { require loc[p] == 0 and not flag[p]
  flag[p] := true }
action Follow(p in Procs, q in Procs) { require p != q and flag[q] and loc[p] < 1
  loc[p] := loc[p] + 1 }
action Inc(p in Procs) { require loc[p] < 1
  loc[p] := loc[p] + 1 }
invariant Zero: forall p in Procs: loc[p] <= 0
"""
# the violation is found in a level whose later states are expanded by ample sets too
STOPPED_IN_THE_LEVEL = """spec Procs
const Procs = {p1, p2, p3}
var loc  : Procs -> Nat
var flag : Procs -> bool
var sh   : Nat
init {
  loc  := [p in Procs -> 0]
  flag := [p in Procs -> false]
  sh   := 0
}
action Raise(p in Procs) { require loc[p] >= 0 and not flag[p]
  flag[p] := true }
action Inc(p in Procs) { require loc[p] < 1
  loc[p] := loc[p] + 1 }
invariant OneFlag: size({p in Procs | flag[p]}) <= 1
invariant Shared: sh <= 1
"""


@pytest.mark.parametrize("text, invariants, deadlock", [
    (MET_IN_THE_LEVEL, [], False),
    (STOPPED_IN_THE_LEVEL, ["OneFlag"], True),
    (COUNTERS.read_text(), ["FlagsCounted"], False),
    ((HERE / "two_groups.spec").read_text(), None, True),
], ids=["met-in-the-level", "stopped-in-the-level", "counters", "two-groups"])
def test_the_reduction_does_not_depend_on_the_batches_of_the_python_search(monkeypatch, text, invariants, deadlock):
    """C3 counts as met the successors of the batch being filled, and at a stop the counts
    are taken back to the stopping state: what a search taking one state at a time does."""
    compiled = pipeline.load_text(text)

    def run():
        r = pipeline.check(compiled, invariants, Limits(check_deadlock=deadlock), partial_order=True)
        return (r.outcome, r.violation, r.stats.distinct, r.stats.generated, r.stats.reduced_states,
                r.stats.expanded_fully)
    whole = run()
    monkeypatch.setattr(bfs, "BATCH_SIZE", 1)
    assert run() == whole
