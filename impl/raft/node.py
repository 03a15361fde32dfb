"""A Raft server as a deterministic, sans-IO state machine.

The runtime owns the clock, the sockets and the disk; a `RaftNode` owns the protocol. The
runtime calls:

    step(msg)            do the next unit of work a received message asks for (see below)
    handle(msg)          process a received message completely (step() until it is done)
    on_timeout()         the election timer fired: no leader was heard from in time
    on_heartbeat()       the heartbeat timer fired: a leader asserts itself and replicates,
                         a candidate re-asks the servers that have not answered
    poll()               act on what has been counted: a candidate holding a majority of
                         votes takes office, a leader commits what a majority stores
    client_request(cmd)  a client wants `cmd` appended to the replicated log
    restart()            the process crashed and came back with only its stable storage

and sends every message these return (each names its destination; a node may address
itself: see `on_timeout`).

Why the work is cut this fine
-----------------------------
A received message is processed in *units*, one durable change at a time: adopting a newer
term, a candidate stepping down, dropping one conflicting log entry, appending one entry,
and finally answering. `step()` performs one unit and says whether the message is finished;
`handle()` loops. The runtime may crash between any two units (each is one write to stable
storage), and the state left behind is always one the protocol is prepared for. Tests drive
`step()` directly to put a crash exactly there.

For the same reason, counting and acting are separate: responses are tallied as they
arrive, and `poll()` acts on the tally. A runtime calls `poll()` after draining a batch of
messages, so a burst of acknowledgements costs one commit computation, and a candidate that
has won can still be observed, and restarted, before it takes office.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Iterable, Optional

from .messages import (AppendEntries, AppendEntriesReply, Entry, Message, NodeId, RequestVote,
                       RequestVoteReply)
from .storage import MemoryStorage


class Role(Enum):
    FOLLOWER = "follower"
    CANDIDATE = "candidate"
    LEADER = "leader"


class NotLeader(Exception):
    """A client request reached a server that is not the leader; `leader` is a hint (or None)."""

    def __init__(self, node: NodeId, leader: Optional[NodeId]):
        super().__init__(f"{node} is not the leader" + (f"; try {leader}" if leader else ""))
        self.leader = leader


@dataclass
class Progress:
    """The outcome of one unit of work on a message: whether the message is finished, and
    what to send. A message that is not finished must be stepped again."""
    done: bool
    send: list[Message] = field(default_factory=list)


class RaftNode:
    """One server of a Raft cluster.

    Durable state (mirrored in `storage`, written before anything that depends on it is sent):
    `current_term`, `voted_for`, `log` (entries are 1-indexed in the protocol: entry n is
    `log[n - 1]`). Volatile state: `role`, `commit_index`, the votes counted in this term
    (`votes_responded`, `votes_granted`) and, per member, `next_index` (the next entry to
    send it) and `match_index` (the last entry known to be replicated on it).
    """

    def __init__(self, node_id: NodeId, members: Iterable[NodeId], storage: Optional[MemoryStorage] = None,
                 max_entries_per_message: int = 1):
        self.id = node_id
        self.members: tuple[NodeId, ...] = tuple(sorted(members))
        if node_id not in self.members:
            raise ValueError(f"{node_id} is not one of the members {self.members}")
        self.storage = storage if storage is not None else MemoryStorage()
        # One entry per AppendEntries keeps each message's work bounded and each step of log
        # reconciliation small; larger batches trade that for throughput.
        self.max_entries_per_message = max_entries_per_message
        self._recover()

    # ------------------------------------------------------------------ lifecycle
    def restart(self) -> None:
        """Crash and recover: everything not in stable storage is lost."""
        self._recover()

    def _recover(self) -> None:
        self.current_term, self.voted_for, self.log = self.storage.load()
        self.role = Role.FOLLOWER
        self.leader_id: Optional[NodeId] = None   # a hint for redirecting clients
        self.commit_index = 0
        self.votes_responded: set[NodeId] = set()
        self.votes_granted: set[NodeId] = set()
        self.next_index = {m: 1 for m in self.members}
        self.match_index = {m: 0 for m in self.members}

    # ------------------------------------------------------------------ the log
    @property
    def last_log_index(self) -> int:
        return len(self.log)

    @property
    def last_log_term(self) -> int:
        return self.log[-1].term if self.log else 0

    def term_at(self, index: int) -> int:
        """The term of entry `index`; 0 for index 0 (the empty prefix every log shares)."""
        return self.log[index - 1].term if index > 0 else 0

    def _is_majority(self, servers: set[NodeId]) -> bool:
        return 2 * len(servers & set(self.members)) > len(self.members)

    def _persist_term_and_vote(self) -> None:
        self.storage.save_term_and_vote(self.current_term, self.voted_for)

    # ------------------------------------------------------------------ timers
    def on_timeout(self) -> list[Message]:
        """No leader was heard from: stand for election in the next term.

        The candidate asks every member for its vote, itself included, and votes for itself
        when its own request arrives, through the same code that checks logs and records
        votes durably for any other candidate: there is no second path to get wrong.
        """
        if self.role is Role.LEADER:
            return []
        self.current_term += 1
        self.voted_for = None
        self._persist_term_and_vote()
        self.role = Role.CANDIDATE
        self.leader_id = None
        self.votes_responded = set()
        self.votes_granted = set()
        return self._vote_requests()

    def on_heartbeat(self) -> list[Message]:
        """Periodic sends: a leader replicates to (or just reassures) every follower; a
        candidate re-asks the members that have not answered, as requests may be lost."""
        if self.role is Role.LEADER:
            return [self._append_entries_for(peer) for peer in self.members if peer != self.id]
        if self.role is Role.CANDIDATE:
            return self._vote_requests()
        return []

    def replicate_to(self, peer: NodeId) -> list[Message]:
        """The next AppendEntries for one follower, for a runtime that sends it as soon as the
        follower answers (catching up a lagging log at round-trip speed, not heartbeat speed)."""
        if self.role is not Role.LEADER or peer == self.id:
            return []
        return [self._append_entries_for(peer)]

    def _vote_requests(self) -> list[Message]:
        return [RequestVote(self.id, m, self.current_term, self.last_log_index, self.last_log_term)
                for m in self.members if m not in self.votes_responded]

    def _append_entries_for(self, peer: NodeId) -> AppendEntries:
        next_index = self.next_index[peer]
        prev = next_index - 1
        entries = tuple(self.log[prev:prev + self.max_entries_per_message])
        # Never tell a follower that more is committed than the entries it can check.
        commit = min(self.commit_index, prev + len(entries))
        return AppendEntries(self.id, peer, self.current_term, prev, self.term_at(prev), entries, commit)

    # ------------------------------------------------------------------ acting on tallies
    def poll(self) -> list[Message]:
        """Act on the votes and acknowledgements counted so far."""
        if self.role is Role.CANDIDATE and self._is_majority(self.votes_granted):
            return self._become_leader()
        if self.role is Role.LEADER:
            self._advance_commit_index()
        return []

    def _become_leader(self) -> list[Message]:
        self.role = Role.LEADER
        self.leader_id = self.id
        self.next_index = {m: self.last_log_index + 1 for m in self.members}
        self.match_index = {m: 0 for m in self.members}
        return self.on_heartbeat()  # announce the new term at once

    def _advance_commit_index(self) -> None:
        """Commit up to the highest index a majority (this leader included) stores, but only
        if that entry is of the current term. An entry of an earlier term stored on a
        majority can still be overwritten by a leader that never had it (Figure 8 of the
        Raft paper); it becomes committed indirectly, with the first entry of this term."""
        for n in range(self.last_log_index, 0, -1):
            holders = {self.id} | {m for m in self.members if self.match_index[m] >= n}
            if self._is_majority(holders):
                if self.term_at(n) == self.current_term:
                    self.commit_index = n
                return

    # ------------------------------------------------------------------ clients
    def client_request(self, command: Any) -> list[Message]:
        """Append `command` to the log as an entry of this leader's term and start
        replicating it. Raises NotLeader on any other server."""
        if self.role is not Role.LEADER:
            raise NotLeader(self.id, self.leader_id)
        entry = Entry(self.current_term, command)
        self.storage.append(entry)
        self.log.append(entry)
        return self.on_heartbeat()

    # ------------------------------------------------------------------ messages
    def handle(self, msg: Message) -> list[Message]:
        """Process `msg` completely; what to send in return."""
        out: list[Message] = []
        # Each unit makes progress: at most one term change, one step-down, one truncation
        # per entry in the log and one append per entry in the message, then the answer.
        budget = 3 + len(self.log) + len(getattr(msg, "entries", ()))
        for _ in range(budget):
            progress = self.step(msg)
            out.extend(progress.send)
            if progress.done:
                return out
        raise RuntimeError(f"{self.id}: processing {msg} does not finish")

    def step(self, msg: Message) -> Progress:
        """Do the next unit of work `msg` asks for."""
        if msg.term > self.current_term:
            # Our term is over. Adopt the newer one (durably, with no vote cast in it yet)
            # and handle the message as a follower of that term.
            self.current_term = msg.term
            self.voted_for = None
            self._persist_term_and_vote()
            self.role = Role.FOLLOWER
            self.leader_id = None
            return Progress(done=False)
        if isinstance(msg, RequestVote):
            return Progress(True, [self._answer_vote(msg)])
        if isinstance(msg, RequestVoteReply):
            self._count_vote(msg)
            return Progress(True)
        if isinstance(msg, AppendEntries):
            return self._step_append(msg)
        if isinstance(msg, AppendEntriesReply):
            self._record_progress(msg)
            return Progress(True)
        raise TypeError(f"not a Raft message: {msg!r}")

    def _answer_vote(self, msg: RequestVote) -> RequestVoteReply:
        """Grant a vote of our term to a candidate whose log is at least as up to date as
        ours (a later last term, or the same last term and at least as long), if we have
        not voted for someone else in this term. The vote is durable before it is sent."""
        log_ok = (msg.last_log_term > self.last_log_term
                  or (msg.last_log_term == self.last_log_term and msg.last_log_index >= self.last_log_index))
        grant = (msg.term == self.current_term and log_ok
                 and (self.voted_for is None or self.voted_for == msg.src))
        if grant:
            self.voted_for = msg.src
            self._persist_term_and_vote()
        return RequestVoteReply(self.id, msg.src, self.current_term, grant)

    def _count_vote(self, msg: RequestVoteReply) -> None:
        """Count an answer of our term. A vote from an election we have left is ignored.
        The tally is kept whatever our role (it only matters to a candidate, and a new
        election starts from an empty one)."""
        if msg.term < self.current_term:
            return
        self.votes_responded.add(msg.src)
        if msg.granted:
            self.votes_granted.add(msg.src)

    def _step_append(self, msg: AppendEntries) -> Progress:
        if msg.term < self.current_term:
            return Progress(True, [self._refuse(msg)])   # a deposed leader: tell it our term
        if self.role is Role.CANDIDATE:
            # Someone else won the election of our term: follow it, then handle the request.
            self.role = Role.FOLLOWER
            self.leader_id = msg.src
            return Progress(done=False)
        if self.role is Role.LEADER:
            return Progress(True)  # another leader of our term: impossible (one vote per term)
        self.leader_id = msg.src
        prev = msg.prev_log_index
        log_ok = prev == 0 or (prev <= self.last_log_index and self.term_at(prev) == msg.prev_log_term)
        if not log_ok:
            return Progress(True, [self._refuse(msg)])   # the leader will back up and retry
        for offset, entry in enumerate(msg.entries):
            index = prev + 1 + offset
            if self.last_log_index >= index:
                if self.term_at(index) == entry.term:
                    continue  # already there (a retransmission, or an earlier batch)
                # A conflicting entry: ours was never committed. Drop the last entry and
                # look again; the conflict is gone once the log ends before `index`.
                self.storage.truncate(self.last_log_index - 1)
                self.log.pop()
                return Progress(done=False)
            self.storage.append(entry)
            self.log.append(entry)
            return Progress(done=False)
        # Everything the leader sent is in our log. The follower takes the commit index this
        # message carries: it may be below what an earlier message said (messages are
        # reordered); commit_index is advisory here, and what the state machine has applied
        # never goes back (see kv.py).
        self.commit_index = msg.leader_commit
        match = prev + len(msg.entries)
        return Progress(True, [AppendEntriesReply(self.id, msg.src, self.current_term, True, match)])

    def _refuse(self, msg: AppendEntries) -> AppendEntriesReply:
        return AppendEntriesReply(self.id, msg.src, self.current_term, False, 0)

    def _record_progress(self, msg: AppendEntriesReply) -> None:
        """A follower's answer of our term: how far its log matches ours, or that the
        previous entry did not match and we must back up one. Answers from a term we have
        left are ignored."""
        if msg.term < self.current_term:
            return
        if msg.success:
            self.next_index[msg.src] = msg.match_index + 1
            self.match_index[msg.src] = msg.match_index
        else:
            self.next_index[msg.src] = max(self.next_index[msg.src] - 1, 1)

    def __repr__(self) -> str:
        return (f"RaftNode({self.id}, term={self.current_term}, {self.role.value}, "
                f"log={len(self.log)}, commit={self.commit_index})")
