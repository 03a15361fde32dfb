"""Hand-written mutants of impl/: bugs a developer could plausibly write.

Each mutant replaces one exact piece of source text (which must occur exactly once, so a
mutant cannot silently stop applying when the code changes) in one file of impl/.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Mutant:
    name: str
    protocol: str          # "paxos" or "raft": which conformance suite judges it
    file: str              # relative to impl/
    old: str
    new: str
    bug: str               # what the developer got wrong, and what can go wrong because of it


RAFT = "raft/node.py"
ACCEPTOR = "paxos/acceptor.py"
PROPOSER = "paxos/proposer.py"

MUTANTS = [
    # ------------------------------------------------------------------ Raft
    Mutant("raft-quorum-half", "raft", RAFT,
           "return 2 * len(servers & set(self.members)) > len(self.members)",
           "return len(servers & set(self.members)) >= len(self.members) // 2",
           "off-by-one in the quorum size: half the cluster (rounded down) counts as a majority, "
           "so two candidates can both win a term"),
    Mutant("raft-vote-not-persisted", "raft", RAFT,
           """        if grant:
            self.voted_for = msg.src
            self._persist_term_and_vote()""",
           """        if grant:
            self.voted_for = msg.src""",
           "the vote is not written to stable storage: after a restart the server can vote again in the same term"),
    Mutant("raft-election-term-not-persisted", "raft", RAFT,
           """        self.current_term += 1
        self.voted_for = None
        self._persist_term_and_vote()""",
           """        self.current_term += 1
        self.voted_for = None""",
           "a new election's term is not persisted: a restart goes back to an older term (and its vote)"),
    Mutant("raft-commit-old-term-by-counting", "raft", RAFT,
           """                if self.term_at(n) == self.current_term:
                    self.commit_index = n""",
           """                self.commit_index = n""",
           "commits an entry of a previous term because a majority stores it (Figure 8 of the Raft paper)"),
    Mutant("raft-log-matching-ignores-term", "raft", RAFT,
           "log_ok = prev == 0 or (prev <= self.last_log_index and self.term_at(prev) == msg.prev_log_term)",
           "log_ok = prev == 0 or prev <= self.last_log_index",
           "the log-matching check only looks at the previous index, not its term: entries are appended after "
           "a conflicting prefix"),
    Mutant("raft-no-step-down-on-newer-term", "raft", RAFT,
           """            self._persist_term_and_vote()
            self.role = Role.FOLLOWER
            self.leader_id = None
            return Progress(done=False)""",
           """            self._persist_term_and_vote()
            self.leader_id = None
            return Progress(done=False)""",
           "a leader or candidate that sees a newer term adopts it but does not step down to follower"),
    Mutant("raft-vote-ignores-log", "raft", RAFT,
           """        grant = (msg.term == self.current_term and log_ok
                 and (self.voted_for is None or self.voted_for == msg.src))""",
           """        grant = (msg.term == self.current_term
                 and (self.voted_for is None or self.voted_for == msg.src))""",
           "votes without checking that the candidate's log is at least as up to date: a leader can lack committed entries"),
    Mutant("raft-up-to-date-by-length-only", "raft", RAFT,
           """        log_ok = (msg.last_log_term > self.last_log_term
                  or (msg.last_log_term == self.last_log_term and msg.last_log_index >= self.last_log_index))""",
           """        log_ok = msg.last_log_index >= self.last_log_index""",
           "compares logs by length only, not by last term first: a longer but stale log wins elections"),
    Mutant("raft-votes-twice", "raft", RAFT,
           """                 and (self.voted_for is None or self.voted_for == msg.src))""",
           """                 )""",
           "forgets to check whether it already voted in this term: two candidates can both get its vote"),
    Mutant("raft-candidate-ignores-leader", "raft", RAFT,
           """            self.role = Role.FOLLOWER
            self.leader_id = msg.src
            return Progress(done=False)""",
           """            return Progress(True, [self._refuse(msg)])""",
           "a candidate refuses the AppendEntries of the leader of its own term instead of stepping down"),
    Mutant("raft-truncate-matching-entries", "raft", RAFT,
           """                if self.term_at(index) == entry.term:
                    continue  # already there (a retransmission, or an earlier batch)""",
           """                if self.term_at(index) == entry.term and index == self.last_log_index:
                    continue  # already there (a retransmission, or an earlier batch)""",
           "a (reordered, old) AppendEntries truncates the entries after the ones it carries even though they "
           "match: committed entries can be lost"),
    Mutant("raft-commit-index-not-capped", "raft", RAFT,
           "commit = min(self.commit_index, prev + len(entries))",
           "commit = self.commit_index",
           "the leader sends its whole commit index, not capped at what the message lets the follower check"),
    Mutant("raft-next-index-never-backs-up", "raft", RAFT,
           "self.next_index[msg.src] = max(self.next_index[msg.src] - 1, 1)",
           "self.next_index[msg.src] = max(self.next_index[msg.src], 1)",
           "after a refused AppendEntries the leader retries the same index forever"),
    Mutant("raft-match-index-assumed", "raft", RAFT,
           "self.match_index[msg.src] = msg.match_index",
           "self.match_index[msg.src] = self.last_log_index",
           "on any success the leader assumes the follower has its whole log, and may commit what it lacks"),
    Mutant("raft-counts-stale-votes", "raft", RAFT,
           """        if msg.term < self.current_term:
            return
        self.votes_responded.add(msg.src)""",
           """        self.votes_responded.add(msg.src)""",
           "counts vote responses from an earlier election towards the current one"),
    Mutant("raft-leader-entry-not-persisted", "raft", RAFT,
           """        entry = Entry(self.current_term, command)
        self.storage.append(entry)
        self.log.append(entry)""",
           """        entry = Entry(self.current_term, command)
        self.log.append(entry)""",
           "the leader does not write its own new entries to stable storage: a restart loses them, and the "
           "storage and memory copies of the log diverge"),
    Mutant("raft-timeout-keeps-old-vote", "raft", RAFT,
           """        self.current_term += 1
        self.voted_for = None""",
           """        self.current_term += 1""",
           "a new election keeps the vote of the previous term"),
    # ------------------------------------------------------------------ Paxos
    Mutant("paxos-accept-lower-ballot", "paxos", ACCEPTOR,
           """        if msg.ballot < self.promised:
            return [Rejected(self.id, msg.src, msg.ballot, self.promised)]
        self.promised = msg.ballot
        self.accepted_ballot = msg.ballot""",
           """        if msg.ballot < self.accepted_ballot:
            return [Rejected(self.id, msg.src, msg.ballot, self.promised)]
        self.promised = msg.ballot
        self.accepted_ballot = msg.ballot""",
           "the acceptor checks an Accept against its last vote instead of its promise: it accepts a ballot "
           "lower than one it promised to join"),
    Mutant("paxos-promise-same-ballot-twice", "paxos", ACCEPTOR,
           "if msg.ballot <= self.promised:",
           "if msg.ballot < self.promised:",
           "the acceptor promises a ballot it has already joined again, reporting a vote cast since"),
    Mutant("paxos-promise-not-persisted", "paxos", ACCEPTOR,
           """        self.promised = msg.ballot
        self._persist()
        return [Promise(""",
           """        self.promised = msg.ballot
        return [Promise(""",
           "the promise is not written to stable storage: after a restart the acceptor accepts lower ballots"),
    Mutant("paxos-accept-keeps-promise", "paxos", ACCEPTOR,
           """        self.promised = msg.ballot
        self.accepted_ballot = msg.ballot""",
           """        self.accepted_ballot = msg.ballot""",
           "accepting a higher ballot than the one promised does not raise the promise"),
    Mutant("paxos-promise-reports-promise", "paxos", ACCEPTOR,
           "return [Promise(self.id, msg.src, msg.ballot, self.accepted_ballot, self.accepted_value)]",
           "return [Promise(self.id, msg.src, msg.ballot, self.promised, self.accepted_value)]",
           "the promise reports the ballot just joined as the vote's ballot, making a stale vote look newest"),
    Mutant("paxos-proposer-ignores-votes", "paxos", PROPOSER,
           "        if voted:\n",
           "        if voted and self.value is None:\n",
           "the proposer proposes its client's value even when a majority reports earlier votes"),
    Mutant("paxos-proposer-lowest-vote", "paxos", PROPOSER,
           "value = max(voted, key=lambda p: p.accepted_ballot).accepted_value",
           "value = min(voted, key=lambda p: p.accepted_ballot).accepted_value",
           "the proposer keeps the value of the lowest-ballot vote reported instead of the highest"),
    Mutant("paxos-quorum-half", "paxos", "paxos/messages.py",
           "return 2 * len(set(voters) & set(acceptors)) > len(set(acceptors))",
           "return len(set(voters) & set(acceptors)) >= len(set(acceptors)) // 2",
           "off-by-one in the quorum size: one acceptor in three counts as a majority"),
    Mutant("paxos-ballot-not-persisted", "paxos", PROPOSER,
           "        self.storage.save_ballot(b)   # durable before any Prepare for it leaves\n",
           "",
           "the proposer does not record the ballots it starts: after a restart it runs one again, with "
           "another value"),
    Mutant("paxos-learner-mixes-ballots", "paxos", "paxos/learner.py",
           "voters = self.votes[(msg.ballot, msg.value)]",
           "voters = self.votes[(0, msg.value)]",
           "the learner adds up votes for a value across ballots: a value accepted by a majority only in total "
           "is taken as chosen"),
]
