"""The implementations in impl/ on their own: unit behaviour of the Paxos roles and the Raft
server, the network simulator, and the key-value store on Raft under faults."""
from __future__ import annotations

import pytest

from impl.paxos import NO_BALLOT, Accept, Accepted, Acceptor, Learner, Prepare, Promise, Proposer, Rejected
from impl.raft import (AppendEntries, AppendEntriesReply, Entry, MemoryStorage, NotLeader, RaftNode,
                       ReplicatedKV, RequestVote, RequestVoteReply, Role)
from impl.sim import Mix, Network, Simulation

IDS = ("s1", "s2", "s3")


def deliver_all(nodes, messages, skip=lambda m: False):
    """Deliver messages (and whatever they cause) until none are left; FIFO, no faults."""
    queue = list(messages)
    while queue:
        m = queue.pop(0)
        if not skip(m):
            queue.extend(nodes[m.dst].handle(m))


def elect(nodes, leader="s1"):
    deliver_all(nodes, nodes[leader].on_timeout())
    deliver_all(nodes, nodes[leader].poll())
    assert nodes[leader].role is Role.LEADER


# ---------------------------------------------------------------- Raft

def test_raft_election_votes_for_itself_through_its_own_request():
    nodes = {i: RaftNode(i, IDS) for i in IDS}
    out = nodes["s1"].on_timeout()
    assert nodes["s1"].role is Role.CANDIDATE and nodes["s1"].current_term == 1
    assert nodes["s1"].voted_for is None
    assert {m.dst for m in out} == set(IDS)
    deliver_all(nodes, out)
    assert nodes["s1"].voted_for == "s1" and nodes["s1"].votes_granted == set(IDS)
    assert nodes["s1"].role is Role.CANDIDATE       # counting is not acting ...
    nodes["s1"].poll()
    assert nodes["s1"].role is Role.LEADER          # ... poll() is


def test_raft_replicates_and_commits_only_after_a_majority_stores():
    nodes = {i: RaftNode(i, IDS) for i in IDS}
    elect(nodes)
    leader = nodes["s1"]
    out = leader.client_request("x")
    deliver_all(nodes, out, skip=lambda m: m.dst == "s3" or m.src == "s3")
    assert nodes["s2"].log == [Entry(1, "x")] and nodes["s3"].log == []
    assert leader.commit_index == 0
    leader.poll()
    assert leader.commit_index == 1
    deliver_all(nodes, leader.on_heartbeat())
    assert nodes["s3"].log == [Entry(1, "x")] and nodes["s2"].commit_index == 1


def test_raft_does_not_commit_an_entry_of_an_earlier_term_by_counting_replicas():
    nodes = {i: RaftNode(i, IDS) for i in IDS}
    elect(nodes)
    deliver_all(nodes, nodes["s1"].client_request("old"), skip=lambda m: True)  # replicated nowhere
    nodes["s1"].restart()                 # s1 is a follower again, with entry 1 of term 1
    elect(nodes)                          # and wins term 2 (its log is the most up to date)
    leader = nodes["s1"]
    deliver_all(nodes, leader.on_heartbeat())
    deliver_all(nodes, leader.on_heartbeat())  # s2, s3 now store the term-1 entry
    assert nodes["s2"].log == [Entry(1, "old")]
    leader.poll()
    assert leader.commit_index == 0       # a majority stores it, but it is of term 1
    deliver_all(nodes, leader.client_request("new"))
    deliver_all(nodes, leader.on_heartbeat())
    leader.poll()
    assert leader.commit_index == 2       # committed together with the term-2 entry


def test_raft_keeps_term_vote_and_log_across_a_restart_and_nothing_else():
    nodes = {i: RaftNode(i, IDS) for i in IDS}
    elect(nodes)
    deliver_all(nodes, nodes["s1"].client_request("x"))
    nodes["s1"].poll()
    before = nodes["s1"]
    term, vote, log = before.current_term, before.voted_for, list(before.log)
    before.restart()
    assert (before.current_term, before.voted_for, before.log) == (term, vote, log)
    assert before.role is Role.FOLLOWER and before.commit_index == 0
    assert before.votes_granted == set() and before.match_index == {i: 0 for i in IDS}


def test_raft_refuses_a_second_vote_in_a_term_even_after_restart():
    node = RaftNode("s3", IDS)
    first = node.handle(RequestVote("s1", "s3", 1, 0, 0))
    node.restart()
    second = node.handle(RequestVote("s2", "s3", 1, 0, 0))
    assert first == [RequestVoteReply("s3", "s1", 1, True)]
    assert second == [RequestVoteReply("s3", "s2", 1, False)]


