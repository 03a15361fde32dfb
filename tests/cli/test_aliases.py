"""`alias NAME: expr` (TLC's ALIAS): computed columns shown in traces, never in the search."""
from __future__ import annotations

import json

import pytest

from conftest import run_modelcheck
from inprocess import modelcheck

SPEC = """spec Aliased
const N = 3
var x : 0..N
var y : 0..N
alias Sum: x + y
alias Ratio: N / (N - x)
invariant Small: x + y < 4
init { x := 0
       y := 0 }
action IncX() { require x < N
                x := x + 1 }
action IncY() { require y < N
                y := y + 1 }
"""


@pytest.fixture
def spec(tmp_path):
    path = tmp_path / "aliased.spec"
    path.write_text(SPEC)
    return path


def test_text_trace_shows_aliases_and_what_changed(spec):
    run = modelcheck("check", spec)
    assert run.returncode == 1
    assert ("State 1: initial state\n    x = 0\n    y = 0\n    alias Sum = 0\n    alias Ratio = 1\n"
            "State 2: IncX()\n    x: 0 → 1\n    alias Sum: 0 → 1\n"
            "State 3: IncX()\n    x: 1 → 2\n    alias Sum: 1 → 2\n    alias Ratio: 1 → 3\n") in run.stdout
    # an alias that cannot be evaluated shows why, and the trace is still printed
    assert "alias Ratio: 3 → (cannot be evaluated: division by zero (at aliased.spec:6))" in run.stdout


def test_aliases_do_not_change_the_search(spec, tmp_path):
    plain = tmp_path / "plain.spec"
    plain.write_text("\n".join(line for line in SPEC.splitlines() if not line.startswith("alias")))
    with_aliases, without = modelcheck("check", spec, "--json").json(), modelcheck("check", plain, "--json").json()
    for key in ("distinct_states", "states_generated", "depth", "action_counts"):
        assert with_aliases[key] == without[key]


def test_json_and_itf_carry_aliases_and_replay_accepts_them(spec, tmp_path):
    itf, dot = tmp_path / "t.itf.json", tmp_path / "t.dot"
    run = modelcheck("check", spec, "--json", "--out-itf", itf, "--dot", dot)
    trace = run.json()["violation"]["trace"]
    assert trace[1]["aliases"]["Sum"] == {"#bigint": "1"}
    states = json.loads(itf.read_text())["states"]
    assert states[2]["#meta"]["aliases"] == {"Sum": {"#bigint": "2"}, "Ratio": {"#bigint": "3"}}
    assert "Sum" not in states[2]  # not a variable
    assert "alias Sum: 1 → 2" in dot.read_text()
    replayed = modelcheck("replay", spec, itf)
    assert replayed.returncode == 0, replayed.out


def test_an_alias_reads_like_an_operator_in_eval_and_the_repl(spec):
    assert modelcheck("eval", spec, "Sum + 1").stdout == "1\n"
    out = run_modelcheck("repl", spec, input=":step IncX\n:state\n").stdout
    assert "  x = 1\n  y = 0\n  alias Sum = 1\n  alias Ratio = 1\n" in out


@pytest.mark.parametrize("line, message", [
    ("alias x: y", "'x' is declared twice"),
    ("alias Bad: x + true", "error: the right side of '+' must be int, got bool"),
    ("alias Next: x'", "error: syntax error: primed variable x'"),
])
def test_alias_errors_name_the_place(spec, line, message):
    spec.write_text(SPEC + line + "\n")
    run = modelcheck("check", spec)
    assert run.returncode == 2
    assert message in run.stderr and "aliased.spec:" in run.stderr
