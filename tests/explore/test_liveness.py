"""Temporal properties under fairness on small hand-made specs whose verdicts follow by hand
from TLA+'s semantics (as TLC checks them): stuttering is allowed unless fairness forbids it,
a deadlock is stuttering for ever, weak and strong fairness per action instance, states
outside the constraint are not explored. Checked through pipeline.check and the CLI."""
from __future__ import annotations

import pytest

from modelcheck import pipeline
from modelcheck.explore.bfs import Limits
from modelcheck.explore.result import Outcome
from tests.cli.inprocess import modelcheck


def check(text: str, limits: Limits = Limits(check_deadlock=False), workers: int = 1):
    return pipeline.check(pipeline.load_text(text), limits=limits, properties=None, workers=workers)


def lasso(result) -> list[dict]:
    """The lasso's states (their variables) and where it loops back to."""
    trace = result.violation.trace
    return [s.state for s in trace.steps], trace.loop


MUTEX = """spec Mutex
const Procs = {p1, p2}
var pc : Procs -> "idle" | "waiting" | "critical"
var lock : bool
init {
  pc := [p in Procs -> "idle"]
  lock := false
}
action Request(p in Procs) {
  require pc[p] == "idle"
  pc[p] := "waiting"
}
action Enter(p in Procs) {
  require pc[p] == "waiting" and not lock
  pc[p] := "critical"
  lock := true
}
action Leave(p in Procs) {
  require pc[p] == "critical"
  pc[p] := "idle"
  lock := false
}
invariant MutualExclusion:
  forall p in Procs, q in Procs: p != q => not (pc[p] == "critical" and pc[q] == "critical")
property Granted: pc[p1] == "waiting" leadsto pc[p1] == "critical"
"""


def test_mutex_without_fairness_stutters_while_waiting():
    result = check(MUTEX)
    assert result.outcome is Outcome.VIOLATION and result.violation.kind == "property"
    states, loop = lasso(result)
    assert states[-1]["pc"]["#map"][0] == ["p1", "waiting"] and loop == len(states) - 1  # stutters


def test_mutex_weak_fairness_of_enter_starves_p1():
    # Enter(p1) is disabled whenever p2 holds the lock, so weak fairness does not help:
    # p2 enters and leaves for ever, p1 keeps waiting.
    result = check(MUTEX + "fairness weak Enter, Leave\n")
    states, loop = lasso(result)
    cycle = states[loop:]
    assert all(dict(map(tuple, s["pc"]["#map"]))["p1"] == "waiting" for s in cycle)
    assert any(s["lock"] for s in cycle) and any(not s["lock"] for s in cycle)
    assert loop < len(states) - 1  # a real cycle, not stuttering
    assert result.violation.trace.back.action == "Leave"


def test_mutex_strong_fairness_of_enter_grants():
    assert check(MUTEX + "fairness strong Enter\nfairness weak Leave\n").outcome is Outcome.OK


def test_mutex_strong_fairness_alone_lets_the_holder_stay():
    # Without fairness of Leave, p2 may stay in the critical section for ever.
    states, loop = lasso(check(MUTEX + "fairness strong Enter\n"))
    assert states[-1]["lock"] is True and loop == len(states) - 1


COUNTER = """spec Counter
var x : 0..3
init { x := 0 }
action Inc {
  require x < 3
  x := x + 1
}
property ReachesThree: eventually x == 3
"""


def test_a_counter_may_stutter_for_ever_without_fairness():
    states, loop = lasso(check(COUNTER))
    assert states == [{"x": {"#bigint": "0"}}] and loop == 0


def test_a_weakly_fair_counter_reaches_its_end():
    assert check(COUNTER + "fairness weak Inc\n").outcome is Outcome.OK
    assert check(COUNTER + "fairness weak all\n").outcome is Outcome.OK


def test_a_deadlock_is_stuttering_for_ever():
    # x stops at 3: no action is enabled there, so stuttering there is fair, and x never reaches 5
    text = COUNTER.replace("0..3", "0..5").replace("eventually x == 3", "eventually x == 5") + "fairness weak all\n"
    states, loop = lasso(check(text))
    assert states[-1] == {"x": {"#bigint": "3"}} and loop == len(states) - 1
    # with deadlock checking on, the deadlock is reported first, as TLC does
    assert check(text, Limits()).outcome is Outcome.DEADLOCK


