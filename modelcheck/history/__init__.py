"""Checking client histories of a key-value store (`modelcheck history`).

A history is what clients saw: each operation's invocation and completion, in real-time
order (format.py). The checkers decide whether some order of the operations explains it
under a consistency model: linearizable.py (real time), sequential.py (program order
only), eventual.py (the replicas' final reads agree). model.py is the register semantics
they share; shrink.py makes a counterexample small; picture.py draws it; cli.py is the
command. Histories from elsewhere: edn.py reads EDN, jepsen.py Jepsen's, Knossos's and
Porcupine's histories; smt.py hands sequential consistency to Z3 when the search stalls.
"""
