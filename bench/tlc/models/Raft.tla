------------------------------- MODULE Raft -------------------------------
(***************************************************************************)
(* The TLA+ side of specs/raft.spec, for bench/tlc/compare.py and speed.py.*)
(* specs/raft.spec transcribes Diego Ongaro's raft.tla                     *)
(* (github.com/ongardie/raft.tla, CC BY 4.0); this module restates our     *)
(* .spec in TLA+, action for action (each message handler of raft.tla's    *)
(* Receive is an action of its own, as in the .spec), with the .spec's     *)
(* history variables, state constraint (Bounds), invariants and liveness   *)
(* property.                                                               *)
(***************************************************************************)
EXTENDS Naturals, Sequences, FiniteSets, TLC

CONSTANTS Servers, Values, MaxTerm, MaxLogLen, MaxDup, MaxMsgs,
          Follower, Candidate, Leader, Nil

VARIABLES messages, elections, allLogs, currentTerm, state, votedFor, log,
          commitIndex, votesResponded, votesGranted, voterLog, nextIndex, matchIndex
vars == <<messages, elections, allLogs, currentTerm, state, votedFor, log,
          commitIndex, votesResponded, votesGranted, voterLog, nextIndex, matchIndex>>

Quorum == {Q \in SUBSET Servers : 2 * Cardinality(Q) > Cardinality(Servers)}
LastTerm(xlog) == IF Len(xlog) = 0 THEN 0 ELSE xlog[Len(xlog)].term
LogsSoFar == allLogs \cup {log[k] : k \in Servers}
Min(a, b) == IF a < b THEN a ELSE b
Max(a, b) == IF a > b THEN a ELSE b
MaxOf(S) == CHOOSE n \in S : \A k \in S : k <= n

\* A bag is a function from its elements to their (positive) counts, as in our bags.
BagAdd(b, x) == IF x \in DOMAIN b THEN [b EXCEPT ![x] = @ + 1] ELSE b @@ (x :> 1)
BagRemove(b, x) == IF x \notin DOMAIN b THEN b
                   ELSE IF b[x] <= 1 THEN [y \in DOMAIN b \ {x} |-> b[y]]
                   ELSE [b EXCEPT ![x] = @ - 1]
RECURSIVE SumOver(_, _)
SumOver(b, S) == IF S = {} THEN 0
                 ELSE LET x == CHOOSE y \in S : TRUE IN b[x] + SumOver(b, S \ {x})
EmptyFunction == [j \in {} |-> <<>>]
Put(f, k, v) == [x \in DOMAIN f \cup {k} |-> IF x = k THEN v ELSE f[x]]

Reply(response, request) == BagRemove(BagAdd(messages, response), request)

Init == /\ messages = [m \in {} |-> 0]
        /\ elections = {}
        /\ allLogs = {}
        /\ currentTerm = [i \in Servers |-> 1]
        /\ state = [i \in Servers |-> Follower]
        /\ votedFor = [i \in Servers |-> Nil]
        /\ log = [i \in Servers |-> <<>>]
        /\ commitIndex = [i \in Servers |-> 0]
        /\ votesResponded = [i \in Servers |-> {}]
        /\ votesGranted = [i \in Servers |-> {}]
        /\ voterLog = [i \in Servers |-> EmptyFunction]
        /\ nextIndex = [i \in Servers |-> [j \in Servers |-> 1]]
        /\ matchIndex = [i \in Servers |-> [j \in Servers |-> 0]]

Restart(i) ==
    /\ state' = [state EXCEPT ![i] = Follower]
    /\ votesResponded' = [votesResponded EXCEPT ![i] = {}]
    /\ votesGranted' = [votesGranted EXCEPT ![i] = {}]
    /\ voterLog' = [voterLog EXCEPT ![i] = EmptyFunction]
    /\ nextIndex' = [nextIndex EXCEPT ![i] = [j \in Servers |-> 1]]
    /\ matchIndex' = [matchIndex EXCEPT ![i] = [j \in Servers |-> 0]]
    /\ commitIndex' = [commitIndex EXCEPT ![i] = 0]
    /\ allLogs' = LogsSoFar
    /\ UNCHANGED <<messages, elections, currentTerm, votedFor, log>>

Timeout(i) ==
    /\ state[i] \in {Follower, Candidate}
    /\ state' = [state EXCEPT ![i] = Candidate]
    /\ currentTerm' = [currentTerm EXCEPT ![i] = @ + 1]
    /\ votedFor' = [votedFor EXCEPT ![i] = Nil]
    /\ votesResponded' = [votesResponded EXCEPT ![i] = {}]
    /\ votesGranted' = [votesGranted EXCEPT ![i] = {}]
    /\ voterLog' = [voterLog EXCEPT ![i] = EmptyFunction]
    /\ allLogs' = LogsSoFar
    /\ UNCHANGED <<messages, elections, log, commitIndex, nextIndex, matchIndex>>

RequestVote(i, j) ==
    /\ state[i] = Candidate
    /\ j \notin votesResponded[i]
    /\ messages' = BagAdd(messages, [mtype |-> "RequestVoteRequest", mterm |-> currentTerm[i],
                                     mlastLogTerm |-> LastTerm(log[i]),
                                     mlastLogIndex |-> Len(log[i]),
                                     msource |-> i, mdest |-> j])
    /\ allLogs' = LogsSoFar
    /\ UNCHANGED <<elections, currentTerm, state, votedFor, log, commitIndex,
                   votesResponded, votesGranted, voterLog, nextIndex, matchIndex>>

AppendEntries(i, j) ==
    /\ i # j
    /\ state[i] = Leader
    /\ LET prevLogIndex == nextIndex[i][j] - 1
           prevLogTerm == IF prevLogIndex > 0 THEN log[i][prevLogIndex].term ELSE 0
           lastEntry == Min(Len(log[i]), nextIndex[i][j])
       IN messages' = BagAdd(messages,
                [mtype |-> "AppendEntriesRequest", mterm |-> currentTerm[i],
                 mprevLogIndex |-> prevLogIndex, mprevLogTerm |-> prevLogTerm,
                 mentries |-> SubSeq(log[i], nextIndex[i][j], lastEntry),
                 mlog |-> log[i], mcommitIndex |-> Min(commitIndex[i], lastEntry),
                 msource |-> i, mdest |-> j])
    /\ allLogs' = LogsSoFar
    /\ UNCHANGED <<elections, currentTerm, state, votedFor, log, commitIndex,
                   votesResponded, votesGranted, voterLog, nextIndex, matchIndex>>

