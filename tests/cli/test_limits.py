"""Resource limits: --max-states, --max-depth, --timeout and --memory stop the search cleanly
with the statistics so far and exit code 3 ("incomplete"), distinct from 0 (holds),
1 (violation or deadlock), 2 (bad input) and 130 (Ctrl-C)."""
from __future__ import annotations

import gc
import time

import pytest

from conftest import run_modelcheck
from inprocess import as_run, modelcheck
from modelcheck import pipeline
from modelcheck.explore.bfs import Limits
from modelcheck.explore.resources import OutOfTime, parse_size, time_limit
from modelcheck.explore.result import Outcome

UNBOUNDED = """spec Counter
var x : Nat
init { x := 0 }
action Inc { x := x + 1 }
invariant Ok: x >= 0
"""

# Every state takes forever to expand: only the alarm behind --timeout can stop it.
ENDLESS_STATE = """spec Endless
var x : 0..1
init { x := 0 }
action Go { require forall n in 0..1000000000000: n >= 0
  x := 1 - x }
"""

# Loading never ends: a constant takes forever to compute.
ENDLESS_CONSTANT = """spec EndlessConst
const Big = forall n in 0..1000000000000: n >= 0
var x : 0..1
init { x := 0 }
"""


def assert_incomplete(run, stopped: str):
    assert run.returncode == 3, run.out
    assert f"Stopped before the end ({stopped}" in run.stdout, run.stdout
    assert "no error found so far" in run.stdout
    assert "distinct states found" in run.stdout and "states left on queue" in run.stdout
    assert "Traceback" not in run.out


def test_max_states(spec_file):
    run = modelcheck("check", spec_file(UNBOUNDED), "--max-states", "5")
    assert_incomplete(run, "max states 5)")
    assert "5 distinct states found" in run.stdout


def test_max_depth(spec_file):
    run = modelcheck("check", spec_file(UNBOUNDED), "--max-depth", "3")
    assert_incomplete(run, "max depth 3)")
    assert "The depth of the complete state graph search is 3." in run.stdout


@pytest.mark.parametrize("workers", ["1", "2"])
def test_timeout(spec_file, workers):
    started = time.monotonic()
    run = modelcheck("check", spec_file(UNBOUNDED), "--timeout", "0.5", "--workers", workers)
    assert time.monotonic() - started < 5
    assert_incomplete(run, "timeout 0.5 s)")


def test_timeout_in_json(spec_file):
    run = modelcheck("check", spec_file(UNBOUNDED), "--timeout", "0.3", "--json")
    assert run.returncode == 3, run.out
    obj = run.json()
    assert obj["result"] == "incomplete" and obj["stopped_because"] == "timeout 0.3 s"
    assert obj["distinct_states"] > 1 and obj["violation"] is None


def test_timeout_stops_a_state_that_never_finishes(spec_file):
    started = time.monotonic()
    run = modelcheck("check", spec_file(ENDLESS_STATE), "--timeout", "0.5")
    assert time.monotonic() - started < 5  # the deadline plus the alarm's grace
    assert_incomplete(run, "timeout 0.5 s)")


def test_timeout_while_loading(spec_file):
    started = time.monotonic()
    run = modelcheck("check", spec_file(ENDLESS_CONSTANT), "--timeout", "0.5")
    assert time.monotonic() - started < 5
    assert run.returncode == 3, run.out
    assert run.stderr == ("Stopped before the end (timeout 0.5 s): the spec was still being loaded; "
                          "no state was explored.\n")


@pytest.mark.parametrize("workers", ["1", "2"])
def test_memory(spec_file, workers):
    run = modelcheck("check", spec_file(UNBOUNDED), "--memory", "1MB", "--workers", workers)
    assert_incomplete(run, "memory 1MB; resident ")


def test_memory_in_json(spec_file):
    run = modelcheck("check", spec_file(UNBOUNDED), "--memory", "1MB", "--json")
    assert run.returncode == 3
    assert run.json()["stopped_because"].startswith("memory 1MB; resident ")


def test_limits_that_are_not_reached_change_nothing(spec_file):
    run = modelcheck("check", spec_file(UNBOUNDED.replace("action Inc {", "action Inc { require x < 9\n")),
                     "--timeout", "60", "--memory", "64GB", "--no-deadlock", "--json")
    assert run.returncode == 0, run.out
    assert run.json()["distinct_states"] == 10 and run.json()["stopped_because"] == "finished"


