"""`modelcheck eval` and `modelcheck repl`, as a user calls them."""
from __future__ import annotations

import json

import pytest

from conftest import PAXOS, PAXOS_BUGGY, run_modelcheck
from inprocess import modelcheck

TWO_STARTS = """spec TwoStarts
var x : 0..3
init { pick v in {1, 2}
       x := v }
action Inc() { require x < 3
               x := x + 1 }
"""


@pytest.fixture(scope="module")
def agreement_trace(tmp_path_factory):
    """The 12-step counterexample to Agreement of paxos_buggy.spec, as ITF."""
    path = tmp_path_factory.mktemp("cex") / "cex.itf.json"
    assert modelcheck("check", PAXOS_BUGGY, "--inv", "Agreement", "--out-itf", path).returncode == 1
    return path


@pytest.fixture
def two_starts(tmp_path):
    path = tmp_path / "two.spec"
    path.write_text(TWO_STARTS)
    return path


# ---------------------------------------------------------------- eval

def test_eval_in_the_initial_state():
    run = modelcheck("eval", PAXOS, "maxBal")
    assert (run.returncode, run.stdout) == (0, "[a1 -> -1, a2 -> -1, a3 -> -1]\n")


def test_eval_reads_constants_operators_and_command_line_constants():
    assert modelcheck("eval", PAXOS, "Ballots").stdout == "{0, 1}\n"
    assert modelcheck("eval", PAXOS, "Ballots", "--const", "Ballots=0..2").stdout == "{0, 1, 2}\n"
    assert modelcheck("eval", PAXOS, "Agreement").stdout == "true\n"
    assert modelcheck("eval", PAXOS, "{maxBal[a] + 1 for a in Acceptors}").stdout == "{0}\n"


def test_eval_json_gives_itf_values():
    run = modelcheck("eval", PAXOS, "maxBal", "--json")
    assert run.json() == {"expression": "maxBal", "values": [
        {"state": 1, "value": {"#map": [["a1", {"#bigint": "-1"}], ["a2", {"#bigint": "-1"}],
                                        ["a3", {"#bigint": "-1"}]]}}]}


def test_eval_in_each_of_several_initial_states(two_starts):
    run = modelcheck("eval", two_starts, "x * 10")
    assert run.stdout == "initial state 1 of 2: 10\ninitial state 2 of 2: 20\n"


def test_eval_in_a_state_of_a_trace(agreement_trace):
    assert modelcheck("eval", PAXOS_BUGGY, "Agreement", "--trace", agreement_trace).stdout \
        == "state 13 of 13: false\n"
    assert modelcheck("eval", PAXOS_BUGGY, "Agreement", "--trace", agreement_trace, "--state", "1").stdout \
        == "state 1 of 13: true\n"
    run = modelcheck("eval", PAXOS_BUGGY, "msgs", "--trace", agreement_trace, "--state", "2")
    assert run.stdout == 'state 2 of 13: {{bal: 0, type: "1a"}}\n'


def test_eval_takes_the_traces_constants(tmp_path):
    trace = tmp_path / "one_value.itf.json"
    run = modelcheck("check", "specs/paxos_buggy.spec", "--inv", "Agreement", "--const", "Values={v1, v2}",
                     "--const", "Ballots=0..1", "--out-itf", trace)
    assert run.returncode == 1
    doc = json.loads(trace.read_text())
    doc["#meta"]["constants"]["Ballots"] = {"#set": [{"#bigint": "0"}, {"#bigint": "1"}, {"#bigint": "2"}]}
    trace.write_text(json.dumps(doc))
    run = modelcheck("eval", PAXOS_BUGGY, "Ballots", "--trace", trace, "--state", "1")
    assert run.returncode == 0, run.out
    assert run.stdout == "state 1 of 13: {0, 1, 2}\n"
    assert "Using the trace's constants: Ballots = {0, 1, 2}" in run.stderr