BecomeLeader(i) ==
    /\ state[i] = Candidate
    /\ votesGranted[i] \in Quorum
    /\ state' = [state EXCEPT ![i] = Leader]
    /\ nextIndex' = [nextIndex EXCEPT ![i] = [j \in Servers |-> Len(log[i]) + 1]]
    /\ matchIndex' = [matchIndex EXCEPT ![i] = [j \in Servers |-> 0]]
    /\ elections' = elections \cup {[eterm |-> currentTerm[i], eleader |-> i, elog |-> log[i],
                                     evotes |-> votesGranted[i], evoterLog |-> voterLog[i]]}
    /\ allLogs' = LogsSoFar
    /\ UNCHANGED <<messages, currentTerm, votedFor, log, commitIndex,
                   votesResponded, votesGranted, voterLog>>

ClientRequest(i, v) ==
    /\ state[i] = Leader
    /\ log' = [log EXCEPT ![i] = Append(@, [term |-> currentTerm[i], value |-> v])]
    /\ allLogs' = LogsSoFar
    /\ UNCHANGED <<messages, elections, currentTerm, state, votedFor, commitIndex,
                   votesResponded, votesGranted, voterLog, nextIndex, matchIndex>>

AdvanceCommitIndex(i) ==
    /\ state[i] = Leader
    /\ LET agreeIndexes == {n \in 1..Len(log[i]) :
                              ({i} \cup {k \in Servers : matchIndex[i][k] >= n}) \in Quorum}
       IN commitIndex' = [commitIndex EXCEPT ![i] =
                            IF agreeIndexes # {} /\ log[i][MaxOf(agreeIndexes)].term = currentTerm[i]
                            THEN MaxOf(agreeIndexes) ELSE commitIndex[i]]
    /\ allLogs' = LogsSoFar
    /\ UNCHANGED <<messages, elections, currentTerm, state, votedFor, log,
                   votesResponded, votesGranted, voterLog, nextIndex, matchIndex>>