def test_raft_refuses_a_candidate_with_a_less_up_to_date_log():
    node = RaftNode("s3", IDS, MemoryStorage(term=2, log=(Entry(2, "a"),)))
    assert node.handle(RequestVote("s1", "s3", 3, 5, 1)) == [RequestVoteReply("s3", "s1", 3, False)]
    assert node.handle(RequestVote("s2", "s3", 3, 1, 2)) == [RequestVoteReply("s3", "s2", 3, True)]


def test_raft_steps_down_on_a_newer_term_in_a_unit_of_its_own():
    node = RaftNode("s1", IDS, MemoryStorage(term=3))
    node.on_timeout()
    assert node.role is Role.CANDIDATE and node.current_term == 4
    msg = AppendEntriesReply("s2", "s1", 7, False, 0)
    first = node.step(msg)
    assert not first.done and node.current_term == 7 and node.role is Role.FOLLOWER and node.voted_for is None
    assert node.step(msg).done


def test_raft_follower_resolves_a_conflicting_entry_one_unit_at_a_time():
    node = RaftNode("s2", IDS, MemoryStorage(term=3, log=(Entry(1, "a"), Entry(2, "b"), Entry(2, "c"))))
    msg = AppendEntries("s1", "s2", 3, 1, 1, (Entry(3, "z"),), 2)
    units = []
    while True:
        p = node.step(msg)
        units.append((p.done, [e.command for e in node.log]))
        if p.done:
            break
    assert units == [(False, ["a", "b"]), (False, ["a"]), (False, ["a", "z"]), (True, ["a", "z"])]
    assert node.commit_index == 2
    assert node.storage.load()[2] == node.log


def test_raft_refuses_entries_that_do_not_follow_its_log():
    node = RaftNode("s2", IDS, MemoryStorage(term=2, log=(Entry(1, "a"),)))
    assert node.handle(AppendEntries("s1", "s2", 2, 1, 2, (Entry(2, "b"),), 0)) == \
        [AppendEntriesReply("s2", "s1", 2, False, 0)]
    assert node.handle(AppendEntries("s1", "s2", 2, 2, 2, (), 0)) == [AppendEntriesReply("s2", "s1", 2, False, 0)]
    assert node.log == [Entry(1, "a")]


def test_raft_client_requests_go_to_the_leader_only():
    nodes = {i: RaftNode(i, IDS) for i in IDS}
    elect(nodes)
    with pytest.raises(NotLeader) as refused:
        nodes["s2"].client_request("x")
    assert refused.value.leader == "s1"


# ---------------------------------------------------------------- Paxos

ACCEPTORS = ("a1", "a2", "a3")


def test_paxos_acceptor_promises_only_higher_ballots_and_reports_its_vote():
    a = Acceptor("a1", ["l1"])
    assert a.handle(Prepare("p0", "a1", 2)) == [Promise("a1", "p0", 2, NO_BALLOT, None)]
    assert a.handle(Prepare("p1", "a1", 2)) == [Rejected("a1", "p1", 2, 2)]
    assert a.handle(Accept("p1", "a1", 1, "v")) == [Rejected("a1", "p1", 1, 2)]
    assert a.handle(Accept("p0", "a1", 2, "v")) == [Accepted("a1", "l1", 2, "v")]
    assert a.handle(Prepare("p1", "a1", 3)) == [Promise("a1", "p1", 3, 2, "v")]
    a.restart()
    assert (a.promised, a.accepted_ballot, a.accepted_value) == (3, 2, "v")


def test_paxos_proposer_keeps_the_highest_reported_vote():
    p = Proposer("p1", 1, 2, ACCEPTORS)
    p.client_request("mine")
    assert p.ballot == 1
    assert p.handle(Promise("a1", "p1", 1, 0, "theirs")) == []
    out = p.handle(Promise("a2", "p1", 1, NO_BALLOT, None))
    assert {(m.dst, m.value) for m in out} == {(a, "theirs") for a in ACCEPTORS}


def test_paxos_proposer_never_reuses_a_ballot_after_restart():
    p = Proposer("p0", 0, 2, ACCEPTORS)
    p.on_timeout()
    assert p.ballot == 0
    p.restart()
    p.on_timeout()
    assert p.ballot == 2
    p.handle(Rejected("a1", "p0", 2, 7))
    p.on_timeout()
    assert p.ballot == 8


