"""specs/raft.spec, a transcription of Diego Ongaro's raft.tla, checked through the command
line: the distinct state counts and depths are TLC's (TLC 2.20 on raft.tla with the same
state constraint, no symmetry), every invariant holds at those bounds, and the seeded bug
of specs/raft_restart_forgets_vote.spec is found. The bug of specs/raft_commit_old_term.spec
lies deeper than a search reaches in minutes, so it is shown by replaying a fixed schedule."""
from __future__ import annotations

import json

import pytest

from cli.inprocess import Run, modelcheck
from conftest import SPECS
from modelcheck import pipeline

RAFT = SPECS / "raft.spec"
RAFT_RESTART_FORGETS_VOTE = SPECS / "raft_restart_forgets_vote.spec"
RAFT_COMMIT_OLD_TERM = SPECS / "raft_commit_old_term.spec"

INVARIANTS = {"OneLeaderPerTerm", "ElectionSafety", "LogMatching", "CommittedAgree",
              "LeaderCompleteness", "OnlyCompleteLogsElectable", "StateMachineSafety"}


def check_json(spec, *args: str) -> tuple[Run, dict]:
    """`modelcheck check SPEC --json ARGS` (in-process, tests/cli/inprocess.py): the run and its report."""
    run = modelcheck("check", spec, "--json", *args)
    assert run.stdout.strip(), run.stderr
    return run, json.loads(run.stdout)


def test_raft_declares_the_invariants_it_is_checked_against():
    # The runs below check every invariant of the spec (no --inv): make sure that means these.
    text = RAFT.read_text()
    declared = {line.split()[1].rstrip(":") for line in text.splitlines() if line.startswith("invariant ")}
    assert declared == INVARIANTS


# Servers = {s1, s2}, Values = {v1}, MaxTerm = 2, MaxLogLen = 1, MaxDup = 1 (the spec's defaults).
@pytest.mark.parametrize("max_msgs, distinct, depth", [(1, 1_760, 28), (2, 15_254, 32)])
def test_raft_state_counts_match_tlc(max_msgs, distinct, depth):
    proc, obj = check_json(RAFT, "--const", f"MaxMsgs={max_msgs}")
    assert obj["result"] == "ok", obj["violation"]  # every invariant holds, no deadlock
    assert proc.returncode == 0, proc.stderr
    assert obj["violation"] is None
    assert (obj["distinct_states"], obj["depth"]) == (distinct, depth)
    assert obj["behaviour_graph_steps"] > 0  # the property WinnerTakesOffice was checked and holds


def test_restart_forgets_vote_breaks_election_safety():
    # With at most one message in flight the bug is found in about 20 s by the Python backend,
    # a few by the native one that a user gets by default: a voter grants its vote, restarts,
    # forgets it and grants it again, to a second candidate of the same term.
    proc, obj = check_json(RAFT_RESTART_FORGETS_VOTE, "--const", "Servers={s1, s2, s3}",
                           "--const", "MaxLogLen=0", "--const", "MaxMsgs=1", "--inv", "ElectionSafety",
                           "--no-props", "--backend", "auto")
    assert proc.returncode == 1, proc.stderr
    assert obj["result"] == "violation"
    v = obj["violation"]
    assert (v["kind"], v["name"]) == ("invariant", "ElectionSafety")
    assert len(v["trace"]) == 19  # the initial state and 18 steps
    assert [s["action"] for s in v["trace"]].count("Restart") == 1
    assert v["trace"][-1]["action"] == "BecomeLeader"


@pytest.mark.slow
def test_restart_forgets_vote_at_tlc_bounds():
    # The bounds at which TLC finds it (MaxMsgs = 2): the same 18 steps, after minutes.
    proc, obj = check_json(RAFT_RESTART_FORGETS_VOTE, "--const", "Servers={s1, s2, s3}",
                           "--const", "MaxLogLen=0", "--inv", "ElectionSafety")
    assert obj["result"] == "violation"
    assert obj["violation"]["name"] == "ElectionSafety"
    assert len(obj["violation"]["trace"]) == 19


@pytest.mark.slow
def test_raft_invariants_hold_with_three_terms():
    # Terms up to 3: stale responses, commits in a second leader's term, all invariants hold.
    proc, obj = check_json(RAFT, "--const", "MaxTerm=3")
    assert obj["result"] == "ok", obj["violation"]
    assert obj["action_counts"]["DropStaleResponse"] > 0


# ---------------------------------------------------------------- Figure 8, by a fixed schedule

def vote(candidate: str, voter: str, voter_behind: bool = False) -> list:
    """candidate asks voter and counts the answer (the voter first moves to the candidate's term)."""
    return ([("RequestVote", {"i": candidate, "j": voter})] + [("UpdateTerm", {})] * voter_behind
            + [("HandleRequestVoteRequest", {}), ("HandleRequestVoteResponse", {})])


