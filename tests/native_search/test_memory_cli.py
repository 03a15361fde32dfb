"""`modelcheck check --memory SIZE` on the native backend, as a user runs it: with a budget
small enough that the states of the levels and the threads' candidates go to temporary
files (search.c), the report (counts, depth, coverage, the counterexample) is the one of the
run in memory, on one thread and two, and of the Python backend; whole, stopped by
--max-states in the middle of a level, and stopped by a violation.

The spec's states are wide on purpose: a 600-entry map rides along, so a state takes 4.8 KB
and the widest level (3,139 states) about 15 MB, several times what stays in memory under a
150 MB budget (an eighth of it for states: a quarter of that for each level, half for the
candidates), while the process itself stays near 115 MB, under the budget."""
from __future__ import annotations

import pytest

from conftest import run_modelcheck
from modelcheck.compile.native import native_problem

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(native_problem() is not None, reason=f"no native build here: {native_problem()}")]

SPEC = """spec Ballast

const W = 9
const Limit = 99

var c : 1..W -> 0..2
var ballast : 1..600 -> Nat

init {
  c := [i in 1..W -> 0]
  ballast := [k in 1..600 -> 1000000000000 + k]
}

action Step(i in 1..W) {
  c[i] := (c[i] + 1) % 3
}

invariant BelowLimit: c[1] + c[2] + c[3] + c[4] + c[5] + c[6] + c[7] + c[8] + c[9] < Limit
"""
BUDGET = "150MB"
TIMING = ("Checking ", "backend:", "Finished in ")  # lines that differ by backend, workers or clock


def report(*args: str) -> tuple[int, list[str]]:
    """The exit code and the report of `modelcheck check SPEC ARGS`, without its timing lines."""
    run = run_modelcheck("check", *args)
    lines = (run.stdout + run.stderr).splitlines()
    return run.returncode, [line for line in lines if not line.strip().startswith(TIMING)]


@pytest.mark.parametrize("options, exit_code", [([], 0), (["--max-states", "9000"], 3), (["--const", "Limit=14"], 1)],
                         ids=["whole", "max-states", "violation"])
def test_spilled_native_search_reports_as_in_memory_and_as_python(spec_file, options, exit_code):
    spec = str(spec_file(SPEC))
    in_memory = report(spec, "--backend", "native", "--workers", "2", *options)
    assert in_memory[0] == exit_code, in_memory[1]
    for workers in ("1", "2"):
        assert report(spec, "--backend", "native", "--memory", BUDGET, "--workers", workers, *options) == in_memory
    assert report(spec, "--backend", "python", *options) == in_memory
