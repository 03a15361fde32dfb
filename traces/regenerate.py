"""Write the stored suites again: `python -m traces.regenerate` from the repository root.

Each suite is one `modelcheck traces` command; run one of them by hand to regenerate a
single suite. Regenerate after changing a spec: tests/conformance/test_traces.py replays
every stored trace against its spec and fails on a trace the spec no longer allows.
"""
from __future__ import annotations

import sys

from modelcheck.cli import main

SUITES = [
    # Paxos at its default constants: every transition class and every pair of consecutive ones.
    ["specs/paxos.spec", "--out", "traces/paxos/coverage", "--strategy", "coverage", "--pairs"],
    ["specs/paxos.spec", "--out", "traces/paxos/random", "--strategy", "random", "--count", "30",
     "--depth", "30", "--seed", "1"],
    # A proposer whose only majority of promises reports votes for two different values: it
    # must propose the value of the higher-ballot vote (needs three ballots).
    ["specs/paxos.spec", "--const", "Ballots=0..2", "--out", "traces/paxos/scenarios", "--strategy", "target",
     "--name", "two-votes", "--target",
     'exists m in msgs: m.type == "2a" and size({p in msgs | p.type == "1b" and p.bal == m.bal}) == 2'
     ' and size({p.mval for p in msgs if p.type == "1b" and p.bal == m.bal and p.mbal >= 0}) == 2'],
    # Paxos at its default constants: every goal of the criteria beyond transition classes
    # (modelcheck/conform/criteria.py): guard outcomes, boundaries, branches, messages.
    ["specs/paxos.spec", "--out", "traces/paxos/criteria", "--strategy", "coverage",
     "--criteria", "classes,guards,boundaries,branches,messages"],
    # Raft at its default constants, and with terms up to 3 (one message in flight at a time).
    ["specs/raft.spec", "--out", "traces/raft/coverage", "--strategy", "coverage"],
    ["specs/raft.spec", "--const", "MaxTerm=3", "--const", "MaxMsgs=1", "--out", "traces/raft/coverage-term3",
     "--strategy", "coverage"],
    # The criteria at both bounds: with terms up to 3 a message can be of a term its receiver
    # has left (stale terms are unreachable at the default MaxTerm = 2).
    ["specs/raft.spec", "--out", "traces/raft/criteria", "--strategy", "coverage",
     "--criteria", "classes,guards,boundaries,branches,messages"],
    ["specs/raft.spec", "--const", "MaxTerm=3", "--const", "MaxMsgs=1", "--out", "traces/raft/criteria-term3",
     "--strategy", "coverage", "--criteria", "classes,guards,boundaries,branches,messages"],
    ["specs/raft.spec", "--out", "traces/raft/random", "--strategy", "random", "--count", "20",
     "--depth", "60", "--seed", "1"],
    # Figure 8 of the Raft paper: a leader's last entry is of an older term and stored on a
    # majority; advancing the commit index must not commit it.
    ["specs/raft.spec", "--const", "MaxTerm=3", "--const", "MaxMsgs=1", "--out", "traces/raft/scenarios",
     "--strategy", "target", "--name", "commit-old-term", "--target",
     "exists i in Servers: state[i] == Leader and len(log[i]) > 0 and log[i][len(log[i])].term < currentTerm[i]"
     " and ({i} + {k in Servers | matchIndex[i][k] >= len(log[i])}) in Quorum", "--then", "AdvanceCommitIndex"],
]


def regenerate() -> int:
    for args in SUITES:
        print("modelcheck traces " + " ".join(repr(a) if " " in a else a for a in args))
        code = main(["traces", *args])
        if code:
            return code
    return 0


if __name__ == "__main__":
    sys.exit(regenerate())
