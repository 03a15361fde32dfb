"""The native search against the Python explorer on the hand-written toy model (toy.c and
its twin toy.py), and one thread against two: counts, depth, verdicts, traces."""
from __future__ import annotations

import pytest

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
