"""The explorer on models small enough to count by hand: state counts, depth (TLC's
convention: initial states have depth 1), generated states, constraints, deadlocks,
shortest counterexamples, limits, symmetry and determinism."""
from __future__ import annotations

import json
import os

import pytest

from cli.inprocess import modelcheck
from conftest import NO_DEADLOCK, PAXOS, PAXOS_BUGGY, I, check_text
from modelcheck.explore.bfs import Limits, bfs
from modelcheck.explore.result import Outcome


# ---------------------------------------------------------------- constraints (TLC semantics)

COUNTER = """spec Counter
const N = 3
var x: 0..100
init {{ x := 0 }}
action Inc {{ x := x + 1 }}
constraint Bound: x <= N
invariant Inv: {inv}
"""


def test_constraint_bounds_the_distinct_states():
    r = check_text(COUNTER.format(inv="x <= N + 1"))
    # 0, 1, 2, 3 are within the constraint; 4 is generated (and checked) but not counted.
    # 3 has a successor (4), so it is no deadlock.
    assert r.outcome == Outcome.OK, r.violation
    assert (r.stats.distinct, r.stats.generated, r.stats.depth) == (4, 5, 4)


def test_invariant_broken_only_just_outside_the_constraint_is_reported():
    r = check_text(COUNTER.format(inv="x != N + 1"))
    assert r.outcome == Outcome.VIOLATION
    assert r.violation.name == "Inv"
    trace = r.violation.trace
    assert [s.state["x"] for s in trace.steps] == [I(0), I(1), I(2), I(3), I(4)]
    assert trace.actions == ["Inc"] * 4


def test_states_outside_the_constraint_are_not_explored():
    # 5 would only be reached by exploring 4, which lies outside the constraint
    r = check_text(COUNTER.format(inv="x != N + 2"))
    assert r.outcome == Outcome.OK
    assert r.stats.distinct == 4


def test_constraint_with_override():
    r = check_text(COUNTER.format(inv="x <= N + 1"), consts={"N": "6"})
    assert (r.outcome, r.stats.distinct, r.stats.depth) == (Outcome.OK, 7, 7)


# ---------------------------------------------------------------- a two-process mutex

MUTEX = """spec Mutex
const Procs = {{p1, p2}}
var pc: Procs -> {{"idle", "trying", "crit"}}
var lock: bool
init {{ pc := [p in Procs -> "idle"]
  lock := false }}
action Try(p in Procs) {{ require pc[p] == "idle"
  pc[p] := "trying" }}
action Enter(p in Procs) {{ require pc[p] == "trying"{guard}
  pc[p] := "crit"
  lock := true }}
action Exit(p in Procs) {{ require pc[p] == "crit"
  pc[p] := "idle"
  lock := false }}
invariant Mutex: forall p in Procs, q in Procs: pc[p] == "crit" and pc[q] == "crit" => p == q
{extra}
"""
GOOD_MUTEX = MUTEX.format(guard=" and not lock", extra="")
BAD_MUTEX = MUTEX.format(guard="", extra="")


def test_mutex_with_a_lock():
    # lock is true exactly when a process is in crit, so a state is the pair of pcs:
    # all 3 * 3 pairs but (crit, crit) are reachable: 8 states.
    #   depth 1: (idle, idle)
    #   depth 2: (trying, idle) (idle, trying)
    #   depth 3: (trying, trying) (crit, idle) (idle, crit)
    #   depth 4: (crit, trying) (trying, crit)
    # Successors: 2 in each of the first six states (each process that is idle can Try,
    # trying can Enter while the lock is free, in crit can Exit), 1 in (crit, trying) and
    # (trying, crit), where the trying process waits for the lock: 6 * 2 + 2 * 1 = 14,
    # plus the initial state: 15 generated (Try 6, Enter 4, Exit 4).
    r = check_text(GOOD_MUTEX)
    assert r.outcome == Outcome.OK, r.violation
    assert (r.stats.distinct, r.stats.generated, r.stats.depth) == (8, 15, 4)
    assert r.stats.action_counts == {"Try": 6, "Enter": 4, "Exit": 4}


