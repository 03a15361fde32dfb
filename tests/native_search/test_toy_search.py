"""The native search against the Python explorer on the hand-written toy model (toy.c and
its twin toy.py), and one thread against two: counts, depth, verdicts, traces."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modelcheck.explore.bfs import Limits, bfs
from modelcheck.explore.native.driver import native_bfs
from modelcheck.explore.result import Outcome

from toy_build import needs_compiler, toy

pytestmark = needs_compiler()


def summary(result):
    v = result.violation
    return (result.outcome, result.stopped_because, result.stats.distinct, result.stats.generated,
            result.stats.depth, result.stats.action_counts,
            None if v is None else (v.kind, v.name, v.trace))


def test_full_search_counts_match_python():
    native = toy(K=12)
    python = bfs(native.model, limits=Limits(check_deadlock=False))
    assert python.outcome is Outcome.OK and python.stats.distinct > 1000
    for workers in (1, 2, 3):
        assert summary(native_bfs(native, limits=Limits(check_deadlock=False), workers=workers)) == summary(python)


def stop_of(result):
    v = result.violation
    return (result.outcome, None if v is None else v.kind, None if v is None else v.name, result.stats.distinct,
            result.stats.generated, result.stats.depth, result.stats.action_counts)


@pytest.mark.parametrize("params", [
    dict(K=12, INV_SUM=17),                      # an invariant breaks deep in
    dict(K=12, INV_SUM=17, CMAX=4),              # ... with a constraint
    dict(K=12, INV_SUM=9, CMAX=2),               # ... first in a state outside the constraint
    dict(K=12, TYPE_MAX=9),                      # a variable leaves its type
    dict(K=12, INV_SUM=20, SYM=1),               # symmetry: the first copy met is kept
], ids=["invariant", "constraint", "outside", "type", "symmetry"])
def test_a_violation_stops_where_a_sequential_search_stops(params):
    from sequential_reference import sequential_stop
    native = toy(**params)
    expected = sequential_stop(native.model)
    assert expected[0] is Outcome.VIOLATION
    python = bfs(native.model, limits=Limits(check_deadlock=False))
    results = [native_bfs(native, limits=Limits(check_deadlock=False), workers=w) for w in (1, 2, 3)]
    for result in results:
        assert stop_of(result) == expected
        # the same counterexample as the Python explorer's (the counts of which depend on its batches)
        assert (result.violation.kind, result.violation.name, result.violation.trace) == \
               (python.violation.kind, python.violation.name, python.violation.trace)
        assert result.stats.depth == python.stats.depth


def test_max_states_stops_at_that_many_states():
    from sequential_reference import sequential_stop
    native = toy(K=12)
    expected = sequential_stop(native.model, max_states=777)
    for workers in (1, 2):
        result = native_bfs(native, limits=Limits(max_states=777, check_deadlock=False), workers=workers)
        assert stop_of(result) == expected
        assert result.stopped_because == "max states 777"


def test_max_depth_as_python():
    native = toy(K=12)
    python = bfs(native.model, limits=Limits(max_depth=5, check_deadlock=False))
    for workers in (1, 2):
        assert summary(native_bfs(native, limits=Limits(max_depth=5, check_deadlock=False), workers=workers)) == \
               summary(python)


@pytest.mark.parametrize("params", [dict(K=12), dict(K=12, CMAX=5)], ids=["plain", "constraint"])
def test_deadlock_as_python(params):
    native = toy(**params)
    python = bfs(native.model)
    assert python.outcome is Outcome.DEADLOCK or params.get("CMAX")
    for workers in (1, 2, 3):
        assert summary(native_bfs(native, workers=workers)) == summary(python)


@pytest.mark.parametrize("params", [
    dict(K=12, ERR_C=7),                         # an action fails
    dict(K=12, INV_ERR_B=9),                     # an invariant fails to evaluate
    dict(K=12, INV_ERR_B=9, CMAX=1),             # ... in a state outside the constraint
], ids=["successors", "invariant", "outside"])
def test_runtime_error_as_python(params):
    native = toy(**params)
    python = bfs(native.model, limits=Limits(check_deadlock=False))
    assert python.outcome is Outcome.ERROR
    for workers in (1, 2, 3):
        result = native_bfs(native, limits=Limits(check_deadlock=False), workers=workers)
        assert (result.outcome, result.violation, result.stats.depth) == \
               (python.outcome, python.violation, python.stats.depth)
        if params.get("ERR_C"):  # the counts of a failing action are the Python explorer's
            assert summary(result) == summary(python)


def test_symmetry_counts_match_python():
    native = toy(K=12, SYM=1)
    python = bfs(native.model, limits=Limits(check_deadlock=False))
    for workers in (1, 2):
        assert summary(native_bfs(native, limits=Limits(check_deadlock=False), workers=workers)) == summary(python)



@settings(max_examples=40, deadline=None, database=None, derandomize=True)
@given(k=st.integers(1, 25), inv_sum=st.integers(0, 60), cmax=st.sampled_from([255, 0, 2, 5]),
       type_max=st.sampled_from([255, 3, 7]), sym=st.integers(0, 1), max_states=st.sampled_from([None, 1, 17, 90]))
def test_any_stop_is_where_a_sequential_search_stops(k, inv_sum, cmax, type_max, sym, max_states):
    from sequential_reference import sequential_stop
    native = toy(K=k, INV_SUM=inv_sum, CMAX=cmax, TYPE_MAX=type_max, SYM=sym)
    expected = sequential_stop(native.model, max_states=max_states)
    limits = Limits(max_states=max_states, check_deadlock=False)
    for workers in (1, 2, 3):
        assert stop_of(native_bfs(native, limits=limits, workers=workers)) == expected


@pytest.mark.parametrize("params", [dict(K=14), dict(K=14, INV_SUM=30), dict(K=14, ERR_C=9)],
                         ids=["whole", "violation", "error"])
def test_levels_spilled_to_disk_give_the_same_result(params):
    native = toy(**params)
    limits = Limits(check_deadlock=False)
    in_memory = summary(native_bfs(native, limits=limits))
    for workers in (1, 2):  # a few hundred bytes in memory: nearly every state goes to disk
        assert summary(native_bfs(native, limits=limits, workers=workers, queue_memory=600)) == in_memory


def test_the_visited_set_takes_at_most_16_bytes_per_state():
    from modelcheck.explore.native.driver import native_bfs_measured
    result, visited = native_bfs_measured(toy(K=40), limits=Limits(check_deadlock=False), workers=2)
    assert result.stats.distinct == 41 ** 3
    assert 8 < visited / result.stats.distinct <= 16