UpdateTerm ==
    \E m \in DOMAIN messages :
        /\ m.mterm > currentTerm[m.mdest]
        /\ currentTerm' = [currentTerm EXCEPT ![m.mdest] = m.mterm]
        /\ state' = [state EXCEPT ![m.mdest] = Follower]
        /\ votedFor' = [votedFor EXCEPT ![m.mdest] = Nil]
        /\ allLogs' = LogsSoFar
        /\ UNCHANGED <<messages, elections, log, commitIndex, votesResponded,
                       votesGranted, voterLog, nextIndex, matchIndex>>

DropStaleResponse ==
    \E m \in DOMAIN messages :
        /\ m.mtype \in {"RequestVoteResponse", "AppendEntriesResponse"}
        /\ m.mterm < currentTerm[m.mdest]
        /\ messages' = BagRemove(messages, m)
        /\ allLogs' = LogsSoFar
        /\ UNCHANGED <<elections, currentTerm, state, votedFor, log, commitIndex,
                       votesResponded, votesGranted, voterLog, nextIndex, matchIndex>>

HandleRequestVoteRequest ==
    \E m \in DOMAIN messages :
        /\ m.mtype = "RequestVoteRequest"
        /\ m.mterm <= currentTerm[m.mdest]
        /\ LET i == m.mdest
               j == m.msource
               logOk == \/ m.mlastLogTerm > LastTerm(log[i])
                        \/ /\ m.mlastLogTerm = LastTerm(log[i])
                           /\ m.mlastLogIndex >= Len(log[i])
               grant == /\ m.mterm = currentTerm[i]
                        /\ logOk
                        /\ votedFor[i] \in {Nil, j}
           IN /\ votedFor' = IF grant THEN [votedFor EXCEPT ![i] = j] ELSE votedFor
              /\ messages' = Reply([mtype |-> "RequestVoteResponse", mterm |-> currentTerm[i],
                                    mvoteGranted |-> grant, mlog |-> log[i],
                                    msource |-> i, mdest |-> j], m)
        /\ allLogs' = LogsSoFar
        /\ UNCHANGED <<elections, currentTerm, state, log, commitIndex,
                       votesResponded, votesGranted, voterLog, nextIndex, matchIndex>>

HandleRequestVoteResponse ==
    \E m \in DOMAIN messages :
        /\ m.mtype = "RequestVoteResponse"
        /\ m.mterm = currentTerm[m.mdest]
        /\ LET i == m.mdest
               j == m.msource
           IN /\ votesResponded' = [votesResponded EXCEPT ![i] = @ \cup {j}]
              /\ IF m.mvoteGranted
                   THEN /\ votesGranted' = [votesGranted EXCEPT ![i] = @ \cup {j}]
                        /\ voterLog' = [voterLog EXCEPT ![i] =
                                          IF j \in DOMAIN @ THEN @ ELSE Put(@, j, m.mlog)]
                   ELSE UNCHANGED <<votesGranted, voterLog>>
        /\ messages' = BagRemove(messages, m)
        /\ allLogs' = LogsSoFar
        /\ UNCHANGED <<elections, currentTerm, state, votedFor, log, commitIndex,
                       nextIndex, matchIndex>>

