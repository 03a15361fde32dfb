"""`modelcheck check --backend native|python|auto` as a user types it: the line that says
which backend runs and why, the same report from both, and the errors."""
from __future__ import annotations

import json

import pytest

from cli.inprocess import modelcheck
from conftest import REPO, SPECS
from modelcheck.compile.native import native_problem

needs_native = pytest.mark.skipif(native_problem() is not None, reason=f"no native build here: {native_problem()}")
PAXOS_BUGGY = str(SPECS / "paxos_buggy.spec")


def backend_line(stderr: str) -> str:
    return next(line.strip() for line in stderr.splitlines() if line.strip().startswith("backend:"))


@needs_native
def test_auto_chooses_native_and_says_why(monkeypatch):
    monkeypatch.delenv("MODELCHECK_BACKEND")
    run = modelcheck("check", PAXOS_BUGGY)
    assert run.returncode == 1
    assert backend_line(run.stderr).startswith(
        "backend: native (a C compiler is there and the spec is in the native subset; ")


@needs_native
def test_auto_checks_temporal_properties_natively_and_says_so(monkeypatch):
    monkeypatch.delenv("MODELCHECK_BACKEND")
    run = modelcheck("check", str(SPECS / "two_phase.spec"))
    assert run.returncode == 0
    line = backend_line(run.stderr)
    assert line.startswith("backend: native (a C compiler is there and the spec is in the native subset; "
                           "temporal properties (Terminates) checked on the graph it records; "), line


@needs_native
def test_native_and_python_print_the_same_report():
    native = modelcheck("check", PAXOS_BUGGY, "--backend", "native", "--workers", "2", "--json")
    python = modelcheck("check", PAXOS_BUGGY, "--backend", "python", "--json")
    assert native.returncode == python.returncode == 1
    got, expected = json.loads(native.stdout), json.loads(python.stdout)
    assert [got[k] for k in ("result", "depth", "violation")] == [expected[k] for k in ("result", "depth", "violation")]


MIXED = str(REPO / "tests" / "explore" / "mixed.spec")


@needs_native
def test_auto_runs_a_spec_mixing_ints_and_model_values_on_python_and_says_why(monkeypatch):
    monkeypatch.delenv("MODELCHECK_BACKEND")
    run = modelcheck("check", MIXED, "--max-states", "50")
    assert run.returncode in (0, 3), run.out
    assert backend_line(run.stderr) == (
        "backend: python (the native backend does not compile values that may be an int or a string or model "
        "value: variable reply (mixed.spec:8:1) is of type (model value -> int, string or model value))")


@needs_native
def test_native_refuses_an_int_compared_with_a_model_value(tmp_path):
    spec = tmp_path / "t.spec"
    spec.write_text("spec T\nmodel None\nvar x : 0..2\ninit { x := 0 }\n"
                    "action Inc { require x != None and x < 2\n  x := x + 1 }\n")
    run = modelcheck("check", spec, "--backend", "native")
    assert run.returncode == 2 and "Traceback" not in run.stderr, run.out
    assert ("error: --backend native cannot run this check: the native backend does not compile values that "
            "may be an int or a string or model value: an int is compared with a string or model value") in run.stderr


@needs_native
def test_tuples_of_different_lengths_of_ints_run_native_as_on_python(tmp_path):
    """<<a>> for a in 0..1 and <<a, s>> for s in 0..2: 8 states, on both backends."""
    spec = tmp_path / "t.spec"
    spec.write_text("""spec Tup
var t : <<0..1>> | <<0..1, 0..2>>
init { t := <<0>> }
action Set(a in 0..1) { require len(t) == 1
  t := <<a>> }
action Grow(s in 0..2) { require len(t) == 1
  t := <<t[1], s>> }
action Shrink { require len(t) == 2
  t := <<t[1]>> }
invariant Typed: len(t) == 1 or t[2] in 0..2
invariant FirstSmall: t[1] + 1 <= 2
""")
    native = modelcheck("check", spec, "--backend", "native", "--json")
    python = modelcheck("check", spec, "--backend", "python", "--json")
    assert native.returncode == python.returncode == 0, native.out + python.out
    assert backend_line(native.stderr).startswith("backend: native")
    assert native.json()["distinct_states"] == python.json()["distinct_states"] == 8


def test_the_environment_chooses_the_default(monkeypatch):
    monkeypatch.setenv("MODELCHECK_BACKEND", "python")
    assert backend_line(modelcheck("check", PAXOS_BUGGY).stderr) == "backend: python (MODELCHECK_BACKEND=python)"
    monkeypatch.setenv("MODELCHECK_BACKEND", "fast")
    run = modelcheck("check", PAXOS_BUGGY)
    assert run.returncode == 2 and "MODELCHECK_BACKEND=fast is not a backend" in run.stderr


def test_native_without_a_compiler_is_an_error(monkeypatch):
    monkeypatch.setenv("CC", "no-such-compiler")
    monkeypatch.setenv("PATH", "/nonexistent")
    run = modelcheck("check", PAXOS_BUGGY, "--backend", "native")
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert "--backend native cannot run this check: no C compiler found" in run.stderr


@pytest.mark.slow  # compiles a model of its own at -O2, as the command does
@needs_native
def test_timeout_stops_the_native_search():
    run = modelcheck("check", str(SPECS / "paxos.spec"), "--const", "Ballots=0..3", "--backend", "native",
                     "--workers", "2", "--timeout", "2")
    assert run.returncode == 3, run.stdout + run.stderr
    assert "Stopped before the end (timeout 2 s)" in run.stdout


@pytest.mark.slow
@needs_native
def test_ctrl_c_saves_a_checkpoint_that_resumes_to_the_whole_count(tmp_path):
    import re
    import shlex
    import signal
    import subprocess
    import sys
    import time
    from conftest import REPO, run_modelcheck
    cp = tmp_path / "cp"
    # four acceptors: 2.1M states, some 20 s (three finish in about a second: before the Ctrl-C)
    command = ["check", str(SPECS / "paxos.spec"), "--const", "Ballots=0..2", "--const", "Acceptors={a1,a2,a3,a4}",
               "--backend", "native", "--workers", "2"]
    proc = subprocess.Popen([sys.executable, "-m", "modelcheck.cli", *command, "--checkpoint", str(cp)], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        while "backend:" not in proc.stderr.readline():  # the search starts after this line
            pass
        time.sleep(2)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == 130, out + err
    words = shlex.split(err.split("continue it with:\n", 1)[1].splitlines()[0])
    resumed, whole = run_modelcheck(*words[1:]), run_modelcheck(*command)
    assert resumed.returncode == whole.returncode == 0, resumed.stderr
    found = [re.search(r"([\d,]+) states generated, ([\d,]+) distinct", r.stdout).groups() for r in (resumed, whole)]
    assert found[0] == found[1]
