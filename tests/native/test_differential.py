"""The spec compiled to C agrees with the Python backend state by state: initial states,
each action's successors, invariants, the constraint, the type check, and the codec's round
trip, over the states the Python backend reaches (harness.compare)."""
from __future__ import annotations

import pytest
from native_harness import CACHE, compare, native_bfs, needs_native

from modelcheck import pipeline
from modelcheck.explore.bfs import Limits
from modelcheck.compile.native import build_native, native_subset_problem

SPECS = "specs"

# (spec, constants, states compared): small enough to run in a few seconds each
CASES = [
    ("two_phase", {}, 400),
    ("register", {}, 400),
    ("paxos", {}, 400),
    ("paxos_buggy", {}, 400),
    ("raft", {"MaxMsgs": "1"}, 400),
    ("raft_commit_old_term", {}, 300),
    ("raft_restart_forgets_vote", {}, 300),
]


@needs_native
@pytest.mark.parametrize("name,consts,limit", CASES, ids=[c[0] for c in CASES])
def test_every_spec_agrees_with_the_python_backend(name, consts, limit):
    compiled = pipeline.load(f"{SPECS}/{name}.spec", consts)
    assert native_subset_problem(compiled.checked) is None
    report = compare(compiled, build_native(compiled, cache_dir=CACHE, optimize=False), max_states=limit)
    assert report.states == limit or report.states > 50


SLOW_CASES = [
    ("paxos", {}),                      # all 3,921 states
    ("raft", {"MaxMsgs": "1"}),         # every state TLC counts (1,760) and those past the constraint
    ("two_phase", {"RM": "{r1, r2, r3, r4}"}),
    ("raft", {"Servers": "{s1, s2, s3}", "MaxLogLen": "0", "MaxMsgs": "1"}),
]


@pytest.mark.slow
@needs_native
@pytest.mark.parametrize("name,consts", SLOW_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(SLOW_CASES)])
def test_whole_state_spaces_agree(name, consts):
    compiled = pipeline.load(f"{SPECS}/{name}.spec", consts)
    compare(compiled, build_native(compiled, cache_dir=CACHE), max_states=8000)


BFS_CASES = [("two_phase", {}), ("paxos", {}), ("raft", {"MaxMsgs": "1"})]


@needs_native
@pytest.mark.parametrize("name,consts", BFS_CASES, ids=[c[0] for c in BFS_CASES])
def test_a_search_over_the_c_code_counts_what_the_explorer_counts(name, consts):
    compiled = pipeline.load(f"{SPECS}/{name}.spec", consts)
    ours = native_bfs(build_native(compiled, cache_dir=CACHE, optimize=False))
    stats = pipeline.check(compiled, limits=Limits(check_deadlock=False)).stats
    assert (ours.distinct, ours.generated, ours.depth) == (stats.distinct, stats.generated, stats.depth)
    assert ours.action_counts == stats.action_counts


@pytest.mark.slow
@needs_native
def test_paxos_0_2_searched_over_the_c_code():
    """185,369 states, depth 25 (TLC's numbers, in paxos.spec)."""
    compiled = pipeline.load(f"{SPECS}/paxos.spec", {"Ballots": "0..2"})
    ours = native_bfs(build_native(compiled, cache_dir=CACHE))
    assert (ours.distinct, ours.depth) == (185_369, 25)