HandleAppendEntriesRequest ==
    \E m \in DOMAIN messages :
        /\ m.mtype = "AppendEntriesRequest"
        /\ m.mterm <= currentTerm[m.mdest]
        /\ LET i == m.mdest
               j == m.msource
               logOk == \/ m.mprevLogIndex = 0
                        \/ /\ m.mprevLogIndex > 0
                           /\ m.mprevLogIndex <= Len(log[i])
                           /\ m.mprevLogTerm = log[i][m.mprevLogIndex].term
               index == m.mprevLogIndex + 1
           IN \/ \* refuse
                 /\ \/ m.mterm < currentTerm[i]
                    \/ m.mterm = currentTerm[i] /\ state[i] = Follower /\ ~logOk
                 /\ messages' = Reply([mtype |-> "AppendEntriesResponse", mterm |-> currentTerm[i],
                                       msuccess |-> FALSE, mmatchIndex |-> 0,
                                       msource |-> i, mdest |-> j], m)
                 /\ UNCHANGED <<state, log, commitIndex>>
              \/ \* a candidate steps down; the request stays
                 /\ m.mterm = currentTerm[i] /\ state[i] = Candidate
                 /\ state' = [state EXCEPT ![i] = Follower]
                 /\ UNCHANGED <<messages, log, commitIndex>>
              \/ \* accept: the entry is there already (or there is none)
                 /\ m.mterm = currentTerm[i] /\ state[i] = Follower /\ logOk
                 \* IF, not \/: TLC splits a disjunction of an action into cases and
                 \* would evaluate m.mentries[1] of an empty mentries
                 /\ IF Len(m.mentries) = 0 THEN TRUE
                    ELSE Len(log[i]) >= index /\ log[i][index].term = m.mentries[1].term
                 /\ commitIndex' = [commitIndex EXCEPT ![i] = m.mcommitIndex]
                 /\ messages' = Reply([mtype |-> "AppendEntriesResponse", mterm |-> currentTerm[i],
                                       msuccess |-> TRUE,
                                       mmatchIndex |-> m.mprevLogIndex + Len(m.mentries),
                                       msource |-> i, mdest |-> j], m)
                 /\ UNCHANGED <<state, log>>
              \/ \* a conflicting entry: drop the last entry; the request stays
                 /\ m.mterm = currentTerm[i] /\ state[i] = Follower /\ logOk
                 /\ Len(m.mentries) > 0 /\ Len(log[i]) >= index
                 /\ log[i][index].term # m.mentries[1].term
                 /\ log' = [log EXCEPT ![i] = SubSeq(@, 1, Len(@) - 1)]
                 /\ UNCHANGED <<messages, state, commitIndex>>
              \/ \* the log ends at the previous entry: append; the request stays
                 /\ m.mterm = currentTerm[i] /\ state[i] = Follower /\ logOk
                 /\ Len(m.mentries) > 0 /\ Len(log[i]) = m.mprevLogIndex
                 /\ log' = [log EXCEPT ![i] = Append(@, m.mentries[1])]
                 /\ UNCHANGED <<messages, state, commitIndex>>
        /\ allLogs' = LogsSoFar
        /\ UNCHANGED <<elections, currentTerm, votedFor, votesResponded, votesGranted,
                       voterLog, nextIndex, matchIndex>>

HandleAppendEntriesResponse ==
    \E m \in DOMAIN messages :
        /\ m.mtype = "AppendEntriesResponse"
        /\ m.mterm = currentTerm[m.mdest]
        /\ LET i == m.mdest
               j == m.msource
           IN IF m.msuccess
                THEN /\ nextIndex' = [nextIndex EXCEPT ![i][j] = m.mmatchIndex + 1]
                     /\ matchIndex' = [matchIndex EXCEPT ![i][j] = m.mmatchIndex]
                ELSE /\ nextIndex' = [nextIndex EXCEPT ![i][j] = Max(@ - 1, 1)]
                     /\ UNCHANGED matchIndex
        /\ messages' = BagRemove(messages, m)
        /\ allLogs' = LogsSoFar
        /\ UNCHANGED <<elections, currentTerm, state, votedFor, log, commitIndex,
                       votesResponded, votesGranted, voterLog>>

DuplicateMessage ==
    \E m \in DOMAIN messages :
        /\ messages' = BagAdd(messages, m)
        /\ allLogs' = LogsSoFar
        /\ UNCHANGED <<elections, currentTerm, state, votedFor, log, commitIndex,
                       votesResponded, votesGranted, voterLog, nextIndex, matchIndex>>

