"""Every kind of input error, as a user meets it on the command line.

A spec error exits with code 2 and prints `file:line:col: error: ...`, the offending source
line with a caret under the place, and a `hint:` line; never a Python traceback.
"""
from __future__ import annotations

import re

import pytest

from cli.inprocess import modelcheck

BASE = """spec T
var x: 0..3
init {{ x := 0 }}
action Inc {{ require x < 3
  x := x + 1 }}
invariant Ok: {inv}
"""
INV_LINE, INV_COL = 6, 15  # where {inv} starts


def assert_no_traceback(proc):
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr


def assert_spec_error(proc, file, positions, *messages):
    """Exit code 2; stderr names file:line:col (one of `positions`), shows the source line with
    a caret at that column, a hint, the expected message parts, and no traceback."""
    err = proc.stderr
    assert proc.returncode == 2, (proc.returncode, proc.stdout, err)
    assert_no_traceback(proc)
    found = [(line, col) for line, col in positions if f"{file}:{line}:{col}: error:" in err]
    assert found, f"none of {positions} reported in:\n{err}"
    line, col = found[0]
    source = re.search(rf"^\s*{line} \| (.*)$", err, re.M)
    assert source, f"source line {line} not shown:\n{err}"
    caret = re.search(r"^\s*\| ( *)\^+\s*$", err, re.M)
    assert caret, f"no caret line:\n{err}"
    assert len(caret.group(1)) == col - 1, f"caret not under column {col}:\n{err}"
    assert re.search(r"^hint: \S", err, re.M), f"no hint:\n{err}"
    for m in messages:
        assert m in err, f"{m!r} not in:\n{err}"


@pytest.mark.parametrize("spec, positions, messages", [
    pytest.param("spec T\nvar x: 0..3\ninit { x = 0 }\n", [(3, 10)], ["syntax error", "'='"], id="syntax error"),
    pytest.param("spec T\nvar x: 0..3\ninit { x := (0 }\n", [(3, 16)], ["syntax error"], id="unbalanced parenthesis"),
    pytest.param("var x: 0..3\n", [(1, 1)], ["syntax error"], id="missing spec header"),
    pytest.param(BASE.format(inv="X >= 0"), [(INV_LINE, INV_COL)], ["unknown name 'X'", "did you mean 'x'"],
                 id="unknown name, case differs"),
    pytest.param(BASE.format(inv="1 + {2} == 3"), [(INV_LINE, INV_COL), (INV_LINE, INV_COL + 4)], ["'+'"],
                 id="int plus set"),
    pytest.param(BASE.format(inv="size(3) == 3"), [(INV_LINE, INV_COL), (INV_LINE, INV_COL + 5)], ["size"],
                 id="size of an int"),
    pytest.param(BASE.format(inv="if x then true else false"), [(INV_LINE, INV_COL + 3)], ["bool"],
                 id="if on an int"),
    pytest.param(BASE.format(inv="x == {1}"), [(INV_LINE, INV_COL)], ["int", "set"], id="int compared with set"),
    pytest.param(BASE.format(inv="forall n in Nat: n >= 0"), [(INV_LINE, INV_COL + 12)], ["Nat", "unbounded"],
                 id="unbounded domain"),
    pytest.param("spec T\nvar x: 0..3\ninit { x := 0 }\naction Inc { x := 1\n  x := 2 }\n", [(5, 3)],
                 ["'x'", "assigned twice"], id="variable assigned twice"),
    pytest.param("spec T\nvar x: 0..3\nvar y: 0..3\ninit { x := 0 }\n", [(4, 1), (3, 1)],
                 ["'y'", "no initial value"], id="variable without initial value"),
    pytest.param("spec T\nconst N = 3\nvar x: 0..3\ninit { x := 0 }\naction A { N := 1 }\n", [(5, 12)],
                 ["cannot assign 'N'"], id="assigning a constant"),
    pytest.param(BASE.format(inv="Undefined(x)"), [(INV_LINE, INV_COL)], ["Undefined"], id="unknown operator"),
])
def test_spec_error(spec_file, spec, positions, messages):
    path = spec_file(spec)
    assert_spec_error(modelcheck("check", path), path, positions, *messages)


def test_unknown_name_without_a_close_match_gives_a_general_hint(spec_file):
    path = spec_file(BASE.format(inv="zzz >= 0"))
    proc = modelcheck("check", path)
    assert_spec_error(proc, path, [(INV_LINE, INV_COL)], "unknown name 'zzz'")
    assert "did you mean" not in proc.stderr


def test_several_errors_are_all_reported(spec_file):
    path = spec_file(BASE.format(inv="X >= 0") + "invariant Also: size(3) == 3\n")
    proc = modelcheck("check", path)
    assert proc.returncode == 2
    assert f"{path}:6:15:" in proc.stderr and f"{path}:7:" in proc.stderr


CONST_SPEC = "spec T\nconst N = 3\nvar x: 0..3\ninit { x := 0 }\naction A { require x < N\n  x := x + 1 }\n"


