"""impl/ against specs/, both directions.

Spec -> implementation: every stored trace in traces/ is replayed through the adapters
(one test per trace, through the pytest helpers a user's suite would use).
Implementation -> spec: simulated faulty executions are validated step by step; a small
number by default, 1,000 per protocol with `-m slow` (or CONFORMANCE_RUNS=N for any count).
"""
from __future__ import annotations

import os
import textwrap

import pytest

from impl.adapters.paxos import PaxosAdapter
from impl.adapters.raft import RaftAdapter
from impl.paxos import Acceptor, Promise
from impl.raft import RaftNode, RequestVoteReply
from modelcheck.conform.replay import load_adapter, replay_files
from modelcheck.conform.testing import check_executions, check_trace, trace_params
from modelcheck.conform.tracefiles import load_suite
from modelcheck.conform.validate import validate
from traces import suite_dir, suites

from cli.inprocess import modelcheck
from conftest import PAXOS, SPECS

RAFT = SPECS / "raft.spec"
PAXOS_ADAPTER = "impl.adapters.paxos:PaxosAdapter"
RAFT_ADAPTER = "impl.adapters.raft:RaftAdapter"
FAST_RUNS = int(os.environ.get("CONFORMANCE_RUNS", "0")) or None
FULL_RUNS = 1000


def all_traces(protocol: str) -> list:
    return [p for d in suites(protocol) for p in trace_params(d)]


# ---------------------------------------------------------------- spec -> implementation

@pytest.mark.parametrize("trace", all_traces("paxos"))
def test_paxos_replays_every_stored_trace(trace):
    check_trace(PAXOS_ADAPTER, trace)


@pytest.mark.parametrize("trace", all_traces("raft"))
def test_raft_replays_every_stored_trace(trace):
    check_trace(RAFT_ADAPTER, trace)


def test_every_protocol_has_coverage_random_and_scenario_suites():
    for protocol in ("paxos", "raft"):
        names = {d.name for d in suites(protocol)}
        assert {"coverage", "random", "scenarios"} <= names, names


class ForgetfulVoter(RaftNode):
    """A server that does not write its vote to stable storage (the bug of the README)."""

    def _persist_term_and_vote(self):
        self.storage.save_term_and_vote(self.current_term, None)


class ForgetfulRaft(RaftAdapter):
    node_class = ForgetfulVoter


def test_a_divergence_names_the_trace_the_step_the_action_and_the_variables():
    outcomes = replay_files(ForgetfulRaft, load_suite(suite_dir("raft", "coverage")))
    bad = [o for o in outcomes if not o.ok]
    assert bad, "the forgetful voter conforms?"
    d = bad[0].divergence
    assert d.trace.endswith(".itf.json") and d.step >= 1 and d.action == "Restart"
    lines = [line for v in d.diffs for line in v.lines]
    assert any(line.startswith("votedFor[s") and "spec s" in line and "implementation Nil" in line for line in lines)
    text = d.render()
    assert f"diverges at step {d.step} of {d.length}: Restart(i = s" in text


def test_a_trace_the_implementation_cannot_follow_is_reported_not_crashed():
    class NoPromises(Acceptor):
        def _on_prepare(self, msg):
            return []                        # never answers a Prepare

    class Silent(PaxosAdapter):
        acceptor_class = NoPromises

    outcomes = replay_files(Silent, load_suite(suite_dir("paxos", "coverage")))
    first = next(o.divergence for o in outcomes if not o.ok)
    assert first.action == "Phase1b"
    assert any("msgs: spec has" in line for v in first.diffs for line in v.lines) or first.error


def test_load_adapter_checks_the_reference():
    assert load_adapter(RAFT_ADAPTER) is RaftAdapter
    with pytest.raises(ValueError):
        load_adapter("impl.adapters.raft")
    with pytest.raises(ValueError):
        load_adapter("impl.adapters.raft:NoSuchAdapter")


def test_conform_command_replays_and_validates():
    r = modelcheck("conform", RAFT, "--adapter", RAFT_ADAPTER, "--traces", suite_dir("raft", "coverage"),
                "--traces", suite_dir("raft", "scenarios"), "--runs", "3")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "31 traces, 369 steps replayed: every trace conforms" in r.stdout
    assert "every step of every execution is a step of the spec" in r.stdout


