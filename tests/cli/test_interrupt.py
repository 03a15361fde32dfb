"""Ctrl-C during a long check prints the statistics so far and exits 130."""
from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest

from conftest import PAXOS, REPO


@pytest.mark.parametrize("workers", ["1", "2"])
def test_interrupt_prints_statistics_and_exits_130(workers):
    # As from a terminal: a test run started in the background inherits SIGINT ignored.
    proc = subprocess.Popen([sys.executable, "-m", "modelcheck.cli", "check", str(PAXOS),
                             "--const", "Ballots=0..3", "--workers", workers],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        time.sleep(4)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()   # never leave a search running behind a failed test
    assert proc.returncode == 130, out + err
    assert "Traceback" not in err
    assert "interrupted" in out
    assert "distinct states found" in out
