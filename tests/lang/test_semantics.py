"""The meaning of every construct of the spec language, against values worked out by hand.

Constant expressions are evaluated as `const R = <expr>` and compared in ITF encoding;
constructs that need a state (variables, actions and their statements) are checked through
the number of states they reach and the invariants that hold or break.
"""
from __future__ import annotations

import pytest

from conftest import NO_DEADLOCK, I, M, S, T, check_text, evaluate, ints
from modelcheck import pipeline
from modelcheck.explore.result import Outcome
from modelcheck.values import ModelValue



def case(expr: str, expected, id: str | None = None):
    return pytest.param(expr, expected, id=id or expr)


# ---------------------------------------------------------------- constant expressions

ARITHMETIC = [
    case("1 + 2", I(3)),
    case("1 - 2 - 3", I(-4), "subtraction is left associative"),
    case("2 + 3 * 4", I(14), "* binds tighter than +"),
    case("(2 + 3) * 4", I(20)),
    case("7 / 2", I(3)),
    case("-7 / 2", I(-4), "division floors towards -infinity"),
    case("7 / -2", I(-4)),
    case("20 / 3 / 2", I(3), "division is left associative"),
    case("7 % 3", I(1)),
    case("-7 % 3", I(2), "modulo has the sign of the divisor"),
    case("10 % 3 * 2", I(2)),
    case("-7 / 2 * 2 + -7 % 2", I(-7), "a == (a / b) * b + a % b"),
    case("-(2 + 3)", I(-5)),
    case("- -3", I(3)),
    case("3 - -3", I(6)),
    case("-2 * 3", I(-6)),
]

COMPARISON_AND_LOGIC = [
    case("1 == 1", True), case("1 != 1", False), case("1 < 2", True), case("2 < 1", False),
    case("2 <= 2", True), case("3 > 2", True), case("2 >= 3", False),
    case("true and false", False), case("true or false", True), case("not true", False),
    case("not false and false", False, "not binds tighter than and"),
    case("true or false and false", True, "and binds tighter than or"),
    case("true => false", False), case("false => false", True), case("false => true", True),
    case("false => true => false", True, "=> is right associative"),
    case("(true => false) => false", True),
    case("true <=> true", True), case("true <=> false", False), case("false <=> false", True),
    case("if 1 < 2 then 10 else 20", I(10)), case("if 2 < 1 then 10 else 20", I(20)),
    case("if false then {1} else {}", S()),
    case("let a = 1 in a + 1", I(2)),
    case("let a = 1, b = a + 1 in a + b", I(3), "a later let binding sees an earlier one"),
    case("let a = 1, b = a + 1, c = b * 10 in c - a", I(19)),
    case("let s = {1, 2} in size(s) + max(s)", I(4)),
]

