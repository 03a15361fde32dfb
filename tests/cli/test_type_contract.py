"""Declared types are the contract: a reachable state where a variable is outside its
declared type is a violation of its own kind ("type"), exit 1, with a shortest trace that
names the variable, the part of its value and the type; in every explorer (one process,
--workers, simulate, replay) and in every output (text, JSON, ITF)."""
from __future__ import annotations

import json

import pytest

from conftest import PAXOS, SPECS
from inprocess import modelcheck

COUNTER = """spec Counter
var x : 0..3
init { x := 0 }
action Inc { x := x + 1 }
"""

STRINGS = """spec Strings
var n : 0..5
var s : "a" | "b"
init {
  n := 0
  s := "a"
}
action Step {
  require n < 5
  n := n + 1
}
action Bad {
  require n == 2
  s := "zzz"
}
"""

NESTED = """spec Nested
const Procs = {p1, p2}
type Msg = {kind: "req", bal: 0..2} | {kind: "ack", from: Procs}
var votes : Procs -> 0..2
var msgs  : set[Msg]
var log   : seq[0..1, 2]
var rec   : {a: 0..1, b: Procs}
init {
  votes := [p in Procs -> 0]
  msgs  := {}
  log   := <<>>
  rec   := {a: 0, b: p1}
}
action Vote(p in Procs) {
  require votes[p] < 3
  votes[p] := votes[p] + 1
}
action Send(b in 0..3) {
  msgs := msgs + {{kind: "req", bal: b}}
}
action Append {
  log := append(log, 1)
}
action Field {
  rec := rec with .a = rec.a + 1
}
"""


def write(tmp_path, text: str, name: str = "t.spec"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_a_counter_past_its_range_is_a_type_violation_with_the_shortest_trace(tmp_path):
    run = modelcheck("check", write(tmp_path, COUNTER), "--no-deadlock")
    assert run.returncode == 1, run.out
    assert "Error: a variable is outside its declared type: x = 4 is outside its declared type 0..3 (t.spec:2)" in run.stdout
    assert "Shortest trace (4 steps; the last state is outside the declared types)" in run.stdout


def test_a_string_outside_its_union_and_json_says_kind_type(tmp_path):
    run = modelcheck("check", write(tmp_path, STRINGS), "--no-deadlock", "--json")
    assert run.returncode == 1
    v = run.json()["violation"]
    assert v["kind"] == "type"
    assert v["name"] == 's = "zzz" is outside its declared type "a" | "b" (t.spec:3)'
    assert len(v["trace"]) == 4 and v["trace"][-1]["action"] == "Bad"


@pytest.mark.parametrize("enabled, expected", [
    ("Vote", "votes[p1] = 3 is outside 0..2 (var votes : Procs -> 0..2, t.spec:4)"),
    ("Send", '(element {bal: 3, kind: "req"} of msgs).bal = 3 is outside 0..2 (var msgs : set[Msg], t.spec:5)'),
    ("Append", "log = <<1, 1, 1>> is outside its declared type seq[0..1, 2]: length 3 (t.spec:6)"),
    ("Field", "rec.a = 2 is outside 0..1 (var rec : {a: 0..1, b: Procs}, t.spec:7)"),
])
def test_the_message_names_the_part_outside_its_type(tmp_path, enabled, expected):
    # one action enabled at a time, so that each case breaks one variable
    text = NESTED
    for action in ("Vote", "Send", "Append", "Field"):
        if action != enabled:
            head, decl, rest = text.partition(f"action {action}")
            params, _, body = rest.partition("{")
            text = f"{head}{decl}{params}{{\n  require false{body}"
    run = modelcheck("check", write(tmp_path, text), "--no-deadlock")
    assert run.returncode == 1, run.out
    assert f"Error: a variable is outside its declared type: {expected}" in run.stdout


def test_workers_and_checkpoints_find_the_same_type_violation(tmp_path):
    spec = write(tmp_path, STRINGS)
    one = modelcheck("check", spec, "--no-deadlock", "--json").json()
    two = modelcheck("check", spec, "--no-deadlock", "--json", "--workers", "2").json()
    assert one["violation"] == two["violation"] and one["distinct_states"] == two["distinct_states"]
    saved = modelcheck("check", spec, "--no-deadlock", "--json", "--checkpoint", tmp_path / "cp").json()
    assert saved["violation"] == one["violation"]


def test_simulate_finds_a_type_violation(tmp_path):
    run = modelcheck("simulate", write(tmp_path, COUNTER), "--runs", "3", "--depth", "10", "--seed", "1", "--json")
    assert run.returncode == 1, run.out
    assert run.json()["violation"]["kind"] == "type"


def test_itf_records_the_violation_and_replay_notes_it(tmp_path):
    spec, itf = write(tmp_path, COUNTER), tmp_path / "cex.itf.json"
    assert modelcheck("check", spec, "--no-deadlock", "--out-itf", itf).returncode == 1
    meta = json.loads(itf.read_text())["#meta"]
    assert meta["violation"] == {"kind": "type", "name": "x = 4 is outside its declared type 0..3 (t.spec:2)"}
    run = modelcheck("replay", spec, itf)
    assert run.returncode == 0, run.out
    assert "Note: state 5 of the trace is outside the declared types: x = 4 is outside" in run.stdout


def test_the_shipped_specs_stay_in_their_types():
    run = modelcheck("check", PAXOS, "--json")
    assert run.returncode == 0 and run.json()["distinct_states"] == 3921
    run = modelcheck("check", SPECS / "two_phase.spec", "--json")
    assert run.returncode == 0, run.out


def test_the_z3_crosscheck_reports_the_type_violation_first(tmp_path):
    # Z3's encoding of 0..3 cannot hold 4: the type check, run before the invariants, stops first
    spec = write(tmp_path, COUNTER + "invariant NonNegative: x >= 0\n")
    run = modelcheck("check", spec, "--no-deadlock", "--z3")
    assert run.returncode == 1, run.out
    assert "x = 4 is outside its declared type 0..3" in run.stdout
    assert "0 disagreements" in run.stderr
