"""Random integer arithmetic: the spec language computes what Python computes, with `/` as
floor division (Python's //) and `%` with the sign of the divisor, as Python's."""
from __future__ import annotations

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from conftest import I, evaluate

OPS = ["+", "-", "*", "/", "%"]


@st.composite
def expressions(draw, depth=0):
    """(spec text, Python text) of a random expression; parentheses are sometimes left out,
    so that precedence and associativity are exercised (they agree with Python's)."""
    if depth >= 4 or draw(st.integers(0, 3)) == 0:
        n = draw(st.integers(-20, 20))
        text = str(n) if n >= 0 else f"({n})" if draw(st.booleans()) else f"-{-n}"
        return text, text
    kind = draw(st.sampled_from(["binary", "binary", "binary", "negate", "paren"]))
    if kind == "negate":
        spec, py = draw(expressions(depth + 1))
        return f"-{spec}" if spec[0] != "-" else f"-({spec})", f"-{py}" if py[0] != "-" else f"-({py})"
    if kind == "paren":
        spec, py = draw(expressions(depth + 1))
        return f"({spec})", f"({py})"
    op = draw(st.sampled_from(OPS))
    ls, lp = draw(expressions(depth + 1))
    rs, rp = draw(expressions(depth + 1))
    py_op = "//" if op == "/" else op
    return f"{ls} {op} {rs}", f"{lp} {py_op} {rp}"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(expressions())
def test_arithmetic_agrees_with_python(pair):
    spec, py = pair
    try:
        expected = eval(py, {"__builtins__": {}})
    except ZeroDivisionError:
        assume(False)
    assert evaluate(spec) == I(expected), (spec, py)


def test_mixed_precedence_example():
    # the property above would be much weaker if every subexpression were parenthesized
    assert evaluate("2 - 3 * 4 - 5 % 3 / 2") == I(2 - 3 * 4 - 5 % 3 // 2)
