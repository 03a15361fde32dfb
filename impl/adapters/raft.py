"""Conformance adapter: impl.raft against specs/raft.spec (Ongaro's raft.tla).

The refinement mapping (`state`):

    currentTerm, votedFor, log      <- each node's current_term, voted_for (None is Nil), log
                                       (entries as {term, value})
    state                           <- its role (Follower, Candidate, Leader)
    commitIndex, votesResponded,    <- the volatile fields of the same names
    votesGranted, nextIndex,
    matchIndex
    messages                        <- the messages in flight in the network, as a bag of
                                       spec records

and the spec's *history variables*, which no server keeps (they exist for the invariants),
are kept here from what the implementation did, as a refinement mapping may:

    allLogs     every log any server had before any step so far
    elections   per election won: term, leader, its log, its voters and their logs
    voterLog    per candidate, the log each voter sent with its first granted vote this election
    mlog        (a field of RequestVoteReply and AppendEntries records) the sender's log when
                it sent the message: recorded per send, shared by the copies of a duplicate

Replay (`step`) maps each spec action to calls on a node:

    Restart(i)                 i.restart()
    Timeout(i)                 i.on_timeout()           (the vote requests it sends are lost:
                                                          in the spec they are separate sends)
    RequestVote(i, j)          i.on_heartbeat(), keeping only the request to j
    AppendEntries(i, j)        i.on_heartbeat(), keeping only the request to j
    BecomeLeader(i)            i.poll()                 (its first heartbeats are lost)
    ClientRequest(i, v)        i.client_request(v)      (the appends it sends are lost)
    AdvanceCommitIndex(i)      i.poll()
    UpdateTerm, DropStaleResponse, Handle*(m)
                               one unit of work on m:   m.mdest.step(m); m leaves the
                                                        network when the node is done with it
    DuplicateMessage(m)        the network copies m;    DropMessage(m): the network loses m

Validation (`run`) runs 3 servers under impl.sim with drops, duplicates, reordering,
restarts and crashes between units of work, and maps each event back: a timer event to its
action followed by one RequestVote/AppendEntries per message it sent, a unit of work on m to
whichever message action handles m, and so on (`spec_steps`).
"""
from __future__ import annotations

import random

from typing import Any, Iterator, Optional

from impl.raft import (AppendEntries, AppendEntriesReply, MemoryStorage, RaftNode, RequestVote,
                       RequestVoteReply, Role)
from impl.sim import Envelope, Event, Mix, Network, Simulation
from modelcheck.conform.adapter import (Adapter, Mismatch, Observation, SpecStep, bag_of, elements, integer,
                                        key_of, map_of, model_value, set_of)

ROLE = {Role.FOLLOWER: model_value("Follower"), Role.CANDIDATE: model_value("Candidate"),
        Role.LEADER: model_value("Leader")}
NIL = model_value("Nil")
MESSAGE_ACTIONS = ("UpdateTerm", "DropStaleResponse", "HandleRequestVoteRequest", "HandleRequestVoteResponse",
                   "HandleAppendEntriesRequest", "HandleAppendEntriesResponse")
FIRST_TERM = 1   # the spec's servers start in term 1; a fresh storage is in term 0


def entries(log) -> list:
    return [{"term": integer(e.term), "value": model_value(e.command)} for e in log]


