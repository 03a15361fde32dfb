"""Differential tests: on random well-typed states (hypothesis), the Z3 encoding and the
compiled Python model agree on every invariant, and on every action's enabledness and
successors (with the arguments of each step). The states are drawn from the same finite
domains the encoding uses, built from the declared types and the constants."""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from conftest import PAXOS, PAXOS_BUGGY, SPECS as SPEC_DIR
from modelcheck import pipeline
from modelcheck.values import EvalError
from modelcheck.z3.differential import Z3Semantics
from modelcheck.values import canon, symbol
from modelcheck.z3.state import (VBag, VBool, VConst, VFunSlots, VInt, VMap, VNat, VRec, VSelect,
                                 VSeq, VSet, VSlots, VTup, VUnion)

CONSTRUCTS = Path(__file__).resolve().parent / "constructs.spec"

RAFT = SPEC_DIR / "raft.spec"
# Raft's types are infinite (terms are Nat, logs unbounded, the network a bag of records):
# two slots per set, bag and map, sequences of up to two entries; voterLog's maps are partial.
RAFT_CAPS = {"voterLog": (2, 2, True)}

SPECS = {   # name: (spec, constants, capacities of the Z3 encoding)
    "paxos": (PAXOS, {}, None),
    "paxos_buggy": (PAXOS_BUGGY, {}, None),
    "paxos_3_ballots": (PAXOS, {"Ballots": "0..2"}, None),
    "constructs": (CONSTRUCTS, {}, None),
    "raft": (RAFT, {"MaxMsgs": "1"}, RAFT_CAPS),
    "raft_3_servers": (RAFT, {"Servers": "{s1, s2, s3}", "Values": "{v1, v2}"}, RAFT_CAPS),
    "raft_restart_forgets_vote": (SPEC_DIR / "raft_restart_forgets_vote.spec", {}, RAFT_CAPS),
    "raft_commit_old_term": (SPEC_DIR / "raft_commit_old_term.spec", {}, RAFT_CAPS),
    # ints mixed with strings and model values (Reals in Z3), tuples of different lengths
    "mixed": (Path(__file__).resolve().parent.parent / "explore" / "mixed.spec", {}, None),
}

_cache: dict = {}


def engines(name: str):
    if name not in _cache:
        path, consts, caps = SPECS[name]
        compiled = pipeline.load(path, consts)
        _cache[name] = (compiled, Z3Semantics(compiled, caps))
    return _cache[name]


def values(enc) -> st.SearchStrategy:
    """Concrete values of a variable's encoding: exactly the values it can represent."""
    if isinstance(enc, VConst):
        return st.just(enc.sym)
    if isinstance(enc, VBool):
        return st.booleans()
    if isinstance(enc, VInt):
        return st.sampled_from(sorted(enc.lits))
    if isinstance(enc, VSelect):
        return st.sampled_from(sorted(enc.index, key=lambda u: enc.index[u]))
    if isinstance(enc, VRec):
        return st.tuples(st.just(enc.tag), *[values(f) for f in enc.fields])
    if isinstance(enc, VTup):
        return st.tuples(*[values(e) for e in enc.elems])
    if isinstance(enc, VUnion):
        return st.one_of(*[values(a) for a in enc.alternatives])
    if isinstance(enc, VSet):
        if not enc.universe:
            return st.just(frozenset())
        return st.frozensets(st.sampled_from(enc.universe), max_size=8)
    if isinstance(enc, VMap):
        if enc.full:
            return st.tuples(*[values(x) for x in enc.vals]).map(lambda vs, keys=enc.keys: (keys, vs))
        parts = [st.one_of(st.none(), values(x).map(lambda v: (v,))) for x in enc.vals]
        return st.tuples(*parts).map(lambda got, keys=enc.keys: (
            tuple(k for k, g in zip(keys, got) if g is not None),
            tuple(g[0] for g in got if g is not None)))
    if isinstance(enc, VBag):
        counts = st.tuples(*[st.integers(0, 3) for _ in enc.keys])
        return counts.map(lambda cs, keys=enc.keys: (tuple(k for k, c in zip(keys, cs) if c),
                                                     tuple(c for c in cs if c)))
    if isinstance(enc, VNat):
        ints = [st.integers(enc.lo or 0, 3)] if enc.ints else []
        symbols = [st.integers(0, 3).map(lambda i: symbol(i, True))] if enc.symbols else []  # mixed.spec has 6
        return st.one_of(*ints, *symbols)
    if isinstance(enc, VSlots):
        if not enc.elems:
            return st.just(frozenset())
        return st.frozensets(values(enc.elems[0]), max_size=len(enc.elems))
    if isinstance(enc, VFunSlots):
        if not enc.keys:
            return st.just(((), ()))
        counts = st.integers(1, 2) if isinstance(enc.vals[0], VNat) else values(enc.vals[0])
        return st.dictionaries(values(enc.keys[0]), counts, max_size=len(enc.keys)).map(_as_map)
    if isinstance(enc, VSeq):
        return st.integers(0, len(enc.elems)).flatmap(
            lambda n: st.tuples(*[values(e) for e in enc.elems[:n]]))
    raise AssertionError(f"no strategy for {enc!r}")


