"""How bench/tlc's scripts start TLC on one of our TLA+ restatements (bench/tlc/models): the
command line both compare.py (verdicts) and speed.py (speed) run."""
from __future__ import annotations

from pathlib import Path

MODELS = Path(__file__).resolve().parent / "models"


def tlc_command(classpath: str, module: str, cfg: str, workers: int, metadir: Path, deadlock: bool) -> list[str]:
    """TLC on models/<module>.tla with models/<cfg>.cfg: `workers` threads, the fixed
    fingerprint function (-fp 1), its states under `metadir`; `deadlock`: check deadlocks
    (TLC's -deadlock turns that check off, as our --no-deadlock)."""
    command = ["java", "-XX:+UseParallelGC", "-cp", classpath, "tlc2.TLC"]
    if not deadlock:
        command.append("-deadlock")
    return command + ["-workers", str(workers), "-fp", "1", "-nowarning", "-noGenerateSpecTE",
                      "-metadir", str(metadir), "-config", str(MODELS / f"{cfg}.cfg"), str(MODELS / f"{module}.tla")]
