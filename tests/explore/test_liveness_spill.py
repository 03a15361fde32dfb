"""The behaviour graph on disk: under --memory, recorded edges beyond their budget go to
temporary files and the SCC/fair-SCC check runs on the resolved graph mapped from disk.
A run forced to spill (a budget of a few kilobytes instead of a quarter of --memory, and
small pieces when resolving) must give the verdicts and lassos of the run in memory."""
from __future__ import annotations

import numpy as np
import pytest

from conftest import SPECS
from modelcheck import pipeline
from modelcheck.explore import behaviour, bfs
from modelcheck.explore.bfs import Limits
from modelcheck.explore.result import Outcome
from tests.cli.inprocess import modelcheck
from tests.explore.test_liveness import MUTEX

REGISTER = SPECS / "register.spec"
TWO_PHASE = SPECS / "two_phase.spec"


@pytest.fixture
def tiny_edge_budget(monkeypatch, tmp_path):
    """Edges go to disk (in tmp_path) at every resource check, resolved 1,000 at a time;
    yields the recorders made, to see what they spilled."""
    made = []

    class TinyBudget(behaviour.EdgeRecorder):
        def __init__(self, model, memory_budget=None, spill_dir=None):
            super().__init__(model, memory_budget and 0, str(tmp_path))
            made.append(self)

    monkeypatch.setattr(bfs, "EdgeRecorder", TinyBudget)
    monkeypatch.setattr(behaviour, "RESOLVE_PIECE", 1000)
    yield made
    assert not list(tmp_path.iterdir())  # the files have no name, and vanish when closed


def run(spec, consts: dict[str, str] | None = None, memory: int | None = None, text: str | None = None):
    compiled = pipeline.load_text(text) if text is not None else pipeline.load(spec, consts or {})
    return pipeline.check(compiled, limits=Limits(check_deadlock=False, memory=memory), properties=None)


BIG = 64 << 30  # --memory large enough never to stop the search


@pytest.mark.parametrize("spec, consts", [
    (REGISTER, {"LosingMerge": "true"}),           # a lasso through a real cycle
    (REGISTER, {}),                                # holds
    (TWO_PHASE, {"RM": "{r1, r2, r3}"}),           # holds under fairness of the manager
])
def test_spilled_graph_gives_the_same_verdict_and_lasso(tiny_edge_budget, spec, consts):
    plain = run(spec, consts)
    spilled = run(spec, consts, memory=BIG)
    assert spilled.outcome is plain.outcome
    assert tiny_edge_budget[-1].spilled > 0 and spilled.stats.edge_bytes_on_disk > 0
    assert spilled.stats.edges == plain.stats.edges and spilled.stats.edge_bytes == plain.stats.edge_bytes
    if plain.violation is not None:
        assert spilled.violation.trace == plain.violation.trace


def test_spilled_stuttering_and_fair_cycle_lassos(tiny_edge_budget):
    for fairness in ("", "fairness weak Enter, Leave\n", "fairness strong Enter\nfairness weak Leave\n"):
        plain, spilled = run(None, text=MUTEX + fairness), run(None, text=MUTEX + fairness, memory=BIG)
        assert spilled.outcome is plain.outcome
        assert (spilled.violation and spilled.violation.trace) == (plain.violation and plain.violation.trace)


def test_resolved_graph_on_disk_equals_the_one_in_memory(tiny_edge_budget):
    compiled = pipeline.load(REGISTER, {"LosingMerge": "true"})
    graphs = []
    for memory in (None, BIG):
        search = bfs.Search(compiled.model, [], Limits(check_deadlock=False, memory=memory), bfs.NullReporter(), None)
        search._explore()
        if memory is not None:
            search.recorder.spill_over_budget()
        graphs.append(behaviour.resolve(search.recorder, search.visited.fps, search.visited.parents))
    in_memory, on_disk = graphs
    assert isinstance(on_disk.src, np.memmap) and not isinstance(in_memory.src, np.memmap)
    for column in ("src", "dst", "label", "initial", "kinds"):
        assert np.array_equal(getattr(in_memory, column), getattr(on_disk, column))


def test_cli_reports_the_steps_written_to_disk(tiny_edge_budget):
    out = modelcheck("check", REGISTER, "--const", "LosingMerge=true", "--memory", "64GB")
    assert out.returncode == 1
    assert "written to disk under --memory" in out.stdout


def test_spilled_graph_with_workers(tiny_edge_budget):
    compiled = pipeline.load(REGISTER, {"LosingMerge": "true"})
    plain = run(REGISTER, {"LosingMerge": "true"})
    spilled = pipeline.check(compiled, limits=Limits(check_deadlock=False, memory=BIG), properties=None, workers=2)
    assert spilled.stats.edge_bytes_on_disk > 0
    assert spilled.violation.trace == plain.violation.trace