DropMessage ==
    \E m \in DOMAIN messages :
        /\ messages' = BagRemove(messages, m)
        /\ allLogs' = LogsSoFar
        /\ UNCHANGED <<elections, currentTerm, state, votedFor, log, commitIndex,
                       votesResponded, votesGranted, voterLog, nextIndex, matchIndex>>

Next == \/ \E i \in Servers : Restart(i) \/ Timeout(i) \/ BecomeLeader(i) \/ AdvanceCommitIndex(i)
        \/ \E i, j \in Servers : RequestVote(i, j) \/ AppendEntries(i, j)
        \/ \E i \in Servers, v \in Values : ClientRequest(i, v)
        \/ UpdateTerm \/ DropStaleResponse \/ HandleRequestVoteRequest
        \/ HandleRequestVoteResponse \/ HandleAppendEntriesRequest
        \/ HandleAppendEntriesResponse \/ DuplicateMessage \/ DropMessage

\* `fairness weak BecomeLeader`
FairSpec == Init /\ [][Next]_vars /\ \A i \in Servers : WF_vars(BecomeLeader(i))
UnfairSpec == Init /\ [][Next]_vars

Bounds == /\ \A i \in Servers : currentTerm[i] <= MaxTerm /\ Len(log[i]) <= MaxLogLen
          /\ \A m \in DOMAIN messages : messages[m] <= MaxDup
          /\ SumOver(messages, DOMAIN messages) <= MaxMsgs

OneLeaderPerTerm ==
    \A i, j \in Servers :
        state[i] = Leader /\ state[j] = Leader /\ currentTerm[i] = currentTerm[j] => i = j
ElectionSafety == \A e, f \in elections : e.eterm = f.eterm => e.eleader = f.eleader

\* The .spec's other invariants (the safety models of bench/tlc/speed.py check them all).
LogMatching ==
    \A i, j \in Servers : \A n \in 1..Min(Len(log[i]), Len(log[j])) :
        log[i][n].term = log[j][n].term => SubSeq(log[i], 1, n) = SubSeq(log[j], 1, n)
CommittedAgree ==
    \A i, j \in Servers :
        \A n \in 1..Min(Min(commitIndex[i], commitIndex[j]), Min(Len(log[i]), Len(log[j]))) :
            log[i][n] = log[j][n]
LeaderCompleteness ==
    \A i \in Servers, e \in elections :
        e.eterm > currentTerm[i] =>
            \A n \in 1..Min(commitIndex[i], Len(log[i])) :
                n <= Len(e.elog) /\ e.elog[n] = log[i][n]
AtLeastAsUpToDate(a, b) == \/ LastTerm(a) > LastTerm(b)
                           \/ LastTerm(a) = LastTerm(b) /\ Len(a) >= Len(b)
OnlyCompleteLogsElectable ==
    \A i \in Servers : \A n \in 1..Min(commitIndex[i], Len(log[i])) : \A j \in Servers :
        ~(n <= Len(log[j]) /\ log[j][n] = log[i][n])
            => ~({k \in Servers : AtLeastAsUpToDate(log[j], log[k])} \in Quorum)
\* Our subseq clamps its indices to the sequence (a commit index may pass a log's end after a
\* conflicting entry is dropped); TLC's SubSeq would fail there.
Prefix(s, n) == SubSeq(s, 1, Min(n, Len(s)))
CommittedPrefixes ==
    {Prefix(log[i], commitIndex[i]) : i \in Servers}
    \cup {Prefix(m.mlog, m.mcommitIndex) :
            m \in {mm \in DOMAIN messages : mm.mtype = "AppendEntriesRequest"}}
StateMachineSafety ==
    \A p, q \in CommittedPrefixes : \A n \in 1..Min(Len(p), Len(q)) : p[n] = q[n]

Won(i) == state[i] = Candidate /\ votesGranted[i] \in Quorum
Candidate1 == CHOOSE i \in Servers : TRUE
WinnerTakesOffice == []<>~Won(Candidate1)
=============================================================================