FLICKER = """spec Flicker
var on : bool
var done : bool
init {
  on := false
  done := false
}
action Toggle {
  require not done
  on := not on
}
action Finish {
  require on and not done
  done := true
}
property Finishes: eventually done
fairness weak Toggle
"""


def test_weak_and_strong_fairness_differ_on_an_intermittently_enabled_action():
    # Finish is enabled every other state: weak fairness allows never taking it, strong does not
    result = check(FLICKER + "fairness weak Finish\n")
    states, loop = lasso(result)
    assert {s["on"] for s in states[loop:]} == {True, False}
    assert check(FLICKER + "fairness strong Finish\n").outcome is Outcome.OK


UP_DOWN = """spec UpDown
var x : 0..1
init { x := 0 }
action Up {
  require x == 0
  x := 1
}
action Down {
  require x == 1
  x := 0
}
property BackToZero: always eventually x == 0
property VisitsOne: always eventually x == 1
"""


def test_a_property_violated_only_by_stuttering_for_ever():
    text = UP_DOWN + "fairness weak Down\n"
    result = check(text)
    assert result.violation.name == "VisitsOne"  # BackToZero holds: Down must happen
    states, loop = lasso(result)
    assert states == [{"x": {"#bigint": "0"}}] and loop == 0
    assert check(UP_DOWN + "fairness weak all\n").outcome is Outcome.OK


def test_always_and_eventually_always():
    text = UP_DOWN.replace("property BackToZero: always eventually x == 0\n", "").replace(
        "property VisitsOne: always eventually x == 1", "property StaysZero: eventually always x == 0")
    # fair: up and down for ever, so x == 0 is false infinitely often
    states, loop = lasso(check(text + "fairness weak all\n"))
    assert {s["x"]["#bigint"] for s in states[loop:]} == {"0", "1"}
    # without fairness too (e.g. up once, then stutter at 1)
    states, loop = lasso(check(text))
    assert len(states) == 2 and {"x": {"#bigint": "1"}} in states[loop:]
    # always: one reachable state with x == 1 is enough; fairness makes no difference
    states, loop = lasso(check(text.replace("eventually always x == 0", "always x == 0")))
    assert states[-1] == {"x": {"#bigint": "1"}}


def test_states_outside_the_constraint_are_not_explored_but_enable_actions():
    # TLC: the step from x = 2 to 3 leaves the model, so the only behaviours stop at x = 2;
    # Inc stays enabled there (ENABLED ignores the constraint), so weak fairness rules out
    # stuttering at 2: no fair behaviour violates the property, however false it looks.
    text = COUNTER.replace("0..3", "0..5").replace("eventually x == 3", "eventually x == 5")
    bounded = text + "constraint Small: x <= 2\nfairness weak Inc\n"
    assert check(bounded).outcome is Outcome.OK
    states, loop = lasso(check(text + "constraint Small: x <= 2\n"))
    assert states[-1] == {"x": {"#bigint": "0"}}


def test_an_error_in_a_property_is_reported_with_a_trace():
    text = COUNTER.replace("eventually x == 3", "eventually 6 / (2 - x) == 3")
    result = check(text)
    assert result.outcome is Outcome.ERROR
    assert len(result.violation.trace) == 3


def test_workers_give_the_same_verdict_and_lasso():
    text = MUTEX + "fairness weak Enter, Leave\n"
    one, two = check(text), check(text, workers=2)
    assert one.violation.trace == two.violation.trace
    assert check(MUTEX + "fairness strong Enter\nfairness weak Leave\n", workers=2).outcome is Outcome.OK


def test_cli_lasso_text_json_and_prop_selection(tmp_path):
    spec = tmp_path / "m.spec"
    spec.write_text(MUTEX + "fairness weak Enter, Leave\n")
    run = modelcheck("check", spec)
    assert run.returncode == 1
    assert "Error: property Granted is violated." in run.stdout
    assert "Back to state 2: Leave(p = p2)" in run.stdout
    out = modelcheck("check", spec, "--json").json()
    assert out["violation"]["kind"] == "property" and out["violation"]["loop"] == 1
    assert out["violation"]["back"] == {"action": "Leave", "args": {"p": "p2"}}
    assert modelcheck("check", spec, "--no-props").returncode == 0
    bad = modelcheck("check", spec, "--prop", "Nope")
    assert bad.returncode == 2 and "the spec has no property 'Nope'" in bad.stderr


