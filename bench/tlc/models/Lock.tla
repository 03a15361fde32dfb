------------------------------- MODULE Lock -------------------------------
(* The TLA+ side of bench/tlc/models/lock.spec (the README's lock).         *)
CONSTANT Procs, P1
VARIABLES pc, lock
vars == <<pc, lock>>

Init == pc = [p \in Procs |-> "idle"] /\ lock = FALSE
Request(p) == pc[p] = "idle" /\ pc' = [pc EXCEPT ![p] = "waiting"] /\ UNCHANGED lock
Enter(p) == /\ pc[p] = "waiting" /\ ~lock
            /\ pc' = [pc EXCEPT ![p] = "critical"] /\ lock' = TRUE
Leave(p) == /\ pc[p] = "critical"
            /\ pc' = [pc EXCEPT ![p] = "idle"] /\ lock' = FALSE
Next == \E p \in Procs : Request(p) \/ Enter(p) \/ Leave(p)

\* fairness weak Enter, Leave
WeakSpec == Init /\ [][Next]_vars /\ \A p \in Procs : WF_vars(Enter(p)) /\ WF_vars(Leave(p))
\* fairness strong Enter / fairness weak Leave
StrongSpec == Init /\ [][Next]_vars /\ \A p \in Procs : SF_vars(Enter(p)) /\ WF_vars(Leave(p))
\* fairness strong Enter, without fairness of Leave
NoLeaveSpec == Init /\ [][Next]_vars /\ \A p \in Procs : SF_vars(Enter(p))

MutualExclusion == \A p, q \in Procs : p # q => ~(pc[p] = "critical" /\ pc[q] = "critical")
Granted == pc[P1] = "waiting" ~> pc[P1] = "critical"
=============================================================================
