"""Symmetry's canonical forms (compile/fingerprint.py): every state of an orbit gets one
fingerprint, and a symmetric search counts exactly the orbits of the plain search's states,
as enumerating every permutation (and TLC's SYMMETRY) does."""
from __future__ import annotations

import functools
from itertools import permutations, product

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import PAXOS, SPECS, check_text
from modelcheck import pipeline
from modelcheck.compile.fingerprint import ATOMS, relabeling, state_permuter
from modelcheck.explore.bfs import Limits

RAFT = SPECS / "raft.spec"

# Two symmetric sets, model values as map keys and values (beside a string), in nested
# maps, sets, sequences, tuples, a bag of messages of two shapes.
TWO_GROUPS = """spec TwoGroups
const P = {p1, p2, p3}
const R = {r1, r2}
type Msg = {kind: "ask", from: P, res: R} | {kind: "ack", to: P}
var owner : R -> P | "free"
var wants : P -> set[R]
var seen  : P -> (P -> 0..1)
var trail : seq[<<P, R>>, 1]
var inbox : bag[Msg]
init { owner := [r in R -> "free"]  wants := [p in P -> {}]  seen := [p in P -> [q in P -> 0]]
       trail := <<>>  inbox := [m in {} -> 0] }
action Ask(p in P, r in R) {
  require size(wants[p]) == 0 and bag_sum(inbox) < 1
  wants := wants with [p] = wants[p] + {r}
  inbox := bag_add(inbox, {kind: "ask", from: p, res: r})
}
action Grant(p in P, r in R) {
  require owner[r] == "free" and bag_count(inbox, {kind: "ask", from: p, res: r}) > 0
  owner := owner with [r] = p
  inbox := bag_add(bag_remove(inbox, {kind: "ask", from: p, res: r}), {kind: "ack", to: p})
  trail := if len(trail) < 1 then append(trail, <<p, r>>) else trail
}
action Hear(p in P, q in P) {
  require p != q and bag_count(inbox, {kind: "ack", to: q}) > 0 and (forall x in P: seen[x][q] == 0)
  seen := seen with [p][q] = 1
  inbox := bag_remove(inbox, {kind: "ack", to: q})
}
action Free(r in R) {
  require owner[r] != "free"
  wants := wants with [owner[r]] = wants[owner[r]] - {r}
  owner := owner with [r] = "free"
}
"""


def _symmetric(text: str, *sets: str) -> str:
    return text + "".join(f"\nsymmetry {s}\n" for s in sets)


def _reachable(model) -> list:
    """Every reachable state of a model without symmetry (its fingerprints are plain)."""
    frontier = [s for _, _, s in model.init_states()]
    seen = {model.fingerprint(s): s for s in frontier}
    constraint = model.constraint()
    while frontier:
        nxt = []
        for s in frontier:
            for action in model.actions():
                for _, _, t in action(s):
                    if constraint is not None and not constraint(t):
                        continue
                    f = model.fingerprint(t)
                    if f not in seen:
                        seen[f] = t
                        nxt.append(t)
        frontier = nxt
    return list(seen.values())


class Orbits:
    """The states of a model permuted as its symmetry declarations allow, by brute force."""

    def __init__(self, model):
        ns, gen = model.ns, model.gen
        self.groups = [tuple(sorted(ns[f"C_{name}"])) for name in model.checked.symmetry]
        self.n = len(gen.symbols)
        leaves = {k: (lambda v, r: r.table[v]) for k in ATOMS}
        self.permute = state_permuter(model._var_kinds, gen.layouts, leaves, self.groups)

    def every(self):
        for orders in product(*(permutations(g) for g in self.groups)):
            yield relabeling(self.groups, orders, self.n)

    def orbit(self, s) -> set:
        return {self.permute(s, r) for r in self.every()}


def _symmetric_model(text: str, sets, consts=None, filename="<spec>"):
    return pipeline.load_text(_symmetric(text, *sets), consts or {}, filename=filename).model


CASES = {
    "paxos": (PAXOS.read_text(), ["Acceptors"], {}, str(PAXOS)),
    "raft-2": (RAFT.read_text(), ["Servers"], {"MaxMsgs": "1"}, str(RAFT)),
    "two-groups": (TWO_GROUPS, ["P", "R"], {}, "<spec>"),
}


@pytest.fixture(scope="module", params=list(CASES))
def case(request):
    text, sets, consts, filename = CASES[request.param]
    plain = pipeline.load_text(text, consts, filename=filename).model
    symmetric = pipeline.load_text(_symmetric(text, *sets), consts, filename=filename)
    return plain, symmetric, _reachable(plain)


def test_every_state_of_an_orbit_gets_one_fingerprint(case):
    _, compiled, states = case
    symmetric = compiled.model
    orbits = Orbits(symmetric)
    for s in states[::7]:  # every permutation of every 7th reachable state
        assert len({symmetric.fingerprint(t) for t in orbits.orbit(s)}) == 1


def test_the_symmetric_search_counts_the_orbits(case):
    plain, compiled, states = case
    symmetric = compiled.model
    orbits = Orbits(symmetric)
    # an orbit's representative: its least state by the plain fingerprint (hash)
    count = len({min(plain.fingerprint(t) for t in orbits.orbit(s)) for s in states})
    result = pipeline.check(compiled, limits=Limits(check_deadlock=False))
    assert result.stats.distinct == count < len(states)
    assert len({symmetric.fingerprint(s) for s in states}) == count  # no two orbits share one


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_random_permutations_of_states_keep_the_fingerprint(data):
    symmetric, states = _two_groups_states()
    orbits = Orbits(symmetric)
    s = data.draw(st.sampled_from(states))
    orders = [data.draw(st.permutations(g)) for g in orbits.groups]
    r = relabeling(orbits.groups, orders, orbits.n)
    assert symmetric.fingerprint(orbits.permute(s, r)) == symmetric.fingerprint(s)


@functools.cache
def _two_groups_states():
    plain = pipeline.load_text(TWO_GROUPS).model
    return _symmetric_model(TWO_GROUPS, ["P", "R"]), _reachable(plain)


def test_known_counts_with_symmetry():
    # the counts that enumerating every permutation gave before signatures
    assert check_text(_symmetric(PAXOS.read_text(), "Acceptors")).stats.distinct == 857
    raft = pipeline.load_text(_symmetric(RAFT.read_text(), "Servers"), {"MaxMsgs": "1"}, filename=str(RAFT))
    assert pipeline.check(raft).stats.distinct == 889


def test_a_symmetric_set_of_one_value_changes_nothing():
    text = "spec One\nconst P = {p1}\nvar x : P -> 0..2\ninit { x := [p in P -> 0] }\n" \
           "action Up(p in P) { require x[p] < 2  x := x with [p] = x[p] + 1 }\n"
    assert check_text(_symmetric(text, "P"), limits=Limits(check_deadlock=False)).stats.distinct == \
        check_text(text, limits=Limits(check_deadlock=False)).stats.distinct == 3
