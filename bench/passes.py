#!/usr/bin/env python3
"""The Python backend's speed before and after a compiler change, and without optimisations.

    bench/passes.py --before DIR            # DIR holds another copy of the modelcheck package
    bench/passes.py --before DIR --no-opt   # also a row per model compiled with --no-opt
    bench/passes.py --rounds 3              # each measurement 3 times, interleaved; the best kept

Each row runs `modelcheck check MODEL --json` in a fresh process, with PYTHONPATH set to the
copy being measured (this repository for "after"), and prints distinct states, depth, the
search's own seconds (from --json), and the process's CPU seconds (loading and compiling
included; on a busy machine the fairer figure). The models: Paxos at Ballots = 0..2 (185,369
states) and Raft with three terms and one message in flight. Measurements of the copies are
interleaved so that a change in the machine's load hits both alike.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MODELS = {
    "paxos Ballots=0..2": ["specs/paxos.spec", "--const", "Ballots=0..2"],
    "raft MaxTerm=3 MaxMsgs=1": ["specs/raft.spec", "--const", "MaxTerm=3", "--const", "MaxMsgs=1"],
}


def measure(package_dir: Path, args: list[str]) -> tuple[int, int, float, float]:
    """(distinct, depth, search seconds, CPU seconds) of one run in a fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    env = {**os.environ, "PYTHONPATH": str(package_dir)}
    proc = subprocess.run([sys.executable, "-m", "modelcheck.cli", "check", *args, "--json"],
                          cwd=REPO, env=env, capture_output=True, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(args)} with {package_dir}: exit {proc.returncode}\n{proc.stderr}")
    report = json.loads(proc.stdout)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return report["distinct_states"], report["depth"], report["seconds"], cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, help="directory holding the modelcheck package to compare with")
    parser.add_argument("--no-opt", action="store_true", help="also measure this copy compiled with --no-opt")
    parser.add_argument("--rounds", type=int, default=1, help="measurements per row (the best is kept)")
    args = parser.parse_args()
    variants = ([("before", args.before, [])] if args.before else []) + [("after", REPO, [])]
    if args.no_opt:
        variants.append(("after --no-opt", REPO, ["--no-opt"]))
    print(f"{'model':28} {'copy':16} {'distinct':>9} {'depth':>5} {'search s':>9} {'CPU s':>7}")
    for label, model in MODELS.items():
        best: dict[str, tuple] = {}
        for _ in range(args.rounds):
            for name, package_dir, extra in variants:
                row = measure(package_dir, model + extra)
                if name not in best or row[3] < best[name][3]:
                    best[name] = row
        for name, _, _ in variants:
            distinct, depth, search, cpu = best[name]
            print(f"{label:28} {name:16} {distinct:>9,} {depth:>5} {search:>9.2f} {cpu:>7.2f}", flush=True)


if __name__ == "__main__":
    main()
