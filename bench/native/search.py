"""Benchmarks of the native backend (issue 13): Python backend vs native on 1 and 2 threads,
side by side, one table.

    python bench/native/search.py                  # the rows of issue 13 (see ROWS); Python on each too
    python bench/native/search.py --rows paxos     # the rows whose label contains the text
    python bench/native/search.py --no-python      # native only (Python takes minutes on the big rows)
    python bench/native/search.py --python-max-states 200000   # Python stops there; its rate stands for it
    python bench/native/search.py --max-states 100000          # every backend stops there (a busy machine)
    python bench/native/search.py --repeat 5       # each native row the fastest of 5 runs (a busy machine)

Columns: model; backend and threads; distinct states; depth; wall seconds of the search (the
C compilation is not in it: it is cached, and printed once per model); CPU seconds of the
search, all threads together (on a busy machine the fairer figure: wall time then says more
about the other processes than about this one); distinct states/s (wall);
speed-up over the Python backend's states/s; bytes of the visited set per distinct state
(native only: its fingerprint table). Every measurement runs in a fresh process. Counts of
the native rows must equal the Python row's when it ran the whole search (checked).
"""
from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

from child import run_child
from typing import NamedTuple

REPO = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(REPO))


class Row(NamedTuple):
    label: str
    spec: str
    model: str | None          # a named model of the spec's .models file
    consts: dict


ROWS = [
    Row("paxos Ballots=0..2, all invariants", "specs/paxos.spec", "ballots_0_2", {}),
    Row("raft MaxTerm=3 (689,211 states)", "specs/raft.spec", "max_term_3", {}),
    Row("raft 3 servers MaxLogLen=1 MaxMsgs=1 (2,379,781)", "specs/raft.spec", None,
        {"Servers": "{s1, s2, s3}", "MaxLogLen": "1", "MaxMsgs": "1"}),
]


def load(spec: str, model: str | None, consts: dict):
    """The spec with the constants of its named model (its .models file), then `consts`."""
    from modelcheck import model_config, pipeline
    if model is not None:
        models = model_config.read_models(model_config.models_path(REPO / spec)).models[model]
        named = dict(e.value.split("=", 1) for e in models if e.key == "const")
        consts = {**named, **consts}
    return pipeline.load(REPO / spec, consts)


def measure(backend: str, spec: str, model: str | None, consts: dict, workers: int, max_states: int | None) -> dict:
    from modelcheck import pipeline
    from modelcheck.explore.bfs import Limits
    from modelcheck.explore.native.driver import native_bfs_measured
    compiled = load(spec, model, consts)
    limits = Limits(max_states=max_states, check_deadlock=True)
    out: dict = {}
    if backend == "python":
        cpu_before, started = _cpu(), time.perf_counter()
        result = pipeline.check(compiled, None, limits)
        seconds = time.perf_counter() - started
    else:
        chosen = pipeline.choose_backend(compiled, "native")
        out["build"] = chosen.reason
        # the search alone, as its wall time: generating, hashing and loading its C is not in it
        cpu_before, started = _cpu(), time.perf_counter()
        result, visited = native_bfs_measured(chosen.native, None, limits, workers=workers)
        seconds = time.perf_counter() - started
        out["bytes_per_state"] = visited / max(1, result.stats.distinct)
    return {**out, "cpu": _cpu() - cpu_before, "distinct": result.stats.distinct, "generated": result.stats.generated,
            "depth": result.stats.depth, "seconds": seconds, "outcome": result.outcome.value,
            "stopped": result.stopped_because}


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _child(*args) -> dict:
    return run_child(__file__, *args)


def _fastest(runs: list[dict]) -> dict:
    """The least wall and the least CPU seconds of runs of one measurement (the other
    processes of a shared machine only ever add to them)."""
    return {**runs[0], "seconds": min(r["seconds"] for r in runs), "cpu": min(r["cpu"] for r in runs)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--rows", default="", metavar="TEXT", help="only the rows whose label contains TEXT")
    parser.add_argument("--no-python", action="store_true", help="do not run the Python backend")
    parser.add_argument("--python-max-states", type=int, metavar="N",
                        help="stop the Python backend at N distinct states (its rate stands for the whole run)")
    parser.add_argument("--max-states", type=int, metavar="N", help="stop every backend at N distinct states")
    parser.add_argument("--repeat", type=int, default=1, metavar="N",
                        help="run each native measurement N times and keep the fastest (wall and CPU apart)")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(*json.loads(args.child))))
        return
    print(f"{'model':<50}{'backend':>12}{'distinct':>11}{'depth':>6}{'seconds':>9}{'cpu s':>8}{'states/s':>10}"
          f"{'speed-up':>9}{'B/state':>8}")
    for row in [r for r in ROWS if args.rows in r.label]:
        python = None
        if not args.no_python:
            python = _child("python", row.spec, row.model, row.consts, 1, args.python_max_states or args.max_states)
            _print(row.label, "python", python, None)
        for workers in (1, 2):
            native = _fastest([_child("native", row.spec, row.model, row.consts, workers, args.max_states)
                               for _ in range(max(1, args.repeat))])
            if workers == 1:
                print(f"  ({native['build']})")
            if python is not None and python["stopped"] == native["stopped"] == "finished":
                assert (native["distinct"], native["generated"], native["depth"]) == \
                       (python["distinct"], python["generated"], python["depth"]), (native, python)
            _print(row.label, f"native {workers}t", native, python)


def _print(label: str, backend: str, m: dict, python: dict | None) -> None:
    rate = m["distinct"] / m["seconds"]
    speedup = f"{rate / (python['distinct'] / python['seconds']):>8.1f}x" if python else f"{'-':>9}"
    per_state = f"{m['bytes_per_state']:>8.1f}" if "bytes_per_state" in m else f"{'-':>8}"
    note = "" if m["stopped"] == "finished" else f"  (stopped: {m['stopped']})"
    print(f"{label:<50}{backend:>12}{m['distinct']:>11,}{m['depth']:>6}{m['seconds']:>9.2f}{m['cpu']:>8.2f}{rate:>10,.0f}"
          f"{speedup}{per_state}{note}", flush=True)


if __name__ == "__main__":
    main()
