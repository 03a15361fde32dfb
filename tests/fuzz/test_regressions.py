"""Bugs the fuzzer found, each fixed in the checker with a general rule, and tested here on the
smallest input that showed it. (Before the fix: the traceback or the wrong answer named.)"""
from __future__ import annotations

import subprocess
import sys
import time

import pytest

import harness
from conftest import PAXOS, REPO, check_text, evaluate
from modelcheck import pipeline
from modelcheck.explore.result import Outcome
from modelcheck.lang.errors import SpecError, SpecErrors
from modelcheck.lang.parser import parse_text
from modelcheck.lang.typecheck import typecheck
from modelcheck.values import to_itf
from modelcheck.lang.kinds import IntK


def spec_error(text: str) -> str:
    with pytest.raises((SpecError, SpecErrors)) as info:
        pipeline.load_text(text)
    return info.value.render()


def run(text: str, *extra: str, name: str = "fuzz.spec"):
    path = harness.workdir().write(name, text)
    return harness.run_main(["check", str(path), *extra])


HEAD = "spec T\nvar x : 0..3\ninit { x := 0 }\n"


# ---------------------------------------------------------------- the front end

@pytest.mark.parametrize("expr", ["1 + " * 300 + "1", "not " * 1000 + "true", "{" * 200 + "1" + "}" * 200,
                                  "-(" * 500 + "1" + ")" * 500],
                         ids=["long sum", "not", "sets", "minus"])
def test_deep_nesting_is_an_error_not_a_recursion_error(expr):
    """Was: RecursionError from lark's transformer, or SyntaxError from Python's compiler."""
    assert "nested too deeply: more than 100 levels" in spec_error(HEAD + f"invariant I: {expr} != 0\n")


def test_redundant_parentheses_are_not_nesting():
    assert check_text(HEAD + "invariant I: " + "(" * 1000 + "x" + ")" * 1000 + " < 3\n").outcome is Outcome.DEADLOCK


def test_huge_integer_literal():
    """Was: ValueError (Python converts at most 4300 digits)."""
    assert "integer literal with 5000 digits: at most 4000" in spec_error(HEAD + f"const C = {'9' * 5000}\n")


@pytest.mark.parametrize("body", ["either { " * 25 + "x := 1" + " } or { x := 2 }" * 25,
                                  "".join(f"pick v{i} in 0..1 " for i in range(25)) + "x := 1"],
                         ids=["either", "pick"])
def test_python_nesting_limits_are_an_error(body):
    """Was: SyntaxError: too many statically nested blocks."""
    message = spec_error(HEAD + f"action Go {{ {body} }}\n")
    assert "too deeply nested to compile (too many statically nested blocks)" in message
    assert "T:4:" not in message and ":4:1: error:" in message  # the action's line


def test_long_statement_lists():
    """Was: RecursionError in the checker and the compiler (one call per statement)."""
    n = 1500
    text = ("spec Many\n" + "".join(f"var v{i} : 0..1\n" for i in range(n))
            + "init {\n" + "".join(f"  v{i} := 0\n" for i in range(n)) + "}\n"
            + "action Flip {\n" + "".join(f"  require v{i} < 2\n" for i in range(n)) + "  v0 := 1 - v0\n}\n")
    assert check_text(text).stats.distinct == 2


def test_runs_of_ifs_are_checked_in_linear_time():
    """Was: the statements after an if checked once per path, 2^n times."""
    ifs = "".join(f"  if x == {i % 4} {{ require x < 9 }} else {{ require x < 8 }}\n" for i in range(40))
    started = time.perf_counter()
    typecheck(parse_text(HEAD + f"action Go {{\n{ifs}  x := 1\n}}\n"))
    assert time.perf_counter() - started < 2


def test_nat_and_int_as_values():
    """Was: AssertionError in the compiler (cannot evaluate Nat)."""
    assert "Nat (the natural numbers) is infinite" in spec_error(HEAD + "invariant I: Nat == Nat\n")
    assert "Int (the integers) is infinite" in spec_error("spec T\nconst S = Int\nvar x : 0..3\ninit { x := 0 }\n")
    ok = ("spec T\nvar f : Nat -> Int\ninit { f := [k in 0..1 -> 0] }\n"
          "invariant I: f is (Nat -> Int) and not ([k in -1..1 -> 0] is (Nat -> Int))\n")
    assert check_text(ok).outcome is Outcome.DEADLOCK  # no violation, no crash


def test_min_of_the_empty_set_literal_is_a_runtime_error():
    """Was: rejected as a type error ('min' of one argument takes a set of integers, got set[?])."""
    r = check_text(HEAD + "invariant I: min({}) > 0\n")
    assert r.outcome is Outcome.ERROR and r.violation.name.startswith("min of an empty set")


