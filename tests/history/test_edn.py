"""The EDN reader: every form EDN has, errors that name the line and column, and properties
(written values read back equal; comments and discards change nothing; any text either
reads or is an EdnError)."""
from __future__ import annotations

import datetime
import math
import uuid
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modelcheck.history.edn import (Char, EdnError, FrozenMap, Keyword, Located, Symbol, Tagged, dumps, loads,
                                    loads_all, records)


def test_scalars():
    assert loads_all("nil true false 42 -7 +3 42N 0 1.5 -0.5 1e3 2.5E-2 1.5M 1/3 ##Inf ##-Inf") == [
        None, True, False, 42, -7, 3, 42, 0, 1.5, -0.5, 1000.0, 0.025, Decimal("1.5"), Fraction(1, 3),
        math.inf, -math.inf]
    assert math.isnan(loads("##NaN"))
    assert loads_all(r'"a\tb\n\"q\"\\ \u00e9" \c \newline \space \u0041 \(') == [
        'a\tb\n"q"\\ é', Char("c"), Char("\n"), Char(" "), Char("A"), Char("(")]
    assert loads_all(":ok :jepsen/nemesis foo ns/bar - + / ->x a.b*c!?") == [
        Keyword("ok"), Keyword("jepsen/nemesis"), Symbol("foo"), Symbol("ns/bar"), Symbol("-"), Symbol("+"),
        Symbol("/"), Symbol("->x"), Symbol("a.b*c!?")]


def test_collections_comments_and_discards():
    text = """; a history
{:type :invoke, :f :write ; was :read
 :value [1 (2 3) #{4}], #_ :discarded #_ 5
 :process 0}  ; trailing comment
"""
    assert loads(text) == {Keyword("type"): Keyword("invoke"), Keyword("f"): Keyword("write"),
                           Keyword("value"): (1, (2, 3), frozenset({4})), Keyword("process"): 0}
    assert loads("(1 2)") == loads("[1 2]") == (1, 2)
    assert loads("{[1 {:a 2}] #{{:b 3}}}") == {(1, FrozenMap({Keyword("a"): 2})):
                                                frozenset({FrozenMap({Keyword("b"): 3})})}
    assert list(loads("{:z 1 :a 2 :m 3}")) == [Keyword("z"), Keyword("a"), Keyword("m")]  # order kept


def test_tagged_literals():
    assert loads('#inst "2017-05-31T14:01:48.520-01:00"') == datetime.datetime(
        2017, 5, 31, 14, 1, 48, 520000, datetime.timezone(datetime.timedelta(hours=-1)))
    assert loads('#inst "1985"') == datetime.datetime(1985, 1, 1, tzinfo=datetime.timezone.utc)
    assert loads('#uuid "f81d4fae-7dec-11d0-a765-00a0c91e6bf6"') == uuid.UUID("f81d4fae-7dec-11d0-a765-00a0c91e6bf6")
    assert loads("#jepsen.history.Op{:index 0}") == Tagged("jepsen.history.Op", {Keyword("index"): 0})
    assert loads("#my/tag [1 #_ 2]") == Tagged("my/tag", (1,))


def test_records_of_lines_or_of_one_vector():
    lines = "{:a 1}\n; note\n  {:a 2}\n"
    assert records(lines) == [Located({Keyword("a"): 1}, 1, 1), Located({Keyword("a"): 2}, 3, 3)]
    wrapped = "(\n {:a 1}\n #_ {:a 9} {:a 2})"
    assert records(wrapped) == [Located({Keyword("a"): 1}, 2, 2), Located({Keyword("a"): 2}, 3, 12)]
    assert records("") == []