def test_symmetry_is_refused(tmp_path):
    spec = tmp_path / "m.spec"
    spec.write_text(MUTEX + "symmetry Procs\n")
    run = modelcheck("check", spec)
    assert run.returncode == 2 and "cannot be checked with symmetry (Procs)" in run.stderr
    assert modelcheck("check", spec, "--no-props").returncode == 0


def test_fairness_of_an_unknown_action_is_an_error(tmp_path):
    spec = tmp_path / "m.spec"
    spec.write_text(MUTEX + "fairness weak Exit\n")
    run = modelcheck("check", spec)
    assert run.returncode == 2 and "fairness weak Exit: the spec has no action 'Exit'" in run.stderr


UP_DOWN_STEPS = """spec Steps
var x : 0..2
init { x := 0 }
action Up {
  require x < 2
  x := x + 1
}
action Down {
  require x > 0
  x := x - 1
}
"""


def test_taken_action_predicates():
    text = UP_DOWN_STEPS + "property DownAgain: always eventually taken(Down)\nfairness weak Up\n"
    states, loop = lasso(check(text))  # Down is not fair: up to 2, then stutter
    assert states[-1] == {"x": {"#bigint": "2"}} and loop == len(states) - 1
    assert check(text.replace("fairness weak Up", "fairness weak all")).outcome is Outcome.OK
    starts = UP_DOWN_STEPS + "property Starts: eventually taken(Up)\n"
    states, loop = lasso(check(starts))
    assert states == [{"x": {"#bigint": "0"}}] and loop == 0
    assert check(starts + "fairness weak Up\n").outcome is Outcome.OK
    # x == 2 leadsto a Down step: under weak fairness of Up only, the loop 1 -> 2 -> ... cannot
    # avoid Down, but stopping at 2 can
    after_two = UP_DOWN_STEPS + "property Back: x == 2 leadsto taken(Down)\nfairness weak Up\n"
    states, loop = lasso(check(after_two))
    assert states[loop:] == [{"x": {"#bigint": "2"}}]


@pytest.mark.parametrize("prop, message", [
    ("always taken(Up)", "taken(Up) in property P: a step can only be what eventually happens"),
    ("taken(Up) leadsto x == 0", "taken(Up) in property P: a step can only be what eventually happens"),
    ("eventually taken(Jump)", "taken(Jump): the spec has no action 'Jump'"),
    ("eventually taken(x + 1)", "taken(...) in property P: expected the name of an action"),
])
def test_taken_errors(tmp_path, prop, message):
    spec = tmp_path / "s.spec"
    spec.write_text(UP_DOWN_STEPS + f"property P: {prop}\n")
    run = modelcheck("check", spec)
    assert run.returncode == 2 and message in run.stderr, run.stderr


# home -> a -> home and home -> b1 -> b -> a -> home. Leave (to a state outside the
# constraint) is weakly fair and enabled everywhere but at b, so a fair loop must visit b;
# the property's violation must visit a. Walking to a first, then to b, then home takes six
# steps (home a home b1 b a); the shortest fair loop takes four (home b1 b a).
DETOUR = """spec Detour
var at : "home" | "a" | "b1" | "b"
var gone : bool
init {
  at := "home"
  gone := false
}
action ToA {
  require at == "home" or at == "b"
  at := "a"
}
action Home {
  require at == "a"
  at := "home"
}
action ToB1 {
  require at == "home"
  at := "b1"
}
action ToB {
  require at == "b1"
  at := "b"
}
action Leave {
  require at != "b"
  gone := true
}
constraint Stay: not gone
property SettlesAwayFromA: eventually always at != "a"
fairness weak Leave
"""


def test_the_lasso_loop_is_a_shortest_fair_cycle():
    states, loop = lasso(check(DETOUR))
    assert [s["at"] for s in states[loop:]] == ["home", "b1", "b", "a"]
    assert loop == 0


def test_cli_prints_the_shortest_fair_cycle(tmp_path):
    spec = tmp_path / "detour.spec"
    spec.write_text(DETOUR)
    out = modelcheck("check", spec, "--no-deadlock")
    assert out.returncode == 1
    assert "Back to state 1: Home" in out.stdout and "State 5" not in out.stdout, out.stdout
