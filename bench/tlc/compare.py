#!/usr/bin/env python3
"""Our verdicts against TLC's on the same models: the liveness specs we ship and their seeded
violations, and small probes of fairness semantics (bench/tlc/models/*.spec), each written a
second time in TLA+ (bench/tlc/models/*.tla and .cfg, with the same constants, fairness per
action instance, state constraint and temporal property).

    python bench/tlc/compare.py --tlc-classpath /work/tlc-build     # or set $TLC_CLASSPATH
    python bench/tlc/compare.py --models raft                        # the rows whose name contains it
    python bench/tlc/compare.py --backend python                     # our Python backend (default auto)

TLC is not shipped with modelcheck: the class path is a built tla2tools (a directory of
classes with tla2sany/StandardModules, or tla2tools.jar). Each row runs TLC (-workers 1,
fixed fingerprint function -fp 1, -deadlock where our run has --no-deadlock) and
`modelcheck check --json` in fresh processes. Columns: model; distinct states of TLC and
ours ("stopped" when TLC stopped its search at the violation, as it checks liveness during
the search); the verdict of each on the model's property; the counterexample's shape (states,
then "stutters" when the last state repeats for ever or "back to N" for the state the loop
returns to); whether verdicts and, where both searched everything, counts agree. The lassos
need not be the same behaviour: TLC does not promise a shortest one. Exit code 1 when a row
disagrees.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from tlc_command import MODELS, tlc_command  # noqa: E402

REPO = Path(__file__).resolve().parent.parent.parent


@dataclass(frozen=True)
class Pair:
    name: str
    module: str                          # bench/tlc/models/<module>.tla
    cfg: str                             # bench/tlc/models/<cfg>.cfg
    spec: str                            # our spec, relative to the repository
    consts: tuple[str, ...] = ()         # --const NAME=VALUE for our side, as the .cfg sets them
    edit: tuple[str, str] | None = None  # (text, replacement) applied to our spec: a seeded violation
    deadlock: bool = True                # both check deadlocks (else --no-deadlock / TLC's -deadlock)


PAIRS = [
    Pair("register", "Register", "Register", "specs/register.spec"),
    Pair("register, no fairness", "Register", "Register_unfair", "specs/register.spec",
         edit=("fairness weak Gossip", "")),
    Pair("register, losing merge", "Register", "Register_losing_merge", "specs/register.spec",
         consts=("LosingMerge=true",)),
    Pair("two_phase", "TwoPhase", "TwoPhase", "specs/two_phase.spec"),
    Pair("two_phase, 5 RMs", "TwoPhase", "TwoPhase_5", "specs/two_phase.spec",
         consts=("RM={r1, r2, r3, r4, r5}",)),
    Pair("two_phase, no delivery fairness", "TwoPhase", "TwoPhase_no_delivery_fairness",
         "specs/two_phase.spec",
         edit=("fairness weak TMRcvPrepared, TMCommit, TMAbort, RMRcvCommitMsg, RMRcvAbortMsg",
               "fairness weak TMRcvPrepared, TMCommit, TMAbort")),
    Pair("raft, MaxMsgs 1", "Raft", "Raft_one_message", "specs/raft.spec", consts=("MaxMsgs=1",)),
    Pair("raft", "Raft", "Raft", "specs/raft.spec"),
    Pair("raft, MaxMsgs 1, no fairness", "Raft", "Raft_one_message_unfair", "specs/raft.spec",
         consts=("MaxMsgs=1",), edit=("fairness weak BecomeLeader", ""), deadlock=False),
    # Probes of the semantics the shipped specs do not reach (bench/tlc/models/*.spec):
    # per-instance weak and strong fairness, ENABLED at the constraint's edge, a fair action
    # whose only steps change nothing.
    Pair("probe: lock, weak Enter", "Lock", "Lock_weak", "bench/tlc/models/lock.spec"),
    Pair("probe: lock, strong Enter", "Lock", "Lock_strong", "bench/tlc/models/lock.spec",
         edit=("fairness weak Enter, Leave", "fairness strong Enter\nfairness weak Leave")),
    Pair("probe: lock, strong Enter, no Leave", "Lock", "Lock_no_leave", "bench/tlc/models/lock.spec",
         edit=("fairness weak Enter, Leave", "fairness strong Enter")),
    Pair("probe: constraint edge", "Bounded", "Bounded", "bench/tlc/models/bounded.spec"),
    Pair("probe: constraint edge, no fairness", "Bounded", "Bounded_unfair", "bench/tlc/models/bounded.spec",
         edit=("fairness weak Inc", "")),
    Pair("probe: fair no-op action", "Idle", "Idle", "bench/tlc/models/idle.spec"),
]


@dataclass(frozen=True)
class Outcome:
    distinct: int
    complete: bool        # the search explored every reachable state
    verdict: str          # "holds", or what was violated
    lasso: str            # the counterexample's shape, "" without one


def run_tlc(pair: Pair, classpath: str, workdir: Path) -> Outcome:
    command = tlc_command(classpath, pair.module, pair.cfg, 1, workdir / "states", pair.deadlock)
    out = subprocess.run(command, capture_output=True, text=True, cwd=workdir)
    return parse_tlc(out.stdout + out.stderr, pair.name)


def parse_tlc(text: str, name: str) -> Outcome:
    counts = re.findall(r"^([\d,]+) states generated, ([\d,]+) distinct states found, ([\d,]+) states left",
                        text, re.MULTILINE)
    if not counts:
        raise SystemExit(f"TLC did not finish on {name}:\n{text}")
    _, distinct, left = (int(n.replace(",", "")) for n in counts[-1])
    if "Model checking completed. No error has been found." in text:
        return Outcome(distinct, left == 0, "holds", "")
    failures = [(r"Temporal property (\w+) was violated", "property {} violated"),
                (r"Invariant (\w+) is violated", "invariant {} violated"),
                (r"(Deadlock) reached", "deadlock")]
    for pattern, verdict in failures:
        found = re.search(pattern, text)
        if found:
            return Outcome(distinct, left == 0, verdict.format(found.group(1)), tlc_lasso(text))
    raise SystemExit(f"TLC's output on {name} has no verdict:\n{text}")


def tlc_lasso(text: str) -> str:
    """TLC numbers the states from 1; a lasso ends in "State k: Stuttering" (state k-1
    repeats) or "Back to state j"."""
    count = max(int(n) for n in re.findall(r"^State (\d+): <", text, re.MULTILINE))
    if re.search(r"^State \d+: Stuttering", text, re.MULTILINE):
        return f"{plural(count)}, stutters"
    back = re.search(r"Back to state (\d+)", text)
    return f"{plural(count)}, back to {back.group(1)}" if back else plural(count)


def run_ours(pair: Pair, backend: str, workdir: Path) -> Outcome:
    spec = REPO / pair.spec
    if pair.edit:
        old, new = pair.edit
        text = spec.read_text()
        if old not in text:
            raise SystemExit(f"{pair.spec} no longer contains {old!r}: update the pair {pair.name!r}")
        spec = workdir / spec.name
        spec.write_text(text.replace(old, new))
    command = [sys.executable, "-m", "modelcheck.cli", "check", str(spec), "--json", "--backend", backend]
    for const in pair.consts:
        command += ["--const", const]
    if not pair.deadlock:
        command.append("--no-deadlock")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    out = subprocess.run(command, capture_output=True, text=True, cwd=REPO, env=env)
    if out.returncode not in (0, 1):
        raise SystemExit(f"modelcheck failed on {pair.name}:\n{out.stdout}{out.stderr}")
    report = json.loads(out.stdout)
    complete = report["stopped_because"] == "finished"
    violation = report.get("violation")
    if violation is None:
        return Outcome(report["distinct_states"], complete, "holds", "")
    verdict = {"property": "property {} violated", "invariant": "invariant {} violated",
               "deadlock": "deadlock"}.get(violation["kind"], violation["kind"] + " {}")
    return Outcome(report["distinct_states"], complete, verdict.format(violation.get("name")),
                   our_lasso(violation))


def our_lasso(violation: dict) -> str:
    """Our `loop` is the 0-based index of the state the last one goes back to; `back` is the
    step that closes the loop, none when the last state stutters."""
    count = len(violation["trace"])
    if violation.get("loop") is None:
        return plural(count)
    if violation.get("back") is None:
        return f"{plural(count)}, stutters"
    return f"{plural(count)}, back to {violation['loop'] + 1}"


def plural(count: int) -> str:
    return f"{count} state" if count == 1 else f"{count} states"


def agree(tlc: Outcome, ours: Outcome) -> bool:
    counts_comparable = tlc.complete and ours.complete
    return tlc.verdict == ours.verdict and (not counts_comparable or tlc.distinct == ours.distinct)


def states(outcome: Outcome) -> str:
    return f"{outcome.distinct:,}" if outcome.complete else f"{outcome.distinct:,} (stopped)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tlc-classpath", default=os.environ.get("TLC_CLASSPATH"),
                        help="TLC's class path: a directory of built classes or tla2tools.jar "
                             "(default: $TLC_CLASSPATH)")
    parser.add_argument("--models", default="", help="only the rows whose name contains this text")
    parser.add_argument("--backend", default="auto", choices=["auto", "native", "python"],
                        help="our backend (default auto)")
    args = parser.parse_args()
    if not args.tlc_classpath:
        parser.error("say where TLC is: --tlc-classpath DIR (or set TLC_CLASSPATH)")
    rows = [pair for pair in PAIRS if args.models in pair.name]
    header = ("model", "TLC states", "our states", "TLC verdict", "our verdict", "TLC lasso", "our lasso", "agree")
    table = []
    for pair in rows:
        with tempfile.TemporaryDirectory() as tmp:
            tlc = run_tlc(pair, args.tlc_classpath, Path(tmp))
            ours = run_ours(pair, args.backend, Path(tmp))
        table.append((pair.name, states(tlc), states(ours), tlc.verdict, ours.verdict, tlc.lasso, ours.lasso,
                      "yes" if agree(tlc, ours) else "NO"))
        print(f"  {pair.name}: done", file=sys.stderr, flush=True)
    widths = [max(len(row[i]) for row in [header, *table]) for i in range(len(header))]
    for row in [header, tuple("-" * w for w in widths), *table]:
        print(" | ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
    sys.exit(0 if all(row[-1] == "yes" for row in table) else 1)


if __name__ == "__main__":
    main()