# Three servers, one message in flight at a time. s1 leads term 2 and appends x at index 1; s2
# leads term 3 (with s3's vote) and appends y at index 1; s1 restarts, leads term 4 (with
# s3's vote again, since x's term 2 beats s3's empty log), copies x to s3 after one refusal,
# and commits x: with the bug, since a majority (s1, s3) has it; correctly, not, since x is
# not of term 4. s2's log (y, of term 3) is still at least as up to date as everyone's.
FIGURE_8_COMMIT = (
    [("Timeout", {"i": "s1"})] + vote("s1", "s1") + vote("s1", "s2", True)
    + [("BecomeLeader", {"i": "s1"}), ("ClientRequest", {"i": "s1"}), ("Timeout", {"i": "s2"})]
    + vote("s2", "s2") + vote("s2", "s3", True)
    + [("BecomeLeader", {"i": "s2"}), ("ClientRequest", {"i": "s2"}),
       ("Restart", {"i": "s1"}), ("Timeout", {"i": "s1"}), ("Timeout", {"i": "s1"})]
    + vote("s1", "s1") + vote("s1", "s3", True)
    + [("BecomeLeader", {"i": "s1"}),
       ("AppendEntries", {"i": "s1", "j": "s3"}), ("HandleAppendEntriesRequest", {}),  # refused
       ("HandleAppendEntriesResponse", {}),
       ("AppendEntries", {"i": "s1", "j": "s3"}), ("HandleAppendEntriesRequest", {}),  # appended
       ("HandleAppendEntriesRequest", {}), ("HandleAppendEntriesResponse", {}),        # acknowledged
       ("AdvanceCommitIndex", {"i": "s1"})])
# Then s2 restarts, stands in term 5 and wins it with s3's vote: a leader without x.
FIGURE_8_ELECTION = ([("Restart", {"i": "s2"}), ("Timeout", {"i": "s2"}), ("Timeout", {"i": "s2"})]
                     + vote("s2", "s2") + vote("s2", "s3", True) + [("BecomeLeader", {"i": "s2"})])


def follow(spec, schedule, **consts) -> list[tuple[dict, list[str], bool]]:
    """Run a schedule of (action, arguments) steps from the initial state; each step must have
    exactly one successor with those arguments. Per state: (variables, invariants broken,
    inside the constraint)."""
    model = pipeline.load(spec, {k: str(v) for k, v in consts.items()}).model
    invariants = {n: model.invariant(n) for n in model.invariant_names}
    constraint = model.constraint()
    (_, _, state), = model.init_states()
    out = []
    for action, args in schedule:
        a = model.action_names.index(action)
        successors = {t for names, values, t in model.actions()[a](state)
                      if all(str(model.describe_args(a, names, values)[k]) == v for k, v in args.items())}
        assert len(successors) == 1, (len(out) + 1, action, args, len(successors))
        state, = successors
        out.append((model.describe(state), [n for n, holds in invariants.items() if not holds(state)],
                    constraint(state)))
    return out


def commit_index(variables: dict, server: str) -> int:
    return next(int(v["#bigint"]) for k, v in variables["commitIndex"]["#map"] if k == server)


def test_commit_old_term_breaks_only_complete_logs_electable_at_the_commit():
    states = follow(RAFT_COMMIT_OLD_TERM, FIGURE_8_COMMIT + FIGURE_8_ELECTION,
                    Servers="{s1, s2, s3}", MaxTerm=5, MaxLogLen=1, MaxMsgs=1)
    commit = len(FIGURE_8_COMMIT)  # 39 steps, within MaxTerm = 4
    assert all(broken == [] for _, broken, _ in states[:commit - 1])
    assert commit_index(states[commit - 1][0], "s1") == 1
    assert states[commit - 1][1] == ["OnlyCompleteLogsElectable"]
    assert "LeaderCompleteness" in states[-1][1]  # s2 leads term 5 without x


def test_correct_raft_does_not_commit_on_the_figure_8_schedule():
    states = follow(RAFT, FIGURE_8_COMMIT + FIGURE_8_ELECTION,
                    Servers="{s1, s2, s3}", MaxTerm=5, MaxLogLen=1, MaxMsgs=1)
    assert all(broken == [] for _, broken, _ in states)
    assert commit_index(states[len(FIGURE_8_COMMIT) - 1][0], "s1") == 0


@pytest.mark.slow  # a 3-server search: a minute
def test_symmetry_of_servers_reduces_raft_and_keeps_the_verdicts():
    from modelcheck import pipeline
    plain = pipeline.check(pipeline.load(RAFT, {"MaxMsgs": "1"}))
    symmetric = pipeline.check(pipeline.load_text(RAFT.read_text() + "\nsymmetry Servers\n", {"MaxMsgs": "1"}))
    assert plain.outcome.value == symmetric.outcome.value == "ok"
    assert symmetric.stats.distinct < plain.stats.distinct == 1_760
    buggy = pipeline.load_text(RAFT_RESTART_FORGETS_VOTE.read_text() + "\nsymmetry Servers\n",
                               {"Servers": "{s1, s2, s3}", "MaxLogLen": "0", "MaxMsgs": "1"},
                               filename=str(RAFT_RESTART_FORGETS_VOTE))  # beside raft.spec, which it imports
    result = pipeline.check(buggy, ["ElectionSafety"])
    assert result.outcome.value == "violation" and result.violation.name == "ElectionSafety"


def test_without_fairness_a_winner_may_stay_a_candidate(tmp_path):
    spec = tmp_path / "raft.spec"
    spec.write_text(RAFT.read_text().replace("fairness weak BecomeLeader", ""))
    proc, obj = check_json(spec, "--const", "MaxMsgs=1", "--no-deadlock")
    v = obj["violation"]
    assert (v["kind"], v["name"]) == ("property", "WinnerTakesOffice")
    last = v["trace"][-1]["state"]
    assert v["loop"] == len(v["trace"]) - 1  # it stutters there
    winner = [s for s, role in last["state"]["#map"] if role == {"#model": "Candidate"}]  # --json tags model values
    assert winner and len(next(g for s, g in last["votesGranted"]["#map"] if s == winner[0])["#set"]) == 2