@pytest.mark.parametrize("text, line, column, message", [
    ("{:a 1\n :b", 1, 1, "'{' opened here is never closed"),
    ("[1\n 2)", 2, 3, "')' closes the '[' opened at line 1, column 1"),
    ("{:a}", 1, 1, "odd number of forms"),
    ('"abc', 1, 1, "string opened here is never closed"),
    ('x "a\\qb"', 1, 5, "unknown escape '\\q'"),
    ("  007", 1, 3, "leading zero"),
    ("1.2.3", 1, 1, "not a number: '1.2.3'"),
    ("#{1 2 1}", 1, 7, "duplicate set element 1"),
    ("{:a 1 :a 2}", 1, 7, "duplicate key :a"),
    ("{1 :x, 1.0 :y}", 1, 8, "equal in Python"),
    ("[#_]", 1, 2, "#_ must be followed"),
    ("^:meta x", 1, 1, "Clojure reader syntax"),
    ("'x", 1, 1, "Clojure reader syntax"),
    ("\n\n  )", 3, 3, "unexpected ')'"),
    ("\\abc", 1, 1, "not a character literal"),
    ("#inst 5", 1, 7, "RFC 3339"),
    ('#uuid "x"', 1, 7, "#uuid needs a string"),
    ("#1x 2", 1, 1, "'#' must begin a tag"),
    ("##Infinity", 1, 1, "unknown symbolic value"),
    (":", 1, 1, "not a keyword"),
    ("[" * 5000, 1, 5000, "nested too deeply"),
])
def test_errors_name_line_and_column(text, line, column, message):
    with pytest.raises(EdnError) as caught:
        loads_all(text)
    assert message in str(caught.value)
    if message != "nested too deeply":  # where recursion gives out depends on the interpreter
        assert (caught.value.line, caught.value.column) == (line, column)
        assert str(caught.value).startswith(f"line {line}, column {column}: ")


def test_loads_wants_exactly_one_form():
    with pytest.raises(EdnError, match="line 1, column 3: expected exactly one EDN form, found 3 forms"):
        loads("1 2 3")
    with pytest.raises(EdnError, match="found nothing"):
        loads(" ; only a comment")


# ---------------------------------------------------------------- properties

_names = st.from_regex(r"[a-z][a-z0-9*!_?$%&=<>.#:+-]{0,6}(/[a-z][a-z0-9-]{0,4})?", fullmatch=True)
_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
    st.decimals(allow_nan=False, allow_infinity=False), st.fractions().filter(lambda f: f.denominator != 1),
    st.text(st.characters(exclude_categories=("Cs",))), st.builds(Char, st.characters(exclude_categories=("Cs",))),
    st.builds(Keyword, _names), st.builds(Symbol, _names.filter(lambda n: n not in ("nil", "true", "false"))))


def _hashable(value) -> bool:
    try:
        hash(value)
        return True
    except TypeError:
        return False


_values = st.recursive(_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4).map(tuple),
    st.frozensets(inner.filter(_hashable), max_size=4),
    st.dictionaries(inner.filter(_hashable), inner, max_size=4),
    st.builds(Tagged, st.sampled_from(["my/tag", "jepsen.history.Op", "x"]), inner)), max_leaves=12)


def _same(a, b) -> bool:
    """Equal, and of the same types all the way down (Python finds 1 == 1.0 == True)."""
    if type(a) is not type(b) and not (isinstance(a, dict) and isinstance(b, (dict, FrozenMap))):
        return False
    if isinstance(a, tuple):
        return len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, dict):
        return len(a) == len(b) and all(_same(k, k2) and _same(a[k], b[k2]) for k, k2 in zip(a, b))
    if isinstance(a, Tagged):
        return a.tag == b.tag and _same(a.value, b.value)
    return a == b


@settings(max_examples=400, deadline=None)
@given(_values)
def test_written_values_read_back_the_same(value):
    assert _same(loads(dumps(value)), value)


@settings(max_examples=200, deadline=None)
@given(st.lists(_values, max_size=4), st.data())
def test_comments_discards_and_commas_change_nothing(values, data):
    noise = st.sampled_from([" ", ",", "\n", " ; a comment [ { \" \n", " #_ :gone ", " #_ #_ 1 2 ", "\t,,\n"])
    text = "".join(data.draw(noise) + dumps(v) + data.draw(noise) for v in values)
    assert len(loads_all(text)) == len(values)
    assert all(_same(a, b) for a, b in zip(loads_all(text), values))


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(list('{}[]()#_;:"\\ ,\n-+.0123456789abcNM/^e\'')), max_size=30))
def test_any_text_reads_or_is_an_edn_error(text):
    try:
        loads_all(text)
    except EdnError as e:
        assert e.line >= 1 and e.column >= 1