SETS = [
    case("{3, 1, 2}", ints(1, 2, 3), "set literal, listed sorted"),
    case("{1, 1, 2}", ints(1, 2), "duplicates collapse"),
    case("{}", S()),
    case("1..3", ints(1, 2, 3)),
    case("3..1", S(), "an empty range"),
    case("1..2+1", ints(1, 2, 3), "+ binds tighter than .."),
    case("{1, 2} + {2, 3}", ints(1, 2, 3), "union"),
    case("{1, 2, 3} - {2}", ints(1, 3), "difference"),
    case("{1, 2} & {2, 3}", ints(2), "intersection"),
    case("{1, 2} + {3} - {1}", ints(2, 3)),
    case("{1, 2, 3} & {2, 3} & {3}", ints(3)),
    case("2 in {1, 2}", True), case("3 in {1, 2}", False), case("1 in {}", False),
    case("2 not in {1, 2}", False), case("3 not in {1, 2}", True),
    case("2 in 1..3", True), case("4 in 1..3", False),
    case("{1} subseteq {1, 2}", True), case("{1, 2} subseteq {1}", False),
    case("{} subseteq {1}", True),
    case("{1} <= {1, 2}", True), case("{1, 2} <= {1}", False), case("{1, 2} <= {1, 2}", True),
    case("{1} == {1}", True), case("{1, 2} == {2, 1}", True), case("{} == {}", True),
    case("subsets({1, 2})", S(S(), ints(1), ints(2), ints(1, 2))),
    case("subsets({})", S(S())),
    case("{1} in subsets({1, 2})", True), case("{3} in subsets({1, 2})", False),
    case("size({1, 2, 3})", I(3)), case("size({})", I(0)),
    case("size({1, 2} + {2, 3})", I(3)),
    case("union({{1}, {2, 3}})", ints(1, 2, 3)),
    case("union({{1, 2}, {2}})", ints(1, 2)),
    case("{x in 1..5 | x % 2 == 0}", ints(2, 4), "set filter"),
    case("{x in 1..3 | false}", S()),
    case("{x in subsets({1, 2}) | size(x) == 1}", S(ints(1), ints(2))),
    case("{x * x for x in 1..3}", ints(1, 4, 9), "set map"),
    case("{x + y for x in 1..2, y in 10..11}", ints(11, 12, 13), "set map with two binders"),
    case("{x * y for x in 1..3, y in 1..3 if x < y}", ints(2, 3, 6), "set map with a condition"),
    case("{<<x, y>> for x in 1..2, y in x..2}", S(T(I(1), I(1)), T(I(1), I(2)), T(I(2), I(2))),
         "a later binder's domain uses an earlier binder"),
    case("{0 for x in {}}", S()),
    case("{{2}, {1}}", S(ints(1), ints(2)), "a set of sets"),
    case('{"zz", "aa", "mm"}', S("aa", "mm", "zz"), "strings are listed sorted"),
]

QUANTIFIERS = [
    case("forall x in 1..3: x > 0", True), case("forall x in 1..3: x > 1", False),
    case("exists x in 1..3: x == 2", True), case("exists x in 1..3: x == 4", False),
    case("forall x in {}: false", True), case("exists x in {}: true", False),
    # over a map's domain, reading only f[k]: compiled as a loop over the values
    case("let f = [x in 1..3 -> x * x] in forall k in domain(f): f[k] >= 1", True),
    case("let f = [x in 1..3 -> x * x] in forall k in domain(f): f[k] >= 2", False),
    case("let f = [x in 1..3 -> x * x] in exists k in domain(f): f[k] == 4", True),
    case("let f = [x in {} -> 0] in exists k in domain(f): f[k] == 0", False),
    case("let f = [x in 1..3 -> x * x] in forall k in domain(f): f[k] == k * k", True),
    case("forall x in 1..3, y in 1..3: x + y >= 2", True),
    case("forall x in 1..3, y in 1..3: x + y >= 3", False),
    case("exists x in 1..3, y in 1..3: x + y == 6", True),
    case("exists x in 1..3, y in 1..3: x + y == 7", False),
    case("forall x in 1..3, y in x..3: x <= y", True, "binder domain uses an earlier binder"),
    case("exists x in 1..3: forall y in 1..3: y <= x", True),
    # over a few elements known in advance a quantifier is written out; over more, a loop
    case("forall x in -2..1: x * x <= 4", True), case("forall x in -2..1: x * x < 4", False),
    case("exists x in -2..-1: x == -1", True), case("exists x in 1..20: x == 20", True),
    case("forall x in 1..20: x < 20", False), case("forall x in 1..3, y in 1..3: x * y <= 9", True),
    case("exists x in 1..3, y in 1..3: x * y == 6 and x < y", True),
    # a conjunct of the guard is tested once its binders are bound, in the written order
    case("forall x in 1..3, y in 1..3: x < 3 and y > x => x + y <= 5", True),
    case("forall x in 1..3, y in 1..3: x < 3 and y > x => x + y <= 4", False),
    case("forall x in 1..3, y in 1..3, z in 1..2: x == 2 and y == 3 => x + y + z <= 6", False),
    case("exists x in 1..3, y in 1..3: x == 2 and y == x + 1", True),
    case("exists x in 1..3, y in 1..3: x == 3 and y > x", False),
    case("forall x in 1..2, y in 1..2: x > 5 and y / 0 == 1 => false", True,
         "a conjunct after a false one is not evaluated"),
    case("forall x in 1..3, y in 2..1: x / 0 == 0 => false", True,
         "over an empty domain nothing is evaluated"),
    case("exists x in 1..3, y in 2..1: x / 0 == 0 and true", False),
    case("let s = {{k: 1, v: 2}, {k: 1, v: 3}, {k: 2, v: 0}} in forall r in s: r.k == 1 and r.v > 2 => r.v == 3",
         True, "an index on the first conjunct of a guard"),
    case("let s = {{k: 1, v: 2}, {k: 1, v: 3}, {k: 2, v: 0}} in forall r in s: r.k == 1 and r.v > 1 => r.v == 3",
         False),
    case("choose x in 1..5: x > 2", I(3), "choose picks the least satisfying element"),
    case("choose x in {7, 5, 9}: true", I(5)),
    case("choose s in subsets({1, 2, 3}): size(s) == 2", ints(1, 2)),
]

