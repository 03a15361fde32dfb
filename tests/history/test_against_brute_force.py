"""The checkers agree with brute force on hundreds of small random histories (thousands
with -m slow)."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from modelcheck.history import linearizable, sequential, smt, witness
from modelcheck.history.format import History
from modelcheck.history.model import appended_keys, keeps_sources
from modelcheck.history.result import Deadline, Effort, Verdict
from modelcheck.history.saturate import key_refutation, refutation

from histories import brute_linearizable, brute_sequential, could_be_sources, histories

CHECKERS = ((linearizable.check, brute_linearizable), (sequential.check, brute_sequential))


def examples(n: int) -> settings:
    return settings(max_examples=n, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def agree_with_brute_force(history: History) -> None:
    for check, brute in CHECKERS:
        assert (check(history).verdict is Verdict.VALID) == brute(history), check.__module__


@examples(400)
@given(histories())
def test_checkers_agree_with_brute_force(history):
    agree_with_brute_force(history)


@pytest.mark.slow
@examples(2000)
@given(histories())
def test_checkers_agree_with_brute_force_more(history):
    agree_with_brute_force(history)


@examples(200)
@given(histories())
def test_each_way_of_deciding_sequential_consistency_is_right(history):
    each_way_is_right(history)


@pytest.mark.slow
@examples(1000)
@given(histories())
def test_each_way_of_deciding_sequential_consistency_is_right_more(history):
    each_way_is_right(history)


def each_way_is_right(history: History) -> None:
    """The steps of sequential.decide separately: the search, Z3's encoding, saturation's
    refutations, and the witnesses made of per-key orders."""
    expected = brute_sequential(history)
    ops = list(history.ops)
    assert sequential.sequentially_consistent(ops) == expected
    for parses in (smt.PARSES, 0) if appended_keys(ops) else (smt.PARSES,):  # chains of writes, or Z3 strings
        assert (smt.sequential_order(ops, Deadline(None), parses) is not None) == expected
    if refutation(ops, Deadline(None)) or key_refutation(ops, Deadline(None)):
        assert not expected
    orders, linearizations, bad = [], [], []
    for key_ops in linearizable.ops_by_key(ops).values():
        search = sequential.run_search(key_ops, Deadline(None), None)
        if search.found is None:
            assert not expected
            return
        orders.append(search.order())
        linearization = linearizable.linearization(key_ops, Deadline(None), Effort())
        (bad if linearization is None else linearizations).append(linearization or key_ops)
    if witness.merge(orders) is not None:
        assert expected
    if sequential.follows_linearizations(ops, linearizations, bad, Deadline(None), Effort()):
        assert expected


@examples(400)
@given(histories())
def test_counterexamples_are_honest_bad_on_their_own_and_minimal(history):
    """An invalid result's operations: inconsistent on their own (brute force), containing
    the operation the message names, every read keeping a write that could be its source
    (judged here independently of the checkers), and no operation can be left out."""
    for check, brute, real_time in ((linearizable.check, brute_linearizable, True),
                                    (sequential.check, brute_sequential, False)):
        result = check(history)
        if result.verdict is not Verdict.INVALID:
            continue
        kept = {op.id for op in result.ops}
        assert result.minimal
        assert not brute(History(result.ops, history.events))
        assert result.culprit is None or result.culprit.id in kept
        assert result.culprit is None or result.culprit.describe() in result.reason
        for op in result.ops:
            candidates = could_be_sources(op, history.ops, real_time)
            assert not candidates or any(w.id in kept for w in candidates), (check.__module__, op)
        for op in result.ops:  # 1-minimal: leaving any one out makes it consistent or a read unexplained
            if result.culprit is not None and op.id == result.culprit.id:
                continue
            rest = [o for o in result.ops if o is not op]
            assert brute(History(tuple(rest), history.events)) or not keeps_sources(rest, history.ops, real_time)