def test_mutex_without_the_lock_check_is_violated_by_a_shortest_trace():
    r = check_text(BAD_MUTEX)
    assert r.outcome == Outcome.VIOLATION and r.violation.name == "Mutex"
    trace = r.violation.trace
    # Both processes must try and enter: 4 steps, although longer paths (through Exit) exist.
    assert len(trace) == 5
    assert trace.actions == ["Try", "Try", "Enter", "Enter"]
    assert trace.steps[0].action is None and trace.steps[0].args == {}
    assert trace.steps[-1].state["pc"] == {"#map": [["p1", "crit"], ["p2", "crit"]]}
    assert [s.args["p"] for s in trace.steps[1:]] == ["p1", "p2", "p1", "p2"]


def test_symmetry_on_the_mutex():
    # Swapping p1 and p2 identifies (trying, idle) with (idle, trying), (crit, idle) with
    # (idle, crit), and (crit, trying) with (trying, crit): 8 - 3 = 5 states.
    r = check_text(MUTEX.format(guard=" and not lock", extra="symmetry Procs"))
    assert (r.outcome, r.stats.distinct, r.stats.depth) == (Outcome.OK, 5, 4)
    bad = check_text(MUTEX.format(guard="", extra="symmetry Procs"))
    assert bad.outcome == Outcome.VIOLATION and len(bad.violation.trace) == 5
    assert bad.violation.trace.steps[-1].state["pc"] == {"#map": [["p1", "crit"], ["p2", "crit"]]}


# ---------------------------------------------------------------- shortest counterexamples

def test_shortest_counterexample_although_a_longer_path_is_found_first():
    # Slow (declared first) reaches 5 in 5 steps; Slow then Jump reaches it in 2.
    r = check_text("""spec Paths
        var x: 0..9
        init { x := 0 }
        action Slow { require x < 5
          x := x + 1 }
        action Jump { require x == 1
          x := 5 }
        invariant Not5: x != 5
        """)
    assert r.outcome == Outcome.VIOLATION
    assert r.violation.trace.actions == ["Slow", "Jump"]
    assert [s.state["x"] for s in r.violation.trace.steps] == [I(0), I(1), I(5)]
    assert r.stats.depth == 3


def test_violation_in_an_initial_state():
    r = check_text("""spec T
        var x: 0..9
        init { either { x := 0 } or { x := 7 } }
        action Inc { require x < 9
          x := x + 1 }
        invariant Not7: x != 7
        """)
    assert r.outcome == Outcome.VIOLATION
    assert len(r.violation.trace) == 1 and r.violation.trace.steps[0].state == {"x": I(7)}
    assert r.stats.depth == 1


def test_only_the_requested_invariants_are_checked():
    text = """spec T
        var x: 0..9
        init { x := 0 }
        action Inc { require x < 4
          x := x + 1 }
        invariant Below3: x < 3
        invariant Below2: x < 2
        """
    assert check_text(text, limits=NO_DEADLOCK).violation.name == "Below2"
    r = check_text(text, ["Below3"], NO_DEADLOCK)
    assert r.violation.name == "Below3" and len(r.violation.trace) == 4
    assert check_text(text, [], NO_DEADLOCK).outcome == Outcome.OK


# ---------------------------------------------------------------- deadlock

STOPS_AT_3 = """spec Stops
var x: 0..9
init { x := 0 }
action Inc { require x < 3
  x := x + 1 }
"""


def test_deadlock_is_reported_with_a_trace_to_the_deadlocked_state():
    r = check_text(STOPS_AT_3)
    assert r.outcome == Outcome.DEADLOCK
    assert r.violation.kind == "deadlock"
    assert [s.state["x"] for s in r.violation.trace.steps] == [I(0), I(1), I(2), I(3)]