def _as_map(d: dict) -> tuple:
    keys = sorted(d, key=canon)
    return tuple(keys), tuple(d[k] for k in keys)


def states(name: str) -> st.SearchStrategy:
    _, z = engines(name)
    return st.tuples(*[values(v) for v in z.state.vars])


def python_successors(model, action: int, state):
    return {(tuple(args), t) for _names, args, t in model.actions()[action](state)}


def check_state(name: str, state) -> None:
    compiled, z = engines(name)
    model = compiled.model
    try:
        python_inv = {n: model.invariant(n)(state) for n in model.invariant_names}
        python_next = [python_successors(model, a, state) for a in range(len(model.action_names))]
    except (EvalError, ArithmeticError):
        assume(False)  # the compiled model has no value here (it would report a spec error)
        return
    assert z.invariants(state) == python_inv, model.describe(state)
    for a, expected in enumerate(python_next):
        got = z.successors(a, state)
        assert got == expected, (model.action_names[a], model.describe(state))


# Two specs whose record layouts differ: tag 0 is {kind, n} in the first, {x, y} in the second.
ASKS = """spec Asks
type Msg = { kind: "ask", n: Nat } | { kind: "tell", ok: bool }
var net : set[Msg]
var asked : Nat
init { net := {}  asked := 0 }
action Ask { net := net + {{ kind: "ask", n: asked }} }
"""
PAIRS = """spec Pairs
type Pair = { x: Nat, y: Nat }
var ps : set[Pair]
init { ps := {} }
"""


def test_engine_reads_successors_after_another_spec_is_encoded():
    """A successor holding a symbolic message is read back with its own spec's layouts, also
    after another spec's engine was built (as when one test run checks several specs)."""
    asks = Z3Semantics(pipeline.load_text(ASKS))
    Z3Semantics(pipeline.load_text(PAIRS))
    model = asks.compiled.model
    (_, _, state), = model.init_states()
    assert asks.successors(0, state) == python_successors(model, 0, state)


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))


@pytest.mark.parametrize("name", ["paxos", "paxos_buggy", "constructs", "raft", "mixed"])
def test_random_states_agree(name):
    # a raft state has 15 actions with 46 paths to decide, a constructs state many constructs:
    # fewer examples keep the default run short (test_many_random_states_agree draws hundreds)
    @settings(SETTINGS, max_examples={"raft": 8, "constructs": 25}.get(name, 60))
    @given(states(name))
    def run(state):
        check_state(name, state)
    run()


@pytest.mark.parametrize("name", ["paxos", "constructs", "raft", "mixed"])
def test_reachable_states_agree(name):
    """The first reachable states (BFS order) too: random states rarely enable actions deep
    in a protocol, reachable ones do."""
    limit = {"constructs": 25, "raft": 10}.get(name, 150)   # a raft state takes ~0.4 s
    assert walk(name, limit, width=min(15, limit // 2)) >= min(limit, 40)   # thinner levels: deeper states


@pytest.mark.slow
@pytest.mark.parametrize("name, limit", [("constructs", 200), ("raft", 400)])
def test_many_reachable_states_agree(name, limit):
    assert walk(name, limit, width=60) == limit


def walk(name: str, limit: int, width: int = 15) -> int:
    """Check up to limit reachable states, breadth first with levels thinned to about width
    states (so that deep states are reached); how many were checked."""
    compiled, z = engines(name)
    model = compiled.model
    frontier = [s for _, _, s in model.init_states()]
    seen = set(frontier)
    checked = 0
    within = model.constraint() or (lambda s: True)
    while frontier and checked < limit:
        nxt = []
        for s in frontier[:limit - checked]:
            check_state(name, s)
            checked += 1
            if not within(s):   # as the explorer: a state outside the constraint is not expanded
                continue
            for a in range(len(model.action_names)):
                for _, t in python_successors(model, a, s):
                    if t not in seen:
                        seen.add(t)
                        nxt.append(t)
        frontier = nxt[::max(1, len(nxt) // width)]
    return checked


@pytest.mark.slow
@pytest.mark.parametrize("name", ["paxos", "paxos_buggy", "paxos_3_ballots", "constructs", "raft",
                                  "raft_3_servers", "raft_restart_forgets_vote", "raft_commit_old_term"])
def test_many_random_states_agree(name):
    # a raft state takes about half a second (46 paths to decide): 100 of them each
    @settings(max_examples=100 if name.startswith("raft") else 500, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(states(name))
    def run(state):
        check_state(name, state)
    run()
