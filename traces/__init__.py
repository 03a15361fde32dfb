"""Stored trace suites of the specs in specs/, for conformance tests of impl/.

    traces/paxos/coverage/   every transition class and every pair of consecutive classes of
                             specs/paxos.spec at its default constants
    traces/paxos/criteria/   every goal of the criteria guards, boundaries, branches, messages
                             (and classes) of specs/paxos.spec at its default constants
    traces/paxos/random/     seeded random walks of specs/paxos.spec
    traces/paxos/scenarios/  targeted traces of specs/paxos.spec (see regenerate.py)
    traces/raft/coverage/    every transition class of specs/raft.spec at its default constants
    traces/raft/coverage-term3/  the same with MaxTerm = 3 and MaxMsgs = 1
    traces/raft/criteria/    every goal of the criteria of specs/raft.spec at its default constants
    traces/raft/criteria-term3/  the same with MaxTerm = 3 and MaxMsgs = 1 (stale terms reachable)
    traces/raft/random/      seeded random walks of specs/raft.spec
    traces/raft/scenarios/   targeted traces of specs/raft.spec (see regenerate.py)

Each directory has one ITF file per trace and a JSON summary of the suite's coverage.
`python -m traces.regenerate` writes them all again (after a change to a spec); the commands
it runs are listed in SUITES.
"""
from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent


def suite_dir(spec: str, strategy: str) -> Path:
    """traces/<spec>/<strategy>, e.g. suite_dir("raft", "coverage")."""
    return ROOT / spec / strategy


def suites(spec: str) -> list[Path]:
    """Every stored suite directory of a spec, e.g. suites("raft")."""
    return sorted(d for d in (ROOT / spec).iterdir() if d.is_dir() and any(d.glob("*.itf.json")))