RECORDS_MAPS_TUPLES = [
    case("{a: 1, b: true}", {"a": I(1), "b": True}),
    case("{a: 1, b: true}.a", I(1)),
    case("{a: 1, b: 2}.b", I(2)),
    case("{a: {c: 3}}.a.c", I(3)),
    case("{a: 1, b: 2} == {b: 2, a: 1}", True, "field order does not matter"),
    case("{a: 1} == {a: 2}", False),
    case("{a: 1, b: 2} with .a = 5", {"a": I(5), "b": I(2)}),
    case("{a: {c: 1}, b: 2} with .a.c = 5", {"a": {"c": I(5)}, "b": I(2)}),
    case("{x.a for x in {{a: 1}, {a: 2}}}", ints(1, 2)),
    case('(choose r in {{type: "a", x: 1}, {type: "b", y: 2}}: r.type == "b").y', I(2),
         "records of different shapes in one set"),
    case("[x in 1..3 -> x * x]", M((I(1), I(1)), (I(2), I(4)), (I(3), I(9)))),
    case("[x in {} -> 0]", M()),
    case("[x in 1..3 -> x * x][2]", I(4)),
    case("[s in subsets({1, 2}) -> size(s)][{1, 2}]", I(2), "a map keyed by sets"),
    case("let f = [p in {<<1, 2>>, <<3, 4>>} -> p[1] + p[2]] in f[3, 4]", I(7), "f[a, b] is f[<<a, b>>]"),
    case("domain([x in 1..3 -> 0])", ints(1, 2, 3)),
    case("range([x in 1..3 -> x % 2])", ints(0, 1)),
    case("range([x in {} -> 0])", S()),
    case("[x in 1..3 -> x] with [2] = 7", M((I(1), I(1)), (I(2), I(7)), (I(3), I(3)))),
    case("[x in 1..2 -> 0] with [1] = 3, [2] = 4", M((I(1), I(3)), (I(2), I(4))), "two updates"),
    case("[x in 1..2 -> 0] with [1] = 3, [1] = 4", M((I(1), I(4)), (I(2), I(0))), "the later update wins"),
    case("[x in 1..2 -> [y in 1..2 -> 0]] with [1][2] = 5",
         M((I(1), M((I(1), I(0)), (I(2), I(5)))), (I(2), M((I(1), I(0)), (I(2), I(0))))), "nested with"),
    case("[x in 1..2 -> {a: 1}] with [2].a = 9", M((I(1), {"a": I(1)}), (I(2), {"a": I(9)}))),
    case("[x in 1..2 -> 0] with [1 + 1] = 5", M((I(1), I(0)), (I(2), I(5))), "a computed key"),
    case("[x in 1..2 -> x] == [y in {2, 1} -> y]", True, "maps are equal by value"),
    case("<<1, true>>", T(I(1), True)),
    case("<<>>", T()),
    case("<<1, true>>[1]", I(1)), case("<<1, true>>[2]", True),
    case("<<1, <<2, 3>> >>[2][1]", I(2)),
    case("<<1, 2>> == <<1, 2>>", True), case("<<1, 2>> == <<2, 1>>", False),
    case("{<<1, 2>>, <<0, 5>>}", S(T(I(0), I(5)), T(I(1), I(2)))),
]

