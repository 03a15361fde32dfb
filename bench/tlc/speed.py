#!/usr/bin/env python3
"""Our speed against TLC's on safety models (issue 13: "a native engine ... 10x TLC").

    nice -n 5 python bench/tlc/speed.py --tlc-classpath /work/tlc-build   # or set $TLC_CLASSPATH
    python bench/tlc/speed.py --models paxos                               # the rows whose name contains it
    python bench/tlc/speed.py --with-python                                # our Python backend too
    python bench/tlc/speed.py --tlc-workers 1 --threads 1                  # fewer runs

A model is one of our specs and its TLA+ restatement in bench/tlc/models/ (a module and a
cfg). The cfg is the one description of the model: its constants are given to our run as
--const (a `X = X` of one of our model values is TLC's way of declaring it and is skipped),
its INVARIANTS must be exactly the invariants our spec declares (checked before anything
runs), and it has no PROPERTY: safety only, as ours with --no-props. For each model, one run
after another, each in a fresh process: TLC with -workers 1 and 2 (fixed fingerprint
function -fp 1; -deadlock where ours has --no-deadlock), our native backend on 1 and 2
threads (--workers), and with --with-python our Python backend (one process). Before our
measured runs one unmeasured run (--max-states 1) puts the model's C in the cache, so no
measured run compiles C.

Columns: model; tool and threads; distinct states; depth; search seconds (TLC: from its
"Computing initial states" line to its verdict, timed as its output arrives, so the JVM's
start-up and the parsing of the module are not in it; ours: the search's seconds in
--json, loading and compiling the spec not in it); CPU seconds of the whole process (user +
system, getrusage of the child: all its threads, the JIT and garbage collector included);
wall seconds of the whole process; speed-up: TLC 1 worker's search seconds over this row's;
by cpu: TLC 1 worker's CPU seconds over this row's (whole processes: the JVM's start-up and
JIT, Python's start-up and the spec's loading included); "-" without a TLC 1 worker run. A
shared machine's load stretches wall (and search) seconds, CPU seconds much less: the load
average is printed before and after. Every run of a model must find the same distinct
states and depth (TLC's depth with several workers excepted: its workers do not search level
by level, so a state's recorded depth may exceed its distance; a difference there is marked,
not an error); otherwise the script prints the table and exits 1: a semantic difference to
report.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from tlc_command import MODELS, tlc_command  # noqa: E402

REPO = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(REPO))


@dataclass(frozen=True)
class Model:
    name: str
    module: str                # bench/tlc/models/<module>.tla
    cfg: str                   # bench/tlc/models/<cfg>.cfg
    spec: str                  # our spec, relative to the repository
    deadlock: bool = True      # both check deadlocks (else --no-deadlock / TLC's -deadlock)


SPEED_MODELS = [
    Model("raft MaxTerm=3", "Raft", "Raft_max_term_3", "specs/raft.spec"),
    Model("raft 3 servers, MaxMsgs=1", "Raft", "Raft_three_servers", "specs/raft.spec"),
    Model("paxos Ballots=0..2", "Paxos", "Paxos_ballots_0_2", "specs/paxos.spec"),
    Model("two_phase 7 RMs", "TwoPhase", "TwoPhase_7", "specs/two_phase.spec"),
]


class ModelMismatch(Exception):
    """A cfg that does not describe the same model as our spec, or that this script cannot read."""


# ---- Reading a TLC cfg

CFG_KEYWORDS = ("CONSTANTS", "CONSTANT", "INIT", "NEXT", "SPECIFICATION", "INVARIANTS", "INVARIANT",
                "PROPERTIES", "PROPERTY", "CONSTRAINTS", "CONSTRAINT", "ACTION_CONSTRAINTS",
                "ACTION_CONSTRAINT", "SYMMETRY", "VIEW", "CHECK_DEADLOCK", "POSTCONDITION", "ALIAS")
# A constant's value as a cfg writes it: a flat set, or one word (number, model value, string).
CFG_ASSIGNMENT = re.compile(r'(\w+)\s*=\s*(\{[^{}]*\}|"[^"]*"|[^\s{}"]+)')


@dataclass(frozen=True)
class Cfg:
    constants: dict[str, str]            # name -> value as written, e.g. "{s1, s2}"
    invariants: tuple[str, ...]
    sections: tuple[str, ...]            # the keywords present (CONSTANT and CONSTANTS as CONSTANTS)


def read_cfg(path: Path) -> Cfg:
    text = re.sub(r"\\\*[^\n]*", "", path.read_text())
    text = re.sub(r"\(\*.*?\*\)", "", text, flags=re.DOTALL)
    parts = re.split(r"\b(" + "|".join(CFG_KEYWORDS) + r")\b", text)
    if parts[0].strip():
        raise ModelMismatch(f"{path}: text before the first keyword: {parts[0].strip()[:60]!r}")
    constants: dict[str, str] = {}
    invariants: list[str] = []
    sections = []
    for keyword, body in zip(parts[1::2], parts[2::2]):
        keyword = {"CONSTANT": "CONSTANTS", "INVARIANT": "INVARIANTS"}.get(keyword, keyword)
        sections.append(keyword)
        if keyword == "CONSTANTS":
            constants.update(_assignments(path, body))
        elif keyword == "INVARIANTS":
            invariants += body.split()
    return Cfg(constants, tuple(invariants), tuple(sections))


def _assignments(path: Path, body: str) -> dict[str, str]:
    found = {name: " ".join(value.split()) for name, value in CFG_ASSIGNMENT.findall(body)}
    rest = CFG_ASSIGNMENT.sub("", body).strip()
    if rest:
        raise ModelMismatch(f"{path}: cannot read {rest[:60]!r} among the constants (this script reads "
                            "`NAME = VALUE` with VALUE a number, a word, a string or a flat set)")
    return found


# ---- The same model on both sides

@dataclass(frozen=True)
class Sides:
    consts: dict[str, str]     # our --const NAME=VALUE, from the cfg
    invariants: tuple[str, ...]


def match_sides(model: Model) -> Sides:
    """Our constants from the cfg, after checking that the cfg checks our spec's invariants,
    safety only, and sets only constants (or model values) our spec declares."""
    from modelcheck import pipeline
    cfg_path = MODELS / f"{model.cfg}.cfg"
    cfg = read_cfg(cfg_path)
    for keyword in ("PROPERTIES", "PROPERTY", "SYMMETRY", "VIEW"):
        if keyword in cfg.sections:
            raise ModelMismatch(f"{cfg_path}: {keyword} has no place in a safety model run without symmetry "
                                "(ours runs --no-props, no symmetry): remove it")
    checked = pipeline.load(REPO / model.spec).checked
    our_consts = {decl.name for decl in checked.consts}
    consts = {}
    for name, value in cfg.constants.items():
        if name in our_consts:
            consts[name] = value
        elif not (value == name and name in checked.model_values):
            raise ModelMismatch(f"{cfg_path}: {name} = {value} is neither a constant of {model.spec} "
                                f"({', '.join(sorted(our_consts))}) nor one of its model values declared")
    ours = pipeline.load(REPO / model.spec, consts).model.invariant_names
    if sorted(ours) != sorted(cfg.invariants):
        raise ModelMismatch(f"{cfg_path} checks the invariants {', '.join(cfg.invariants) or 'none'}; "
                            f"{model.spec} declares {', '.join(ours) or 'none'}: make INVARIANTS list the same")
    return Sides(consts, tuple(ours))


# ---- Runs

@dataclass(frozen=True)
class Run:
    tool: str
    distinct: int
    depth: int
    search_seconds: float
    cpu_seconds: float
    wall_seconds: float
    exact_depth: bool = True   # False for TLC with several workers


class Measured:
    """Wall and CPU seconds of one child process (getrusage of the children waited for)."""

    def __enter__(self) -> "Measured":
        self.cpu = _children_cpu()
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        self.wall_seconds = time.perf_counter() - self.started
        self.cpu_seconds = _children_cpu() - self.cpu


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_tlc(model: Model, classpath: str, workers: int, workdir: Path) -> Run:
    command = tlc_command(classpath, model.module, model.cfg, workers, workdir / f"states-{workers}", model.deadlock)
    lines = []
    search_started = search_ended = None
    with Measured() as measured:
        with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              cwd=workdir) as tlc:
            for line in tlc.stdout:
                lines.append(line)
                if search_started is None and line.startswith("Computing initial states"):
                    search_started = time.perf_counter()
                if search_ended is None and line.startswith(("Model checking completed", "Error:")):
                    search_ended = time.perf_counter()
    text = "".join(lines)
    if "Model checking completed. No error has been found." not in text or search_started is None:
        raise SystemExit(f"TLC did not check {model.name} to the end without error:\n{text}")
    distinct, depth = parse_tlc_counts(text, model.name)
    return Run(f"TLC {workers}w", distinct, depth, search_ended - search_started, measured.cpu_seconds,
               measured.wall_seconds, exact_depth=workers == 1)


def parse_tlc_counts(text: str, name: str) -> tuple[int, int]:
    counts = re.findall(r"^[\d,]+ states generated, ([\d,]+) distinct states found, ([\d,]+) states left",
                        text, re.MULTILINE)
    depth = re.search(r"^The depth of the complete state graph search is (\d+)\.", text, re.MULTILINE)
    if not counts or depth is None or counts[-1][1].replace(",", "") != "0":
        raise SystemExit(f"TLC's output on {name} has no complete search's counts:\n{text}")
    return int(counts[-1][0].replace(",", "")), int(depth.group(1))


def our_command(model: Model, sides: Sides, backend: str, threads: int) -> list[str]:
    command = [sys.executable, "-m", "modelcheck.cli", "check", str(REPO / model.spec), "--json", "--no-props",
               "--backend", backend, "--workers", str(threads)]
    for name, value in sides.consts.items():
        command += ["--const", f"{name}={value}"]
    if not model.deadlock:
        command.append("--no-deadlock")
    return command


def run_ours(model: Model, sides: Sides, backend: str, threads: int) -> Run:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    with Measured() as measured:
        out = subprocess.run(our_command(model, sides, backend, threads), capture_output=True, text=True,
                             cwd=REPO, env=env)
    if out.returncode != 0:
        raise SystemExit(f"modelcheck did not check {model.name} without error (exit {out.returncode}):\n"
                         f"{out.stdout}{out.stderr}")
    report = json.loads(out.stdout)
    if report["stopped_because"] != "finished":
        raise SystemExit(f"modelcheck stopped early on {model.name}: {report['stopped_because']}")
    return Run(f"{backend} {threads}t", report["distinct_states"], report["depth"], report["seconds"],
               measured.cpu_seconds, measured.wall_seconds)


def warm_native_cache(model: Model, sides: Sides) -> None:
    """One unmeasured native run that stops at once: the C is compiled into the cache."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    command = our_command(model, sides, "native", 1) + ["--max-states", "1"]
    out = subprocess.run(command, capture_output=True, text=True, cwd=REPO, env=env)
    try:
        stopped = json.loads(out.stdout)["stopped_because"]
    except (ValueError, KeyError):
        stopped = None
    if stopped != "max states 1":  # its exit code says "incomplete", as it should
        raise SystemExit(f"modelcheck could not build {model.name} natively:\n{out.stdout}{out.stderr}")


