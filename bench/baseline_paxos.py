"""A hand-written, specialised breadth-first search of Lamport's Paxos, for comparison.

This is what a Python programmer writes without a model checker: states as tuples of
frozensets and tuples, a Python set of whole states, Agreement checked on every new state.
It explores the same model as specs/paxos.spec (same distinct-state counts) and is the
yardstick of bench/paxos.py: our checker must beat it.
"""
from __future__ import annotations

from itertools import combinations


def explore(acceptors: int = 3, values: int = 2, ballots: int = 2) -> tuple[int, int]:
    """(distinct states, depth) of Paxos with the given sizes; Ballots = 0..ballots-1."""
    accs = range(acceptors)
    bals = range(ballots)
    vals = range(values)
    quorums = [frozenset(q) for n in range(acceptors + 1) for q in combinations(accs, n)
               if 2 * n > acceptors]
    # A state: (maxBal, maxVBal, maxVal, msgs); maps are tuples indexed by acceptor, None is -1.
    # Messages: ("1a", b), ("1b", a, b, mbal, mval), ("2a", b, v), ("2b", a, b, v).
    init = ((-1,) * acceptors, (-1,) * acceptors, (-1,) * acceptors, frozenset())

    def successors(s):
        max_bal, max_vbal, max_val, msgs = s
        for b in bals:
            yield (max_bal, max_vbal, max_val, msgs | {("1a", b)})
        for a in accs:
            for m in msgs:
                if m[0] == "1a" and m[1] > max_bal[a]:
                    nb = max_bal[:a] + (m[1],) + max_bal[a + 1:]
                    yield (nb, max_vbal, max_val, msgs | {("1b", a, m[1], max_vbal[a], max_val[a])})
        for b in bals:
            if any(m[0] == "2a" and m[1] == b for m in msgs):
                continue
            for v in vals:
                for q in quorums:
                    q1b = [m for m in msgs if m[0] == "1b" and m[1] in q and m[2] == b]
                    if {m[1] for m in q1b} != q:
                        continue
                    voted = [m for m in q1b if m[3] >= 0]
                    if not voted or any(m[4] == v and all(m[3] >= mm[3] for mm in voted) for m in voted):
                        yield (max_bal, max_vbal, max_val, msgs | {("2a", b, v)})
                        break
        for a in accs:
            for m in msgs:
                if m[0] == "2a" and m[1] >= max_bal[a]:
                    b, v = m[1], m[2]
                    yield (max_bal[:a] + (b,) + max_bal[a + 1:], max_vbal[:a] + (b,) + max_vbal[a + 1:],
                           max_val[:a] + (v,) + max_val[a + 1:], msgs | {("2b", a, b, v)})

    def agreement(s) -> bool:
        votes = [m for m in s[3] if m[0] == "2b"]
        chosen = {v for v in vals for b in bals for q in quorums
                  if all(("2b", a, b, v) in s[3] for a in q)} if votes else set()
        return len(chosen) <= 1

    seen = {init}
    level = [init]
    depth = 0
    while level:
        depth += 1
        nxt = []
        for s in level:
            for t in successors(s):
                if t not in seen:
                    seen.add(t)
                    assert agreement(t)
                    nxt.append(t)
        level = nxt
    return len(seen), depth


if __name__ == "__main__":
    import sys
    import time
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    t = time.perf_counter()
    print(explore(ballots=n), f"{time.perf_counter() - t:.2f} s")