SEQUENCES = [
    case("append(<<1, 2>>, 3)", [I(1), I(2), I(3)]),
    case("len(<<1, 2, 3>>)", I(3)),
    case("len(tail(<<0>>))", I(0)),
    case("head(<<4, 5>>)", I(4)),
    case("tail(<<4, 5, 6>>)", [I(5), I(6)]),
    case("subseq(<<1, 2, 3, 4>>, 2, 3)", [I(2), I(3)]),
    case("subseq(<<1, 2, 3, 4>>, 3, 2)", [], "an empty subsequence"),
    case("<<1, 2>> ++ <<3>>", [I(1), I(2), I(3)]),
    case("tail(<<0, 1>>) ++ <<9>>", [I(1), I(9)]),
    case("append(<<1, 2>>, 3)[3]", I(3), "indexing is 1-based"),
    case("append(<<5>>, 6)[1]", I(5)),
    case("let s = tail(<<0, 1, 2, 3>>), i = 2 in s[i]", I(2)),
    case("head(tail(<<0, 1, 2>>))", I(1)),
    case("domain(append(<<7>>, 8))", ints(1, 2)),
    case("range(append(<<7>>, 7))", ints(7)),
]

MIN_MAX = [
    case("min({3, 1, 2})", I(1)), case("max({3, 1, 2})", I(3)),
    case("min({-3, 5})", I(-3)), case("max({-3, 5})", I(5)),
    case("min(3, 4)", I(3)), case("max(3, 4)", I(4)), case("max(-3, -5)", I(-3)),
]

EMPTY_BAG = "[x in {} -> 0]"
BAGS = [
    case(f"bag_add({EMPTY_BAG}, 3)", M((I(3), I(1)))),
    case(f"bag_add(bag_add({EMPTY_BAG}, 3), 3)", M((I(3), I(2)))),
    case(f"bag_add(bag_add({EMPTY_BAG}, 4), 3)", M((I(3), I(1)), (I(4), I(1))), "keys stay sorted"),
    case(f"bag_remove(bag_add(bag_add({EMPTY_BAG}, 3), 3), 3)", M((I(3), I(1)))),
    case(f"bag_remove(bag_add({EMPTY_BAG}, 3), 3)", M(), "removing the last copy removes the key"),
    case(f"domain(bag_remove(bag_add({EMPTY_BAG}, 3), 3))", S()),
    case(f"bag_remove(bag_add({EMPTY_BAG}, 3), 4)", M((I(3), I(1))), "removing an absent element"),
    case(f"bag_count(bag_add(bag_add({EMPTY_BAG}, 3), 3), 3)", I(2)),
    case(f"bag_count({EMPTY_BAG}, 3)", I(0)),
    case(f"bag_sum(bag_add(bag_add(bag_add({EMPTY_BAG}, 3), 3), 4))", I(3)),
    case(f"bag_sum({EMPTY_BAG})", I(0)),
    case(f"bag_add(bag_add({EMPTY_BAG}, {{2}}), {{1}})", M((ints(1), I(1)), (ints(2), I(1))), "a bag of sets"),
    case(f"bag_add({EMPTY_BAG}, 3) == [x in {{3}} -> 1]", True, "a bag is a map to counts"),
]

IS = [
    case("3 is 1..5", True), case("7 is 1..5", False),
    case("5 is Nat", True), case("-5 is Nat", False), case("-5 is Int", True),
    case("5 is int", True), case("true is bool", True),
    case("{1, 2} is set[0..2]", True), case("{1, 3} is set[0..2]", False),
    case("{a: 1} is {a: 0..1}", True), case("{a: 2} is {a: 0..1}", False),
    case("<<1, 2>> is <<0..1, 0..2>>", True), case("<<2, 2>> is <<0..1, 0..2>>", False),
    case("append(<<>>, 1) is seq[0..1]", True),
    case("append(append(<<>>, 1), 1) is seq[0..1, 1]", False, "a bounded sequence type"),
    case("[x in 1..2 -> 0] is (1..2 -> 0..1)", True),
]