def measure(model: Model, sides: Sides, classpath: str, tlc_workers: list[int], threads: list[int],
            with_python: bool) -> list[Run]:
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for workers in tlc_workers:
            runs.append(run_tlc(model, classpath, workers, Path(tmp)))
            _progress(model, runs[-1])
    warm_native_cache(model, sides)
    for count in threads:
        runs.append(run_ours(model, sides, "native", count))
        _progress(model, runs[-1])
    if with_python:
        runs.append(run_ours(model, sides, "python", 1))
        _progress(model, runs[-1])
    return runs


def _progress(model: Model, run: Run) -> None:
    print(f"  {model.name}, {run.tool}: {run.distinct:,} states in {run.wall_seconds:.1f} s", file=sys.stderr,
          flush=True)


# ---- The table

def disagreements(model: Model, runs: list[Run]) -> list[str]:
    """What two runs of one model disagree on, in words; depth only where it is exact."""
    found = []
    if len({run.distinct for run in runs}) > 1:
        found.append(f"{model.name}: distinct states differ: "
                     + ", ".join(f"{run.tool} {run.distinct:,}" for run in runs))
    exact = [run for run in runs if run.exact_depth]
    if len({run.depth for run in exact}) > 1:
        found.append(f"{model.name}: depths differ: " + ", ".join(f"{run.tool} {run.depth}" for run in exact))
    return found


