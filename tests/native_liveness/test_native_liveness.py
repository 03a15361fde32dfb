"""Temporal properties on the native backend against the Python backend: every shipped spec
with properties, and its seeded violations, through the command line as a user runs it (the
same --json report, lasso and ITF file, on 1 and 2 threads); the small hand-made specs of
tests/explore/test_liveness.py under every kind of fairness, through pipeline.check; and
what stays refused (symmetry)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cli.inprocess import modelcheck
from conftest import SPECS
from explore.test_liveness import COUNTER, DETOUR, FLICKER, MUTEX, UP_DOWN, UP_DOWN_STEPS
from modelcheck import pipeline
from modelcheck.compile.native import native_problem
from modelcheck.explore.bfs import Limits
from modelcheck.explore.result import Outcome

pytestmark = pytest.mark.skipif(native_problem() is not None, reason=f"no native build here: {native_problem()}")


def without_fairness(spec: Path, line: str, tmp_path: Path) -> Path:
    """A copy of the spec (beside nothing: it imports nothing) without the line `line`."""
    text = spec.read_text()
    assert line in text
    copy = tmp_path / spec.name
    copy.write_text(text.replace(line, ""))
    return copy


# (spec, arguments, its result): every spec in specs/ declaring properties (examples/ has
# none), each with its seeded violations
CASES = {
    "register": (lambda tmp: SPECS / "register.spec", (), "ok"),
    "register losing merge": (lambda tmp: SPECS / "register.spec", ("--const", "LosingMerge=true"), "violation"),
    "register unfair": (lambda tmp: without_fairness(SPECS / "register.spec", "fairness weak Gossip", tmp), (),
                        "violation"),
    "two_phase": (lambda tmp: SPECS / "two_phase.spec", (), "ok"),
    "two_phase unfair delivery": (lambda tmp: without_fairness(
        SPECS / "two_phase.spec", ", RMRcvCommitMsg, RMRcvAbortMsg", tmp), (), "violation"),
    "raft": (lambda tmp: SPECS / "raft.spec", ("--const", "MaxMsgs=1"), "ok"),
    "raft unfair": (lambda tmp: without_fairness(SPECS / "raft.spec", "fairness weak BecomeLeader", tmp),
                    ("--const", "MaxMsgs=1", "--no-deadlock"), "violation"),
}


def run_json(spec: Path, args, backend: str, workers: int, itf: Path) -> tuple[dict, str]:
    run = modelcheck("check", spec, *args, "--backend", backend, "--workers", str(workers), "--json",
                     "--out-itf", itf)
    assert run.returncode in (0, 1), run.out
    report = run.json()
    report.pop("seconds")
    report.pop("never_true_guards")  # named by the Python explorer only (README: backends)
    return report, itf.read_text() if itf.exists() else ""


SLOW_CASES = {"raft unfair"}  # the C of a third raft variant takes seconds to compile


@pytest.mark.parametrize("case", [pytest.param(c, marks=pytest.mark.slow) if c in SLOW_CASES else c for c in CASES])
def test_native_reports_what_python_reports(case, tmp_path):
    make_spec, args, expected = CASES[case]
    spec = make_spec(tmp_path)
    python = run_json(spec, args, "python", 1, tmp_path / "python.itf.json")
    native = [run_json(spec, args, "native", w, tmp_path / f"native{w}.itf.json") for w in (1, 2)]
    assert python[0]["result"] == expected
    assert python[0]["behaviour_graph_steps"] > 0
    assert native[0] == python  # the verdict, the counts, the lasso and the ITF file with its loop
    assert native[1] == python


def test_the_lasso_text_is_the_python_backends(tmp_path):
    args = ("check", SPECS / "register.spec", "--const", "LosingMerge=true")
    native = modelcheck(*args, "--backend", "native", "--workers", "2")
    python = modelcheck(*args, "--backend", "python")
    assert native.returncode == python.returncode == 1

    def report(stdout: str) -> list[str]:
        return [line for line in stdout.splitlines() if not line.startswith("Finished in")]
    assert "then back to state 2, for ever" in native.stdout
    assert report(native.stdout) == report(python.stdout)


def test_auto_checks_properties_natively_under_memory():
    """With --memory the recorded steps past a quarter of it go to disk (behaviour.py): here
    a budget below the graph's bytes, so they do; the verdict and lasso stay."""
    compiled = pipeline.load(SPECS / "register.spec", {"LosingMerge": "true"})
    backend = pipeline.choose_backend(compiled, "auto", None, optimize=False)
    assert backend.name == "native"
    python = pipeline.check(compiled, properties=None)
    spilled = pipeline.check(compiled, limits=Limits(memory=4096), properties=None, backend=backend)
    assert spilled.stats.edge_bytes_on_disk > 0
    assert (spilled.outcome, spilled.violation, spilled.stats.edges) == \
           (python.outcome, python.violation, python.stats.edges)