def test_deadlock_check_can_be_turned_off():
    r = check_text(STOPS_AT_3, limits=NO_DEADLOCK)
    assert r.outcome == Outcome.OK and r.violation is None
    assert (r.stats.distinct, r.stats.generated, r.stats.depth) == (4, 4, 4)


def test_deadlock_on_the_command_line(spec_file):
    path = spec_file(STOPS_AT_3)
    proc = modelcheck("check", path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "deadlock" in proc.stdout.lower()
    assert "3 steps" in proc.stdout
    assert modelcheck("check", path, "--no-deadlock").returncode == 0


def test_a_state_whose_successor_is_itself_is_no_deadlock():
    r = check_text("""spec T
        var x: 0..9
        init { x := 0 }
        action Stay { x := x }
        """)
    assert (r.outcome, r.stats.distinct, r.stats.generated, r.stats.depth) == (Outcome.OK, 1, 2, 1)


# ---------------------------------------------------------------- depth and generated states

def test_single_initial_state_has_depth_1():
    r = check_text("spec T\nvar x: 0..1\ninit { x := 0 }\n", limits=NO_DEADLOCK)
    assert (r.outcome, r.stats.distinct, r.stats.generated, r.stats.depth) == (Outcome.OK, 1, 1, 1)


def test_generated_counts_duplicates():
    # 3 bits, each action flips one: 8 states, each with 3 successors; 1 + 8 * 3 generated.
    # The all-ones state is 3 flips away from the initial state: depth 4.
    r = check_text("""spec Bits
        var f: 1..3 -> 0..1
        init { f := [k in 1..3 -> 0] }
        action Flip(k in 1..3) { f[k] := 1 - f[k] }
        """)
    assert (r.outcome, r.stats.distinct, r.stats.generated, r.stats.depth) == (Outcome.OK, 8, 25, 4)
    assert r.stats.action_counts == {"Flip": 24}


def test_several_initial_states():
    # initial states 0 and 10; each counts up to +2: 6 states, depth 3
    r = check_text("""spec T
        const Starts = {0, 10}
        var base: Starts
        var x: 0..20
        init { pick s in Starts
          base := s
          x := s }
        action Inc { require x < base + 2
          x := x + 1 }
        """, limits=NO_DEADLOCK)
    assert (r.outcome, r.stats.distinct, r.stats.generated, r.stats.depth) == (Outcome.OK, 6, 6, 3)


# ---------------------------------------------------------------- limits

UNBOUNDED = """spec Up
var x: 0..1000
init { x := 0 }
action Inc { require x < 1000
  x := x + 1 }
invariant Small: x < 500
"""


def test_max_states():
    r = check_text(UNBOUNDED, limits=Limits(max_states=5))
    assert r.outcome == Outcome.INCOMPLETE and r.violation is None
    assert r.stats.distinct == 5  # one new state per level
    assert "max states" in r.stopped_because


def test_max_depth():
    r = check_text(UNBOUNDED, limits=Limits(max_depth=3))
    assert r.outcome == Outcome.INCOMPLETE and r.violation is None
    assert (r.stats.distinct, r.stats.depth) == (3, 3)
    assert "max depth" in r.stopped_because


def test_limits_not_reached():
    r = check_text(STOPS_AT_3, limits=Limits(max_states=100, max_depth=100, check_deadlock=False))
    assert (r.outcome, r.stats.distinct) == (Outcome.OK, 4)


def test_violation_within_the_limits_is_reported():
    r = check_text(UNBOUNDED.replace("x < 500", "x < 3"), limits=Limits(max_states=50, max_depth=50))
    assert r.outcome == Outcome.VIOLATION and len(r.violation.trace) == 4


@pytest.mark.parametrize("args, reason", [(["--max-states", "5"], "max states 5"),
                                          (["--max-depth", "3"], "max depth 3")])
def test_limits_on_the_command_line(spec_file, args, reason):
    proc = modelcheck("check", spec_file(UNBOUNDED), *args)
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert reason in proc.stdout
    js = modelcheck("check", spec_file(UNBOUNDED), *args, "--json")
    assert js.returncode == 3
    assert json.loads(js.stdout)["result"] == "incomplete"


# ---------------------------------------------------------------- symmetry on Paxos

@pytest.fixture(scope="module")
def paxos_source():
    return PAXOS.read_text()


def test_symmetry_reduces_paxos_and_keeps_the_verdict(paxos_source):
    plain = check_text(paxos_source)
    sym = check_text(paxos_source + "\nsymmetry Acceptors\n")
    assert plain.outcome == sym.outcome == Outcome.OK
    assert plain.stats.distinct == 3921
    # Each orbit holds at most 3! = 6 states, and some states are their own mirror images.
    assert 3921 / 6 <= sym.stats.distinct < 3921
    assert sym.stats.depth == plain.stats.depth == 17


def test_symmetry_keeps_the_counterexamples_of_buggy_paxos():
    text = PAXOS_BUGGY.read_text() + "\nsymmetry Acceptors\n"
    r = check_text(text, filename=str(PAXOS_BUGGY))  # beside paxos.spec, which it imports
    assert r.outcome == Outcome.VIOLATION and r.violation.name == "Inv" and len(r.violation.trace) == 8
    r = check_text(text, ["Agreement"], filename=str(PAXOS_BUGGY))
    assert r.outcome == Outcome.VIOLATION and r.violation.name == "Agreement" and len(r.violation.trace) == 13
    last = r.violation.trace.steps[-1].state
    chosen_values = {m["val"] for m in last["msgs"]["#set"] if m["type"] == "2b"}
    assert chosen_values == {"v1", "v2"}


def test_symmetry_on_a_set_that_is_not_of_model_values_is_an_error():
    from modelcheck.lang.errors import SpecError, SpecErrors
    with pytest.raises((SpecError, SpecErrors)):
        check_text("spec T\nconst N = {1, 2}\nsymmetry N\nvar x: 0..1\ninit { x := 0 }\n")


# ---------------------------------------------------------------- determinism

def test_same_result_whatever_the_hash_seed(run_cli):
    # this process (its hash seed random unless PYTHONHASHSEED is set) and a child with another seed
    other = "2" if os.environ.get("PYTHONHASHSEED") == "1" else "1"
    args = ("check", PAXOS_BUGGY, "--inv", "Agreement", "--json")
    runs = [modelcheck(*args), run_cli(*args, env={"PYTHONHASHSEED": other})]
    assert [p.returncode for p in runs] == [1, 1], [p.stderr for p in runs]
    a, b = (json.loads(p.stdout) for p in runs)
    assert a["distinct_states"] == b["distinct_states"] == 8402  # up to the violating state
    assert a["states_generated"] == b["states_generated"]
    assert a["depth"] == b["depth"]
    assert a["violation"] == b["violation"]
    assert len(a["violation"]["trace"]) == 13


# ---------------------------------------------------------------- a hand-written Model

class Grid:
    """A token on a 3x3 grid starting at (0, 0), moving right or up; states are (col, row)."""

    action_names = ("Right", "Up")

    def __init__(self, invariants=None, constraint=None):
        self._invariants = invariants or {}
        self._constraint = constraint
        self.invariant_names = tuple(self._invariants)

    def init_states(self):
        yield (), (), (0, 0)

    def _right(self, s):
        if s[0] < 2:
            yield ("by",), (1,), (s[0] + 1, s[1])

    def _up(self, s):
        if s[1] < 2:
            yield ("by",), (1,), (s[0], s[1] + 1)

    def actions(self):
        return (self._right, self._up)

    def invariant(self, name):
        return self._invariants[name]

    def constraint(self):
        return self._constraint

    def fingerprint(self, s):
        return hash(s)

    def describe(self, s):
        return {"col": I(s[0]), "row": I(s[1])}

    def describe_args(self, action, names, values):
        return {n: I(v) for n, v in zip(names, values)}


def test_hand_written_model_deadlocks_in_the_corner():
    r = bfs(Grid())
    # (2, 2) is 4 moves from (0, 0) and has no move left
    assert r.outcome == Outcome.DEADLOCK
    assert r.violation.trace.steps[-1].state == {"col": I(2), "row": I(2)}
    assert len(r.violation.trace) == 5


def test_hand_written_model_counts():
    r = bfs(Grid(), limits=NO_DEADLOCK)
    # 9 cells; 6 of them can move right and 6 can move up: 1 + 12 generated
    assert (r.outcome, r.stats.distinct, r.stats.generated, r.stats.depth) == (Outcome.OK, 9, 13, 5)
    assert r.stats.action_counts == {"Right": 6, "Up": 6}


def test_hand_written_model_violation_and_trace():
    r = bfs(Grid({"NotDiagonal": lambda s: not (s[0] == s[1] == 1)}), limits=NO_DEADLOCK)
    assert r.outcome == Outcome.VIOLATION and r.violation.name == "NotDiagonal"
    steps = r.violation.trace.steps
    assert [s.state for s in steps] == [{"col": I(0), "row": I(0)}, {"col": I(1), "row": I(0)},
                                        {"col": I(1), "row": I(1)}]
    assert [s.action for s in steps] == [None, "Right", "Up"]
    assert steps[1].args == {"by": I(1)}


def test_hand_written_model_with_a_constraint():
    r = bfs(Grid({"Inside": lambda s: s != (2, 2)}, constraint=lambda s: s[0] + s[1] <= 2), limits=NO_DEADLOCK)
    # cells with col + row <= 2: 6 of them; (2, 2) is never generated
    assert (r.outcome, r.stats.distinct, r.stats.depth) == (Outcome.OK, 6, 3)


def test_hand_written_model_invariant_subset():
    model = Grid({"A": lambda s: s != (0, 1), "B": lambda s: s != (2, 0)})
    assert bfs(model, ["B"], NO_DEADLOCK).violation.name == "B"
    assert bfs(model, [], NO_DEADLOCK).outcome == Outcome.OK


# ---------------------------------------------------------------- remembered operator values

VIEWS = """spec Views
var x: 0..3
var y: 0..3
var z: 0..3
init { x := 0  y := 0  z := 0 }
action IncX { require x < 3  x := x + 1 }
action IncY { require y < 3  y := y + 1 }
action IncZ { require z < 3  z := z + 1 }
def Ratio = 12 / x                // a view of x that fails where x == 0
def Zero = x == 0
def Low = { v in 0..3 | v <= y }  // a view of y
invariant Guarded: Zero or Ratio >= 4
invariant Through: size(Low) <= {limit}
"""


def test_an_invariant_remembered_by_a_view_that_fails_is_evaluated_as_written():
    # Guarded is remembered by the values of Zero and Ratio; Ratio fails where x == 0, where
    # Guarded, as written, does not read it: that is no error.
    r = check_text(VIEWS.replace("{limit}", "4"), limits=NO_DEADLOCK)
    assert r.outcome == Outcome.OK, r.violation
    assert r.stats.distinct == 64


def test_an_invariant_remembered_by_a_view_breaks_where_the_view_says():
    # Through reads y only through Low: states with the same y share its answer, whatever
    # x and z are, and the first state with y == 2 is reported, by a shortest trace.
    r = check_text(VIEWS.replace("{limit}", "2"), invariants=["Through"], limits=NO_DEADLOCK)
    assert r.outcome == Outcome.VIOLATION and r.violation.name == "Through"
    assert [s.state["y"] for s in r.violation.trace.steps] == [I(0), I(1), I(2)]
