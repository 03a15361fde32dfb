"""Constructs a TLA+ transcription needs, each through `modelcheck check` (and `--z3`, which
either encodes the construct or refuses it at its file:line:col): lazy lets in actions,
tuples used as sequences, record updates, recursive operators, filtering a sequence,
function sets, operators used at several types, bound names beside model values."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cli.inprocess import modelcheck
from conftest import I, NO_DEADLOCK, T, check_text, evaluate
from lang.test_errors import assert_spec_error
from modelcheck.explore.result import Outcome
from modelcheck.lang.parser import parse_text
from modelcheck.lang.typecheck import typecheck


def run_spec(tmp_path, text: str, *args: str):
    path = tmp_path / "t.spec"
    path.write_text(text)
    return path, modelcheck("check", path, *args)


# ---------------------------------------------------------------- let in an action, as TLA+'s LET

LAZY = """spec T
var x : 0..3
init { x := 0 }
action Step {
  let bad = 10 / (x - x)   // no value: division by zero
  either {
    require x < 3
    x := x + 1
  } or {
    require x > USE
    x := bad
  }
}
"""


def test_a_let_whose_value_fails_is_no_error_where_it_is_not_used(tmp_path):
    _, run = run_spec(tmp_path, LAZY.replace("USE", "5"), "--no-deadlock")
    assert run.returncode == 0, run.out
    assert "4 distinct states" in run.out


def test_a_let_whose_value_fails_is_an_error_where_it_is_used(tmp_path):
    _, run = run_spec(tmp_path, LAZY.replace("USE", "1"), "--no-deadlock")
    assert run.returncode == 2, run.out
    assert "division by zero" in run.out and "t.spec:5" in run.out


def test_a_let_read_by_several_branches_is_computed_once_per_path():
    spec = """spec T
var x : 0..3
var y : 0..9
init { x := 0 y := 0 }
action Step {
  let next = x + 1
  require x < 3
  either { x := next } or { x := next  y := y + 1 }
}
"""
    result = check_text(spec, limits=NO_DEADLOCK)
    assert result.outcome is Outcome.OK
    assert result.stats.distinct == 10  # (x, y) with y <= x


# ---------------------------------------------------------------- <<a, b>> as a sequence

@pytest.mark.parametrize("expr, value", [
    ("{<<5, 6, 7>>[i] for i in 1..3}", {"#set": [I(5), I(6), I(7)]}),
    ("len(<<1, 2>>)", I(2)),
    ("append(<<1, 2>>, 3)", [I(1), I(2), I(3)]),
    ("<<1, 2>> ++ <<3>>", [I(1), I(2), I(3)]),
    ("head(<<4, 5>>)", I(4)),
    ("<<4, 5>>[1 + 1]", I(5)),
])
def test_a_tuple_of_one_type_is_a_sequence(expr, value):
    assert evaluate(expr) == value


def test_a_tuple_indexed_out_of_range_by_a_computed_int_is_a_runtime_error(tmp_path):
    _, run = run_spec(tmp_path, "spec T\nvar x : 0..3\ninit { x := 0 }\n"
                                "action Inc { require x < 3\n  x := x + 1 }\ninvariant Ok: <<1, 2>>[x] > 0\n")
    assert run.returncode == 2 and "sequence index 0 out of range 1..2" in run.out, run.out


def test_a_tuple_of_ints_and_strings_is_a_sequence_indexed_by_any_int(tmp_path):
    _, run = run_spec(tmp_path, "spec T\nvar x : 1..2\ninit { x := 1 }\naction Inc { require x < 2\n  x := x + 1 }\n"
                                "invariant Ok: <<1, \"a\">>[x] == 1\n", "--no-deadlock")
    assert run.returncode == 1 and "invariant Ok is violated" in run.out and "x: 1 → 2" in run.out, run.out


def test_a_tuple_mixing_records_and_ints_is_indexed_by_literals_only(tmp_path):
    path, run = run_spec(tmp_path, "spec T\nvar x : 1..2\ninit { x := 1 }\ninvariant Ok: <<1, {f: 1}>>[x] == 1\n")
    assert_spec_error(run, path, [(4, 29)], "indexed by a literal", "mixes int, {f: int}")


def test_a_tuple_indexed_by_a_computed_int_encodes_for_z3(tmp_path):
    _, run = run_spec(tmp_path, "spec T\nvar x : 1..3\ninit { x := 1 }\n"
                                "action Inc { require x < 3\n  x := x + 1 }\n"
                                "invariant Ok: <<5, 6, 7>>[x] == x + 4\n", "--z3", "--no-deadlock")
    assert run.returncode == 0, run.out
    assert "Z3 decided the invariants of 3 states" in run.out


# ---------------------------------------------------------------- record update

def test_record_update_with_a_field():
    assert evaluate("({f: 1, g: 2} with .f = 3, .g = 4).g") == I(4)


@pytest.mark.parametrize("where", ["invariant Ok: (r with [f] = 3).f == 3", "action A { r[f] := 3 }"])
def test_record_update_written_as_a_key_names_the_field_syntax(tmp_path, where):
    path, run = run_spec(tmp_path, f"spec T\nvar r : {{f: 0..3, g: 0..3}}\ninit {{ r := {{f: 0, g: 0}} }}\n{where}\n")
    col = where.index("[f]") + 1
    assert_spec_error(run, path, [(4, col)], "a record's field is updated with '.f'", "r with .f = v")
    assert "unknown name" not in run.stderr


# ---------------------------------------------------------------- recursive operators

RECURSIVE = """spec R
const Xs = <<3, 1, 2>>
var s : seq[0..3, 3]
init { s := <<>> }
def Sum(q) = if q == <<>> then 0 else head(q) + Sum(tail(q))
def Even(n) = if n == 0 then true else Odd(n - 1)
def Odd(n) = if n == 0 then false else Even(n - 1)
def Rev(q) = if len(q) <= 1 then q else append(Rev(tail(q)), head(q))
def Elems(q) = if q == <<>> then {} else {head(q)} + Elems(tail(q))
action Push(x in 0..3) { require len(s) < 3
  s := append(s, x) }
