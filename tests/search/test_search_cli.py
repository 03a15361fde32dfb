"""`modelcheck search`: swarm and guided search find a deep violation that random walks miss,
reproducibly per seed, with a trace `modelcheck replay` accepts and the usual outputs."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli.inprocess import modelcheck
from conftest import REPO
from modelcheck.search_cli import target_parts

LOCK = Path(__file__).parent / "lock.spec"   # opens 12 correct presses in: violates Closed
RAFT_RESTART_FORGETS_VOTE = REPO / "specs" / "raft_restart_forgets_vote.spec"
SWARM = ("search", LOCK, "--strategy", "swarm", "--members", "20", "--member-steps", "2000")


def pos(step: dict) -> int:
    return int(step["state"]["pos"]["#bigint"])


def test_random_walks_miss_the_lock_that_swarm_opens():
    walks = modelcheck("simulate", LOCK, "--seed", "3", "--runs", "300")
    assert walks.returncode == 0, walks.out   # nothing found: the violation is too deep for walks
    run = modelcheck(*SWARM, "--seed", "3")
    assert run.returncode == 1, run.out
    assert "Error: invariant Closed is violated." in run.stdout
    assert "not guaranteed shortest" in run.stdout
    assert "Swarm of seed 3" in run.stdout and "Found by member" in run.stdout


def test_swarm_json_reports_the_shortened_trace_and_every_member():
    obj = modelcheck(*SWARM, "--seed", "3", "--json").json()
    assert (obj["result"], obj["strategy"], obj["seed"]) == ("violation", "swarm", 3)
    trace = obj["violation"]["trace"]
    assert obj["violation"]["name"] == "Closed" and pos(trace[-1]) == 12
    # The whole lock (52 states) fits in one shortcut search: the shortened trace is a shortest one.
    assert len(trace) - 1 == 12 <= obj["steps_before_shortening"]
    assert obj["shortest_guaranteed"] is False
    found = obj["found_by"]
    assert [m["index"] for m in obj["members"]] == list(range(found + 1))
    assert obj["members"][found]["found"] == "Closed"
    assert set(obj["actions_taken"]) == {"Press", "Turn"}


@pytest.mark.parametrize("seed", [1, 7])
def test_a_seed_names_the_same_search_with_any_number_of_workers(seed):
    one = modelcheck(*SWARM, "--seed", seed, "--json", "--depth", "40").json()
    again = modelcheck(*SWARM, "--seed", seed, "--json", "--depth", "40").json()
    two = modelcheck(*SWARM, "--seed", seed, "--json", "--depth", "40", "--workers", "2").json()
    for key in ("violation", "members", "found_by", "steps_before_shortening"):
        assert one[key] == again[key] == two[key], key


def test_the_member_that_found_it_runs_alone_with_the_same_result():
    swarm = modelcheck(*SWARM, "--seed", "11", "--depth", "30", "--json").json()
    alone = modelcheck(*SWARM, "--seed", "11", "--depth", "30", "--json", "--first-member", swarm["found_by"],
                       "--members", "1").json()
    assert [m["index"] for m in alone["members"]] == [swarm["found_by"]] == [alone["found_by"]]
    assert alone["violation"] == swarm["violation"]


def test_the_found_trace_replays(tmp_path):
    itf, dot = tmp_path / "lock.itf.json", tmp_path / "lock.dot"
    run = modelcheck(*SWARM, "--seed", "5", "--out-itf", itf, "--dot", dot)
    assert run.returncode == 1 and itf.exists() and dot.exists(), run.out
    assert "modelcheck search --strategy swarm --seed 5" in json.loads(itf.read_text())["#meta"]["description"]
    replayed = modelcheck("replay", LOCK, itf)
    assert replayed.returncode == 0, replayed.out
    assert "invariant Closed is violated in state 13" in replayed.stdout


def test_guided_search_passes_the_milestones_in_order():
    run = modelcheck("search", LOCK, "--strategy", "guided", "--inv", "Closed",
                     "--target", "dial == 2 and pos >= 3", "--target", "dial == 1 and pos >= 9", "--json")
    obj = run.json()
    assert run.returncode == 1 and obj["violation"]["name"] == "SearchTarget"
    assert obj["targets_passed"] == 2
    trace = obj["violation"]["trace"]
    first = next(i for i, s in enumerate(trace)
                 if int(s["state"]["dial"]["#bigint"]) == 2 and pos(s) >= 3)
    assert first < len(trace) - 1
    assert int(trace[-1]["state"]["dial"]["#bigint"]) == 1 and pos(trace[-1]) >= 9


def test_guided_search_reports_an_invariant_broken_on_the_way():
    run = modelcheck("search", LOCK, "--strategy", "guided", "--target", "pos == 12 and dial == 3")
    assert run.returncode == 1, run.out
    assert "Error: invariant Closed is violated." in run.stdout


def test_guided_search_stops_at_max_states():
    run = modelcheck("search", LOCK, "--strategy", "guided", "--target", "pos == 12", "--max-states", "5")
    assert run.returncode == 3, run.out
    assert "max states 5" in run.stdout


def test_target_parts_are_conjuncts_and_growing_prefixes_of_an_exists():
    assert target_parts("x > 1 and y < 2") == ["(x > 1)", "(y < 2)"]
    assert target_parts("exists e in E, f in E: e.t == f.t and e.l != f.l and p") == [
        "exists e in E, f in E: (e.t == f.t)", "exists e in E, f in E: (e.t == f.t) and (e.l != f.l)"]
    assert target_parts("x > 1") == []


@pytest.mark.parametrize("args, message", [
    (("--strategy", "swarm", "--target", "pos == 1"), "--target does not go with --strategy swarm"),
    (("--strategy", "guided", "--seed", "1", "--target", "pos == 1"), "--seed does not go with --strategy guided"),
    (("--strategy", "guided",), "--strategy guided needs a goal"),
    (("--strategy", "guided", "--target", "pos == 1", "--novelty", "2"), "--novelty 2: expected a weight in [0, 1)"),
    (("--strategy", "guided", "--target", "pos =="), "syntax error"),
    (("--strategy", "guided", "--target", "nope > 1"), "unknown name 'nope'"),
    (("--strategy", "swarm", "--inv", "Nope"), "the spec has no invariant 'Nope'"),
    (("--strategy", "swarm", "--members", "0"), "expected a positive integer"),
    (("--strategy", "swarm", "--first-member", "-1"), "--first-member -1: expected a member number, 0 or more"),
    (("--strategy", "dfs",), "invalid choice: 'dfs'"),
    ((), "--strategy"),
])
def test_bad_options_exit_2(args, message):
    run = modelcheck("search", LOCK, *args)
    assert run.returncode == 2, run.out
    assert message in run.out


@pytest.mark.slow  # about half a minute: three servers
def test_swarm_and_guided_find_the_restart_forgets_vote_bug_that_tlc_needs_2_million_states_for(tmp_path):
    consts = ("--const", "Servers={s1, s2, s3}", "--const", "MaxLogLen=0", "--inv", "ElectionSafety")
    itf = tmp_path / "vote.itf.json"
    swarm = modelcheck("search", RAFT_RESTART_FORGETS_VOTE, *consts, "--strategy", "swarm", "--seed", "1",
                       "--json", "--out-itf", itf)
    obj = swarm.json()
    assert obj["violation"]["name"] == "ElectionSafety"
    assert obj["distinct_states"] < 238_350     # a tenth of TLC's 2,383,507
    assert modelcheck("replay", RAFT_RESTART_FORGETS_VOTE, itf, *consts).returncode == 0
    guided = modelcheck("search", RAFT_RESTART_FORGETS_VOTE, *consts, "--strategy", "guided", "--json", "--target",
                        "exists e in elections, f in elections: e.eterm == f.eterm and e.eleader != f.eleader").json()
    assert guided["violation"]["name"] in ("ElectionSafety", "SearchTarget")
    assert guided["distinct_states"] < 238_350
