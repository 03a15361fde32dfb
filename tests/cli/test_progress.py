"""Progress as TLC prints it: the header at the start, a line every --progress seconds when
stderr is not a terminal (logs, CI), and on Ctrl-C with --checkpoint the command that
continues the search."""
from __future__ import annotations

import re
import shlex
import signal
import subprocess
import sys
import time

import pytest

from cli.inprocess import modelcheck
from conftest import PAXOS, REPO

PROGRESS_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d progress after [\d.]+ s: depth \d+, [\d,]+ states generated, "
                           r"[\d,]+ distinct, [\d,]+ on queue, [\d,]+ distinct states/s$", re.M)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_header_then_progress_lines_on_a_log(workers):
    run = modelcheck("check", PAXOS, "--progress", "0.02", "--workers", workers)
    assert run.returncode == 0, run.stderr
    lines = run.stderr.splitlines()
    assert lines[0] == f"Checking Paxos ({PAXOS}) with {workers} worker{'s' if workers == '2' else ''}"
    assert lines[1] == "  constants: Acceptors = {a1, a2, a3}, Values = {v1, v2}, Ballots = {0, 1}"
    assert lines[2] == "  invariants: TypeOK, Inv, Agreement; deadlocks checked"
    assert len(PROGRESS_LINE.findall(run.stderr)) >= 1, run.stderr


def test_the_default_is_a_line_a_minute():
    run = modelcheck("check", PAXOS, "--json")
    assert run.returncode == 0
    assert run.stderr.startswith("Checking Paxos") and not PROGRESS_LINE.search(run.stderr)


def test_interrupt_with_a_checkpoint_prints_the_command_that_resumes(tmp_path):
    cp = tmp_path / "cp"
    proc = subprocess.Popen([sys.executable, "-m", "modelcheck.cli", "check", str(PAXOS), "--const", "Ballots=0..3",
                             "--checkpoint", str(cp), "--checkpoint-every", "1"],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        header = [proc.stderr.readline() for _ in range(3)]  # printed once the spec is loaded
        time.sleep(2)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
        err = "".join(header) + err
    finally:
        proc.kill()
    assert proc.returncode == 130, out + err
    assert f"A checkpoint of the search is saved in {cp}; continue it with:" in err
    command = err.split("continue it with:\n", 1)[1].splitlines()[0].strip()
    words = shlex.split(command)
    assert words[:2] == ["modelcheck", "check"] and words[-2:] == ["--resume", str(cp)]
    assert "--checkpoint" in words and "Ballots=0..3" in words
    before = int(re.search(r"([\d,]+) distinct states found", out).group(1).replace(",", ""))
    resumed = modelcheck(*words[1:], "--max-states", str(before + 1000))
    assert resumed.returncode == 3, resumed.stderr
    after = int(re.search(r"([\d,]+) distinct states found", resumed.stdout).group(1).replace(",", ""))
    assert after > before
