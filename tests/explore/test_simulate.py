"""Random simulation: finds the paxos_buggy violation from a fixed seed, reproducibly, with a
trace that replays; counts runs, steps and action coverage; deadlocks and evaluation errors."""
from __future__ import annotations

import pytest

from conftest import PAXOS, PAXOS_BUGGY
from modelcheck import pipeline
from modelcheck.explore.replay import replay
from modelcheck.explore.result import Outcome
from modelcheck.explore.simulate import simulate


@pytest.fixture(scope="module")
def buggy():
    return pipeline.load(PAXOS_BUGGY)


def test_finds_the_paxos_buggy_violation_from_a_fixed_seed(buggy):
    result = simulate(buggy.model, ["Agreement"], runs=200, depth=30, seed=1)
    assert result.outcome is Outcome.VIOLATION
    v = result.violation
    assert v.kind == "invariant" and v.name == "Agreement"
    assert result.run is not None and result.stats.runs == result.run + 1
    # the trace is a real behaviour of the spec, and its last state (only) breaks Agreement
    checked = replay(buggy.model, v.trace, ["Agreement"])
    assert checked.ok and checked.violations == ((len(v.trace) - 1, "Agreement"),)
    assert len(v.trace) - 1 >= 12  # never shorter than the shortest counterexample (12 steps)


def test_runs_are_reproducible_from_the_seed(buggy):
    def walks(seed):
        out = []
        simulate(buggy.model, [], runs=5, depth=15, seed=seed, on_trace=lambda run, t: out.append(t))
        return out
    first, again, other = walks(42), walks(42), walks(43)
    assert first == again
    assert first != other
    assert len(first) == 5 and all(1 < len(t) <= 16 for t in first)


def test_statistics_and_coverage():
    compiled = pipeline.load(PAXOS)
    result = simulate(compiled.model, None, runs=50, depth=20, seed=3)
    assert result.outcome is Outcome.OK and result.violation is None
    s = result.stats
    assert s.runs == 50 and 0 < s.steps <= 50 * 20
    assert set(s.taken) == set(s.enabled) == {"Phase1a", "Phase1b", "Phase2a", "Phase2b"}
    assert sum(s.taken.values()) == s.steps
    assert all(s.taken[a] > 0 and s.enabled[a] >= s.taken[a] for a in s.taken)
    assert s.traces_per_second > 0 and s.steps_per_second > 0


def test_deadlock_and_errors_are_reported():
    spec = "spec D\nvar x : 0..3\ninit { x := 0 }\naction Inc { require x < 2  x := x + 1 }\n"
    result = simulate(pipeline.load_text(spec).model, [], runs=3, depth=10, seed=0)
    assert result.outcome is Outcome.DEADLOCK and result.run == 0
    assert [s.state["x"]["#bigint"] for s in result.violation.trace.steps] == ["0", "1", "2"]
    assert simulate(pipeline.load_text(spec).model, [], runs=3, depth=10, seed=0,
                    check_deadlock=False).outcome is Outcome.OK
    bad = "spec E\nvar x : 0..3\ninit { x := 0 }\naction Div { x := 3 / x }\n"
    result = simulate(pipeline.load_text(bad).model, [], runs=3, depth=10, seed=0)
    assert result.outcome is Outcome.ERROR and "division by zero" in result.violation.name


def test_constraint_bounds_the_walks():
    spec = ("spec C\nvar x : 0..10\ninit { x := 0 }\naction Inc { x := x + 1 }\n"
            "invariant Small: x <= 4\nconstraint Bound: x <= 2\n")
    compiled = pipeline.load_text(spec)
    result = simulate(compiled.model, ["Small"], runs=5, depth=20, seed=0, check_deadlock=False)
    assert result.outcome is Outcome.OK and result.stats.steps == 5 * 2  # x = 3 is outside: never taken
    spec = spec.replace("x <= 4", "x <= 2")
    result = simulate(pipeline.load_text(spec).model, ["Small"], runs=5, depth=20, seed=0)
    # a successor outside the constraint is still checked, as in the breadth-first search
    assert result.outcome is Outcome.VIOLATION and len(result.violation.trace) == 4
