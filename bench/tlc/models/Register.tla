---------------------------- MODULE Register ----------------------------
(***************************************************************************)
(* The TLA+ side of specs/register.spec, written for bench/tlc/compare.py: *)
(* a replicated register with anti-entropy gossip (last writer wins by a   *)
(* version every write increases). Same variables, initial state, actions *)
(* and constants as the .spec; fairness per gossip pair, as our            *)
(* `fairness weak Gossip` means.                                           *)
(***************************************************************************)
EXTENDS Naturals

CONSTANTS Replicas, Values, MaxWrites, LosingMerge, InitialValue

VARIABLES val, ver, writes, latest
vars == <<val, ver, writes, latest>>

Init == /\ val = [r \in Replicas |-> InitialValue]
        /\ ver = [r \in Replicas |-> 0]
        /\ writes = 0
        /\ latest = InitialValue

Write(r, v) == /\ writes < MaxWrites
               /\ writes' = writes + 1
               /\ ver' = [ver EXCEPT ![r] = writes + 1]
               /\ val' = [val EXCEPT ![r] = v]
               /\ latest' = v

\* Replica b learns replica a's state, if it is newer (or always, with the losing merge).
Gossip(a, b) == /\ a # b
                /\ IF LosingMerge \/ ver[a] > ver[b]
                     THEN /\ ver' = [ver EXCEPT ![b] = ver[a]]
                          /\ val' = [val EXCEPT ![b] = val[a]]
                     ELSE UNCHANGED <<ver, val>>
                /\ UNCHANGED <<writes, latest>>

Next == \/ \E r \in Replicas, v \in Values : Write(r, v)
        \/ \E a, b \in Replicas : Gossip(a, b)

FairSpec == Init /\ [][Next]_vars /\ \A a, b \in Replicas : WF_vars(Gossip(a, b))
UnfairSpec == Init /\ [][Next]_vars

VersionsIdentifyWrites == \A a, b \in Replicas : ver[a] = ver[b] => val[a] = val[b]

Converged == \A r \in Replicas : ver[r] = writes /\ val[r] = latest
EventuallyConsistent == <>[]Converged
=============================================================================