@pytest.mark.parametrize("expr, expected",
                         ARITHMETIC + COMPARISON_AND_LOGIC + SETS + QUANTIFIERS + RECORDS_MAPS_TUPLES
                         + SEQUENCES + MIN_MAX + BAGS + IS)
def test_constant_expression(expr, expected):
    assert evaluate(expr) == expected


def test_ints_and_strings_are_reported_as_itf_values():
    assert evaluate('"abc"') == "abc" and type(evaluate('"abc"')) is str
    assert evaluate("12345678901234567890 * 10") == I(123456789012345678900)


# ---------------------------------------------------------------- model values and constants

def test_bare_names_in_a_constant_set_are_model_values():
    value = evaluate("S", decls="const S = {p1, p2}")
    assert value == S("p1", "p2")
    assert all(isinstance(v, ModelValue) for v in value["#set"])


def test_quantifiers_over_model_values_and_overridden_constants():
    decls = "const S = {p1, p2, p3}\nconst N = 2"
    assert evaluate("forall x in S, y in S: x == y => x != p3 or y == p3", decls) is True
    assert evaluate("exists x in S: x == p3", decls) is True
    assert evaluate("exists x in S: x == p3", decls, {"S": "{p1, p2}"}) is False
    assert evaluate("forall k in 1..N: k <= 2", decls) is True
    assert evaluate("forall k in 1..N: k <= 2", decls, {"N": "3"}) is False


def test_nested_quantifiers_over_small_sets_stay_small_code():
    # each level could be written out 8 times; 8^4 copies of the body would be 4,096
    text = ("spec E\nconst S = 1..8\n"
            "const R = forall a in S: forall b in S: forall c in S: forall d in S: a + b + c + d >= 5\n"
            "init { }\n")
    compiled = pipeline.load_text(text)
    assert compiled.model.describe_constants()["R"] is False
    assert len(compiled.source) < 50_000


def test_model_values_compare_by_identity():
    decls = "const S = {p1, p2}"
    assert evaluate("p1 == p1", decls) is True
    assert evaluate("p1 == p2", decls) is False
    assert evaluate("size({p1, p2, p1})", decls) == I(2)
    assert evaluate("{p in S | p != p1}", decls) == S("p2")


def test_model_declaration_in_a_state():
    compiled = pipeline.load_text("""spec Models
        const Values = {v1, v2}
        model None, Unknown
        var chosen: Values | None
        init { chosen := None }
        action Choose(v in Values) { require chosen == None
          chosen := v }
        invariant NotUnknown: chosen != Unknown
        """)
    [(_, _, s0)] = list(compiled.model.init_states())
    state = compiled.model.describe(s0)
    assert state == {"chosen": "None"} and isinstance(state["chosen"], ModelValue)
    result = pipeline.check(compiled, limits=NO_DEADLOCK)
    assert (result.outcome, result.stats.distinct) == (Outcome.OK, 3)  # None, v1, v2


def test_constant_can_name_a_declared_model_value():
    value = evaluate("Nil", decls="model Nil")
    assert value == "Nil" and isinstance(value, ModelValue)


def test_constant_uses_earlier_constants():
    assert evaluate("N * M", decls="const N = 3\nconst M = N + 1") == I(12)


@pytest.mark.parametrize("decls, overrides, expected", [
    ("const N = 2", {"N": "3"}, ints(1, 2, 3)),
    ("const N = 2", {}, ints(1, 2)),
    ("const N = 2", {"N": "0 - 1"}, S()),
], ids=["overridden", "default", "expression"])
def test_const_override(decls, overrides, expected):
    assert evaluate("1..N", decls, overrides) == expected


def test_const_override_with_model_values():
    assert evaluate("S", "const S = {a, b}", {"S": "{p, q, r}"}) == S("p", "q", "r")
    assert evaluate("size(S)", "const S = {a, b}", {"S": "{p, q, r}"}) == I(3)


def test_const_override_is_seen_by_dependent_constants():
    assert evaluate("max(B)", "const N = 1\nconst B = 0..N", {"N": "4"}) == I(4)