invariant SumOk: Sum(s) <= 9 and Sum(Xs) == 6
invariant Parity: Even(len(s)) == (len(s) % 2 == 0) and Odd(3)
invariant RevOk: len(Rev(s)) == len(s) and (s == <<>> or head(Rev(s)) == s[len(s)])
invariant ElemsOk: Elems(s) == range(s)
"""


def test_recursive_operators_evaluate():
    result = check_text(RECURSIVE, limits=NO_DEADLOCK)
    assert result.outcome is Outcome.OK
    assert result.stats.distinct == 85
    assert evaluate("Rev(<<1, 2, 3>>)", "def Rev(q) = if len(q) <= 1 then q else append(Rev(tail(q)), head(q))") \
        == [I(3), I(2), I(1)]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sets(st.integers(0, 3), max_size=2), st.booleans()), min_size=4, max_size=4),
       st.permutations(range(4)), st.integers(0, 3))
def test_an_operator_reads_the_state_exactly_when_something_it_calls_does(ops, order, top):
    """Recursive cycles among operators, declared in any order: the checker's 'reads the
    state' flag (which decides what is hoisted as a constant) is reachability of a variable
    in the call graph; operators checked while a cycle was half known get it too."""
    names = "abcd"
    lines = []
    for i in order:
        calls, reads = ops[i]
        body = " + ".join([f"{names[j]}(n - 1)" for j in sorted(calls)] + (["x"] if reads else [])) or "1"
        lines.append(f"def {names[i]}(n) = if n <= 0 then 0 else {body}")
    text = ("spec M\nvar x : 0..5\ninit { x := 0 }\n" + "\n".join(lines) +
            f"\ndef k = {names[top]}(3)\naction Inc {{ require x < 5\n  x := x + 1 }}\ninvariant Small: k < 99\n")
    checked = typecheck(parse_text(text, "m.spec"))

    def reads_state(i: int, seen: frozenset = frozenset()) -> bool:
        calls, reads = ops[i]
        return reads or any(j not in seen and reads_state(j, seen | {i}) for j in calls)

    for i in range(4):
        assert checked.defs[names[i]].state_dependent == reads_state(i), (text, names[i])
    assert checked.defs["k"].state_dependent == reads_state(top)


def test_a_recursion_that_does_not_end_is_a_runtime_error_naming_the_operator_and_the_depth(tmp_path):
    _, run = run_spec(tmp_path, RECURSIVE + "def Forever(n) = Forever(n + 1) + 1\n"
                                            "invariant Bad: len(s) < 2 or Forever(0) > 0\n", "--no-deadlock")
    assert run.returncode == 2, run.out
    assert "operator 'Forever' recursed 100 calls deep" in run.out and "at t.spec:16" in run.out
    assert "Shortest trace (2 steps" in run.out


def test_a_parameterless_operator_defined_by_itself_is_a_static_error(tmp_path):
    path, run = run_spec(tmp_path, "spec T\nvar x : 0..3\ninit { x := 0 }\ndef A = B + 1\ndef B = A\n"
                                   "invariant Ok: A > 0\n")
    assert_spec_error(run, path, [(5, 9)], "'A' is defined in terms of itself (A -> B -> A)")


def test_a_recursive_call_with_arguments_of_another_type_is_a_static_error(tmp_path):
    path, run = run_spec(tmp_path, "spec T\nvar x : 0..3\ninit { x := 0 }\n"
                                   "def F(n) = if n == 0 then 0 else F({n})\ninvariant Ok: F(x) == 0\n")
    assert_spec_error(run, path, [(4, 34)], "argument of 'F': expected int, got set[int]")


def test_z3_encodes_recursion_that_ends_and_refuses_one_that_unfolds_on_symbolic_values(tmp_path):
    path = tmp_path / "t.spec"
    path.write_text(RECURSIVE)
    ok = modelcheck("check", path, "--no-deadlock", "--z3", "--inv", "SumOk", "--inv", "RevOk", "--inv", "ElemsOk")
    assert ok.returncode == 0, ok.out
    assert "Z3 decided the invariants of 85 states" in ok.out
    refused = modelcheck("check", path, "--no-deadlock", "--z3", "--inv", "Parity")
    assert refused.returncode == 2
    assert "error: cannot encode for Z3: cannot encode the recursive operator" in refused.stderr
    assert "t.spec:" in refused.stderr and "Traceback" not in refused.out


# ---------------------------------------------------------------- bound names and model values

BOUND = """spec T
const Procs = {p1, p2}
var x : Procs
init { x := choose r in Procs: true }
action Go(p in Procs) { x := p }
def Other(q) = choose r in Procs: r != q
invariant Ok: forall p in Procs: x == p or Other(p) == x
"""


def test_a_model_value_named_on_the_command_line_like_a_bound_name_is_shadowed_where_bound(tmp_path):
    _, run = run_spec(tmp_path, BOUND, "--const", "Procs={p, q}")
    assert run.returncode == 0, run.out
    assert "2 distinct states" in run.out


def test_a_model_value_of_the_spec_named_like_a_bound_name_is_an_error(tmp_path):
    path, run = run_spec(tmp_path, BOUND.replace("{p1, p2}", "{p, p2}"))
    assert_spec_error(run, path, [(5, 11)], "'p' is already declared in the spec")


# ---------------------------------------------------------------- [x in s | p]: filtering a sequence

@pytest.mark.parametrize("expr, value", [
    ("[x in <<1, 5, 2, 7>> | x > 1]", [I(5), I(2), I(7)]),
    ("[x in <<3, 1>> | x > 5]", []),
    ("[r in <<{k: 1}, {k: 2}>> | r.k == 2]", [{"k": I(2)}]),
    ("[x in <<1, 2, 3>> | x % 2 == 1][2]", I(3)),
])
def test_a_sequence_filter_keeps_the_order(expr, value):
    assert evaluate(expr) == value


FILTER = """spec SF
var s : seq[0..3, 3]
init { s := <<>> }
action Push(x in 0..3) { require len(s) < 3
  s := append(s, x) }
