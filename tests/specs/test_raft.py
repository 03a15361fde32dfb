"""specs/raft.spec, a transcription of Diego Ongaro's raft.tla, checked through the command
line: the distinct state counts and depths are TLC's (TLC 2.20 on raft.tla with the same
state constraint, no symmetry), every invariant holds at those bounds, and the seeded bug
of specs/raft_restart_forgets_vote.spec is found."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import CLI_TIMEOUT, REPO, SPECS

RAFT = SPECS / "raft.spec"
RAFT_RESTART_FORGETS_VOTE = SPECS / "raft_restart_forgets_vote.spec"

INVARIANTS = {"OneLeaderPerTerm", "ElectionSafety", "LogMatching", "CommittedAgree",
              "LeaderCompleteness", "OnlyCompleteLogsElectable", "StateMachineSafety"}


def check_json(spec, *args: str, timeout: float = CLI_TIMEOUT) -> tuple[subprocess.CompletedProcess, dict]:
    """`modelcheck check SPEC --json ARGS` from the repository root: the process and its report."""
    proc = subprocess.run([sys.executable, "-m", "modelcheck.cli", "check", str(spec), "--json", *args],
                          cwd=REPO, capture_output=True, text=True, timeout=timeout)
    assert proc.stdout.strip(), proc.stderr
    return proc, json.loads(proc.stdout)


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


def test_restart_forgets_vote_breaks_election_safety():
    # With at most one message in flight the bug is found in about 20 s: a voter grants its
    # vote, restarts, forgets it and grants it again, to a second candidate of the same term.
    proc, obj = check_json(RAFT_RESTART_FORGETS_VOTE, "--const", "Servers={s1, s2, s3}",
                           "--const", "MaxLogLen=0", "--const", "MaxMsgs=1", "--inv", "ElectionSafety")
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
                           "--const", "MaxLogLen=0", "--inv", "ElectionSafety", timeout=3600)
    assert obj["result"] == "violation"
    assert obj["violation"]["name"] == "ElectionSafety"
    assert len(obj["violation"]["trace"]) == 19


@pytest.mark.slow
def test_raft_invariants_hold_with_three_terms():
    # Terms up to 3: stale responses, commits in a second leader's term, all invariants hold.
    proc, obj = check_json(RAFT, "--const", "MaxTerm=3", timeout=3600)
    assert obj["result"] == "ok", obj["violation"]
    assert obj["action_counts"]["DropStaleResponse"] > 0
