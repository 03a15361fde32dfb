"""The BFS level queue (explore/frontier.py): the same (index, state) pairs come back in the
same order whichever tiers hold them (objects, packed chunks in memory, chunks spilled to
files), iterating twice gives them twice, draining frees them, and no file outlives the
frontier."""
from __future__ import annotations

import gc
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import PAXOS
from modelcheck import pipeline
from modelcheck.explore.frontier import Frontier
from samples import reachable

# toy states (codec=None: marshal): ints of any size, strings, nested tuples and frozensets
atoms = st.one_of(st.integers(), st.booleans(), st.text(max_size=300))
toy_states = st.recursive(atoms, lambda inner: st.one_of(st.lists(inner, max_size=4).map(tuple),
                                                         st.frozensets(atoms, max_size=4)), max_leaves=8)


@st.composite
def pairs(draw) -> list:
    """Mostly consecutive indices, as a BFS gives them, with jumps."""
    states = draw(st.lists(toy_states, max_size=60))
    index, out = draw(st.integers(0, 2 ** 40)), []
    for s in states:
        index += 1 if draw(st.integers(0, 9)) else draw(st.integers(-5, 10 ** 12))
        out.append((index, s))
    return out


def files(path) -> list[str]:
    return sorted(os.listdir(path))


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(pairs(), st.integers(0, 8), st.integers(1, 400), st.one_of(st.none(), st.integers(0, 2000)))
def test_every_tier_gives_the_pairs_back_in_order(tmp_path_factory, items, keep, chunk_bytes, budget):
    spill = tmp_path_factory.mktemp("spill")
    frontier = Frontier(keep_objects=keep, memory_budget=budget, spill_dir=str(spill), chunk_bytes=chunk_bytes)
    frontier.extend(items)
    assert len(frontier) == len(items)
    assert list(frontier) == items and list(frontier) == items
    if budget is not None:
        assert frontier.nbytes <= budget + chunk_bytes + 300 + len(items) * 9  # + the chunk being filled
    assert bool(files(spill)) == (frontier.spilled > 0)
    assert list(frontier.drain()) == items
    assert len(frontier) == 0 and frontier.nbytes == 0 and files(spill) == []


def test_paxos_states_through_every_tier(tmp_path):
    model = pipeline.load(PAXOS, {"Ballots": "0..2"}).model
    items = list(enumerate(reachable(model, 3000), start=17))
    with Frontier(model.codec, keep_objects=500, memory_budget=20_000, spill_dir=str(tmp_path),
                  chunk_bytes=4096) as frontier:
        frontier.extend(items)
        assert frontier.spilled > 0 and files(tmp_path)
        assert frontier.nbytes <= 20_000 + 4096 + 1024
        assert list(frontier) == items
        drained = frontier.drain()
        assert [next(drained) for _ in range(600)] == items[:600]
        left = len(files(tmp_path))
        assert list(drained) == items[600:]
        assert left > 0 and files(tmp_path) == []


def test_close_and_garbage_collection_delete_the_files(tmp_path):
    items = [(i, ("x" * (i % 500), i)) for i in range(300)]
    frontier = Frontier(keep_objects=0, memory_budget=0, spill_dir=str(tmp_path), chunk_bytes=1000)
    frontier.extend(items)
    assert files(tmp_path)
    frontier.close()
    assert files(tmp_path) == [] and len(frontier) == 0 and list(frontier) == []
    frontier = Frontier(keep_objects=0, memory_budget=0, spill_dir=str(tmp_path), chunk_bytes=1000)
    frontier.extend(items)
    del frontier
    gc.collect()
    assert files(tmp_path) == []


def test_small_levels_stay_objects(tmp_path):
    items = [(i, (i, frozenset({i}))) for i in range(100)]
    frontier = Frontier(keep_objects=100, memory_budget=0, spill_dir=str(tmp_path))
    frontier.extend(items)
    assert frontier.nbytes == 0 and files(tmp_path) == []
    assert all(a[1] is b[1] for a, b in zip(frontier, items))
