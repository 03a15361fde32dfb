"""What a user coming from TLA+ types first: each TLA+ spelling is a syntax error whose caret is
under it and whose hint names ours; constants given the TLA+/TLC way on the command line; one
error per bad declaration. Run through `modelcheck check` in this process."""
from __future__ import annotations

import pytest

from cli.inprocess import modelcheck
from lang.test_errors import assert_spec_error

INV = """spec T
var x : 0..3
var y : 0..3
init {{ x := 0 y := 0 }}
action Inc {{ require x < 3
  x := x + 1 }}
invariant Ok: {inv}
"""
LINE = 7
COL = len("invariant Ok: ") + 1


@pytest.mark.parametrize("inv, offset, ours", [
    ("x /= 1", 2, "'!='"),
    ("x # 1", 2, "'!='"),
    ("x \\in 0..3", 2, "'in'"),
    ("x \\notin {1}", 2, "'not in'"),
    ("\\A z \\in 0..3: z >= 0", 0, "'forall x in S: p'"),
    ("\\E z \\in 0..3: z >= 0", 0, "'exists x in S: p'"),
    ("x >= 0 /\\ y >= 0", 7, "'and'"),
    ("x >= 0 \\/ y >= 0", 7, "'or'"),
    ("~(x == 1)", 0, "'not'"),
    ("{1} \\subseteq {1, 2}", 4, "'subseteq'"),
    ("{1} \\cup {2} == {1, 2}", 4, "'+' (sets)"),
])
def test_a_tla_operator_is_a_syntax_error_naming_our_spelling(tmp_path, inv, offset, ours):
    path = tmp_path / "t.spec"
    path.write_text(INV.format(inv=inv))
    run = modelcheck("check", path)
    assert_spec_error(run, path, [(LINE, COL + offset)], "syntax error", "TLA+'s spelling", ours)


def test_equals_for_equality_hints_at_double_equals(tmp_path):
    path = tmp_path / "t.spec"
    path.write_text(INV.format(inv="x = 1"))
    assert_spec_error(modelcheck("check", path), path, [(LINE, COL + 2)], "'=='", "TLA+'s '='")


@pytest.mark.parametrize("text, line, col, message", [
    ("spec T\ndef X == 1\n", 2, 7, "def Name = e"),
    ("spec T\nconst N == 1\n", 2, 9, "const N = 3"),
    ("spec T\nvar x : 0..3\ninit { x := 0 }\ninvariant I == x > 0\n", 4, 13, "invariant Name: e"),
])
def test_double_equals_for_a_definition_hints_at_our_form(tmp_path, text, line, col, message):
    path = tmp_path / "t.spec"
    path.write_text(text)
    assert_spec_error(modelcheck("check", path), path, [(line, col)], "syntax error", message)


@pytest.mark.parametrize("stmt", ["UNCHANGED y", "UNCHANGED <<x, y>>"])
def test_unchanged_says_that_unassigned_variables_keep_their_values(tmp_path, stmt):
    path = tmp_path / "t.spec"
    path.write_text(f"spec T\nvar x : 0..3\nvar y : 0..3\ninit {{ x := 0 y := 0 }}\n"
                    f"action Inc {{ require x < 3\n  x := x + 1\n  {stmt} }}\n")
    assert_spec_error(modelcheck("check", path), path, [(7, 3)], "syntax error", "no UNCHANGED")


CLIENTS = """spec T
const Clients = {c1, c2}
symmetry Clients
var owner : set[Clients]
init { owner := {} }
action Take(c in Clients) { owner := owner + {c} }
invariant Ok: forall c in owner: c in Clients
"""


def test_an_empty_set_for_a_set_of_model_values_is_accepted(tmp_path):
    path = tmp_path / "t.spec"
    path.write_text(CLIENTS)
    run = modelcheck("check", path, "--const", "Clients={}", "--no-deadlock")
    assert run.returncode == 0, run.out
    assert "1 distinct states" in run.out


def test_a_set_without_braces_on_the_command_line_hints_at_braces(tmp_path):
    path = tmp_path / "t.spec"
    path.write_text(CLIENTS)
    run = modelcheck("check", path, "--const", "Clients=c1,c2")
    assert_spec_error(run, "--const Clients", [(1, 3)], "syntax error", "--const 'Clients={c1,c2}'")
    run = modelcheck("check", path, "--const", "Clients=c1")
    assert_spec_error(run, "--const Clients", [(1, 1)], "expects set[model value]", "--const 'Clients={c1}'")


