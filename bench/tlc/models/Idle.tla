------------------------------- MODULE Idle -------------------------------
(* The TLA+ side of bench/tlc/models/idle.spec.                             *)
VARIABLE x
Init == x = 0
Noop == x' = x
Flip == x = 0 /\ x' = 1
Spec == Init /\ [][Noop \/ Flip]_x /\ WF_x(Noop)
Flips == <>(x = 1)
=============================================================================