# ---------------------------------------------------------------- user operators

def test_constant_can_use_an_operator():
    assert evaluate("Sq(4) + Two", decls="def Sq(n) = n * n\ndef Two = 2") == I(18)


OPERATOR_SPEC = """spec Ops
var x: 0..3
init {{ x := 0 }}
action Step {{ require x < 3
  x := x + 1 }}
{defs}
invariant Check: {check}
"""

OPERATORS = [
    ("def Two = 2", "Two + x == x + 2"),
    ("def Sq(n) = n * n", "Sq(x) == x * x and Sq(x + 1) == (x + 1) * (x + 1)"),
    ("def Sub(a, b) = a - b", "Sub(x, 1) == x - 1 and Sub(1, x) == 1 - x"),
    ("def Add(a, b) = a + b\ndef Twice(n) = Add(n, n)", "Twice(x + 1) == 2 * x + 2"),
    ("def Sq(n) = n * n\ndef Next(n) = Sq(n + 1)", "Next(x + 1) == (x + 2) * (x + 2)"),
    ("def Multiples(n) = {n * k for k in 1..2}", "Multiples(x + 1) == {x + 1, 2 * x + 2}"),
    ("def Both(n) = n + n * n", "Both(x + 1) == (x + 1) + (x + 1) * (x + 1)"),
    ("def Plus(n) = x + n", "Plus(3) == x + 3 and Plus(x) == 2 * x"),
    ("def Big = x >= 2", "Big == (x >= 2)"),
    ("def Evens = {k in 0..3 | k % 2 == 0}", "Evens == {0, 2}"),
    ("def Has(s, k) = exists e in s: e == k", "Has({x, x + 1}, x + 1) and not Has({x}, x + 1)"),
    ("def F(n) = let m = n + 1 in m * m", "F(x) == (x + 1) * (x + 1)"),
]


@pytest.mark.parametrize("defs, check", OPERATORS, ids=[c for _, c in OPERATORS])
def test_operator(defs, check):
    result = check_text(OPERATOR_SPEC.format(defs=defs, check=check), limits=NO_DEADLOCK)
    assert result.outcome == Outcome.OK, result.violation
    assert result.stats.distinct == 4


def test_operator_giving_a_wrong_value_is_caught():
    result = check_text(OPERATOR_SPEC.format(defs="def Sq(n) = n * n", check="Sq(x) != 4"), limits=NO_DEADLOCK)
    assert result.outcome == Outcome.VIOLATION
    assert result.violation.trace.steps[-1].state == {"x": I(2)}


def test_invariant_usable_by_name():
    spec = OPERATOR_SPEC.format(defs="invariant Small: x < 3", check="Small or x == 3")
    assert check_text(spec, ["Check"], NO_DEADLOCK).outcome == Outcome.OK
    assert check_text(spec, ["Small"], NO_DEADLOCK).outcome == Outcome.VIOLATION


# ---------------------------------------------------------------- `is` in a state

@pytest.mark.parametrize("decls, type_, holds", [
    ("", "(1..2 -> 0..3)", True),
    ("", "(1..2 -> 0..2)", False),
    ("", "(1..3 -> 0..3)", False),
    ("", "(int -> int)", True),
    ("type Key = 1..2", "(Key -> 0..3)", True),
    ("type Row = 1..2 -> 0..3", "Row", True),
    ("", "(1..2 -> Nat)", True),
], ids=["exact", "codomain too small", "domain differs", "int", "type alias domain", "type alias", "Nat"])
def test_is_on_a_map_variable(decls, type_, holds):
    result = check_text(f"""spec Is
        {decls}
        var f: 1..2 -> 0..3
        init {{ f := [k in 1..2 -> 0] }}
        action Set(k in 1..2, v in 0..3) {{ f[k] := v }}
        invariant Typed: f is {type_}
        """)
    assert result.outcome == (Outcome.OK if holds else Outcome.VIOLATION), result.violation
    if holds:
        assert result.stats.distinct == 16  # 4 values for each of 2 keys


