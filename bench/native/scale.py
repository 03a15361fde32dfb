"""The native engine at scale (issue 13: "visited set <= 16 bytes per distinct state; 100
million states of two_phase.spec within 4 GB"): one native search of specs/two_phase.spec in a
fresh process, with its peak resident memory.

    nice -n 5 python bench/native/scale.py                          # 11 RMs, 100,000,000 states, --memory 4GB
    python bench/native/scale.py --rms 9 --max-states 0             # 9 RMs, the whole space (10,340,352)
    python bench/native/scale.py --rms 8 --memory 64MB --workers 2  # a small run, states spilled to disk

Prints: RMs, threads, the stop (finished, max states, memory), distinct states, depth, wall
and CPU seconds of the child process (the C compilation included when it is not cached),
its peak resident memory (getrusage of the child: the whole process, Python included) and,
per distinct state, that peak and the visited set alone. Under --memory the search spills
the states of its levels to temporary files and stops if the process grows past the limit,
as `modelcheck check --memory` does.
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(REPO))


def measure(rms: int, max_states: int | None, memory: int | None, workers: int) -> dict:
    """Runs in the child: the search, and what the parent cannot see from outside."""
    from modelcheck import pipeline
    from modelcheck.explore.bfs import Limits
    from modelcheck.explore.native.driver import native_bfs_measured
    compiled = pipeline.load(REPO / "specs" / "two_phase.spec", {"RM": _rms(rms)})
    chosen = pipeline.choose_backend(compiled, "native")
    limits = Limits(max_states=max_states, check_deadlock=True, memory=memory)
    result, visited = native_bfs_measured(chosen.native, None, limits, workers=workers)
    return {"distinct": result.stats.distinct, "generated": result.stats.generated, "depth": result.stats.depth,
            "stopped": result.stopped_because if result.outcome.value == "incomplete" else result.outcome.value, "visited_bytes": visited}


def _rms(n: int) -> str:
    return "{" + ", ".join(f"r{i}" for i in range(1, n + 1)) + "}"


def _size(text: str) -> int:
    units = {"KB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30}
    for unit, factor in units.items():
        if text.upper().endswith(unit):
            return int(float(text[:-len(unit)]) * factor)
    return int(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--rms", type=int, default=11, help="resource managers (default 11)")
    parser.add_argument("--max-states", type=int, default=100_000_000,
                        help="stop at N distinct states; 0: no limit (default 100,000,000)")
    parser.add_argument("--memory", type=_size, default=4 << 30, help="as check --memory (default 4GB); 0: none")
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(*json.loads(args.child))))
        return
    max_states, memory = args.max_states or None, args.memory or None
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    out = subprocess.run([sys.executable, __file__, "--child", json.dumps([args.rms, max_states, memory, args.workers])],
                         capture_output=True, text=True, cwd=REPO)
    wall = time.perf_counter() - started
    if out.returncode != 0:
        raise SystemExit(f"benchmark child failed:\n{out.stderr}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    m = json.loads(out.stdout)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    peak = after.ru_maxrss * 1024  # kilobytes on Linux
    distinct = max(1, m["distinct"])
    print(f"{'RMs':>4}{'threads':>8}  {'stop':<22}{'distinct':>13}{'depth':>6}{'wall s':>9}{'cpu s':>9}"
          f"{'peak RSS':>11}{'B/state':>9}{'visited B/state':>16}")
    print(f"{args.rms:>4}{args.workers:>8}  {m['stopped']:<22}{m['distinct']:>13,}{m['depth']:>6}{wall:>9.1f}{cpu:>9.1f}"
          f"{peak / 2**30:>9.2f}GB{peak / distinct:>9.1f}{m['visited_bytes'] / distinct:>16.1f}")


if __name__ == "__main__":
    main()
