"""The native backend against the Python backend on the shipped specs, and one thread
against two: the same distinct and generated states, depth, per-action counts, verdict and
counterexample. At a violation the Python explorer's counts depend on its batches (it checks
a batch of new states at a time), so there the comparison is the verdict, the counterexample
and the depth; one thread and two must agree on everything."""
from __future__ import annotations

import pytest

from conftest import SPECS
from modelcheck import pipeline
from modelcheck.compile.native import native_problem
from modelcheck.explore.bfs import Limits
from modelcheck.explore.result import Outcome

pytestmark = pytest.mark.skipif(native_problem() is not None, reason=f"no native build here: {native_problem()}")


def summary(result):
    return (result.outcome, result.stopped_because, result.violation, result.stats.distinct,
            result.stats.generated, result.stats.depth, result.stats.action_counts)


def compare(spec: str, consts: dict[str, str] | None = None, invariants=None, limits: Limits = Limits()):
    return compare_compiled(pipeline.load(SPECS / spec, consts), invariants, limits)


def compare_compiled(compiled, invariants=None, limits: Limits = Limits()):
    backend = pipeline.choose_backend(compiled, "native", optimize=False)
    python = pipeline.check(compiled, invariants, limits)
    native = [pipeline.check(compiled, invariants, limits, workers=w, backend=backend) for w in (1, 2)]
    assert summary(native[0]) == summary(native[1])
    if python.outcome is Outcome.VIOLATION:
        assert (native[0].outcome, native[0].violation, native[0].stats.depth) == \
               (python.outcome, python.violation, python.stats.depth)
    else:
        assert summary(native[0]) == summary(python)
    return native[0]


SLOW = pytest.mark.slow


@pytest.mark.parametrize("spec, consts", [
    ("two_phase.spec", None),
    ("register.spec", None),
    ("paxos.spec", {"Ballots": "0..1"}),
    pytest.param("raft.spec", {"MaxMsgs": "1"}, marks=SLOW),
    pytest.param("raft_commit_old_term.spec", {"MaxMsgs": "1"}, marks=SLOW),
    pytest.param("raft_restart_forgets_vote.spec", {"MaxMsgs": "1"}, marks=SLOW),
], ids=lambda x: x if isinstance(x, str) else "")
def test_a_whole_search_counts_as_python(spec, consts):
    assert compare(spec, consts).outcome is Outcome.OK


def test_a_violation_gives_the_python_counterexample():
    result = compare("paxos_buggy.spec")
    assert result.outcome is Outcome.VIOLATION and len(result.violation.trace) > 1


COUNTER = """spec Counter
const Divisor = 0
var x : 0..3
var y : 0..9
init { x := 0  y := 0 }
action Inc { require x < 3
  x := x + 1 }
action Split { require x == 2 and y == 0
  y := 6 / Divisor }
invariant Small: x < 4
"""


def test_a_deadlock_as_python():
    result = compare_compiled(pipeline.load_text(COUNTER, {"Divisor": "2"}))
    assert result.outcome is Outcome.DEADLOCK


def test_a_runtime_error_as_python():
    result = compare_compiled(pipeline.load_text(COUNTER))
    assert result.outcome is Outcome.ERROR and "zero" in result.violation.name


def test_limits_as_python():
    compare("paxos.spec", {"Ballots": "0..1"}, limits=Limits(max_depth=6))


@pytest.mark.slow
@pytest.mark.parametrize("spec, consts", [("paxos.spec", None), ("raft.spec", None)], ids=["paxos", "raft"])
def test_default_constants_as_python(spec, consts):
    assert compare(spec, consts).outcome is Outcome.OK


@pytest.mark.slow
def test_raft_restart_forgets_vote_the_bug():
    result = compare("raft_restart_forgets_vote.spec", {"Servers": "{s1, s2, s3}", "MaxLogLen": "0", "MaxMsgs": "1"},
                     ["ElectionSafety"])
    assert result.outcome is Outcome.VIOLATION and len(result.violation.trace) == 19
