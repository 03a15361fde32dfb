"""A plain sequential breadth-first search that stops at the first broken state it meets,
in generation order: the counts the native search must report at a stop, whatever its
number of threads. As the Python explorer, it generates every initial state before it
checks one. Small and obviously right, for small models only."""
from __future__ import annotations

from modelcheck.explore.model import Model, StateChecks
from modelcheck.explore.result import Outcome


def sequential_stop(model: Model, invariants=None, max_states: int | None = None):
    """(outcome, kind, name, distinct, generated, depth, action counts) where a sequential
    search stops; runtime errors are not covered."""
    checks = StateChecks(model, list(model.invariant_names if invariants is None else invariants))
    constraint = model.constraint()
    counts = {a: 0 for a in model.action_names}
    seen: set[int] = set()
    tally = {"generated": 0, "depth": 0}

    def visit(t, depth: int, action: int | None):
        """None to go on; the stop as a tuple; "new" when t is a new state within bounds.
        t is counted as generated, but for an initial state (action None): counted before."""
        if action is not None:
            tally["generated"] += 1
            counts[model.action_names[action]] += 1
        inside = constraint is None or constraint(t)
        if inside:
            fp = model.fingerprint(t)
            if fp in seen:
                return None
            seen.add(fp)
        broken = checks.first_broken(t)
        if broken is not None or (inside and max_states is not None and len(seen) >= max_states):
            tally["depth"] = depth
            kind, name = broken if broken is not None else (None, None)
            outcome = Outcome.VIOLATION if broken is not None else Outcome.INCOMPLETE
            return outcome, kind, name, len(seen), tally["generated"], depth, dict(counts)
        if inside:
            tally["depth"] = depth
            return "new"
        return None

    level = []
    initial = [t for _, _, t in model.init_states()]
    tally["generated"] = len(initial)
    for t in initial:
        got = visit(t, 1, None)
        if isinstance(got, tuple):
            return got
        if got == "new":
            level.append(t)
    depth = 1
    while level:
        following = []
        for s in level:
            for a, successors in enumerate(model.actions()):
                for _, _, t in successors(s):
                    got = visit(t, depth + 1, a)
                    if isinstance(got, tuple):
                        return got
                    if got == "new":
                        following.append(t)
        level, depth = following, depth + 1
    return Outcome.OK, None, None, len(seen), tally["generated"], tally["depth"], dict(counts)