def test_value_outside_the_declared_union_type():
    """Was: accepted, explored, and then AttributeError when a report described such a message
    (found by deleting the "2a" alternative from paxos.spec's message type)."""
    text = ('spec T\ntype Msg = {kind: "req", n: 0..3}\nvar msgs : set[Msg]\ninit { msgs := {} }\n'
            'action Ack { msgs := msgs + {{kind: "ack", to: 1}} }\ninvariant Small: size(msgs) < 1\n')
    message = spec_error(text)
    assert "the value assigned to 'msgs' does not fit its declared type" in message
    assert "<spec>:5:22: error:" in message


def test_membership_in_a_range_evaluates_both_bounds():
    """Was: `0 in N..(N / 0)` true without an error, because Python's chained comparison
    skips the upper bound once the lower one fails (found by bench/fuzz)."""
    text = "spec T\nconst N = 2\nconst R = 0 not in N..(N / 0)\ninit { }\n"
    assert "cannot evaluate constant R: division by zero" in spec_error(text)


def test_constant_depends_on_variable():
    """Was: 'unknown name' (variables are declared after constants are checked)."""
    assert "constant depends on variable 'x'" in spec_error("spec T\nvar x : 0..3\nconst C = x\ninit { x := 0 }\n")


# ---------------------------------------------------------------- constants computed ahead of time

def test_guarded_constant_subexpression_is_not_evaluated_ahead():
    """Was: 'cannot evaluate the constants: head of an empty sequence' at load, although the
    guard keeps head(Q) from ever being evaluated."""
    text = ("spec T\nconst Q = <<>>\nvar x : 0..3\ninit { x := 0 }\n"
            "action A { require len(Q) > 0\n  x := head(Q) }\ninvariant I: x == 0 or 1 / 0 == 1 or true\n")
    assert check_text(text).outcome is Outcome.DEADLOCK


def test_unused_failing_operator_is_not_an_error():
    assert check_text(HEAD + "def Bad = 1 / 0\naction A { require x < 3\n  x := x + 1 }\n",
                      limits=harness_limits()).outcome is Outcome.DEADLOCK


def harness_limits():
    from modelcheck.explore.bfs import Limits
    return Limits(max_states=100)


def test_failing_constant_invariant_is_a_runtime_error_with_a_trace():
    r = check_text(HEAD + "invariant I: 1 / 0 == 1\n")
    assert r.outcome is Outcome.ERROR and r.violation.name.startswith("division by zero")
    assert len(r.violation.trace) == 1


def test_failing_constant_is_named_at_its_line():
    """Was: 'cannot evaluate the constants: division by zero', without a place."""
    message = spec_error("spec T\nconst A = 1\nconst B = A / 0\nvar x : 0..3\ninit { x := 0 }\n")
    assert "<spec>:3:11: error: cannot evaluate constant B: division by zero" in message


# ---------------------------------------------------------------- answers that were wrong

def test_subseq_with_a_negative_end():
    """Was: <<1, 2>>: Python's s[0:-1] counts from the end."""
    assert evaluate("subseq(<<1, 2, 3>>, -3, -1)") == []
    assert evaluate("subseq(<<1, 2, 3>>, 0, 2)") == [{"#bigint": "1"}, {"#bigint": "2"}]
    assert evaluate("subseq(<<1, 2, 3>>, 2, 9)") == [{"#bigint": "2"}, {"#bigint": "3"}]


MSGS = ('spec T\ntype Msg = {kind: "a", x: 0..3} | {kind: "b", x: 0..3}\nvar msgs : set[Msg]\nvar y : 0..3\n'
        'init { msgs := {}\n  y := 0 }\n')


@pytest.mark.parametrize("use", ["action A { pick m in msgs where m.x == (choose v in {}: true)\n  y := 1 }",
                                 "invariant I: not (exists m in msgs: m.x == (choose v in {}: true))",
                                 "invariant I: forall m in msgs: m.x == min({}) => false"],
                         ids=["pick", "exists", "forall"])
def test_index_key_is_not_evaluated_for_an_empty_set(use):
    """Was: an error: the key of an index lookup was evaluated even when the set is empty,
    where the spec (and TLC) evaluates it once per element, i.e. never."""
    r = check_text(MSGS + use + "\n")
    assert r.outcome in (Outcome.DEADLOCK, Outcome.OK), r.violation


def test_guard_over_an_empty_parameter_domain_is_not_evaluated():
    """Was: an error: a guard moved out of the parameter loops ran although the loops were empty."""
    text = HEAD + "const Vals = {v1}\naction A(p in 0..-1, v in Vals) { require max({}) > 0\n  x := 1 }\n"
    assert check_text(text).outcome is Outcome.DEADLOCK


