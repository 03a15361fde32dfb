"""`--engine ray` with native workers against the single-process native search and the Python
workers on Ray, side by side in one table (issue 13, item 4). Needs Ray (pip install '.[ray]').

    python bench/native/on_ray.py                       # paxos Ballots=0..2, two actors
    python bench/native/on_ray.py --actors 1 2          # one row per actor count
    python bench/native/on_ray.py --max-states 100000   # every run stops there (a busy machine)

Columns: engine; distinct and generated states; depth; seconds of the check (for Ray: from
the start of the actors, each loading the spec and its shared object from build.py's cache,
to the result; the local Ray instance is started before and its start is printed apart);
distinct states/s. Every run is a fresh process; the counts of every row must be the same
(checked).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from child import run_child

REPO = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(REPO))

SPEC = "specs/paxos.spec"
MODEL = "ballots_0_2"


def measure(engine: str, backend: str, actors: int, max_states: int | None) -> dict:
    from modelcheck import pipeline
    from modelcheck.explore.bfs import Limits
    sys.path.insert(0, str(REPO / "bench" / "native"))
    from search import load  # the same constants as bench/native/search.py
    compiled = load(SPEC, MODEL, {})
    chosen = pipeline.choose_backend(compiled, backend)  # the C compiled here, cached for the actors
    ray_start = 0.0
    if engine == "ray":
        import ray
        started = time.perf_counter()
        ray.init(num_cpus=actors, include_dashboard=False, log_to_driver=False, configure_logging=False)
        ray_start = time.perf_counter() - started
    started = time.perf_counter()
    result = pipeline.check(compiled, None, Limits(max_states=max_states), workers=actors, engine=engine,
                            backend=chosen)
    seconds = time.perf_counter() - started
    s = result.stats
    return {"distinct": s.distinct, "generated": s.generated, "depth": s.depth, "seconds": seconds,
            "ray_start": ray_start, "stopped": result.stopped_because, "actions": s.action_counts}


def _child(*args) -> dict:
    return run_child(__file__, *args)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--actors", type=int, nargs="+", default=[2], metavar="N", help="Ray actors (default 2)")
    parser.add_argument("--max-states", type=int, metavar="N", help="stop every run at N distinct states")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(*json.loads(args.child))))
        return
    print(f"paxos Ballots=0..2, all invariants ({SPEC}, model {MODEL})")
    print(f"{'engine':<28}{'distinct':>11}{'generated':>12}{'depth':>6}{'seconds':>9}{'states/s':>10}{'ray start s':>12}")
    runs = [("native, one process", ("local", "native", 1))]
    for n in args.actors:
        runs += [(f"native, Ray, {n} actor{'s' * (n > 1)}", ("ray", "native", n)),
                 (f"python, Ray, {n} actor{'s' * (n > 1)}", ("ray", "python", n))]
    first = None
    for label, (engine, backend, actors) in runs:
        m = _child(engine, backend, actors, args.max_states)
        counts = (m["distinct"], m["generated"], m["depth"], m["actions"], m["stopped"])
        first = first or counts
        assert counts == first or m["stopped"] != "finished", (label, counts, first)
        ray_start = f"{m['ray_start']:>12.1f}" if engine == "ray" else f"{'-':>12}"
        print(f"{label:<28}{m['distinct']:>11,}{m['generated']:>12,}{m['depth']:>6}{m['seconds']:>9.2f}"
              f"{m['distinct'] / m['seconds']:>10,.0f}{ray_start}", flush=True)


if __name__ == "__main__":
    main()