def Big(q) = [x in q | x >= 2]
invariant FilterOk: len(Big(s)) == size({i in 1..len(s) | s[i] >= 2})
                    and (forall i in 1..len(Big(s)): Big(s)[i] >= 2)
invariant AtMostOne: len(Big(s)) <= 1
"""


def test_a_sequence_filter_checks_encodes_for_z3_and_proves(tmp_path):
    path = tmp_path / "t.spec"
    path.write_text(FILTER)
    run = modelcheck("check", path, "--no-deadlock", "--z3", "--inv", "FilterOk")
    assert run.returncode == 0 and "Z3 decided the invariants of 85 states" in run.out, run.out
    assert modelcheck("prove", path, "--inv", "FilterOk").returncode == 0
    broken = modelcheck("check", path, "--no-deadlock", "--inv", "AtMostOne")
    assert broken.returncode == 1 and "Shortest trace (2 steps" in broken.out


def test_a_set_filtered_as_a_sequence_names_the_set_syntax(tmp_path):
    path, run = run_spec(tmp_path, "spec T\nvar x : 0..3\ninit { x := 0 }\ninvariant Ok: [y in {1, 2} | y > 0] == <<>>\n")
    assert_spec_error(run, path, [(4, 21)], "filters a sequence, got set[int]", "{y in S | p}")


# ---------------------------------------------------------------- [S -> T]: function sets

FUNCTIONS = """spec FS
const Node = {n1, n2, n3}
var up : Node -> bool
var k : Node -> 0..2
init {
  pick f in [Node -> bool]          // TLA+'s up \\in [Node -> BOOLEAN]
  up := f
  k := [n in Node -> 0]
}
action Flip(n in Node) { up[n] := not up[n] }
action Bump(n in Node) { require k[n] < 2
  k[n] := k[n] + 1 }