@pytest.mark.parametrize("args, message", [
    (["maxBal[zz]"], "<expression>:1:8: error: unknown name 'zz'"),
    (["maxBal +"], "<expression>:1:9: error: syntax error"),
    (["1 / 0"], "error: cannot evaluate 1 / 0: division by zero"),
    (["maxBal", "--state", "2"], "--state needs --trace"),
])
def test_eval_bad_input_is_exit_2_with_the_place(args, message):
    run = modelcheck("eval", PAXOS, *args)
    assert run.returncode == 2
    assert message in run.stderr
    assert "Traceback" not in run.out


def test_eval_state_outside_the_trace(agreement_trace):
    run = modelcheck("eval", PAXOS_BUGGY, "msgs", "--trace", agreement_trace, "--state", "14")
    assert (run.returncode, run.stderr.strip()) == (2, "error: --state 14: the trace has states 1 to 13")


def test_eval_on_a_trace_of_another_spec_says_it_is_not_a_behaviour(agreement_trace):
    run = modelcheck("eval", PAXOS, "msgs", "--trace", agreement_trace)
    assert run.returncode == 2
    assert "the trace is not a behaviour of the spec: at state" in run.stderr


# ---------------------------------------------------------------- repl

def repl(*lines: str, spec=PAXOS, args=()) -> str:
    run = run_modelcheck("repl", spec, *args, input="".join(line + "\n" for line in lines), timeout=120)
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stdout + run.stderr
    return run.stdout


def test_repl_steps_through_chosen_actions_and_evaluates():
    out = repl("maxBal", ":step Phase1a", ":step 1", ":step Phase1b", ":step 2", "maxBal[a2]", ":trace")
    assert "At the initial state." in out
    assert "[a1 -> -1, a2 -> -1, a3 -> -1]\n" in out
    assert "Phase1a has 2 steps from here; take one with :step N:\n  1  Phase1a(b = 0)\n" in out
    assert "State 2: Phase1a(b = 0)\n    msgs + 1a(bal: 0)\n" in out
    assert "State 3: Phase1b(a = a2, m = 1a(bal: 0))\n    maxBal[a2]: -1 → 0\n" in out
    assert out.endswith("0\nState 1: initial state\nState 2: Phase1a(b = 0)\n"
                        "State 3: Phase1b(a = a2, m = 1a(bal: 0))\n")


def test_repl_back_actions_and_errors_keep_the_session_going():
    out = repl(":actions", ":step 2", ":back", "msgs", ":back", ":step Nope", "nope + 1", "1 / 0", ":frob", "len(3)")
    assert "  1  Phase1a(b = 0)\n         msgs + 1a(bal: 0)\n  2  Phase1a(b = 1)\n" in out
    assert "Back at state 1.\n{}\nAlready at the first state.\n" in out
    assert "the spec has no action Nope (its actions: Phase1a, Phase1b, Phase2a, Phase2b)" in out
    assert "<expression>:1:1: error: unknown name 'nope'" in out
    assert "error: division by zero" in out
    assert "unknown command :frob" in out


def test_repl_chooses_among_initial_states(two_starts):
    out = repl("x", ":init", ":init 2", "x", ":step Inc", "x", spec=two_starts)
    assert "2 initial states; choose one with :init N." in out
    assert "error: there is no current state" in out
    assert "  1  x = 1\n  2  x = 2\n" in out
    assert "At initial state 2.\n2\nState 2: Inc()\n    x: 2 → 3\n3\n" in out


def test_repl_saves_a_walk_that_replay_accepts_and_starts_from_a_trace(tmp_path):
    walk = tmp_path / "walk.itf.json"
    repl(":random 6", f":save {walk}")
    run = run_modelcheck("replay", PAXOS, walk)
    assert run.returncode == 0, run.stdout
    assert "Trace accepted: each of its 6 steps" in run.stdout
    out = repl(":trace", args=["--trace", walk])
    assert "At state 7 of the trace.\nState 1: initial state\n" in out
    assert "\nState 7: " in out and "State 8" not in out
