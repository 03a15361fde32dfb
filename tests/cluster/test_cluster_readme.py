"""The README's section "A real Raft cluster and its consistency" works as written: its
cluster commands print what their comments say, and its fault run (shortened) prints
output of the shape shown."""
from __future__ import annotations

import re
import shlex
import subprocess
import sys

import pytest

from conftest import REPO

README = REPO / "README.md"
SECTION = "## A real Raft cluster and its consistency"
TIMEOUT = 180


def blocks() -> list[tuple[str, str]]:
    """(language, text) of each fenced code block in the section."""
    text = README.read_text().split(SECTION, 1)[1].split("\n## ", 1)[0]
    parts = text.split("```")
    return [(p.split("\n", 1)[0].strip(), p.split("\n", 1)[1]) for p in parts[1::2]]


def commands(block: str) -> list[tuple[list[str], str]]:
    """Each command line of a block as argv (`python` as this interpreter), with its comment."""
    out = []
    for line in block.strip().splitlines():
        command, _, comment = line.partition("#")
        argv = shlex.split(command)
        out.append(([sys.executable if argv[0] == "python" else argv[0], *argv[1:]], comment.strip()))
    return out


def test_the_cluster_commands_print_what_the_readme_says(tmp_path):
    (start, _), *client_lines = commands(blocks()[0][1])
    data = str(tmp_path / "kv")
    start = [data if a == "/tmp/kv" else a for a in start]
    cluster = subprocess.Popen(start, cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        assert "running; leader" in cluster.stdout.readline()
        for argv, comment in client_lines:
            argv = [a.replace("/tmp/kv", data) for a in argv]
            done = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, timeout=TIMEOUT)
            expected = comment.split(" (")[0]
            assert done.stdout.strip() == expected, (argv, done.stderr)
    finally:
        cluster.terminate()
        cluster.wait(TIMEOUT)


@pytest.mark.skipif(not (REPO / "modelcheck" / "history").exists(), reason="no history checkers yet")
def test_the_fault_run_prints_output_of_the_shape_shown(tmp_path):
    sh, text = blocks()[1][1], blocks()[2][1]
    (argv, _), = commands(sh)
    argv = [str(tmp_path / a) if a == "history.json" else a for a in argv]
    argv[argv.index("--seconds") + 1] = "3"   # the README's run, shortened
    done = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode == 0, done.stdout + done.stderr

    def shape(output: str) -> list[str]:
        lines = [line for line in output.splitlines() if not re.match(r"\s+[\d.]+s ", line)]   # faults differ
        return [re.sub(r"\S*history\.json|\d+(\.\d+)?", "N", line) for line in lines]

    assert shape(done.stdout) == shape(text)
