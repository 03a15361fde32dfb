"""Semantic traps: each ends with an exact message and its exit code, never a traceback.

A spec that fails while being evaluated stops the search and prints the shortest trace to
the state where it failed, as TLC does (exit 2); a spec that is wrong on its face is
rejected before any state is explored (exit 2, file:line:col, a hint). An action that is
never enabled is a warning, in the text and in the JSON report (exit 0).
"""
from __future__ import annotations

import re

import pytest

from inprocess import modelcheck

RUNTIME = {
    "division by zero": ("""spec Div
var x : 0..3
var d : 0..3
init { x := 3
  d := 1 }
action Dec { require d > 0
  d := d - 1 }
action Split { x := x / d }
""", "division by zero (at t.spec:8)", ["State 2: Dec()"]),
    "choose from an empty set": ("""spec Choose
var s : set[0..3]
var x : 0..3
init { s := {1, 2}
  x := 0 }
action Drop { pick v in s
  s := s - {v} }
action Take { x := choose v in s: v > 0 }
""", "'choose' found no element satisfying its condition (at t.spec:8)", ["State 3: Drop(v = "]),
    "sequence index out of range": ("""spec Seq
var q : seq[0..3, 3]
var x : 0..3
init { q := <<1>>
  x := 0 }
action Pop { require len(q) > 0
  q := tail(q) }
action Read { x := q[1] }
""", "sequence index 1 out of range 1..0 (at t.spec:8)", ["State 2: Pop()"]),
    "map outside its domain": ("""spec Map
const Procs = {p1, p2}
model p3
var f : Procs -> 0..3
var who : Procs | {p3}
init { f := [p in Procs -> 0]
  who := p1 }
action Next { who := p3 }
action Bump { f := f with [who] = f[who] + 1 }
""", "map applied outside its domain (at t.spec:9)", ["State 2: Next()", "p3"]),
    "record field of another message type": ("""spec Field
type Msg = {kind: "req", from: 0..3} | {kind: "ack", to: 0..3}
var msgs : set[Msg]
var last : 0..3
init { msgs := {{kind: "req", from: 1}}
  last := 0 }
action Ack { msgs := msgs + {{kind: "ack", to: 2}} }
action Read { pick m in msgs
  last := m.from }
""", "record has no field 'from' (a message of another type?) (at t.spec:9, with m = {kind: \"ack\", to: 2})",
        ["State 2: Ack()"]),
    "operator that recurses forever": ("""spec Rec
var x : 0..3
init { x := 0 }
action Inc { require x < 3
  x := x + 1 }
def Even(n) = if n == 0 then true else Odd(n - 1)
def Odd(n) = if n == 0 then false else Even(n - 1)
invariant Ok: x < 2 or Even(x - 3) or Odd(x)
""", "operator 'Even' recursed 100 calls deep: its recursion does not end, or needs more than 100 nested "
         "calls (at t.spec:6, with n = -201)", ["State 3: Inc()"]),
}


@pytest.mark.parametrize("name", sorted(RUNTIME))
def test_runtime_error_stops_with_the_trace(spec_file, name):
    text, message, trace = RUNTIME[name]
    run = modelcheck("check", spec_file(text), "--no-deadlock")
    assert run.returncode == 2, run.out
    assert f"Error: the spec could not be evaluated: {message}\n" in run.stdout, run.stdout
    assert "Shortest trace (" in run.stdout and "the last state cannot be evaluated" in run.stdout
    assert "State 1: initial state" in run.stdout
    for line in trace:
        assert line in run.stdout, run.stdout
    assert "distinct states found" in run.stdout  # the statistics so far
    assert "Traceback" not in run.out


