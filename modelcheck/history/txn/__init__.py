"""Transactional consistency of histories, as Jepsen's Elle checks it (`modelcheck history
FILE --model serializable` etc.).

A transactional history is a list of transactions, each a list of micro-operations on keys:
list-append (`append k v`, `r k [1 2 ...]`) or read-write register (`w k v`, `r k v`).
format.py reads it (our JSON form or Elle's EDN); listappend.py and register.py infer each
key's version order and from it the dependencies between transactions (write-write,
write-read, read-write) and the anomalies that need no cycle (aborted and intermediate
reads, ...); graph.py adds real-time and process order and finds cycles; anomalies.py says
which models each anomaly rules out and classifies cycles (G0, G1c, G-single, ...);
check.py ties them together; report.py and picture.py show the result; command.py is the
command line.

This module stays small: the command line imports it to know the model names.
"""

# The models, weakest first.
MODELS = ("read-uncommitted", "read-committed", "repeatable-read", "snapshot-isolation",
          "serializable", "strong-session-snapshot-isolation", "strong-session-serializable",
          "strict-serializable")