invariant Typed: up in [Node -> bool] and k in [Node -> 0..2] and k not in [Node -> 0..1] or k[n1] < 2
invariant Count: size([Node -> bool]) == 8 and size([{} -> bool]) == 1 and size([Node -> {}]) == 0
invariant Some: exists g in [Node -> 0..2]: g == k
"""


def test_function_sets_as_initial_states_memberships_and_quantifier_domains(tmp_path):
    path = tmp_path / "t.spec"
    path.write_text(FUNCTIONS)
    run = modelcheck("check", path)
    assert run.returncode == 0, run.out
    assert "216 distinct states" in run.out  # 8 initial maps times 27 counters
    assert evaluate("[x in {1, 2} -> 0] in [{1, 2} -> 0..1]") is True
    assert evaluate("[{1, 2} -> {7}]") == {"#set": [{"#map": [[I(1), I(7)], [I(2), I(7)]]}]}


def test_function_sets_encode_for_z3(tmp_path):
    path = tmp_path / "t.spec"
    path.write_text(FUNCTIONS)
    run = modelcheck("check", path, "--z3")
    assert run.returncode == 0 and "Z3 decided the invariants of 216 states" in run.out, run.out
    assert modelcheck("prove", path, "--inv", "Typed").returncode == 0


def test_a_function_set_of_a_non_set_is_a_static_error(tmp_path):
    path, run = run_spec(tmp_path, "spec T\nvar x : 0..3\ninit { x := 0 }\ninvariant Ok: size([x -> bool]) > 0\n")
    assert_spec_error(run, path, [(4, 21)], "the domain of '[S -> T]' must be a set, got int")


def test_a_function_set_too_large_to_build_is_a_runtime_error(tmp_path):
    _, run = run_spec(tmp_path, "spec T\nvar x : 0..3\ninit { x := 0 }\n"
                                "invariant Ok: size([1..30 -> 0..9]) > 0\n")
    assert run.returncode == 2 and "has more than 1,000,000 maps" in run.out, run.out


# ---------------------------------------------------------------- operators used at several types

GENERIC = """spec G
const Procs = {p1, p2}
var x : 0..3
var s : set[Procs]
init { x := 0 s := {} }
def Max(S) = choose m in S: forall y in S: m >= y
def Pick(S) = choose m in S: true
def Both(a, b) = {a, b}
def Count(q) = if q == <<>> then 0 else 1 + Count(tail(q))
def Within(S, e) = e in S and x >= 0          // reads the state
action Inc { require x < 3
  x := x + 1 }
