"""Apply each mutant to a copy of impl/, judge it in a fresh process, print the score.

A mutant that survives is listed with its bug description, so a reader can decide whether
the suite misses a real bug or the mutant is equivalent (behaves like the original in
everything the spec can observe).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .mutants import MUTANTS, Mutant

IMPL = Path(__file__).resolve().parents[1]
REPO = IMPL.parent


def apply(mutant: Mutant, root: Path) -> None:
    """Copy impl/ under root and apply the mutant to the copy."""
    shutil.copytree(IMPL, root / "impl", ignore=shutil.ignore_patterns("__pycache__"))
    path = root / "impl" / mutant.file
    text = path.read_text()
    count = text.count(mutant.old)
    if count != 1:
        raise ValueError(f"mutant {mutant.name}: the text to replace occurs {count} times in impl/{mutant.file}")
    path.write_text(text.replace(mutant.old, mutant.new))


def judge(mutant: Mutant | None, protocol: str, runs: int, events: int, timeout: float) -> dict:
    with tempfile.TemporaryDirectory(prefix="mutant-") as tmp:
        root = Path(tmp)
        if mutant is not None:
            apply(mutant, root)
        else:
            shutil.copytree(IMPL, root / "impl", ignore=shutil.ignore_patterns("__pycache__"))
        env = {**os.environ, "PYTHONPATH": str(root), "PYTHONDONTWRITEBYTECODE": "1"}
        started = time.perf_counter()
        try:
            proc = subprocess.run([sys.executable, "-m", "impl.mutation.check", protocol,
                                   "--runs", str(runs), "--specs", str(REPO / "specs"),
                                   *(["--events", str(events)] if events else [])],
                                  cwd=root, env=env, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return {"killed": True, "how": f"timeout after {timeout:.0f} s", "seconds": timeout}
        seconds = time.perf_counter() - started
        if proc.returncode != 0 or not proc.stdout.strip():
            tail = (proc.stderr.strip().splitlines() or ["(no output)"])[-1]
            return {"killed": True, "how": f"crashed: {tail}", "seconds": seconds}
        result = json.loads(proc.stdout.strip().splitlines()[-1])
        if not result["impl"].startswith(str(root)):
            raise RuntimeError(f"the check imported {result['impl']}, not the mutated copy in {root}")
        by = [d for d in ("replay", "validation") if result[d]["killed"]]
        return {"killed": bool(by), "how": " + ".join(by) if by else "survived", "seconds": seconds, **result}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m impl.mutation", description=__doc__)
    p.add_argument("--runs", type=int, default=300, help="validation runs per mutant (default 300)")
    p.add_argument("--events", type=int, default=None, help="events per run (default: the adapter's)")
    p.add_argument("--only", action="append", metavar="NAME", help="judge only this mutant (repeatable)")
    p.add_argument("--timeout", type=float, default=900, help="seconds per mutant before it counts as hung")
    p.add_argument("--json", metavar="FILE", help="also write the results as JSON to FILE")
    p.add_argument("-v", "--verbose", action="store_true", help="print each killing divergence")
    args = p.parse_args(argv)
    mutants = [m for m in MUTANTS if not args.only or m.name in args.only]
    results = {}
    for protocol in sorted({m.protocol for m in mutants}):
        base = judge(None, protocol, args.runs, args.events, args.timeout)
        if base["killed"]:
            print(f"the unmutated {protocol} implementation does not pass its own suite ({base['how']}):")
            print(base.get("replay", {}).get("first") or base.get("validation", {}).get("first") or base)
            return 2
        print(f"baseline {protocol}: passes ({base['replay']['traces']} traces replayed, "
              f"{base['validation']['runs']} executions validated, {base['seconds']:.0f} s)")
    width = max(len(m.name) for m in mutants)
    for m in mutants:
        r = judge(m, m.protocol, args.runs, args.events, args.timeout)
        results[m.name] = r
        print(f"{m.name:<{width}}  {'KILLED  ' if r['killed'] else 'SURVIVED'} by {r['how']:<22} {r['seconds']:6.1f} s",
              flush=True)
        if args.verbose and r["killed"]:
            for d in ("replay", "validation"):
                if r.get(d, {}).get("first"):
                    print("    " + r[d]["first"].replace("\n", "\n    "))
    killed = sum(r["killed"] for r in results.values())
    print(f"\nmutation score: {killed}/{len(results)} killed ({100.0 * killed / len(results):.1f}%)")
    survivors = [m for m in mutants if not results[m.name]["killed"]]
    for m in survivors:
        print(f"  survived: {m.name}: {m.bug}")
    if args.json:
        Path(args.json).write_text(json.dumps({"score": [killed, len(results)], "mutants": {
            m.name: {"bug": m.bug, **results[m.name]} for m in mutants}}, indent=1))
    return 0 if not survivors else 1


if __name__ == "__main__":
    sys.exit(main())
