"""Mutation testing of the conformance suite: does it find realistic bugs in impl/?

    python -m impl.mutation                  # every mutant, both directions, the score
    python -m impl.mutation --only raft-votes-twice --runs 500

Each mutant (mutants.py) is applied to a copy of impl/ in a temporary directory, never to
the working tree, and judged in a fresh process that imports the copy (check.py): the
stored trace suites of its protocol are replayed against it (spec -> implementation), and
simulated faulty executions of it are validated against the spec (implementation ->
spec). A mutant is killed if either direction reports a divergence (or the mutated code
crashes or hangs).
"""