def rows(model: Model, runs: list[Run]) -> list[tuple[str, ...]]:
    baseline = next((run for run in runs if run.tool == "TLC 1w"), None)
    depths = {run.depth for run in runs if run.exact_depth}
    table = []
    for run in runs:
        depth = str(run.depth) if run.exact_depth or run.depth in depths else f"{run.depth} (not BFS)"
        table.append((model.name, run.tool, f"{run.distinct:,}", depth, f"{run.search_seconds:.2f}",
                      f"{run.cpu_seconds:.2f}", f"{run.wall_seconds:.2f}",
                      _ratio(baseline.search_seconds, run.search_seconds) if baseline else "-",
                      _ratio(baseline.cpu_seconds, run.cpu_seconds) if baseline else "-"))
    return table


def _ratio(baseline: float, seconds: float) -> str:
    return f"{baseline / seconds:.1f}x" if seconds > 0 else "-"


def print_table(table: list[tuple[str, ...]]) -> None:
    header = ("model", "tool", "distinct", "depth", "search s", "cpu s", "wall s", "speed-up", "by cpu")
    widths = [max(len(row[i]) for row in [header, *table]) for i in range(len(header))]
    right = {2, 3, 4, 5, 6, 7, 8}
    for row in [header, *table]:
        print(" | ".join(cell.rjust(w) if i in right else cell.ljust(w)
                         for i, (cell, w) in enumerate(zip(row, widths))).rstrip())


