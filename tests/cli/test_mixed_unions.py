"""Types that mix ints with strings and model values (`0..2 | None | "absent"`), and tuples of
different lengths in one type, through the command line: the ints and the model values
numbered alike stay distinct in counts, sets, symmetry, every output, replay, eval, the
declared-type contract and Z3. Counts are derived by hand in each test.

In MIXED the model values are None, p1, p2 (numbered 0, 1, 2 in the symbol table) and the
ints are 0..2: every model value's number is also an int of the type."""
from __future__ import annotations

import json
import re

from inprocess import modelcheck

MIXED = """spec Mixed
const Procs = {p1, p2}
model None
type Slot = 0..2 | None | "absent"
var reply : Procs -> Slot
init { reply := [p in Procs -> None] }
action Answer(p in Procs, n in 0..2) {
  require reply[p] == None
  reply[p] := n
}
action Drop(p in Procs) {
  require reply[p] != None and reply[p] != "absent"
  reply[p] := "absent"
}
action Forget(p in Procs) {
  require reply[p] == "absent"
  reply[p] := None
}
invariant Typed: forall p in Procs: reply[p] in {0, 1, 2, None, "absent"}
invariant NeverTwo: forall p in Procs: reply[p] != 2
invariant Arithmetic: forall p in Procs: reply[p] in 0..1 or reply[p] == None or reply[p] == "absent" or reply[p] + 1 == 3
"""

# Beyond ENUM_LIMIT's reach (Nat): packed as a flag and an int or a symbol; Z3 encodes it as a Real.
NAT_OR_NONE = """spec NatOrNone
model None
var n : Nat | None
init { n := None }
action Start { require n == None
  n := 0 }
action Inc { require n != None and n < 6
  n := n + 1 }
action Stop { require n == 6
  n := None }
invariant Small: n == None or n <= 6
invariant NotNat: not (None in Nat) and not (None in 0..6)
"""

TUPLES = """spec Tuples
const Small = {"x", "y"}
type Tag = "x" | "y"
var t : <<0..1>> | <<0..1, Tag>>
init { t := <<0>> }
action Set(a in 0..1) { require len(t) == 1
  t := <<a>> }
action Grow(s in Small) { require len(t) == 1
  t := <<t[1], s>> }
action Shrink { require len(t) == 2
  t := <<t[1]>> }
invariant Typed: len(t) == 1 or t[2] in Small
invariant FirstSmall: t[1] + 1 <= 2
"""