@pytest.mark.parametrize("option, value, message", [
    ("--timeout", "0", "expected a positive number of seconds, got '0'"),
    ("--timeout", "soon", "expected a positive number of seconds, got 'soon'"),
    ("--timeout", "nan", "expected a positive number of seconds, got 'nan'"),
    ("--memory", "2X", "expected a memory size such as 2GB or 512MB, got '2X'"),
    ("--memory", "0", "expected a memory size such as 2GB or 512MB, got '0'"),
])
def test_bad_limit_values(spec_file, option, value, message):
    run = modelcheck("check", spec_file(UNBOUNDED), option, value)
    assert run.returncode == 2
    assert f"argument {option}: {message}" in run.stderr


def test_timeout_end_to_end(spec_file):
    """In a real process, as a user runs it."""
    run = as_run(run_modelcheck("check", spec_file(ENDLESS_STATE), "--timeout", "1"))
    assert_incomplete(run, "timeout 1 s)")


# ---------------------------------------------------------------- the API and the pieces

def test_limits_in_the_api():
    compiled = pipeline.load_text(UNBOUNDED)
    result = pipeline.check(compiled, limits=Limits(timeout=0.2))
    assert result.outcome is Outcome.INCOMPLETE and result.stopped_because == "timeout 0.2 s"
    result = pipeline.check(compiled, limits=Limits(memory=1 << 20))
    assert result.outcome is Outcome.INCOMPLETE and result.stopped_because.startswith("memory 1MB")


@pytest.mark.parametrize("text, size", [("2GB", 2 << 30), ("512MB", 512 << 20), ("1.5G", 3 << 29),
                                        ("100", 100), ("64kb", 64 << 10), ("1TB", 1 << 40),
                                        ("2X", None), ("GB", None), ("-1GB", None), ("", None)])
def test_parse_size(text, size):
    assert parse_size(text) == size


def test_time_limit_survives_an_alarm_swallowed_by_a_gc_callback():
    """An exception raised inside a gc callback is dropped by Python; the alarm rings again."""
    def busy(phase, info):
        sum(range(20000))
    gc.callbacks.append(busy)
    started = time.monotonic()
    try:
        with pytest.raises(OutOfTime):
            with time_limit(0.2):
                junk = []
                while True:
                    junk.append([[]])
                    if len(junk) > 100000:
                        junk = []
    finally:
        gc.callbacks.remove(busy)
    assert time.monotonic() - started < 3



def test_under_a_memory_budget_levels_are_packed_and_spilled_with_the_same_counts(monkeypatch, tmp_path):
    """--memory keeps some states of a level as objects, packs the rest and writes packed
    chunks beyond a budget to disk: the counts are those of the plain search. (Here 100
    objects and 4 KB of chunks in memory instead of 2,000 states and a quarter of --memory.)"""
    from conftest import SPECS
    from modelcheck.explore import bfs, frontier
    spilled = []

    class SmallFrontier(frontier.Frontier):
        def __init__(self, codec, keep_objects, memory_budget):
            super().__init__(codec, keep_objects, memory_budget and 4096, str(tmp_path), chunk_bytes=1024)

        def append(self, index, state):
            super().append(index, state)
            spilled.append(self.spilled)

    rms = "RM={r1, r2, r3, r4, r5, r6}"
    plain = modelcheck("check", str(SPECS / "two_phase.spec"), "--const", rms, "--json")
    monkeypatch.setattr(bfs, "KEEP_OBJECTS_UNDER_BUDGET", 100)
    monkeypatch.setattr(bfs, "Frontier", SmallFrontier)
    packed = modelcheck("check", str(SPECS / "two_phase.spec"), "--const", rms, "--memory", "64GB", "--json")
    assert plain.returncode == packed.returncode == 0, packed.out
    counts = [(r.json()["distinct_states"], r.json()["states_generated"], r.json()["depth"]) for r in (plain, packed)]
    assert counts[0] == counts[1] == (50_816, 402_306, 20)
    assert max(spilled) > 1000 and not list(tmp_path.iterdir())  # states went to disk, and the files away
