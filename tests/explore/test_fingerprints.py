"""Fingerprints must tell apart every pair of different states, including -1 and -2, which
Python's hash() does not."""
from __future__ import annotations

import pytest

from conftest import check_text

COUNTER = """spec Neg
var x : {domain}
init {{ x := 0 }}
action Inc {{ require x < 3  x := x + 1 }}
action Dec {{ require x > -3  x := x - 1 }}
"""


@pytest.mark.parametrize("domain", ["-3..3", "int", "-5..5"])
def test_minus_one_and_minus_two_are_different_states(domain):
    assert check_text(COUNTER.format(domain=domain)).stats.distinct == 7


def test_minus_one_inside_sets_and_maps_under_symmetry():
    text = """spec Pairs
const P = {p1, p2}
symmetry P
var f : P -> -2..0
var s : set[-2..0]
init { f := [p in P -> 0]  s := {} }
action Down(p in P) { require f[p] > -2  f[p] := f[p] - 1  s := s + {f[p] - 1} }
"""
    assert check_text(text).stats.distinct == len(_reachable())


def _reachable():
    """The reachable states of Pairs, by brute force, up to symmetry (sorted values)."""
    start = ((0, 0), frozenset())
    todo, seen = [start], {start}
    while todo:
        f, s = todo.pop()
        for i in (0, 1):
            if f[i] > -2:
                g = list(f)
                g[i] -= 1
                nxt = (tuple(sorted(g)), s | {f[i] - 1})
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
    return seen
