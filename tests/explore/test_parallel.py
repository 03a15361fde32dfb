"""--workers N: the parallel search must give exactly the sequential search's results."""
from __future__ import annotations

import pytest

from modelcheck import pipeline
from modelcheck.explore import bfs as bfs_module
from modelcheck.explore.bfs import Limits, bfs
from modelcheck.explore.parallel import parallel_bfs

from conftest import PAXOS, PAXOS_BUGGY

COUNTER_WITH_CONSTRAINT = """spec C
var n : 0..10
var m : 0..10
init { n := 0  m := 0 }
action IncN { n := n + 1 }
action IncM { require n >= 1  m := m + 1 }
constraint Bound: n <= 4 and m <= 3
invariant SumSmall: n + m <= 8
"""

OUTSIDE_VIOLATION = COUNTER_WITH_CONSTRAINT.replace("n + m <= 8", "n <= 4")

DEADLOCK = """spec D
var x : 0..9
var y : 0..9
init { pick a in 0..2  x := a  y := 0 }
action Up { require x + y < 6  y := y + 1 }
action Side { require y < 2  x := x + 1 }
"""

RUNTIME_ERROR = """spec E
var f : 1..2 -> 0..3
var k : 0..5
init { f := [x in 1..2 -> 0]  k := 0 }
action Step { require k < 3  k := k + 1 }
action Bad { require k == 2  k := f[k + 1] }
"""


# An invariant that cannot be evaluated: in a new state, and in a state outside the constraint.
INVARIANT_ERROR = """spec I
var f : 1..3 -> 0..3
var k : 1..4
var n : 0..3
init { f := [x in 1..3 -> 0]  k := 1  n := 0 }
action Step { require k < 4  k := k + 1 }
action Count { require n < 3  n := n + 1 }
invariant Readable: n < 2 or f[k] >= 0
"""
OUTSIDE_ERROR = INVARIANT_ERROR.replace('invariant Readable', 'constraint Small: k <= 3\ninvariant Readable')

SMALL = [COUNTER_WITH_CONSTRAINT, OUTSIDE_VIOLATION, DEADLOCK, RUNTIME_ERROR, INVARIANT_ERROR, OUTSIDE_ERROR]
SMALL_IDS = ["constraint", "violation-outside-constraint", "deadlock", "runtime-error", "invariant-error",
             "invariant-error-outside-constraint"]


def _summary(result):
    v = result.violation
    return (result.outcome, result.stats.distinct, result.stats.generated, result.stats.action_counts,
            result.stats.depth,
            None if v is None else (v.kind, v.name, [s.action for s in v.trace.steps],
                                    [s.state for s in v.trace.steps]))


def _both(compiled, invariants=None, limits=Limits()):
    return bfs(compiled.model, invariants, limits), parallel_bfs(compiled.model, 2, invariants, limits)


@pytest.mark.parametrize("text", SMALL, ids=SMALL_IDS)
def test_small_models_same_result(text):
    sequential, parallel = _both(pipeline.load_text(text))
    assert _summary(parallel) == _summary(sequential)


@pytest.mark.parametrize("text", SMALL, ids=SMALL_IDS)
def test_small_models_same_result_whatever_the_batches(monkeypatch, text):
    compiled = pipeline.load_text(text)
    whole = bfs(compiled.model)
    monkeypatch.setattr(bfs_module, "BATCH_SIZE", 2)  # a batch per state or two
    assert _summary(bfs(compiled.model)) == _summary(whole) == _summary(parallel_bfs(compiled.model, 3))


@pytest.mark.parametrize("spec, invariants", [(PAXOS, None), (PAXOS_BUGGY, None), (PAXOS_BUGGY, ["Agreement"])],
                         ids=["paxos", "buggy-all", "buggy-agreement"])
def test_paxos_same_result(spec, invariants):
    sequential, parallel = _both(pipeline.load(spec), invariants)
    assert _summary(parallel) == _summary(sequential)


RAFT_RESTART_FORGETS_VOTE = PAXOS.parent / "raft_restart_forgets_vote.spec"


@pytest.mark.parametrize("spec, consts, invariants", [
    (PAXOS_BUGGY, {}, ["Agreement"]),
    pytest.param(PAXOS_BUGGY, {}, None, marks=pytest.mark.slow),
    pytest.param(RAFT_RESTART_FORGETS_VOTE, {"Servers": "{s1, s2, s3}", "MaxLogLen": "0", "MaxMsgs": "1"},
                 ["ElectionSafety"], marks=pytest.mark.slow),  # minutes: four searches of 10^5 states
], ids=["paxos-agreement", "paxos-all", "raft-forgets-vote"])
def test_a_violation_stops_at_the_same_point_whatever_the_batches_and_workers(monkeypatch, spec, consts, invariants):
    # The statistics are those of a search meeting states one at a time when it meets the
    # violating state: not those of the end of a batch of successors (bfs.py deduplicates
    # them by batches) nor of the end of the level (the workers expand it whole).
    compiled = pipeline.load(spec, consts)
    whole = bfs(compiled.model, invariants)
    monkeypatch.setattr(bfs_module, "BATCH_SIZE", 97)
    batched = bfs(compiled.model, invariants)
    parallel = parallel_bfs(compiled.model, 2, invariants)
    three = parallel_bfs(compiled.model, 3, invariants)
    assert whole.outcome.value == "violation"
    assert _summary(whole) == _summary(batched) == _summary(parallel) == _summary(three)
    # the violating state is the last one counted
    assert whole.violation.trace.steps[-1].state is not None and whole.stats.distinct < whole.stats.generated


def test_paxos_counts_with_three_workers():
    result = parallel_bfs(pipeline.load(PAXOS, {"Values": "{v1}"}).model, 3)
    assert (result.stats.distinct, result.stats.depth) == (1681, 17)


def test_limits_are_honoured():
    compiled = pipeline.load(PAXOS)
    result = parallel_bfs(compiled.model, 2, None, Limits(max_depth=5))
    assert result.stopped_because == "max depth 5"
    assert result.stats.depth == 5


def test_cli_workers_flag(run_cli):
    proc = run_cli("check", PAXOS_BUGGY, "--inv", "Agreement", "--workers", "2")
    assert proc.returncode == 1
    assert "12 steps" in proc.stdout