def test_symmetry_with_properties_stays_refused_on_native(tmp_path):
    spec = tmp_path / "register.spec"
    spec.write_text((SPECS / "register.spec").read_text() + "\nsymmetry Replicas\n")
    run = modelcheck("check", spec, "--backend", "native")
    assert run.returncode == 2
    assert "cannot be checked with symmetry" in run.stderr


def compare(text: str, workers: int = 1):
    compiled = pipeline.load_text(text)
    backend = pipeline.choose_backend(compiled, "native", None, optimize=False)
    limits = Limits(check_deadlock=False)
    python = pipeline.check(compiled, limits=limits, properties=None)
    native = pipeline.check(compiled, limits=limits, properties=None, workers=workers, backend=backend)
    assert (native.outcome, native.violation, native.stats.distinct, native.stats.edges) == \
           (python.outcome, python.violation, python.stats.distinct, python.stats.edges)
    return native


PREDICATE_FAILS = """spec P
const D = 0
var x : 0..3
init { x := 0 }
action Inc { require x < 3
  x := x + 1 }
property Bad: always (x < 2 or 6 / D == 1)
fairness weak Inc
"""


def test_a_state_predicate_that_fails_is_the_python_backends_runtime_error():
    result = compare(PREDICATE_FAILS)
    assert result.outcome is Outcome.ERROR
    assert "division by zero" in result.violation.name
    assert len(result.violation.trace) == 3  # the first state where it fails: x == 2


BROKEN_AND_FAILING = """spec P
const D = 0
var x : 0..3
init { x := 0 }
action ToOne { require x == 0
  x := 1 }
action ToTwo { require x == 0
  x := 2 }
invariant NotTwo: x != 2
property Bad: always (x != 1 or 6 / D == 1)
fairness weak all
"""


@pytest.mark.parametrize("first", ["ToOne", "ToTwo"])
def test_the_first_of_a_broken_state_and_a_failing_predicate_stops_the_search(first):
    """x == 1 fails to evaluate a predicate, x == 2 breaks an invariant, both new states of
    one level: the one found first stops the search, with the Python backend's counts, on 1
    and 2 threads."""
    text = BROKEN_AND_FAILING
    if first == "ToTwo":  # its action declared first
        one, two = text.index("action ToOne"), text.index("action ToTwo")
        end = text.index("invariant")
        text = text[:one] + text[two:end] + text[one:two] + text[end:]
    compiled = pipeline.load_text(text)
    backend = pipeline.choose_backend(compiled, "native", None, optimize=False)
    limits = Limits(check_deadlock=False)
    python = pipeline.check(compiled, limits=limits, properties=None)
    one, two = (pipeline.check(compiled, limits=limits, properties=None, workers=n, backend=backend) for n in (1, 2))
    assert (one.outcome, one.violation) == (two.outcome, two.violation) == (python.outcome, python.violation)
    assert (one.stats.distinct, one.stats.generated) == (two.stats.distinct, two.stats.generated) \
        == (python.stats.distinct, python.stats.generated) == (2, 2)
    assert one.outcome is (Outcome.ERROR if first == "ToOne" else Outcome.VIOLATION)


FAIRNESS = ("", "fairness weak all\n", "fairness strong all\n")
SMALL = {"mutex": MUTEX, "counter": COUNTER, "flicker": FLICKER, "up_down": UP_DOWN, "steps": UP_DOWN_STEPS,
         "detour": DETOUR}


@pytest.mark.parametrize("extra", ["fairness weak Enter, Leave\n", "fairness strong Enter\n",
                                   "fairness strong Enter\nfairness weak Leave\n"])
def test_mutex_under_fairness_per_instance(extra):
    compare(MUTEX + extra, workers=2)


@pytest.mark.slow
@pytest.mark.parametrize("fairness", FAIRNESS)
@pytest.mark.parametrize("name", list(SMALL))
def test_small_specs_under_every_fairness(name, fairness):
    compare(SMALL[name] + fairness)


@pytest.mark.slow
@settings(max_examples=15, deadline=None)
@given(kinds=st.tuples(*[st.sampled_from((None, "weak", "strong"))] * 3), workers=st.sampled_from((1, 2)))
def test_mutex_under_any_fairness_per_action(kinds, workers):
    """Each of Request, Enter and Leave without fairness, weakly or strongly fair."""
    declared = "".join(f"fairness {kind} {action}\n" for kind, action in zip(kinds, ("Request", "Enter", "Leave"))
                       if kind is not None)
    compare(MUTEX + declared, workers=workers)
