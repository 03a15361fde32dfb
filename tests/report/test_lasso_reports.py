"""A lasso (the counterexample to a temporal property) in every report: ITF's `loop` (the
index of the state the last state goes back to, as Apalache writes it) read back by replay,
which checks that the loop closes; the back edge in the DOT picture and in the message
sequence chart."""
from __future__ import annotations

import json

import pytest

from conftest import SPECS
from modelcheck import pipeline
from modelcheck.report.dot import trace_graph
from modelcheck.report.itf import ItfError, itf_to_trace, trace_to_itf
from modelcheck.report.msc import sequence_chart
from modelcheck.report.compact import MessageFields
from tests.cli.inprocess import modelcheck

REGISTER = SPECS / "register.spec"

RING = """spec Ring
type Msg = {src: Nodes, dst: Nodes}
const Nodes = {a, b}
var msgs : set[Msg]
var turn : Nodes
chart msgs from src to dst
init {
  msgs := {}
  turn := a
}
action Pass(n in Nodes) {
  require turn == n
  pick m in Nodes where m != n
  msgs := {{src: n, dst: m}}
  turn := m
}
property SettlesOnA: eventually always turn == a
fairness weak all
"""


@pytest.fixture(scope="module")
def ring_violation():
    result = pipeline.check(pipeline.load_text(RING), properties=None)
    return result.violation


def test_itf_loop_round_trip(ring_violation):
    trace = ring_violation.trace
    itf = trace_to_itf(trace)
    assert itf["loop"] == trace.loop == 1 and len(itf["states"]) == 3
    assert itf["#meta"]["loopStep"]["action"] == "Pass"
    back = itf_to_trace(json.loads(json.dumps(itf)))
    assert back.loop == 1 and back.back.action == "Pass" and back.back.args == {"n": "a", "m": "b"}


@pytest.mark.parametrize("loop", [3, -1, "1", True])
def test_a_loop_that_is_no_state_index_is_rejected(ring_violation, loop):
    itf = trace_to_itf(ring_violation.trace)
    itf["loop"] = loop
    with pytest.raises(ItfError, match="'loop' must be the index of one of the"):
        itf_to_trace(itf)


def test_replay_checks_that_the_loop_closes(tmp_path):
    spec = tmp_path / "ring.spec"
    spec.write_text(RING)
    itf = tmp_path / "lasso.itf.json"
    assert modelcheck("check", spec, "--out-itf", itf).returncode == 1
    ok = modelcheck("replay", spec, itf)
    assert ok.returncode == 0 and "its loop closes: after state 3 comes state 2" in ok.stdout
    document = json.loads(itf.read_text())
    document["loop"] = 0  # state 3 does not lead back to state 1
    itf.write_text(json.dumps(document))
    bad = modelcheck("replay", spec, itf)
    assert bad.returncode == 1
    assert "the loop does not close: no step from the last state (state 3) back to state 1" in bad.stdout


def test_replay_accepts_a_stuttering_loop(tmp_path):
    itf = tmp_path / "stutter.itf.json"
    unfair = tmp_path / "register.spec"
    unfair.write_text(REGISTER.read_text().replace("fairness weak Gossip", ""))
    assert modelcheck("check", unfair, "--out-itf", itf).returncode == 1
    assert json.loads(itf.read_text())["loop"] == 1
    run = modelcheck("replay", unfair, itf)
    assert run.returncode == 0 and "the last state stutters" in run.stdout


def test_pictures_draw_the_back_edge(ring_violation):
    dot = trace_graph(ring_violation.trace, "ring", ring_violation).source
    assert "s2 -> s1" in dot and 'id=loop' in dot and "back to state 2: Pass(n = a, m = b)" in dot
    chart = sequence_chart(ring_violation.trace, MessageFields("msgs", "src", "dst"), "ring", ring_violation).source
    assert "id=loop" in chart and "back to state 2: Pass" in chart