action Add(p in Procs) { s := s + {p} }
invariant Ints: Max({x, 1}) >= 1 and Max(1..3) == 3
invariant Models: s == {} or Pick(s) in Procs
invariant Mixed: Pick({x}) == x and Pick({"a"}) == "a" and Both(1, 2) == {1, 2} and Both(p1, p2) == Procs
invariant Counts: Count(<<1, 2>>) == 2 and Count(<<"a">>) == 1 and Count(<<p1, p2, p1>>) == 3
invariant States: Within(0..3, x) and (s == {} or Within(Procs, Pick(s)))
"""


def test_an_operator_is_usable_at_several_argument_types(tmp_path):
    path = tmp_path / "t.spec"
    path.write_text(GENERIC)
    run = modelcheck("check", path, "--no-deadlock")
    assert run.returncode == 0 and "16 distinct states" in run.out, run.out
    z3 = modelcheck("check", path, "--no-deadlock", "--z3")
    assert z3.returncode == 0 and "Z3 decided the invariants of 16 states" in z3.out, z3.out


def test_a_use_at_types_the_body_rejects_is_an_error_naming_the_call(tmp_path):
    path, run = run_spec(tmp_path, GENERIC + "invariant Strings: Max({\"a\"}) == \"a\"\n", "--no-deadlock")
    assert_spec_error(run, path, [(6, 44)], "the left side of '>=' must be int, got string",
                      "'Max' is checked for the argument types of the call at", "t.spec:19:20: set[string]")


# ---------------------------------------------------------------- unions of strings and model values

UNION = """spec U
const Servers = {s1, s2}
type Vote = "none" | Servers
var vote : Servers -> Vote
var log : seq["noop" | Servers, 2]
init { vote := [s in Servers -> "none"]  log := <<>> }
action Cast(s in Servers, t in Servers) { require vote[s] == "none"
  vote[s] := t }
action Note(s in Servers) { require len(log) < 2
  log := append(log, if vote[s] == "none" then "noop" else vote[s]) }
invariant Typed: forall s in Servers: vote[s] in {"none"} + Servers
invariant Short: len(log) < 2 or log[2] != s2
"""


def test_a_union_of_strings_and_model_values_checks_and_reports_each_as_written(tmp_path):
    path = tmp_path / "t.spec"
    path.write_text(UNION)
    run = modelcheck("check", path, "--no-deadlock", "--inv", "Short")
    assert run.returncode == 1, run.out
    assert 'vote = [s1 -> "none", s2 -> "none"]' in run.out   # strings quoted
    assert "log ++ <<s2>>" in run.out                        # model values bare
    assert modelcheck("check", path, "--no-deadlock", "--inv", "Typed").returncode == 0


def test_symmetry_and_z3_over_a_union_of_strings_and_model_values(tmp_path):
    path = tmp_path / "t.spec"
    path.write_text(UNION)
    plain = modelcheck("check", path, "--no-deadlock", "--inv", "Typed")
    path.write_text(UNION.replace("type Vote", "symmetry Servers\ntype Vote"))
    reduced = modelcheck("check", path, "--no-deadlock", "--inv", "Typed", "--z3")
    assert plain.returncode == 0 and "71 distinct states" in plain.out, plain.out
    assert reduced.returncode == 0 and "40 distinct states" in reduced.out, reduced.out
    assert "Z3 decided the invariants of 40 states" in reduced.out


def test_a_union_of_bools_and_ints_is_refused_with_the_ways_to_write_it(tmp_path):
    path, run = run_spec(tmp_path, 'spec T\ntype V = 0..2 | bool\nvar x : V\ninit { x := 0 }\n')
    assert_spec_error(run, path, [(2, 17)], "type mismatch in the alternatives of a union type: int vs bool",
                      "ints, strings and model values mix in one type, bools do not", "model Unknown")
