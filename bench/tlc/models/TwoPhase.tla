---------------------------- MODULE TwoPhase ----------------------------
(***************************************************************************)
(* The TLA+ side of specs/two_phase.spec, written for bench/tlc/compare.py.*)
(* Both transcribe Leslie Lamport's TwoPhase.tla (tlaplus/Examples,        *)
(* specifications/transaction_commit); this module restates our .spec in   *)
(* TLA+ (same variables, actions and constants), adding the liveness part  *)
(* the .spec declares: weak fairness of the TM's actions and of the        *)
(* delivery of its decision, per RM instance.                              *)
(***************************************************************************)
CONSTANT RM

VARIABLES rmState, tmState, tmPrepared, msgs
vars == <<rmState, tmState, tmPrepared, msgs>>

Message == [type : {"Prepared"}, rm : RM] \cup [type : {"Commit", "Abort"}]

Init == /\ rmState = [r \in RM |-> "working"]
        /\ tmState = "init"
        /\ tmPrepared = {}
        /\ msgs = {}

TMRcvPrepared(r) == /\ tmState = "init"
                    /\ [type |-> "Prepared", rm |-> r] \in msgs
                    /\ tmPrepared' = tmPrepared \cup {r}
                    /\ UNCHANGED <<rmState, tmState, msgs>>

TMCommit == /\ tmState = "init"
            /\ tmPrepared = RM
            /\ tmState' = "committed"
            /\ msgs' = msgs \cup {[type |-> "Commit"]}
            /\ UNCHANGED <<rmState, tmPrepared>>

TMAbort == /\ tmState = "init"
           /\ tmState' = "aborted"
           /\ msgs' = msgs \cup {[type |-> "Abort"]}
           /\ UNCHANGED <<rmState, tmPrepared>>

RMPrepare(r) == /\ rmState[r] = "working"
                /\ rmState' = [rmState EXCEPT ![r] = "prepared"]
                /\ msgs' = msgs \cup {[type |-> "Prepared", rm |-> r]}
                /\ UNCHANGED <<tmState, tmPrepared>>

RMChooseToAbort(r) == /\ rmState[r] = "working"
                      /\ rmState' = [rmState EXCEPT ![r] = "aborted"]
                      /\ UNCHANGED <<tmState, tmPrepared, msgs>>

RMRcvCommitMsg(r) == /\ [type |-> "Commit"] \in msgs
                     /\ rmState' = [rmState EXCEPT ![r] = "committed"]
                     /\ UNCHANGED <<tmState, tmPrepared, msgs>>

RMRcvAbortMsg(r) == /\ [type |-> "Abort"] \in msgs
                    /\ rmState' = [rmState EXCEPT ![r] = "aborted"]
                    /\ UNCHANGED <<tmState, tmPrepared, msgs>>

Next == \/ TMCommit \/ TMAbort
        \/ \E r \in RM : \/ TMRcvPrepared(r) \/ RMPrepare(r) \/ RMChooseToAbort(r)
                         \/ RMRcvCommitMsg(r) \/ RMRcvAbortMsg(r)

TMFairness == /\ WF_vars(TMCommit) /\ WF_vars(TMAbort)
              /\ \A r \in RM : WF_vars(TMRcvPrepared(r))
DeliveryFairness == \A r \in RM : WF_vars(RMRcvCommitMsg(r)) /\ WF_vars(RMRcvAbortMsg(r))

\* `fairness weak TMRcvPrepared, TMCommit, TMAbort, RMRcvCommitMsg, RMRcvAbortMsg`
FairSpec == Init /\ [][Next]_vars /\ TMFairness /\ DeliveryFairness
\* the seeded violation: `fairness weak TMRcvPrepared, TMCommit, TMAbort`
TMOnlyFairSpec == Init /\ [][Next]_vars /\ TMFairness

TypeOK == /\ rmState \in [RM -> {"working", "prepared", "committed", "aborted"}]
          /\ tmState \in {"init", "committed", "aborted"}
          /\ tmPrepared \subseteq RM
          /\ msgs \subseteq Message

Consistent == \A i, j \in RM : ~ (rmState[i] = "aborted" /\ rmState[j] = "committed")

Terminates == <>(\A r \in RM : rmState[r] \in {"committed", "aborted"})
=============================================================================