# ---------------------------------------------------------------- variables and statements

def initial_states(text: str) -> list[dict]:
    model = pipeline.load_text(text).model
    return [model.describe(s) for _, _, s in model.init_states()]


def test_init_assigns_every_variable():
    assert initial_states("""spec T
        var x: 0..3
        var s: set[0..3]
        init { x := 2
          s := {x0 + 1 for x0 in 0..1} }
        """) == [{"x": I(2), "s": ints(1, 2)}]


def test_init_with_either_gives_one_state_per_branch():
    states = initial_states("""spec T
        var x: 0..9
        var y: 0..9
        init { either { x := 1 } or { x := 2 } or { x := 3 }
          y := 0 }
        """)
    assert states == [{"x": I(1), "y": I(0)}, {"x": I(2), "y": I(0)}, {"x": I(3), "y": I(0)}]


def test_init_with_pick_gives_one_state_per_element():
    states = initial_states("""spec T
        var x: 0..9
        init { pick v in 1..5 where v % 2 == 1
          x := v * 10 }
        """)
    assert sorted(int(s["x"]["#bigint"]) for s in states) == [10, 30, 50]


STATE_CASES = {
    # name: (spec body after `spec T`, (outcome, distinct, generated, depth))
    "require": ("""
        var x: 0..9
        init { x := 0 }
        action Inc { require x < 3
          x := x + 1 }""",
        # 0 -> 1 -> 2 -> 3; generated: 1 initial + 3 successors
        (Outcome.OK, 4, 4, 4)),
    "pick where": ("""
        var x: 0..9
        init { x := 0 }
        action Set { pick v in 1..3 where v != 2
          x := v }""",
        # states 0, 1, 3; each of them has 2 successors (1 and 3): 1 + 3 * 2 generated
        (Outcome.OK, 3, 7, 2)),
    "either": ("""
        var x: 0..9
        init { x := 0 }
        action Move { require x < 4
          either { x := x + 1 } or { x := x + 2 } }""",
        # states 0..5; 0..3 have 2 successors each: 1 + 4 * 2 generated; 0-2-4 then 5 at depth 4
        (Outcome.OK, 6, 9, 4)),
    "if else": ("""
        var x: 0..9
        init { x := 0 }
        action Cycle { if x < 3 { x := x + 1 } else { x := 0 } }""",
        # 0 -> 1 -> 2 -> 3 -> 0
        (Outcome.OK, 4, 5, 4)),
    "if without else": ("""
        var x: 0..9
        var y: 0..9
        init { x := 0
          y := 0 }
        action Step { require y < 2
          if x == 0 { x := 1 }
          y := y + 1 }""",
        # (0,0) -> (1,1) -> (1,2): the else path keeps x
        (Outcome.OK, 3, 3, 3)),
    "else if": ("""
        var x: 0..9
        init { x := 0 }
        action Step { if x < 2 { x := x + 1 } else if x == 2 { x := 7 } else { require false } }""",
        # 0 -> 1 -> 2 -> 7, and 7 has no successor
        (Outcome.OK, 4, 4, 4)),
    "let statement": ("""
        var x: 0..20
        init { x := 1 }
        action Double { let d = x * 2
          require d <= 8
          x := d }""",
        # 1 -> 2 -> 4 -> 8
        (Outcome.OK, 4, 4, 4)),
    "action parameters": ("""
        var x: 0..9
        init { x := 0 }
        action Set(v in 1..3, w in 0..1) { x := v * w }""",
        # every state has 6 successors (0, 0, 0, 1, 2, 3): 4 states, 1 + 4 * 6 generated
        (Outcome.OK, 4, 25, 2)),
    "map update": ("""
        var f: 1..3 -> 0..1
        init { f := [k in 1..3 -> 0] }
        action Flip(k in 1..3) { f[k] := 1 - f[k] }""",
        # every bit vector of length 3; 8 states with 3 successors each
        (Outcome.OK, 8, 25, 4)),
    "two keys of one map": ("""
        var f: 1..3 -> 0..1
        init { f := [k in 1..3 -> 0] }
        action Pair(k in 1..3) { f[k] := 1
          f[k % 3 + 1] := 1 }""",
        # 000 -> 110, 011, 101 -> 111
        (Outcome.OK, 5, 1 + 3 + 3 * 3 + 3, 3)),
    "nested map update": ("""
        var g: 1..2 -> (1..2 -> 0..1)
        init { g := [i in 1..2 -> [j in 1..2 -> 0]] }
        action Set(i in 1..2, j in 1..2) { g[i][j] := 1 }""",
        # every 2x2 bit matrix reachable by setting bits: 16 states, 4 successors each
        (Outcome.OK, 16, 1 + 16 * 4, 5)),
    "with expression": ("""
        var f: 1..2 -> 0..3
        init { f := [k in 1..2 -> 0] }
        action Bump(k in 1..2) { require f[k] < 3
          f := f with [k] = f[k] + 1 }""",
        # f[1], f[2] each 0..3: 16 states; a state has one successor per key below 3
        (Outcome.OK, 16, 1 + 2 * 12, 7)),
    "with two updates": ("""
        var f: 1..2 -> 0..3
        init { f := [k in 1..2 -> 0] }
        action Both { require f[1] < 3
          f := f with [1] = f[1] + 1, [2] = f[1] }""",
        # (0,0) -> (1,0) -> (2,1) -> (3,2)
        (Outcome.OK, 4, 4, 4)),
    "record field update": ("""
        var r: {a: 0..3, b: 0..3}
        init { r := {a: 0, b: 0} }
        action A { require r.a < 3
          r.a := r.a + 1 }
        action B { require r.b < 2
          r.b := r.b + 1 }""",
        # a in 0..3, b in 0..2: 12 states; A enabled in 9 of them, B in 8
        (Outcome.OK, 12, 1 + 9 + 8, 6)),
    "record with": ("""
        var r: {a: 0..3, b: 0..3}
        init { r := {a: 0, b: 0} }
        action A { require r.a < 3
          r := r with .a = r.a + 1, .b = r.a }""",
        # {0,0} -> {1,0} -> {2,1} -> {3,2}
        (Outcome.OK, 4, 4, 4)),
    "sequence element update": ("""
        var s: seq[0..1]
        init { s := append(append(<<>>, 0), 0) }
        action Set(i in 1..2) { s[i] := 1 }""",
        # <<0,0>> -> <<1,0>>, <<0,1>> -> <<1,1>>
        (Outcome.OK, 4, 1 + 4 * 2, 3)),
    "reads see the old state": ("""
        var x: 0..99
        var y: 0..99
        init { x := 0
          y := 0 }
        action Step { require x < 3
          x := y + 1
          y := x + 1 }""",
        # reads are of the state before the step: (0,0) -> (1,1) -> (2,2) -> (3,3)
        (Outcome.OK, 4, 4, 4)),
}


@pytest.mark.parametrize("body, expected", STATE_CASES.values(), ids=STATE_CASES.keys())
def test_statements(body, expected):
    r = check_text("spec T\n" + body, limits=NO_DEADLOCK)
    assert r.outcome == Outcome.OK, r.violation
    assert (r.outcome, r.stats.distinct, r.stats.generated, r.stats.depth) == expected


def test_require_false_blocks_only_its_branch():
    r = check_text("""spec T
        var x: 0..9
        init { x := 0 }
        action Step { require x < 3
          either { require false
            x := 9 } or { x := x + 1 } }
        invariant Never9: x != 9
        """, limits=NO_DEADLOCK)
    assert (r.outcome, r.stats.distinct) == (Outcome.OK, 4)


def test_reads_of_a_variable_after_its_assignment_see_the_old_value():
    r = check_text("""spec T
        var x: 0..99
        var y: 0..99
        init { x := 0
          y := 0 }
        action Step { x := y + 1
          y := x + 1 }
        invariant Small: x < 5
        """)
    assert r.outcome == Outcome.VIOLATION
    assert [s.state for s in r.violation.trace.steps][-2:] == [{"x": I(4), "y": I(4)}, {"x": I(5), "y": I(5)}]
