"""Judge the `impl` package on sys.path against one protocol's conformance suite, both
directions; print one JSON object. Run by run.py in a process whose `impl` is a mutant.

    python -m impl.mutation.check raft --runs 300 --events 150
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import impl
from modelcheck.conform.replay import load_adapter, replay_files
from modelcheck.conform.tracefiles import load_suite
from modelcheck.conform.validate import validate
from traces import suites

SPECS = Path(__file__).resolve().parents[2] / "specs"   # the repository's, unless --specs says otherwise
ADAPTERS = {"paxos": "impl.adapters.paxos:PaxosAdapter", "raft": "impl.adapters.raft:RaftAdapter"}


def judge(protocol: str, runs: int, events: int | None, specs: Path = SPECS) -> dict:
    adapter = load_adapter(ADAPTERS[protocol])
    out: dict = {"impl": str(Path(impl.__file__).parent)}
    started = time.perf_counter()
    files = [f for d in suites(protocol) for f in load_suite(d)]   # every stored suite of the protocol
    outcomes = replay_files(adapter, files)
    bad = [o for o in outcomes if not o.ok]
    out["replay"] = {"killed": bool(bad), "traces": len(outcomes), "divergent": len(bad),
                     "first": bad[0].divergence.render() if bad else None,
                     "seconds": round(time.perf_counter() - started, 2)}
    started = time.perf_counter()
    report = validate(adapter, specs / f"{protocol}.spec", range(runs), events)
    out["validation"] = {"killed": not report.ok, "runs": report.runs, "events": report.events,
                         "first": report.failure.render() if report.failure else None,
                         "seconds": round(time.perf_counter() - started, 2)}
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("protocol", choices=sorted(ADAPTERS))
    p.add_argument("--runs", type=int, default=300)
    p.add_argument("--events", type=int, default=None)
    p.add_argument("--specs", type=Path, default=SPECS, help="the directory of the specs")
    args = p.parse_args(argv)
    print(json.dumps(judge(args.protocol, args.runs, args.events, args.specs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