def test_conform_command_reports_the_first_divergence(run_cli, tmp_path):
    (tmp_path / "forgetful.py").write_text(textwrap.dedent("""
        from impl.adapters.raft import RaftAdapter
        from impl.raft import RaftNode

        class Node(RaftNode):
            def _persist_term_and_vote(self):
                self.storage.save_term_and_vote(self.current_term, None)

        class Adapter(RaftAdapter):
            node_class = Node
    """))
    r = run_cli("conform", RAFT, "--adapter", "forgetful:Adapter", "--traces", suite_dir("raft", "coverage"),
                env={"PYTHONPATH": str(tmp_path)})
    assert r.returncode == 1, r.stdout + r.stderr
    assert "of them diverge" in r.stdout and "diverges at step" in r.stdout
    assert "votedFor[s" in r.stdout and "implementation Nil" in r.stdout


def test_conform_command_rejects_traces_of_another_spec():
    r = modelcheck("conform", RAFT, "--adapter", RAFT_ADAPTER, "--traces", suite_dir("paxos", "coverage"))
    assert r.returncode == 2 and "is a trace of Paxos, not of Raft" in r.stderr


# ---------------------------------------------------------------- implementation -> spec

def test_paxos_executions_are_spec_behaviours():
    report = validate(PaxosAdapter, PAXOS, range(FAST_RUNS or 25))
    assert report.ok, report.failure.render()
    assert set(report.actions) == {"Phase1a", "Phase1b", "Phase2a", "Phase2b"}
    assert report.stuttering > 0


def test_raft_executions_are_spec_behaviours():
    report = validate(RaftAdapter, RAFT, range(FAST_RUNS or 8))
    assert report.ok, report.failure.render()
    # The runs exercise elections, replication, commitment, restarts and every network fault.
    assert {"BecomeLeader", "ClientRequest", "HandleAppendEntriesRequest", "AdvanceCommitIndex", "Restart",
            "DropMessage", "DuplicateMessage", "UpdateTerm"} <= set(report.actions)


@pytest.mark.parametrize("seed", range(3))
def test_executions_as_ordinary_tests(seed):
    assert check_executions(RAFT_ADAPTER, RAFT, seeds=[seed], events=60) > 0


def test_a_step_the_spec_does_not_allow_is_reported_with_the_reason():
    class TalliesEveryAnswer(RaftNode):
        def _count_vote(self, msg: RequestVoteReply) -> None:
            self.votes_responded.add(msg.src)       # even answers from an election it has left
            if msg.granted:
                self.votes_granted.add(msg.src)

    class Adapter(RaftAdapter):
        node_class = TalliesEveryAnswer

    report = validate(Adapter, RAFT, range(50))
    assert not report.ok
    f = report.failure
    assert f.reason in ("state differs", "not enabled")
    text = f.render()
    assert f"seed {f.seed}, event {f.event_index}" in text and "events before it:" in text
    assert "spec steps:" in text


def test_a_mapping_the_spec_cannot_show_is_a_failure_too():
    class EagerLearner(PaxosAdapter.learner_class):
        def handle(self, msg):
            if getattr(msg, "value", None) is not None and self.chosen is None:
                self.chosen = msg.value             # learns from a single acceptor
            return []

    class Adapter(PaxosAdapter):
        learner_class = EagerLearner

    report = validate(Adapter, PAXOS, range(50))
    assert not report.ok and report.failure.reason == "mapping"
    assert "learned" in report.failure.message


@pytest.mark.slow
def test_paxos_validates_1000_faulty_executions():
    report = validate(PaxosAdapter, PAXOS, range(FULL_RUNS))
    assert report.ok, report.failure.render()
    assert report.runs == FULL_RUNS


@pytest.mark.slow
def test_raft_validates_1000_faulty_executions():
    report = validate(RaftAdapter, RAFT, range(FULL_RUNS))
    assert report.ok, report.failure.render()
    assert report.runs == FULL_RUNS


def test_promise_is_a_spec_message_only_when_it_should_be():
    from impl.adapters.paxos import spec_message
    assert spec_message(Promise("a1", "p0", 2, -1, None))["mval"] == "None"
