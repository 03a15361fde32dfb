"""Z3 as a second, independent engine: the spec encoded over finite domains (encode.py,
symbolic.py, state.py), invariants of explored states re-checked by Z3 (crosscheck.py), and
inductive invariants and bounded model checking (prove.py).

Inside this package `import z3` is the Z3 library (absolute imports only): this package is
`modelcheck.z3`, never a top-level module.
"""