def _counts(text: str) -> list[int]:
    try:
        return [int(n) for n in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected numbers separated by commas, got {text!r}") from None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tlc-classpath", default=os.environ.get("TLC_CLASSPATH"),
                        help="TLC's class path: a directory of built classes or tla2tools.jar "
                             "(default: $TLC_CLASSPATH)")
    parser.add_argument("--models", default="", help="only the models whose name contains this text")
    parser.add_argument("--tlc-workers", type=_counts, default=[1, 2], help="TLC's -workers, e.g. 1,2 (default)")
    parser.add_argument("--threads", type=_counts, default=[1, 2],
                        help="our native backend's threads, e.g. 1,2 (default)")
    parser.add_argument("--with-python", action="store_true", help="also our Python backend (one process)")
    args = parser.parse_args()
    if not args.tlc_classpath:
        parser.error("say where TLC is: --tlc-classpath DIR (or set TLC_CLASSPATH)")
    chosen = [model for model in SPEED_MODELS if args.models in model.name]
    if not chosen:
        parser.error(f"no model's name contains {args.models!r}: "
                     + ", ".join(model.name for model in SPEED_MODELS))
    try:  # every cfg is read and matched before the first long run
        sides = {model.name: match_sides(model) for model in chosen}
    except ModelMismatch as e:
        raise SystemExit(f"error: {e}") from None
    load_before = os.getloadavg()
    table, problems = [], []
    for model in chosen:
        runs = measure(model, sides[model.name], args.tlc_classpath, args.tlc_workers, args.threads,
                       args.with_python)
        table += rows(model, runs)
        problems += disagreements(model, runs)
    print_table(table)
    load_after = os.getloadavg()
    print(f"load average (1 min) before {load_before[0]:.1f}, after {load_after[0]:.1f}, on {os.cpu_count()} CPUs")
    for problem in problems:
        print(f"DISAGREEMENT {problem}", file=sys.stderr)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