def test_guard_still_runs_once_per_outer_value():
    text = HEAD + "action A(b in 0..2, c in 0..1) { require b < 2\n  require x < 3\n  x := x + 1 }\n"
    r = check_text(text, limits=harness_limits())
    assert r.outcome is Outcome.DEADLOCK and r.stats.distinct == 4


def test_record_field_error_names_the_field():
    text = ('spec T\ntype Msg = {kind: "req", from: 0..3} | {kind: "ack", to: 0..3}\nvar msgs : set[Msg]\n'
            'var last : 0..3\ninit { msgs := {{kind: "ack", to: 1}}\n  last := 0 }\n'
            'action Read { pick m in msgs\n  last := m.from }\n')
    assert check_text(text).violation.name.startswith("record has no field 'from' (a message of another type?)")


# ---------------------------------------------------------------- sizes that never end

@pytest.mark.parametrize("expr, message", [
    ("size(0..1000000000000) > 0", "the set 0..1000000000000 has more than 1,000,000 elements"),
    ("size(subsets(0..30)) > 0", "subsets of a set of 31 elements: more than 1,000,000 sets"),
])
def test_sets_too_large_to_build_are_errors(expr, message):
    """Was: hours in C code (frozenset(range(...))) that no time limit can interrupt."""
    started = time.perf_counter()
    r = check_text(HEAD + f"invariant I: x > 5 or {expr}\n")
    assert r.outcome is Outcome.ERROR and r.violation.name.startswith(message)
    assert time.perf_counter() - started < 5


def test_products_are_bounded():
    r = check_text("spec T\nvar x : Nat\ninit { x := 2 }\naction Sq { x := x * x }\n")
    assert r.outcome is Outcome.ERROR
    assert r.violation.name.startswith("integer overflow: a product has more than 4000 digits")


def test_huge_integers_in_reports():
    """Was: ValueError: Exceeds the limit (4300 digits) for integer string conversion."""
    assert to_itf(10 ** 5000, IntK(), (), ()) == {"#bigint": "1" + "0" * 5000}


# ---------------------------------------------------------------- files and the command line

REPLAY_SPEC = "spec T\nvar x : 0..3\ninit { x := 0 }\naction Inc { x := x + 1 }\n"


@pytest.mark.parametrize("trace, message", [
    (b"[" * 100000, "nested too deeply"),
    (b'{"#meta": {"modelValues": {"a": 1}}, "states": []}', "'modelValues' must be a list of names"),
    (b'{"params": [{"a": 1}], "states": []}', "'params' must be a list of names"),
], ids=["deep JSON", "modelValues", "params"])
def test_bad_itf_traces(trace, message):
    """Was: RecursionError, TypeError: unhashable type."""
    outcome, detail = harness.run_replay(REPLAY_SPEC, trace)
    assert outcome == "spec_error" and message in detail, detail


def test_closed_pipe_is_not_a_traceback():
    """`modelcheck check ... | head -1`. Was: BrokenPipeError traceback."""
    proc = subprocess.Popen([sys.executable, "-m", "modelcheck.cli", "check", str(PAXOS)], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.wait(timeout=120)
    assert "Traceback" not in err and proc.returncode == 141


@pytest.mark.parametrize("field, junk", [(2, b"\x00" * 7), (3, b"\xff" * 8 * 3), (5, -1), (6, ((1, 2),)),
                                         (7, "deep"), (9, (("Req", None),)), (9, "renamed"),
                                         (11, float("nan"))],
                         ids=["fps length", "parents", "frontier base", "frontier states", "depth",
                              "action counts", "other actions", "seconds"])
def test_damaged_checkpoint(field, junk):
    """Was: TypeError, ValueError and the like from `check --resume` with a checkpoint whose
    identity is right but whose fields are not."""
    import marshal
    import hostile
    payload = list(hostile.real_checkpoint())
    payload[field] = junk if junk != "renamed" else tuple((name + "x", n) for name, n in payload[field])
    where = harness.workdir().path / "cp"
    where.mkdir(exist_ok=True)
    (where / "checkpoint.bin").write_bytes(marshal.dumps(tuple(payload)))
    outcome, detail = harness.run_spec_text(hostile.SMALL, extra=("--resume", str(where)), name="small.spec")
    assert outcome == "spec_error" and "is damaged" in detail, detail


def test_intact_checkpoint_resumes():
    import marshal
    import hostile
    where = harness.workdir().path / "cp"
    where.mkdir(exist_ok=True)
    (where / "checkpoint.bin").write_bytes(marshal.dumps(hostile.real_checkpoint()))
    outcome, detail = harness.run_spec_text(hostile.SMALL, extra=("--resume", str(where)), name="small.spec")
    assert outcome in ("ok", "violation", "deadlock", "incomplete"), detail
