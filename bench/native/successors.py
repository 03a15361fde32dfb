"""Successor generation, Python backend vs the spec compiled to C, side by side.

For each model: the first N states the Python backend reaches breadth-first are expanded
(every action, every successor) once by the Python backend's generated code and once by the
C code (a loop in C over the encoded states, bench/native/count_successors.c), and the
successors per second of each are printed, in CPU time of this process (the machine is
shared: wall time would measure the other processes too). The full search's speed is
bench/search's job.

    PYTHONPATH=. python bench/native/successors.py [--states N]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from modelcheck import pipeline
from modelcheck.compile.native import build_native

HERE = Path(__file__).parent
MODELS = [("paxos, Ballots = 0..2", "specs/paxos.spec", {"Ballots": "0..2"}),
          ("raft, MaxTerm = 3", "specs/raft.spec", {"MaxTerm": "3"}),
          ("raft, 3 servers", "specs/raft.spec", {"Servers": "{s1, s2, s3}", "MaxLogLen": "1", "MaxMsgs": "1"})]


def reachable(compiled, limit: int) -> list:
    model = compiled.model
    start = [s for _, _, s in model.init_states()]
    seen, queue, out = set(start), list(start), []
    constraint = model.constraint()
    while queue and len(out) < limit:
        s = queue.pop(0)
        if constraint is not None and not constraint(s):
            continue
        out.append(s)
        for action in model.actions():
            for _, _, t in action(s):
                if t not in seen:
                    seen.add(t)
                    queue.append(t)
    return out


def best_of(runs: int, measure) -> tuple[int, float]:
    """The fastest of a few runs: the machine is shared, the slower runs measure the others."""
    return min((measure() for _ in range(runs)), key=lambda r: r[1])


def python_rate(compiled, states) -> tuple[int, float]:
    actions = compiled.model.actions()
    started = time.process_time()
    total = sum(1 for s in states for action in actions for _ in action(s))
    return total, time.process_time() - started


def native_rate(native, states) -> tuple[int, float]:
    blobs = [native.codec.encode(s) for s in states]
    offsets = [0]
    for b in blobs:
        offsets.append(offsets[-1] + len(b))
    ffi = native.ffi
    data = ffi.from_buffer(b"".join(blobs))
    offs = ffi.new("size_t[]", offsets)
    started = time.process_time()
    total = native.lib.bench_successors(data, offs, len(blobs))
    return total, time.process_time() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--states", type=int, default=20000, help="states expanded per model (default 20000)")
    args = parser.parse_args()
    print(f"{'model':<24} {'states':>7} {'successors':>10} {'python succ/s':>14} {'C succ/s':>12} {'C / python':>10}  (C build)")
    for title, path, consts in MODELS:
        compiled = pipeline.load(path, consts)
        native = build_native(compiled, extra_sources=[HERE / "count_successors.c"],
                              extra_cdef="long bench_successors(const uint8_t *, const size_t *, long);")
        states = reachable(compiled, args.states)
        py_total, py_seconds = best_of(3, lambda: python_rate(compiled, states))
        c_total, c_seconds = best_of(5, lambda: native_rate(native, states))
        if c_total != py_total:
            sys.exit(f"{title}: C generated {c_total} successors, Python {py_total}")
        build = "cached" if native.cached else f"{native.compile_seconds:.1f} s"
        print(f"{title:<24} {len(states):>7} {py_total:>10} {py_total / py_seconds:>14,.0f} "
              f"{c_total / c_seconds:>12,.0f} {py_seconds / c_seconds:>9.1f}x  ({build})", flush=True)


if __name__ == "__main__":
    main()