def test_paxos_learner_needs_a_majority_in_one_ballot():
    learner = Learner("l1", ACCEPTORS)
    learner.handle(Accepted("a1", "l1", 0, "v"))
    learner.handle(Accepted("a2", "l1", 1, "v"))
    assert learner.chosen is None
    learner.handle(Accepted("a3", "l1", 1, "v"))
    assert learner.chosen == "v"


def paxos_cluster(max_ballot=7):
    learners = ["l1", "l2"]
    nodes = {a: Acceptor(a, learners) for a in ACCEPTORS}
    nodes.update({f"p{k}": Proposer(f"p{k}", k, 2, ACCEPTORS, max_ballot=max_ballot) for k in range(2)})
    nodes.update({name: Learner(name, ACCEPTORS) for name in learners})
    return nodes


def test_paxos_learners_agree_under_faults():
    learned = 0
    for seed in range(150):
        nodes = paxos_cluster()
        for _ in Simulation(nodes, seed=seed, client_values=("v1", "v2")).run(120):
            pass
        chosen = {nodes[n].chosen for n in ("l1", "l2")} - {None}
        assert len(chosen) <= 1, (seed, chosen)
        learned += bool(chosen)
    assert learned > 50   # the runs do reach decisions, so agreement is not vacuous


# ---------------------------------------------------------------- the simulator

def test_network_duplicate_shares_the_origin_and_remove_takes_one_copy():
    net = Network()
    env = net.send("m")
    copy = net.duplicate(env)
    assert copy.origin == env.origin and copy.id != env.id and len(net) == 2
    net.remove(env)
    assert net.in_flight == [copy]


def run_events(seed):
    nodes = {i: RaftNode(i, IDS) for i in IDS}
    sim = Simulation(nodes, seed=seed, client_values=("x",), max_client_requests=2)
    return [e.describe() for e in sim.run(200)]


def test_simulation_is_deterministic_per_seed_and_exercises_every_fault():
    assert run_events(7) == run_events(7)
    assert run_events(7) != run_events(8)
    kinds = {line.split()[1] + " " + line.split()[2] for s in range(5) for line in run_events(s)}
    assert any("drops" in k for k in kinds) and any("duplicates" in k for k in kinds)
    assert any("restart" in k for k in kinds)


def test_simulation_without_faults_delivers_everything_it_sends():
    nodes = {i: RaftNode(i, IDS) for i in IDS}
    sim = Simulation(nodes, seed=1, mix=Mix.no_faults())
    kinds = {e.kind for e in sim.run(300)}
    assert not kinds & {"drop", "duplicate", "restart"}


# ---------------------------------------------------------------- the key-value store

def test_kv_replicas_apply_the_same_commands_in_the_same_order_under_faults():
    mix = Mix(timeout=0.2, client=1.5, drop=0.5, duplicate=0.3, restart=0.15)
    runs_with_writes = 0
    for seed in range(60):
        replicas = {i: ReplicatedKV(RaftNode(i, IDS)) for i in IDS}
        history = {i: [] for i in IDS}   # every command each replica applied, across restarts
        sim = Simulation({i: r.node for i, r in replicas.items()}, seed=seed, mix=mix,
                         client_values=tuple(("put", "k", n) for n in range(3)), max_client_requests=4)
        for event in sim.run(250):
            if event.kind == "restart":
                history[event.node].append("restart")
                replicas[event.node].reset_state_machine()
            for i, r in replicas.items():
                before = len(r.applied)
                r.apply_committed()
                history[i].extend(r.applied[before:])
        runs = [[c for c in h if c != "restart"] for h in history.values()]
        # Between restarts every replica applies a prefix of one sequence of commands.
        for i in IDS:
            segments, seg = [], []
            for c in history[i] + ["restart"]:
                if c == "restart":
                    segments.append(seg)
                    seg = []
                else:
                    seg.append(c)
            longest = max((r.applied for r in replicas.values()), key=len)
            for s in segments:
                for j in IDS:
                    other = replicas[j].applied
                    n = min(len(s), len(other))
                    assert s[:n] == other[:n], (seed, i, j)
        runs_with_writes += any(runs)
        values = {r.get("k") for r in replicas.values() if r.last_applied == len(longest)}
        assert len(values) <= 1
    assert runs_with_writes > 20