@pytest.mark.parametrize("name", sorted(RUNTIME))
def test_runtime_error_in_json(spec_file, name):
    text, message, trace = RUNTIME[name]
    run = modelcheck("check", spec_file(text), "--no-deadlock", "--json")
    assert run.returncode == 2, run.out
    obj = run.json()
    assert obj["result"] == "error"
    assert obj["violation"]["kind"] == "error" and obj["violation"]["name"] == message
    assert len(obj["violation"]["trace"]) >= 2 and obj["violation"]["trace"][0]["action"] is None


STATIC = {
    "record field that does not exist": ("""spec FieldStatic
var r : {a: 0..3, b: bool}
init { r := {a: 0, b: false} }
invariant Ok: r.c == 0
""", (4, 15), "no field 'c' in {a: int, b: bool}", "its fields are a, b"),
    "quantifier over Nat": ("""spec NatQ
var x : 0..3
init { x := 0 }
invariant Ok: forall n in Nat: n >= x
""", (4, 27), "cannot enumerate Nat (the natural numbers): the domain is unbounded",
        "quantify over a finite set such as 0..N"),
    "Nat as a value": ("""spec NatV
var x : 0..3
init { x := 0 }
invariant Ok: x in Nat - {0} or size(Int) > 0
""", (4, 20), "Nat (the natural numbers) is infinite: it has no value to compute",
        "use it after 'in' (x in Nat), as a type (var x : Nat) or with 'is' (x is Nat)"),
    "operator calling itself": ("""spec Self
var x : 0..3
init { x := 0 }
def Loop = Loop + 1
invariant Ok: Loop > x
""", (4, 12), "operator 'Loop' is defined in terms of itself (Loop -> Loop)",
        "an operator without parameters has one value, which cannot depend on itself"),
    "invariant with a primed variable": ("""spec Prime
var x : 0..3
init { x := 0 }
action Inc { require x < 3
  x := x + 1 }
invariant Grows: x' >= x
""", (6, 19), "syntax error: primed variable x': the language has no primes",
        "an action sets the value after the step with 'x := ...' (TLA+'s x' = ...)"),
    "action with a primed assignment": ("""spec Prime2
var x : 0..3
init { x := 0 }
action Inc { x' = x + 1 }
""", (4, 15), "syntax error: primed variable x': the language has no primes", "'x := ...'"),
}


@pytest.mark.parametrize("name", sorted(STATIC))
def test_static_error(spec_file, name):
    text, (line, col), message, hint = STATIC[name]
    path = spec_file(text)
    run = modelcheck("check", path)
    assert run.returncode == 2, run.out
    assert run.stderr.startswith(f"{path}:{line}:{col}: error: {message}\n"), run.stderr
    assert re.search(rf"^hint: .*{re.escape(hint)}", run.stderr, re.M), run.stderr
    assert run.stdout == "" and "Traceback" not in run.out


NEVER = """spec Never
var x : 0..3
init { x := 0 }
action Inc { require x < 3
  x := x + 1 }
action Reset { require x > 5
  x := 0 }
invariant Ok: x <= 3
"""


def test_never_enabled_action_is_a_warning_in_text(spec_file):
    run = modelcheck("check", spec_file(NEVER), "--no-deadlock")
    assert run.returncode == 0, run.out
    assert run.stdout.rstrip().endswith("Warning: never enabled: Reset\n"
                                        "  Reset: its guard x > 5 (t.spec:6) was false in every state where it was evaluated")


def test_never_enabled_action_is_a_warning_in_json(spec_file):
    run = modelcheck("check", spec_file(NEVER), "--no-deadlock", "--json")
    assert run.returncode == 0, run.out
    obj = run.json()
    assert obj["result"] == "ok"
    assert obj["never_enabled"] == ["Reset"]
    assert obj["warnings"] == ["never enabled: Reset"]
    assert obj["action_counts"] == {"Inc": 3, "Reset": 0}


def test_no_warning_when_every_action_fires(spec_file):
    run = modelcheck("check", spec_file(NEVER.replace("x > 5", "x == 3")), "--json")
    assert run.json()["warnings"] == [] and run.json()["never_enabled"] == []
