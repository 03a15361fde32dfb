#!/usr/bin/env python3
"""Benchmark: modelcheck on Lamport's Paxos at Ballots = 0..1 and 0..2.

Prints one row per model: distinct states, depth, seconds, distinct states per second,
peak RSS and the bytes per distinct state (peak RSS growth during the search / states).
Each model runs in a fresh process so that memory figures do not mix.

    python bench/paxos.py            # both rows
    python bench/paxos.py 0..1       # one row
"""
from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ROWS = ["0..1", "0..2"]


def measure(ballots: str) -> dict:
    """Run in a child process: load, then explore, reporting time and memory."""
    from modelcheck import pipeline

    compiled = pipeline.load(REPO / "specs" / "paxos.spec", {"Ballots": ballots})
    rss_before = _rss_bytes()
    started = time.perf_counter()
    result = pipeline.check(compiled)
    seconds = time.perf_counter() - started
    peak = _peak_rss_bytes()
    return {"ballots": ballots, "distinct": result.stats.distinct, "depth": result.stats.depth,
            "outcome": result.outcome.value, "seconds": seconds,
            "peak_rss": peak, "bytes_per_state": (peak - rss_before) / max(1, result.stats.distinct)}


def _rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize()


def _peak_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def main(argv: list[str]) -> None:
    if argv[:1] == ["--child"]:
        print(json.dumps(measure(argv[1])))
        return
    rows = argv or ROWS
    print(f"{'model':<22}{'distinct':>10}{'depth':>7}{'seconds':>9}{'states/s':>10}{'peak RSS':>11}{'B/state':>9}")
    for ballots in rows:
        out = subprocess.run([sys.executable, __file__, "--child", ballots], capture_output=True,
                             text=True, check=True, cwd=REPO)
        r = json.loads(out.stdout)
        print(f"{'paxos Ballots=' + ballots:<22}{r['distinct']:>10,}{r['depth']:>7}{r['seconds']:>9.2f}"
              f"{r['distinct'] / r['seconds']:>10,.0f}{r['peak_rss'] / 2**20:>9.0f}MB{r['bytes_per_state']:>9,.0f}")


if __name__ == "__main__":
    main(sys.argv[1:])