@pytest.mark.parametrize("decl", ["var x : Foo", "type M = Foo\nvar x : M"])
def test_a_bad_declaration_is_reported_once_not_at_each_use(tmp_path, decl):
    path = tmp_path / "t.spec"
    path.write_text(f"spec T\n{decl}\ninit {{ x := 0 }}\naction Inc {{ require x < 3\n  x := x + 1 }}\n"
                    "action Dec { require x > 0\n  x := x - 1 }\ninvariant Ok: x >= 0\n")
    run = modelcheck("check", path)
    assert run.returncode == 2
    assert run.stderr.count("error:") == 1, run.stderr
    assert "unknown name 'Foo'" in run.stderr


@pytest.mark.parametrize("inv", [
    "let c = choose z in 0..3: z > 1 in c == 2",
    "let a = 1, c = choose z in 0..3: z > a and not z == 3 in c == 2",
    "let c = if x > 0 then 1 else 2 in c > 0",
    "let c = forall z in 0..3: z >= 0 in c",
    "let c = exists z in 0..3: z >= 3 in c",
])
def test_choose_and_quantifiers_inside_let_parse(tmp_path, inv):
    path = tmp_path / "t.spec"
    path.write_text(INV.format(inv=inv))
    run = modelcheck("check", path, "--no-deadlock")
    assert run.returncode == 0, run.out


NEVER = """spec Never
var x : 0..3
init { x := 0 }
action Inc { require x < 3
  x := x + 1 }
action Reset { require x > 5
  x := 0 }
action Fail { require x == 2
  x := 3 / 0 }
invariant Ok: x <= 3
"""


def test_never_enabled_is_not_claimed_after_a_search_that_stopped_early(tmp_path):
    path = tmp_path / "t.spec"
    path.write_text(NEVER.replace("x == 2", "x == 7"))
    complete = modelcheck("check", path, "--no-deadlock")
    assert complete.returncode == 0 and "Warning: never enabled: Reset, Fail" in complete.out, complete.out
    limited = modelcheck("check", path, "--no-deadlock", "--max-depth", "2")
    assert limited.returncode == 3 and "never enabled" not in limited.out, limited.out
    assert modelcheck("check", path, "--no-deadlock", "--max-depth", "2", "--json").json()["never_enabled"] == []
    path.write_text(NEVER)
    failed = modelcheck("check", path, "--no-deadlock")
    assert failed.returncode == 2 and "division by zero" in failed.out
    assert "never enabled" not in failed.out, failed.out


GUARDED = """spec Never
var x : 0..3
var y : 0..3
init { x := 0 y := 0 }
action Inc { require x < 3
  x := x + 1 }
action Reset(i in 1..2) {
  require x >= i        // true in some states
  require y > x         // never true
  x := 0 }
action Take { pick z in 0..3 where z > 5
  y := z }
"""


def test_never_enabled_names_the_guard_that_was_never_true(tmp_path):
    path = tmp_path / "t.spec"
    path.write_text(GUARDED)
    run = modelcheck("check", path, "--no-deadlock")
    assert run.returncode == 0, run.out
    assert "Warning: never enabled: Reset, Take" in run.out
    assert "Reset: its guard y > x (t.spec:9) was false in every state where it was evaluated" in run.out
    assert "Take: its guard z > 5 (t.spec:11) was false" in run.out
    as_json = modelcheck("check", path, "--no-deadlock", "--json").json()
    assert as_json["never_true_guards"] == {"Reset": "y > x (t.spec:9)", "Take": "z > 5 (t.spec:11)"}


def test_no_guard_is_named_where_none_was_evaluated(tmp_path):
    path = tmp_path / "t.spec"
    # Take's pick has nothing to pick from: no guard of it is ever evaluated
    path.write_text(GUARDED.replace("pick z in 0..3 where z > 5", "pick z in {w in 0..3 | w > 5}"))
    run = modelcheck("check", path, "--no-deadlock")
    assert "Warning: never enabled: Reset, Take" in run.out
    assert "Reset: its guard y > x" in run.out and "Take: its guard" not in run.out
