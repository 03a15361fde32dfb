"""check --por on the native backend against the Python backend: the same ample sets, so the
same verdict, counterexample, distinct and generated states, depth, states expanded by an
ample set and reasons for expanding the others fully; on every spec of tests/por/ and specs/
through the CLI, and on random process-like specs (test_por_random.py's) through the pipeline."""
from __future__ import annotations

import json

import pytest
from hypothesis import given

from cli.inprocess import modelcheck
from conftest import REPO
from modelcheck import pipeline
from modelcheck.compile.native import native_problem
from modelcheck.explore.bfs import Limits
from modelcheck.lang.errors import SpecError
from test_por import SPECS
from test_por_random import process_specs, quick

pytestmark = pytest.mark.skipif(native_problem() is not None, reason=f"no native build here: {native_problem()}")

HERE = REPO / "tests" / "por"
COMPARED = ["result", "stopped_because", "violation", "distinct_states", "states_generated", "depth", "action_counts",
            "partial_order_reduced_states", "partial_order_expanded_fully"]
OWN_SPECS = [
    ("counters.spec", []),
    ("counters.spec", ["--inv", "FlagsCounted"]),
    ("counters.spec", ["--inv", "FlagsCounted", "--no-deadlock", "--const", "Procs={p1, p2, p3, p4}"]),
    ("counters.spec", ["--no-deadlock", "--const", "Max=2", "--inv", "FlagsCounted", "--inv", "CountsBounded"]),
    ("two_groups.spec", []),
    ("two_groups.spec", ["--const", "MaxTally=4"]),
    ("history.spec", ["--no-deadlock"]),
    ("repair.spec", ["--no-deadlock"]),
    ("constraint_exit.spec", ["--no-deadlock"]),
]


def reduced_run(spec, options, backend: str) -> dict:
    run = modelcheck("check", spec, *options, "--por", "--no-props", "--json", "--backend", backend)
    assert run.returncode in (0, 1), run.out
    return {key: value for key, value in run.json().items() if key in COMPARED}


def test_the_list_names_every_spec_of_this_directory():
    assert {name for name, _ in OWN_SPECS} == {p.name for p in HERE.glob("*.spec")}


@pytest.mark.parametrize("path, options", [(HERE / name, options) for name, options in OWN_SPECS]
                         + [(REPO / "specs" / name, options) for name, options in SPECS],
                         ids=[f"{name}{''.join(options)}" for name, options in OWN_SPECS + SPECS])
def test_both_backends_explore_the_same_states(path, options):
    native = reduced_run(path, options, "native")
    assert native == reduced_run(path, options, "python")
    assert set(native) == set(COMPARED)


def test_auto_reduces_on_the_native_backend(monkeypatch):
    monkeypatch.setenv("MODELCHECK_BACKEND", "auto")
    run = modelcheck("check", HERE / "counters.spec", "--inv", "FlagsCounted", "--no-deadlock", "--por")
    assert run.returncode == 0, run.out
    assert "backend: native (a C compiler is there and the spec is in the native subset; " in run.stderr
    assert "Explored 13 states with partial-order reduction: 11 of them expanded by an ample set" in run.out


def test_several_workers_are_refused_on_the_native_backend_too():
    run = modelcheck("check", HERE / "counters.spec", "--por", "--no-props", "--backend", "native",
                     "--workers", "2")
    assert run.returncode == 2
    assert "--por runs in the one-process search only" in run.out


def summary(result) -> tuple:
    s = result.stats
    return (result.outcome, result.stopped_because, result.violation, s.distinct, s.generated, s.depth,
            s.action_counts, s.reduced_states, s.expanded_fully)


def compare(tmp_path, text: str) -> int:
    """Each invariant alone, none, and all of them at once, with and without deadlocks;
    how many runs left a step out."""
    path = tmp_path / "random.spec"
    path.write_text(text)
    try:
        compiled = pipeline.load(str(path))
        backend = pipeline.choose_backend(compiled, "native", optimize=False, partial_order=True)
    except SpecError:
        return 0
    reduced = 0
    every = list(compiled.model.invariant_names)
    for invariants, deadlock in [([], True), *[([name], True) for name in every], (every, False)]:
        limits = Limits(max_states=3_000, check_deadlock=deadlock)
        python = pipeline.check(compiled, invariants, limits, partial_order=True)
        native = pipeline.check(compiled, invariants, limits, partial_order=True, backend=backend)
        assert summary(native) == summary(python), text
        reduced += bool(native.stats.reduced_states)
    return reduced


@pytest.mark.parametrize("examples", [
    pytest.param(6, id="quick"), pytest.param(200, id="many", marks=pytest.mark.slow)])
def test_random_specs_explore_the_same_states_on_both_backends(tmp_path, examples):
    reduced = []

    @quick(examples)
    @given(process_specs())
    def run(text):
        reduced.append(compare(tmp_path, text))

    run()
    assert sum(reduced) > 0, "the reduction never left a step out: the test shows little"


KEYED_BY_TWO_KINDS = """spec K
type Key = { a: 0..1 } | { b: 0..1 }
var cnt : Key -> 0..3
init { cnt := [k in {{a: 1}, {b: 1}} -> 0] }
action Bump(r in {{a: 1}, {b: 1}}) { require cnt[r] < 3
  cnt[r] := cnt[r] + 1 }
action Reset(q in {{a: 1}}) { require cnt[q] == 3
  cnt[q] := 0 }
"""


def test_a_map_keyed_by_parameters_of_two_types_is_reduced_on_the_python_backend(tmp_path, monkeypatch):
    """Bump's parameter is a record of either shape, Reset's of one: the same record has other
    bytes in each (a union's start with the shape), so the C search could not match them."""
    spec = tmp_path / "k.spec"
    spec.write_text(KEYED_BY_TWO_KINDS)
    why = ("the native explorer does not do partial-order reduction (--por) where a parameter of Bump "
           "({a: int} | {b: int}) keys a parameter of another type in Reset ({a: int})")
    monkeypatch.setenv("MODELCHECK_BACKEND", "auto")
    run = modelcheck("check", spec, "--por", "--no-props", "--no-deadlock")
    assert run.returncode == 0, run.out
    assert f"backend: python ({why})" in run.stderr
    refused = modelcheck("check", spec, "--por", "--no-props", "--backend", "native")
    assert refused.returncode == 2
    assert f"--backend native cannot run this check: {why}" in refused.out
