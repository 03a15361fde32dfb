"""Sequential consistency by Z3 on keys that are appended to (history/smt.py): small
hand-made histories both ways, each encoded both as chains of writes and as Z3 strings,
and Porcupine's kv c50-bad log, which the search alone left `unknown`."""
from __future__ import annotations

import pytest

from modelcheck.history import smt
from modelcheck.history.format import FORMAT, Op, history_from_document
from modelcheck.history.result import Deadline
from modelcheck.history.witness import legal

from conftest import REPO, run_modelcheck

ENCODINGS = (smt.PARSES, 0)  # chains of writes; 0: every appended key as Z3 strings


def ops(*lanes: list[str]) -> list[Op]:
    """One process per lane, its operations one after another ("append k a", "put k a",
    "get k ab"); the processes' operations overlap, so only program order constrains."""
    events = []
    for step in range(max(map(len, lanes))):
        for process, lane in enumerate(lanes):
            if step < len(lane):
                f, key, value = lane[step].split()
                events.append({"type": "invoke", "process": process, "f": f, "key": key,
                               "value": None if f == "get" else value})
        for process, lane in enumerate(lanes):
            if step < len(lane):
                f, key, value = lane[step].split()
                events.append({"type": "ok", "process": process, "f": f, "key": key, "value": value})
    return list(history_from_document({"format": FORMAT, "events": events, "initial": "."}).ops)


CONSISTENT = [
    (["append k a", "append k b"], ["get k .a", "get k .ab"]),
    (["append k a", "put k c", "append k b"], ["get k cb", "get k cb"]),
    (["append k a"], ["append k b"], ["get k .ba", "get k .ba"]),  # b's process went first
    (["append k a", "append k b"], ["append k ab"], ["get k .ab", "get k .abab"]),  # .ab: a then b, or ab
]
INCONSISTENT = [
    (["append k a", "append k b"], ["get k .b"]),  # b came after a in its process
    (["append k a"], ["get k .a", "get k ."]),  # an append undone
    (["append k a", "put k c"], ["get k c", "get k ca"]),  # a was before the put
    (["append k a"], ["append k b"], ["get k .ab"], ["get k .ba"]),  # two orders of the same appends
]


@pytest.mark.parametrize("parses", ENCODINGS)
@pytest.mark.parametrize("lanes", CONSISTENT)
def test_consistent_append_histories_get_a_legal_order(lanes, parses):
    order = smt.sequential_order(ops(*lanes), Deadline(None), parses)
    assert order is not None and legal(order)


@pytest.mark.parametrize("parses", ENCODINGS)
@pytest.mark.parametrize("lanes", INCONSISTENT)
def test_inconsistent_append_histories_are_refuted(lanes, parses):
    assert smt.sequential_order(ops(*lanes), Deadline(None), parses) is None


@pytest.mark.slow
def test_porcupine_c50_bad_is_decided_not_sequentially_consistent():
    """2,024 operations, 50 processes per key, appends: Z3 decides it (a few CPU seconds)."""
    run = run_modelcheck("history", REPO / "tests" / "history" / "published" / "c50-bad.txt", "--initial", '""',
                         "--model", "sequential", "--timeout", "600")
    assert run.returncode == 1, run.stderr
    assert "NOT sequentially consistent" in run.stdout