def write(tmp_path, text: str, name: str = "t.spec"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_ints_and_model_values_numbered_alike_are_distinct_states(tmp_path):
    """Each process's reply takes 5 values (0, 1, 2, None, "absent"), all reachable: 25 states.
    Were None the int 0, there would be 16."""
    spec = write(tmp_path, MIXED)
    run = modelcheck("check", spec, "--inv", "Typed", "--inv", "Arithmetic", "--json")
    assert run.returncode == 0, run.out
    assert run.json()["distinct_states"] == 25
    assert modelcheck("check", spec, "--inv", "Typed", "--workers", "2", "--json").json()["distinct_states"] == 25


def test_symmetry_over_a_mixed_type(tmp_path):
    """Swapping p1 and p2 pairs the 20 states with two different replies: 5 + 20 / 2 = 15."""
    spec = write(tmp_path, MIXED.replace("const Procs", "symmetry Procs\nconst Procs"))
    run = modelcheck("check", spec, "--inv", "Typed", "--json")
    assert run.returncode == 0 and run.json()["distinct_states"] == 15, run.out


SYMMETRIC_VOTES = """spec Votes
symmetry Procs
const Procs = {p1, p2, p3}
model None
var vote : Procs -> Procs | None | 0..1
init { vote := [p in Procs -> None] }
action Vote(p in Procs, q in Procs) { require vote[p] == None
  vote[p] := q }
action Number(p in Procs, n in 0..1) { require vote[p] == None
  vote[p] := n }
"""


def test_symmetry_permutes_the_model_values_inside_a_mixed_type(tmp_path):
    """Each of 3 processes votes None, 0, 1 or a process: 6^3 = 216 states. Orbits under the
    6 permutations of Procs (Burnside): the identity fixes 216, each of the 3 transpositions
    24 (the third process's vote is None, 0, 1 or itself; the other two's, one free of 6),
    each of the 2 three-cycles 6 (the first vote decides the others): (216 + 72 + 12) / 6 = 50."""
    spec = write(tmp_path, SYMMETRIC_VOTES)
    for workers in ("1", "2"):
        run = modelcheck("check", spec, "--no-deadlock", "--workers", workers, "--json")
        assert run.returncode == 0 and run.json()["distinct_states"] == 50, run.out
    plain = modelcheck("check", write(tmp_path, SYMMETRIC_VOTES.replace("symmetry Procs\n", "")), "--no-deadlock",
                       "--json")
    assert plain.json()["distinct_states"] == 216, plain.out


def test_an_int_is_not_the_model_value_with_its_number(tmp_path):
    run = modelcheck("check", write(tmp_path, MIXED), "--inv", "NeverTwo")
    assert run.returncode == 1, run.out
    assert "Shortest trace (1 step; the last state violates NeverTwo)" in run.stdout
    assert "State 2: Answer(p = p1, n = 2)\n    reply[p1]: None → 2\n" in run.stdout


def test_json_itf_and_replay_keep_ints_strings_and_model_values_apart(tmp_path):
    spec, itf = write(tmp_path, MIXED), tmp_path / "t.itf.json"
    run = modelcheck("check", spec, "--inv", "NeverTwo", "--json", "--out-itf", itf)
    last = run.json()["violation"]["trace"][-1]["state"]
    assert last["reply"] == {"#map": [[{"#model": "p1"}, {"#bigint": "2"}], [{"#model": "p2"}, {"#model": "None"}]]}
    written = json.loads(itf.read_text())
    assert written["states"][1]["reply"] == {"#map": [["p1", {"#bigint": "2"}], ["p2", "None"]]}
    assert set(written["#meta"]["modelValues"]) == {"None", "p1", "p2"}
    replayed = modelcheck("replay", spec, itf)
    assert replayed.returncode == 0 and "Trace accepted" in replayed.stdout, replayed.out
    # the int 0 is not None, whose number is 0
    written["states"][0]["reply"] = {"#map": [["p1", {"#bigint": "0"}], ["p2", "None"]]}
    itf.write_text(json.dumps(written))
    refused = modelcheck("replay", spec, itf)
    assert refused.returncode == 1 and "the first state is not an initial state" in refused.out, refused.out


def test_eval_keeps_ints_strings_and_model_values_apart(tmp_path):
    spec = write(tmp_path, MIXED)
    cases = {
        '{2, 1, 0} + {None, "absent"} + Procs': '{0, 1, 2, None, p1, p2, "absent"}',
        "None == 0": "false",
        "{0, 1, 2} + {None, p1, p2} == {0, 1, 2}": "false",
        "None in 0..2": "false",
        "p1 in Nat": "false",
        '"p1" == p1': "false",
        "{x in {0, 5, None, p1} | x in Int}": "{0, 5}",
        '[x in {0, None, "absent"} -> x == None]': '[0 -> false, None -> true, "absent" -> false]',
    }
    for expr, shown in cases.items():
        run = modelcheck("eval", spec, expr)
        assert (run.returncode, run.stdout) == (0, shown + "\n"), (expr, run.out)


def test_the_repl_steps_through_a_mixed_type(tmp_path):
    commands = write(tmp_path, ":step Answer\n:step 1\n:state\nreply[p1] == 0\n", "commands.txt")
    out = modelcheck("repl", write(tmp_path, MIXED), "--input", commands).stdout
    assert "reply = [p1 -> 0, p2 -> None]" in out, out
    assert "true" in out.split("reply = [p1 -> 0, p2 -> None]")[-1]


BAD = """spec Bad
const Procs = {p1, p2}
model None
var reply : Procs -> 0..2 | None | "absent"
var n : 0..1
init { reply := [p in Procs -> None]  n := 0 }
action Step { require n == 0
  n := 1 }
action Bad(p in Procs) { require n == 1
  reply[p] := VALUE }
"""


def test_a_value_outside_the_mixed_type_is_a_type_violation(tmp_path):
    for value, shown in [("3", "3"), ('"other"', '"other"'), ("p", "p1"), ("-1", "-1")]:
        run = modelcheck("check", write(tmp_path, BAD.replace("VALUE", value)), "--no-deadlock")
        assert run.returncode == 1, (value, run.out)
        assert (f'Error: a variable is outside its declared type: reply[p1] = {shown} is outside '
                f'0..2 | None | "absent" (var reply : Procs -> 0..2 | None | "absent", t.spec:4)') in run.stdout, run.out


def test_arithmetic_on_a_model_value_is_an_error_at_run_time(tmp_path):
    run = modelcheck("check", write(tmp_path, BAD.replace("VALUE", "reply[p] + 1")), "--no-deadlock")
    assert run.returncode == 2, run.out
    assert ("Error: the spec could not be evaluated: a string or model value is used as an int (in arithmetic, "
            "an order or an index): test first that the value is one, e.g. x in Int (at t.spec:10, with p = p1)") in run.stdout


def test_arithmetic_on_a_value_that_is_only_a_model_value_is_refused(tmp_path):
    run = modelcheck("check", write(tmp_path, BAD.replace("VALUE", "None + 1")))
    assert run.returncode == 2 and "t.spec:10:15: error: the left side of '+' must be int, got model value" in run.stderr


def test_a_set_mixing_ints_and_model_values_is_no_set_of_ints(tmp_path):
    run = modelcheck("check", write(tmp_path, BAD.replace("VALUE", "max({1, None})")))
    assert run.returncode == 2 and "t.spec:10:15:" in run.stderr, run.out


def test_nat_or_none_counts_and_z3_agree(tmp_path):
    """None, then 0..6: 8 states."""
    run = modelcheck("check", write(tmp_path, NAT_OR_NONE), "--z3")
    assert run.returncode == 0, run.out
    assert "8 distinct states found" in run.stdout
    assert "Z3 decided the invariants of 8 states" in run.stderr and "0 disagreements" in run.stderr


def test_z3_agrees_on_mixed_types_and_proves_and_refutes(tmp_path):
    spec = write(tmp_path, MIXED)
    run = modelcheck("check", spec, "--inv", "Typed", "--inv", "Arithmetic", "--z3")
    assert run.returncode == 0 and "Z3 decided the invariants of 25 states" in run.stderr, run.out
    assert "0 disagreements" in run.stderr
    proved = modelcheck("prove", spec, "--inv", "Typed")
    assert proved.returncode == 0 and "Proved: Typed is inductive" in proved.stdout, proved.out
    bmc = modelcheck("prove", spec, "--inv", "NeverTwo", "--depth", "2")
    assert bmc.returncode == 1 and re.search(r"reply\[p[12]\]: None → 2", bmc.stdout), bmc.out  # Z3 picks either


def test_tuples_of_different_lengths_in_one_type(tmp_path):
    """<<0>>, <<1>>, and <<a, s>> for a in 0..1, s in {"x", "y"}: 6 states."""
    spec = write(tmp_path, TUPLES)
    run = modelcheck("check", spec, "--z3", "--json")
    assert run.returncode == 0, run.out
    assert run.json()["distinct_states"] == 6
    assert "Z3 decided the invariants of 6 states" in run.stderr and "0 disagreements" in run.stderr
    bad = modelcheck("check", write(tmp_path, TUPLES.replace('t := <<t[1], s>>', 't := <<t[1], s, s>>')))
    assert bad.returncode == 1 and '<<0, "x", "x">> is outside' in bad.stdout, bad.out


def test_a_string_literal_is_not_the_model_value_of_the_same_name_in_z3(tmp_path):
    """Z3 gave "a1" the number of the model value a1, so that "a1" == a1 held there alone."""
    spec = write(tmp_path, """spec Names
const Servers = {a1, a2}
var v : Servers | "a1"
init { v := a1 }
action Flip { v := if v == a1 then "a1" else a1 }
invariant Distinct: "a1" != a1 and v in {a1, "a1"}
invariant StringOnlyOnce: v != "a1" or v != a1
""")
    run = modelcheck("check", spec, "--z3")
    assert run.returncode == 0, run.out
    assert "2 distinct states found" in run.stdout and "0 disagreements" in run.stderr
    assert modelcheck("prove", spec, "--inv", "Distinct").returncode == 0
