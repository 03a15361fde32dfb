------------------------------- MODULE Paxos -------------------------------
(***************************************************************************)
(* The TLA+ side of specs/paxos.spec, written for bench/tlc/speed.py.      *)
(* specs/paxos.spec transcribes Leslie Lamport's Paxos.tla and the         *)
(* Voting.tla abstraction it refines (github.com/tlaplus/Examples,         *)
(* specifications/Paxos); this module restates our .spec in TLA+, action   *)
(* for action, with the .spec's invariants. Voting's operators are defined *)
(* here directly over the refinement mapping's `votes` (the 2b messages),  *)
(* as the .spec does, rather than through an INSTANCE of Voting.           *)
(***************************************************************************)
EXTENDS Integers, FiniteSets

CONSTANTS Acceptors, Values, Ballots, None

VARIABLES maxBal, maxVBal, maxVal, msgs
vars == <<maxBal, maxVBal, maxVal, msgs>>

\* Majorities of acceptors; any two of them intersect.
Quorums == {Q \in SUBSET Acceptors : 2 * Cardinality(Q) > Cardinality(Acceptors)}

\* The .spec's -1..max(Ballots): a ballot, or -1 for "none yet".
MaxBallot == CHOOSE b \in Ballots : \A c \in Ballots : c <= b
BallotOrNone == -1..MaxBallot

Message == [type : {"1a"}, bal : Ballots]
      \cup [type : {"1b"}, acc : Acceptors, bal : Ballots, mbal : BallotOrNone,
            mval : Values \cup {None}]
      \cup [type : {"2a"}, bal : Ballots, val : Values]
      \cup [type : {"2b"}, acc : Acceptors, bal : Ballots, val : Values]

Init == /\ maxBal = [a \in Acceptors |-> -1]
        /\ maxVBal = [a \in Acceptors |-> -1]
        /\ maxVal = [a \in Acceptors |-> None]
        /\ msgs = {}

Phase1a(b) == /\ msgs' = msgs \cup {[type |-> "1a", bal |-> b]}
              /\ UNCHANGED <<maxBal, maxVBal, maxVal>>

Phase1b(a) ==
    \E m \in msgs :
        /\ m.type = "1a"
        /\ m.bal > maxBal[a]
        /\ maxBal' = [maxBal EXCEPT ![a] = m.bal]
        /\ msgs' = msgs \cup {[type |-> "1b", acc |-> a, bal |-> m.bal,
                                mbal |-> maxVBal[a], mval |-> maxVal[a]]}
        /\ UNCHANGED <<maxVBal, maxVal>>

Phase2a(b, v) ==
    /\ ~ \E m \in msgs : m.type = "2a" /\ m.bal = b
    /\ \E Q \in Quorums :
          LET Q1b == {m \in msgs : m.type = "1b" /\ m.acc \in Q /\ m.bal = b}
              Q1bv == {m \in Q1b : m.mbal >= 0}
          IN /\ \A a \in Q : \E m \in Q1b : m.acc = a
             /\ \/ Q1bv = {}
                \/ \E m \in Q1bv : /\ m.mval = v
                                   /\ \A mm \in Q1bv : m.mbal >= mm.mbal
    /\ msgs' = msgs \cup {[type |-> "2a", bal |-> b, val |-> v]}
    /\ UNCHANGED <<maxBal, maxVBal, maxVal>>

Phase2b(a) ==
    \E m \in msgs :
        /\ m.type = "2a"
        /\ m.bal >= maxBal[a]
        /\ maxBal' = [maxBal EXCEPT ![a] = m.bal]
        /\ maxVBal' = [maxVBal EXCEPT ![a] = m.bal]
        /\ maxVal' = [maxVal EXCEPT ![a] = m.val]
        /\ msgs' = msgs \cup {[type |-> "2b", acc |-> a, bal |-> m.bal, val |-> m.val]}

Next == \/ \E b \in Ballots : Phase1a(b) \/ \E v \in Values : Phase2a(b, v)
        \/ \E a \in Acceptors : Phase1b(a) \/ Phase2b(a)

Spec == Init /\ [][Next]_vars

\* ---- Voting's operators, over votes[a]: the <<ballot, value>> pairs of a's 2b messages.
votes == [a \in Acceptors |-> {<<m.bal, m.val>> : m \in {mm \in msgs : mm.type = "2b" /\ mm.acc = a}}]

VotedFor(a, b, v) == <<b, v>> \in votes[a]
ChosenAt(b, v) == \E Q \in Quorums : \A a \in Q : VotedFor(a, b, v)
chosen == {v \in Values : \E b \in Ballots : ChosenAt(b, v)}
DidNotVoteAt(a, b) == \A v \in Values : ~ VotedFor(a, b, v)
CannotVoteAt(a, b) == maxBal[a] > b /\ DidNotVoteAt(a, b)
NoneOtherChoosableAt(b, v) ==
    \E Q \in Quorums : \A a \in Q : VotedFor(a, b, v) \/ CannotVoteAt(a, b)
SafeAt(b, v) == \A c \in 0..(b - 1) : NoneOtherChoosableAt(c, v)
ShowsSafeAt(Q, b, v) ==
    /\ \A a \in Q : maxBal[a] >= b
    /\ \E c \in -1..(b - 1) :
          /\ (c # -1) => \E a \in Q : VotedFor(a, c, v)
          /\ \A d \in (c + 1)..(b - 1), a \in Q : DidNotVoteAt(a, d)

VotesSafe == \A a \in Acceptors, b \in Ballots, v \in Values : VotedFor(a, b, v) => SafeAt(b, v)
OneValuePerBallot ==
    \A x, y \in Acceptors, b \in Ballots, v, w \in Values :
        VotedFor(x, b, v) /\ VotedFor(y, b, w) => v = w
VotingTypeOK == /\ votes \in [Acceptors -> SUBSET (Ballots \X Values)]
                /\ maxBal \in [Acceptors -> BallotOrNone]

\* ---- Invariants

TypeOK == /\ maxBal \in [Acceptors -> BallotOrNone]
          /\ maxVBal \in [Acceptors -> BallotOrNone]
          /\ maxVal \in [Acceptors -> Values \cup {None}]
          /\ msgs \subseteq Message

Inv ==
    /\ TypeOK
    /\ \A a \in Acceptors :
          IF maxVBal[a] = -1 THEN maxVal[a] = None ELSE <<maxVBal[a], maxVal[a]>> \in votes[a]
    /\ \A m \in msgs :
          /\ (m.type = "1b") => /\ maxBal[m.acc] >= m.bal
                                /\ (m.mbal >= 0) => <<m.mbal, m.mval>> \in votes[m.acc]
          /\ (m.type = "2a") => /\ \E Q \in Quorums : ShowsSafeAt(Q, m.bal, m.val)
                                /\ \A mm \in msgs : (mm.type = "2a" /\ mm.bal = m.bal) => mm.val = m.val
    /\ VotingTypeOK /\ VotesSafe /\ OneValuePerBallot

\* At most one value is ever chosen.
Agreement == Cardinality(chosen) <= 1
=============================================================================