class RaftAdapter(Adapter):
    spec = "specs/raft.spec"
    node_class = RaftNode   # a subclass adapter can check a modified server (see README.md)
    SERVERS = ("s1", "s2", "s3")
    validation_constants = {"Servers": "{s1, s2, s3}", "Values": "{v1, v2}"}
    MIX = Mix(timeout=0.2, client=1.5, drop=0.5, duplicate=0.3, restart=0.15, crash_mid_message=0.05)
    MAX_CLIENT_REQUESTS = 8
    events_per_run = 300   # long enough for leaders to come and go with entries of their own

    # ------------------------------------------------------------------ the cluster and its history
    def _build(self, servers) -> None:
        self.servers = tuple(sorted(servers))
        self.nodes = {s: self.node_class(s, self.servers, MemoryStorage(term=FIRST_TERM)) for s in self.servers}
        self.network = Network()
        self.all_logs: dict[str, list] = {}             # history: every log so far (by key)
        self.elections: dict[str, dict] = {}            # history: every election won
        self.voter_log: dict[str, dict[str, list]] = {s: {} for s in self.servers}

    def _logs(self) -> list[list]:
        return [entries(n.log) for n in self.nodes.values()]

    def _record(self, event: Event, before: dict, logs_before: list[list]) -> list[SpecStep]:
        """Update the history variables after an event; return its spec steps."""
        steps = self.spec_steps(event, before)
        # Every spec step records the logs of the state it leaves: the state before the
        # event, and for an event of several steps (a client request, then the appends it
        # sends) the states between them, where the logs are those after the event (only
        # the first step of an event changes a log).
        left = (logs_before if steps else []) + (self._logs() if len(steps) > 1 else [])
        for log in left:
            self.all_logs.setdefault(key_of(log), log)
        node = self.nodes.get(event.node) if event.node else None
        for env in event.sent:     # the sender's log when it sent, for the spec's mlog fields
            if isinstance(env.msg, (RequestVoteReply, AppendEntries)) and event.kind != "duplicate":
                env.meta["mlog"] = entries(self.nodes[env.src].log)
        if event.kind in ("restart", "timeout") and node is not None and (
                event.kind == "restart" or before["role"] is not Role.LEADER):
            self.voter_log[event.node] = {}
        if event.kind == "deliver" and isinstance(event.envelope.msg, RequestVoteReply) and event.done:
            msg = event.envelope.msg
            if msg.granted and msg.src in node.votes_granted and msg.src not in self.voter_log[event.node]:
                self.voter_log[event.node][msg.src] = event.envelope.meta.get("mlog", [])
        if event.kind == "poll" and before["role"] is Role.CANDIDATE and node.role is Role.LEADER:
            record = {"eterm": integer(node.current_term), "eleader": model_value(node.id),
                      "elog": entries(node.log), "evotes": set_of(model_value(v) for v in sorted(node.votes_granted)),
                      "evoterLog": self._voter_log_itf(node.id)}
            self.elections.setdefault(key_of(record), record)
        return steps

    def _voter_log_itf(self, server: str) -> dict:
        return map_of((model_value(v), log) for v, log in sorted(self.voter_log[server].items()))

    # ------------------------------------------------------------------ refinement mapping
    def message(self, env: Envelope) -> dict:
        """A message in flight as the spec's record."""
        m = env.msg
        ends = {"msource": model_value(m.src), "mdest": model_value(m.dst), "mterm": integer(m.term)}
        if isinstance(m, RequestVote):
            return {"mtype": "RequestVoteRequest", "mlastLogTerm": integer(m.last_log_term),
                    "mlastLogIndex": integer(m.last_log_index), **ends}
        if isinstance(m, RequestVoteReply):
            return {"mtype": "RequestVoteResponse", "mvoteGranted": m.granted, "mlog": env.meta.get("mlog", []), **ends}
        if isinstance(m, AppendEntries):
            return {"mtype": "AppendEntriesRequest", "mprevLogIndex": integer(m.prev_log_index),
                    "mprevLogTerm": integer(m.prev_log_term), "mentries": entries(m.entries),
                    "mlog": env.meta.get("mlog", []), "mcommitIndex": integer(m.leader_commit), **ends}
        if isinstance(m, AppendEntriesReply):
            return {"mtype": "AppendEntriesResponse", "msuccess": m.success, "mmatchIndex": integer(m.match_index),
                    **ends}
        raise Mismatch(f"a message the spec has no type for: {m!r}")

    def state(self) -> dict[str, Any]:
        nodes = sorted(self.nodes.items())

        def per_server(f):
            return map_of((model_value(s), f(n)) for s, n in nodes)

        def per_member(d):
            return map_of((model_value(j), integer(d[j])) for j in self.servers)

        return {
            "messages": bag_of(self.message(env) for env in self.network.in_flight),
            "elections": set_of(self.elections.values()),
            "allLogs": set_of(self.all_logs.values()),
            "currentTerm": per_server(lambda n: integer(n.current_term)),
            "state": per_server(lambda n: ROLE[n.role]),
            "votedFor": per_server(lambda n: NIL if n.voted_for is None else model_value(n.voted_for)),
            "log": per_server(lambda n: entries(n.log)),
            "commitIndex": per_server(lambda n: integer(n.commit_index)),
            "votesResponded": per_server(lambda n: set_of(model_value(v) for v in sorted(n.votes_responded))),
            "votesGranted": per_server(lambda n: set_of(model_value(v) for v in sorted(n.votes_granted))),
            "voterLog": per_server(lambda n: self._voter_log_itf(n.id)),
            "nextIndex": per_server(lambda n: per_member(n.next_index)),
            "matchIndex": per_server(lambda n: per_member(n.match_index)),
        }

    # ------------------------------------------------------------------ spec -> implementation
    def reset(self, initial: dict[str, Any], constants: dict[str, Any]) -> None:
        self._build(str(s) for s in elements(initial["currentTerm"]))

    def _find(self, record: dict) -> Envelope:
        key = key_of(record)
        for env in self.network.in_flight:
            if key_of(self.message(env)) == key:
                return env
        raise Mismatch("no such message in flight in the implementation's network")

    def _only_to(self, sent: list, dst: str, what: str, src: str) -> list[Envelope]:
        wanted = [m for m in sent if m.dst == dst]
        if not wanted:
            raise Mismatch(f"{src} sent no {what} to {dst} (it sent: {sent or 'nothing'})")
        return [self.network.send(wanted[0])]

    def step(self, action: str, args: dict[str, Any], before_spec: dict[str, Any]) -> None:
        i = str(args["i"]) if "i" in args else None
        node = self.nodes.get(i) if i else None
        before = self._snapshot(i)
        logs_before = self._logs()
        if action == "Restart":
            node.restart()
            event = Event(0, "restart", i)
        elif action == "Timeout":
            node.on_timeout()                      # the requests it sends are lost
            event = Event(0, "timeout", i)
        elif action in ("RequestVote", "AppendEntries"):
            what = "RequestVote" if action == "RequestVote" else "AppendEntries"
            event = Event(0, "heartbeat", i, sent=self._only_to(node.on_heartbeat(), str(args["j"]), what, i))
        elif action in ("BecomeLeader", "AdvanceCommitIndex"):
            node.poll()                            # a new leader's first heartbeats are lost
            event = Event(0, "poll", i)
            if action == "BecomeLeader" and node.role is not Role.LEADER:
                raise Mismatch(f"{i} did not take office")
        elif action == "ClientRequest":
            node.client_request(str(args["v"]))    # the appends it sends are lost
            event = Event(0, "client", i, value=str(args["v"]))
        elif action in MESSAGE_ACTIONS:
            env = self._find(args["m"])
            before = self._snapshot(env.dst)
            progress = self.nodes[env.dst].step(env.msg)
            if progress.done:
                self.network.remove(env)
            sent = [self.network.send(m) for m in progress.send]
            event = Event(0, "deliver", env.dst, envelope=env, sent=sent, done=progress.done)
        elif action == "DuplicateMessage":
            env = self._find(args["m"])
            event = Event(0, "duplicate", envelope=env, sent=[self.network.duplicate(env)])
        elif action == "DropMessage":
            env = self._find(args["m"])
            self.network.remove(env)
            event = Event(0, "drop", envelope=env)
        else:
            raise Mismatch(f"unknown action {action}")
        self._record(event, before, logs_before)

    def _snapshot(self, server: Optional[str]) -> dict:
        """What spec_steps needs to know about a node before an event."""
        node = self.nodes.get(server) if server else None
        return {"role": node.role if node else None, "term": node.current_term if node else None}

    # ------------------------------------------------------------------ implementation -> spec
    def run(self, seed: int, events: int) -> Iterator[Observation]:
        self._build(self.SERVERS)
        sim = Simulation(self.nodes, seed=seed, mix=self.MIX.swarm(random.Random(f"mix:{seed}")), client_values=("v1", "v2"),
                         max_client_requests=self.MAX_CLIENT_REQUESTS)
        sim.network = self.network
        yield Observation("initial state", [], self.state())
        logs_before = self._logs()
        snapshots = {s: self._snapshot(s) for s in self.nodes}
        for event in sim.run(events):
            steps = self._record(event, snapshots.get(event.node, self._snapshot(None)), logs_before)
            yield Observation(event.describe(), steps, self.state())
            logs_before = self._logs()
            snapshots = {s: self._snapshot(s) for s in self.nodes}

    @staticmethod
    def _handler(msg, term: int) -> str:
        """The spec action that handles `msg` at a server in `term` (one unit of work)."""
        if msg.term > term:
            return "UpdateTerm"
        if isinstance(msg, (RequestVoteReply, AppendEntriesReply)) and msg.term < term:
            return "DropStaleResponse"
        return {RequestVote: "HandleRequestVoteRequest", RequestVoteReply: "HandleRequestVoteResponse",
                AppendEntries: "HandleAppendEntriesRequest", AppendEntriesReply: "HandleAppendEntriesResponse"}[type(msg)]

    def spec_steps(self, event: Event, before: dict) -> list[SpecStep]:
        """The spec steps an event performs."""
        i = {"i": model_value(event.node)} if event.node else {}
        sends = [SpecStep("RequestVote" if isinstance(env.msg, RequestVote) else "AppendEntries",
                          {**i, "j": model_value(env.dst)}) for env in event.sent]
        kind = event.kind
        if kind in ("deliver", "drop", "duplicate"):
            m = self.message(event.envelope)
            if kind == "deliver":
                return [SpecStep(self._handler(event.envelope.msg, before["term"]), {"m": m})]
            return [SpecStep("DropMessage" if kind == "drop" else "DuplicateMessage", {"m": m})]
        if kind == "restart":
            return [SpecStep("Restart", i)]
        if kind == "partition":
            return []                      # the network's business: no server changes
        if kind == "timeout":
            return [] if before["role"] is Role.LEADER else [SpecStep("Timeout", i)] + sends
        if kind == "heartbeat":
            return sends
        if kind == "poll":
            if before["role"] is Role.CANDIDATE and self.nodes[event.node].role is Role.LEADER:
                return [SpecStep("BecomeLeader", i)] + sends
            if before["role"] is Role.LEADER:
                return [SpecStep("AdvanceCommitIndex", i)]
            return []
        if kind == "client":
            if event.refused:
                return []
            return [SpecStep("ClientRequest", {**i, "v": model_value(event.value)})] + sends
        raise ValueError(f"unknown event {kind}")