@pytest.mark.parametrize("const, where, messages", [
    pytest.param("N={1}", "--const N", ["constant N", "int"], id="wrong type"),
    pytest.param("M=1", "--const M", ["'M'", "N"], id="unknown constant"),
    pytest.param("N={1", "--const N", ["syntax error"], id="value syntax error"),
])
def test_const_error(spec_file, const, where, messages):
    path = spec_file(CONST_SPEC)
    proc = modelcheck("check", path, "--const", const)
    col = 3 if const == "N={1" else 1
    assert_spec_error(proc, where, [(1, col)], *messages)


def test_wrong_const_type_points_at_the_declaration(spec_file):
    path = spec_file(CONST_SPEC)
    proc = modelcheck("check", path, "--const", "N={1}")
    assert f"{path}:2:1" in proc.stderr


@pytest.mark.parametrize("arg", ["N", "=3", "N="], ids=["no equals sign", "no name", "no value"])
def test_bad_const_syntax(spec_file, arg):
    proc = modelcheck("check", spec_file(CONST_SPEC), "--const", arg)
    assert proc.returncode == 2
    assert_no_traceback(proc)
    assert "NAME=VALUE" in proc.stderr


def test_unknown_invariant(spec_file):
    proc = modelcheck("check", spec_file(BASE.format(inv="x >= 0")), "--inv", "Nope")
    assert proc.returncode == 2
    assert_no_traceback(proc)
    assert "Nope" in proc.stderr
    hint = re.search(r"^hint: .*$", proc.stderr, re.M)
    assert hint and "Ok" in hint.group(0), proc.stderr  # lists the invariants there are


def test_missing_spec_file(tmp_path):
    missing = tmp_path / "no_such.spec"
    proc = modelcheck("check", missing)
    assert proc.returncode == 2
    assert_no_traceback(proc)
    assert str(missing) in proc.stderr and "does not exist" in proc.stderr
    assert re.search(r"^hint: \S", proc.stderr, re.M)


def test_spec_path_is_a_directory(tmp_path):
    proc = modelcheck("check", tmp_path)
    assert proc.returncode == 2
    assert_no_traceback(proc)
    assert re.search(r"^hint: \S", proc.stderr, re.M)


@pytest.mark.parametrize("args", [["--max-states", "0"], ["--max-depth", "-1"], ["--max-states", "many"]])
def test_bad_limit(spec_file, args):
    proc = modelcheck("check", spec_file(BASE.format(inv="x >= 0")), *args)
    assert proc.returncode == 2
    assert_no_traceback(proc)
    assert "positive integer" in proc.stderr


# ---------------------------------------------------------------- errors while evaluating

OUTSIDE_DOMAIN = """spec T
const A = {a1, a2}
model a3
var f: A -> 0..3
init { f := [a in A -> 0] }
action Go { pick a in {a1, a2, a3}
  require f[a] == 0
  f[a] := 1 }
"""


def test_map_applied_outside_its_domain(spec_file):
    proc = modelcheck("check", spec_file(OUTSIDE_DOMAIN))
    out = proc.stdout + proc.stderr
    assert proc.returncode == 2, out
    assert_no_traceback(proc)
    assert "outside its domain" in out, out
    assert re.search(r"\ba3\b", out), f"the offending key should be shown as written in the spec:\n{out}"
    assert "State 1: initial state" in out  # the trace to the state where evaluation failed


@pytest.mark.parametrize("body, message", [
    ("var x: 0..3\ninit { x := 0 }\naction Go { x := 3 / x }\n", "division by zero"),
    ("var s: seq[0..3]\ninit { s := tail(append(<<>>, 1)) }\naction Go { s := tail(s) }\n", "empty sequence"),
    ("var x: 0..3\ninit { x := 0 }\naction Go { x := choose y in 1..3: y > 5 }\n", "choose"),
    ("var x: 0..3\ninit { x := 0 }\naction Go { x := ([k in 1..2 -> 0] with [x + 5] = 1)[1] }\n", "outside"),
    ("var x: 0..3\ninit { x := 0 }\ninvariant Bad: min({k in 1..3 | k < x}) > 0\n", "min"),
], ids=["division by zero", "tail of empty", "choose without match", "with outside domain", "min of empty"])
def test_runtime_error(spec_file, body, message):
    proc = modelcheck("check", spec_file("spec T\n" + body))
    out = proc.stdout + proc.stderr
    assert proc.returncode == 2, out
    assert_no_traceback(proc)
    assert message in out, out
    assert "could not be evaluated" in out


def test_error_in_a_constant(spec_file):
    proc = modelcheck("check", spec_file("spec T\nconst R = choose x in 1..3: x > 5\nvar x: 0..3\ninit { x := 0 }\n"))
    assert proc.returncode == 2
    assert_no_traceback(proc)
    assert "choose" in proc.stderr
    assert re.search(r"^hint: \S", proc.stderr, re.M)
