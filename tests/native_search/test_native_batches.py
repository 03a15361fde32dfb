"""The native workers of `--engine ray` without Ray: the actors (built as Ray builds them)
serve the Ray coordinator in this process, every argument and answer pickled as Ray sends
them, and the search gives the single-process native search's result: counts, depth,
per-action counts, queue, verdict and counterexample, at a violation, a deadlock, a runtime
error and --max-states too. tests/native_search/test_native_ray.py runs the same on Ray."""
from __future__ import annotations

import functools
import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import SPECS
from modelcheck import pipeline
from modelcheck.compile.native import native_problem
from modelcheck.explore.bfs import Limits, NullReporter
from modelcheck.explore.native.ray_worker import NativeFingerprints, PackedStates
from modelcheck.explore.ray_engine import _NativeRayCoordinator, _NativeRayWorkerActor
from modelcheck.explore.result import Outcome
from native_search.test_specs import COUNTER

needs_native = pytest.mark.skipif(native_problem() is not None, reason=f"no native build here: {native_problem()}")


def _sent(value):
    return pickle.loads(pickle.dumps(value))


class _InProcess(_NativeRayCoordinator):
    """The Ray coordinator with its actors in this process."""

    def _start(self) -> None:
        self.actors = [_NativeRayWorkerActor(self.factory, self.invariant_names, self.limits.check_deadlock)
                       for _ in range(self.n)]

    def _call_all(self, method: str, args_per_worker: list[tuple]) -> list:
        return [self._call(w, method, args) for w, args in enumerate(args_per_worker)]

    def _call(self, worker: int, method: str, args: tuple):
        return _sent(self.actors[worker].call(method, _sent(args)))

    def _shutdown(self) -> None:
        self.actors = []


def summary(result):
    v = result.violation
    return (result.outcome, result.stopped_because, result.stats.distinct, result.stats.generated,
            result.stats.depth, result.stats.queue, result.stats.action_counts,
            None if v is None else (v.kind, v.name, v.trace))


def both(compiled, workers: int, invariants=None, limits: Limits = Limits()):
    """(the single-process native result, the in-process Ray engine's)."""
    backend = pipeline.choose_backend(compiled, "native", optimize=False)
    native = backend.native
    alone = pipeline.check(compiled, invariants, limits, backend=backend)
    factory = functools.partial(pipeline.native_search_of, compiled.recipe, False)
    names = list(compiled.model.invariant_names if invariants is None else invariants)
    batched = _InProcess(NativeFingerprints(native), workers, names, limits, NullReporter(), factory,
                         None).run()
    return alone, batched


def same(compiled, workers: int = 2, invariants=None, limits: Limits = Limits()):
    alone, batched = both(compiled, workers, invariants, limits)
    assert summary(batched) == summary(alone)
    return batched


@needs_native
@pytest.mark.parametrize("spec, consts", [("two_phase.spec", None), ("paxos.spec", {"Ballots": "0..1"})],
                         ids=["two_phase", "paxos"])
def test_a_whole_search_as_the_native_search(spec, consts):
    assert same(pipeline.load(SPECS / spec, consts), workers=3).outcome is Outcome.OK


@needs_native
def test_a_violation_as_the_native_search():
    result = same(pipeline.load(SPECS / "paxos_buggy.spec"))
    assert result.outcome is Outcome.VIOLATION and len(result.violation.trace) == 8


@needs_native
def test_max_states_stops_at_the_native_search_counts():
    result = same(pipeline.load(SPECS / "paxos.spec", {"Ballots": "0..1"}), limits=Limits(max_states=2500))
    assert result.stopped_because == "max states 2500" and result.stats.distinct == 2500


@needs_native
@pytest.mark.parametrize("workers, invariants, limits", [
    (2, None, Limits(max_states=1)),
    (3, None, Limits(max_states=7)),
    (2, None, Limits(max_depth=5)),
    (1, ["Agreement"], Limits(max_states=1000, check_deadlock=False)),
], ids=["max-states-1", "max-states-7", "max-depth", "one-invariant"])
def test_limits_as_the_native_search(workers, invariants, limits):
    same(pipeline.load(SPECS / "paxos.spec", {"Ballots": "0..1"}), workers, invariants, limits)


@needs_native
def test_under_symmetry_as_the_native_search():
    text = (SPECS / "paxos.spec").read_text() + "\nsymmetry Acceptors\n"
    same(pipeline.load_text(text, {"Ballots": "0..1"}, "paxos_symmetric.spec"))


def steps(bound: int, invariant: str, constraint: str = "") -> str:
    return f"""spec Steps
const D = 0
var x : 0..{bound}
init {{ x := 0 }}
action Inc {{ require x < 10
  x := x + 1 }}
action Twice {{ require x < 5
  x := x + 2 }}
invariant Small: {invariant}
{constraint}
"""


@needs_native
@pytest.mark.parametrize("text, consts, outcome", [
    (COUNTER, None, Outcome.ERROR),
    (COUNTER, {"Divisor": "2"}, Outcome.DEADLOCK),
    (steps(3, "x < 9"), None, Outcome.VIOLATION),
    (steps(10, "x < 4", "constraint Bound: x < 3"), None, Outcome.VIOLATION),
    (steps(10, "x < 9", "constraint Bound: 6 / (x - 3 + D) > 0 or x < 3"), None, Outcome.ERROR),
    (steps(10, "6 / (x - 3) > -100"), None, Outcome.ERROR),
    (steps(10, "x < 9").replace("init { x := 0 }", "init { x := 6 / D }"), None, Outcome.ERROR),
    (steps(10, "x < 9", "constraint Bound: 6 / (x + D) > 0"), None, Outcome.ERROR),
    (steps(10, "x > 0"), None, Outcome.VIOLATION),
], ids=["action-error", "deadlock", "type", "outside-constraint", "constraint-error", "invariant-error",
        "initial-error", "initial-constraint-error", "initial-violation"])
def test_a_stop_as_the_native_search(text, consts, outcome, request):
    # a file name per spec: the Python backend finds an error's line by it
    compiled = pipeline.load_text(text, consts, f"{request.node.callspec.id}.spec")
    assert same(compiled).outcome is outcome


@given(st.lists(st.binary(max_size=5), max_size=8), st.data())
def test_packed_states_slice_take_and_concat_as_lists(states, data):
    packed = PackedStates.of(states)
    assert [packed.state(i) for i in range(len(packed))] == states
    a = data.draw(st.integers(0, len(states)))
    b = data.draw(st.integers(a, len(states)))
    part = packed.slice(a, b)
    assert [part.state(i) for i in range(len(part))] == states[a:b]
    positions = data.draw(st.lists(st.integers(0, max(len(states) - 1, 0)), max_size=6)) if states else []
    taken = packed.take(positions)
    assert [taken.state(i) for i in range(len(taken))] == [states[j] for j in positions]
    joined = PackedStates.concat([part, taken, packed])
    assert [joined.state(i) for i in range(len(joined))] == states[a:b] + [states[j] for j in positions] + states
