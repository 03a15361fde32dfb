"""What naming a never-enabled action's false guard costs: Paxos (Ballots = 0..2) with an
extra action that is never enabled, checked with the guard watch (the default) and without.

    PYTHONPATH=$PWD python bench/never_enabled_watch.py

Prints the CPU seconds of each; the watch runs only actions that have produced no successor.
"""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

from modelcheck import pipeline
from modelcheck.explore import bfs

PAXOS = Path(__file__).resolve().parent.parent / "specs" / "paxos.spec"
NEVER = """
action Never(a in Acceptors) {
  pick m in msgs where m.type == "2b" and m.bal > 5
  maxBal[a] := m.bal
}
"""


def cpu_seconds(spec: Path, watched: bool) -> tuple[float, dict]:
    compiled = pipeline.load(spec, {"Ballots": "0..2"})
    original = bfs.Search._watched
    if not watched:
        bfs.Search._watched = lambda self, a, fn: fn
    try:
        start = time.process_time()
        result = pipeline.check(compiled)
        return time.process_time() - start, result.stats.never_true
    finally:
        bfs.Search._watched = original


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "paxos_never.spec"
        spec.write_text(PAXOS.read_text() + NEVER)
        for watched in (False, True, False, True):
            seconds, named = cpu_seconds(spec, watched)
            print(f"{'watched' if watched else 'unwatched':9}  {seconds:6.2f} CPU s  {named}")


if __name__ == "__main__":
    main()
