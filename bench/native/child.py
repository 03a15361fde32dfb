"""Runs one measurement of a bench script in a fresh Python process (so compiled code,
caches and memory of one run do not help the next) and returns what it printed as JSON."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent


def run_child(script: str, *args) -> dict:
    """`python SCRIPT --child JSON(args)` from the repository's root; its stdout as JSON."""
    out = subprocess.run([sys.executable, script, "--child", json.dumps(args)], capture_output=True, text=True,
                         cwd=REPO)
    if out.returncode != 0:
        raise SystemExit(f"benchmark child failed:\n{out.stderr}")
    return json.loads(out.stdout)
