"""Reachable states of a model, for tests and benchmarks that need real states rather than
counts (test_packing.py, test_frontier.py, bench/packing), from the model's own successor
functions: a breadth-first search that keeps every state, and random walks."""
from __future__ import annotations

import random
from typing import Any

from modelcheck.explore.model import Model


def reachable(model: Model, limit: int) -> list[Any]:
    """The first `limit` distinct states in breadth-first order (fewer if there are fewer)."""
    constraint = model.constraint()
    level = [s for _, _, s in model.init_states() if constraint is None or constraint(s)]
    seen = {model.fingerprint(s) for s in level}
    found = list(level)
    while level and len(found) < limit:
        following = []
        for s in level:
            for successors in model.actions():
                for _, _, t in successors(s):
                    fp = model.fingerprint(t)
                    if fp not in seen and (constraint is None or constraint(t)):
                        seen.add(fp)
                        following.append(t)
        found += following
        level = following
    return found[:limit]


def walks(model: Model, runs: int, depth: int, seed: int = 0) -> list[Any]:
    """The states of random walks (each step a random successor, constraint ignored): deep
    states a breadth-first prefix never reaches. A walk stops where the model fails."""
    rng = random.Random(seed)
    found = []
    for _ in range(runs):
        s = rng.choice([s for _, _, s in model.init_states()])
        for _ in range(depth):
            try:
                options = [t for successors in model.actions() for _, _, t in successors(s) if t is not s]
            except Exception:  # a runtime error of the spec: the walk ends there
                break
            if not options:
                break
            s = rng.choice(options)
            found.append(s)
    return found
