------------------------------ MODULE Bounded ------------------------------
(* The TLA+ side of bench/tlc/models/bounded.spec.                          *)
EXTENDS Naturals
CONSTANT Max
VARIABLE x
Init == x = 0
Inc == x' = x + 1
FairSpec == Init /\ [][Inc]_x /\ WF_x(Inc)
UnfairSpec == Init /\ [][Inc]_x
Small == x <= Max
Escapes == <>(x > Max)
=============================================================================
