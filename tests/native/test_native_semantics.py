"""Small specs that pin down what the C code must do where it is easy to get wrong: runtime
errors (MC_ERROR where the Python backend raises), constructs outside the native subset
(refused with the reason, never compiled), symmetry, constants from --const, and the cache."""
from __future__ import annotations

import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from native_harness import CACHE, Native, NativeError, compare, needs_native, python_successors

from modelcheck import pipeline
from modelcheck.compile.native import NativeUnsupported, build_native, native_subset_problem
from modelcheck.values import EvalError

ERRORS = {
    "division by zero": ("var x : 0..3\ninit { x := 0 }\naction A { x := 1 / x }", "division by zero"),
    "modulo by zero": ("var x : 0..3\ninit { x := 0 }\naction A { x := 1 % x }", "modulo by zero"),
    "map outside its domain": (
        "var f : 0..2 -> 0..1\nvar x : 0..1\ninit { f := [i in 0..1 -> 0]  x := 0 }\naction A { x := f[2] }",
        "map applied outside its domain"),
    "with outside the domain": (
        "var f : 0..2 -> 0..1\ninit { f := [i in 0..1 -> 0] }\naction A { f[2] := 1 }",
        "'with' updates a key outside the map's domain"),
    "field of another variant": (
        'type M = {t: "a", x: 0..1} | {t: "b"}\nvar m : M\ninit { m := {t: "b"} }\n'
        'action A { m := {t: "a", x: m.x} }', "record has no such field"),
    "sequence index": ("var q : seq[0..3]\ninit { q := <<1>> }\naction A { q := <<q[2]>> }",
                       "sequence index 2 out of range 1..1"),
    "head of empty": ("var q : seq[0..3]\ninit { q := <<>> }\naction A { q := <<head(q)>> }",
                      "head of an empty sequence"),
    "choose of nothing": ("var x : 0..3\ninit { x := 0 }\naction A { x := choose i in 0..3: i > 5 }",
                          "'choose' found no element"),
    "min of empty": ("var x : 0..3\nvar s : set[0..3]\ninit { x := 0  s := {} }\naction A { x := min(s) }",
                     "min of an empty set"),
}


def build(text: str, consts=None):
    compiled = pipeline.load_text("spec T\n" + text + "\n", consts)
    return compiled, build_native(compiled, cache_dir=CACHE, optimize=False)


@needs_native
@pytest.mark.parametrize("name", list(ERRORS))
def test_runtime_errors_are_mc_error_where_python_raises(name):
    text, message = ERRORS[name]
    compiled, native = build(text)
    [init] = [s for _, _, s in compiled.model.init_states()]
    with pytest.raises((EvalError, ArithmeticError, ValueError, TypeError, IndexError)):
        python_successors(compiled, init)
    with pytest.raises(NativeError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Native(native).successors(native.codec.encode(init))


@needs_native
def test_an_error_in_an_invariant_is_mc_error():
    compiled, native = build("var x : 0..3\ninit { x := 0 }\naction A { x := 1 }\ninvariant Div: 3 / x > 0")
    with pytest.raises(NativeError, match="division by zero"):
        Native(native).invariant(0, native.codec.encode((0,)))


@needs_native
def test_an_error_on_a_path_not_taken_is_no_error():
    """A let read only on a branch that is not taken, and the right side of a false `and`,
    are never evaluated, as in the Python backend."""
    text = ("var x : 0..3\ninit { x := 0 }\n"
            "action A { let d = 1 / x\n if x > 0 { x := d } else { x := 1 } }\n"
            "action B { require x > 0 and 1 / x == 1\n x := 2 }")
    compiled, native = build(text)
    compare(compiled, native)


@needs_native
def test_remembered_operators_and_invariants_agree_state_by_state():
    """Operators and invariants over part of the state are remembered by what they read (the
    variables, or a view's value): their answers change with it, never with the rest, and a
    view that fails where the operator as written does not read it is no error."""
    text = ("var f : 0..1 -> 0..2\nvar g : 0..1\nvar y : 0..1\n"
            "init { f := [i in 0..1 -> 1]  g := 0  y := 0 }\n"
            "action SetF(v in 0..2) { require g == 0 or v > 0\n f[1] := v }\n"
            "action SetG(v in 0..1) { require f[1] > 0\n g := v }\n"
            "action Flip { y := 1 - y }\n"
            "def view = 6 / f[1]\n"
            "def Ok = g == 0 or view > 3\n"
            "invariant Safe: Ok or y == 1\n"
            "invariant Parts: f[0] == 1 and (y == 0 or g >= 0)\n"
            "invariant Flat: Ok or g + y < 2")
    compiled, native = build(text)
    report = compare(compiled, native)
    assert report.states == 3 * 2 * 2 - 2  # f[1] = 0 with g = 1 is unreachable
    c = Native(native)
    broken = native.codec.encode((((0, 1), (1, 2)), 1, 0))
    assert not c.invariant(0, broken) and c.invariant(0, native.codec.encode((((0, 1), (1, 2)), 1, 1)))
    assert not c.invariant(0, broken)


@needs_native
def test_recursive_operators_and_their_depth_bound():
    text = ("def Sum(n) = if n <= 0 then 0 else n + Sum(n - 1)\n"
            "def Loop(n) = Loop(n + 1)\n"
            "var x : 0..20\ninit { x := 0 }\n"
            "action A { require x < 6  x := Sum(x) + 1 }\n"
            "action B { require x == 11  x := Loop(0) }")
    compiled, native = build(text)
    compare(compiled, native)
    with pytest.raises(NativeError, match="operator 'Loop' recursed 100 calls deep"):
        Native(native).successors(native.codec.encode((11,)))


@needs_native
def test_function_sets():
    text = ("var x : set[0..1 -> 0..2]\nvar n : 0..30\ninit { x := {}  n := 0 }\n"
            "action Build { x := [0..1 -> 0..2]  n := size([0..2 -> 0..1]) + size([{} -> 0..1]) }\n"
            "action Drop { pick f in x where f[0] == 1  x := x - {f} }\n"
            "action TooMany { require n == 9  n := size([0..30 -> 0..1]) }")
    compiled, native = build(text)
    compare(compiled, native)


def test_an_integer_literal_past_64_bits_is_refused_with_the_reason():
    compiled = pipeline.load_text("spec T\nvar x : int\ninit { x := 0 }\naction A { x := 100000000000000000000 }\n")
    for spec in (compiled.checked, compiled):
        assert native_subset_problem(spec) == ("the native backend does not compile the integer 100000000000000000000 "
                                               "at <spec>:4:17 (64 bits at most)")
    with pytest.raises(NativeUnsupported):
        build_native(compiled)


def test_a_constant_past_64_bits_is_refused_given_the_compiled_spec():
    compiled = pipeline.load_text("spec T\nconst N = 3\nvar x : int\ninit { x := N }\naction A { x := x }\n",
                                  {"N": "2 * 9000000000000000000"})
    assert native_subset_problem(compiled) == ("the native backend does not compile constant N: the integer "
                                               "18000000000000000000 does not fit in the native engine's 64 bits")


SYMMETRIC = """spec Pairs
const P = {p1, p2, p3}
symmetry P
var f : P -> -2..0
var s : set[-2..0]
var owner : P | None
model None
init { f := [p in P -> 0]  s := {}  owner := None }
action Down(p in P) { require f[p] > -2  f[p] := f[p] - 1  s := s + {f[p] - 1} }
action Own(p in P) { require owner == None  owner := p }
"""


@needs_native
def test_symmetry_canonical_forms_count_the_orbits():
    compiled = pipeline.load_text(SYMMETRIC)
    native = build_native(compiled, cache_dir=CACHE, optimize=False)
    c, codec = Native(native), native.codec
    # every state reachable without symmetry, by the Python backend
    start = [s for _, _, s in compiled.model.init_states()]
    seen, todo = set(start), list(start)
    while todo:
        for _, t in python_successors(compiled, todo.pop()):
            if t not in seen:
                seen.add(t)
                todo.append(t)
    forms = {c.canonical(codec.encode(s)) for s in seen}
    assert len(seen) > len(forms)
    assert len(forms) == pipeline.check(compiled).stats.distinct
    for form in forms:  # a canonical form is its own canonical form
        assert c.canonical(form) == form


@needs_native
def test_constants_given_on_the_command_line_are_baked_in():
    text = "const N = 2\nvar x : 0..9\ninit { x := N }\naction A { require x < N + 2  x := x + 1 }"
    two, native_two = build(text)
    five, native_five = build(text, {"N": "5"})
    assert native_two.path != native_five.path
    assert [native_five.codec.decode(s) for s in Native(native_five).init()] == [(5,)]
    compare(five, native_five)


@needs_native
def test_the_shared_object_is_cached_by_its_source():
    text = "var x : 0..3\ninit { x := 0 }\naction A { require x < 3  x := x + 1 }"
    _, first = build(text + "\n// first")
    _, again = build(text + "\n// first")
    assert again.cached and again.path == first.path and again.compile_seconds == 0.0


@needs_native
def test_the_type_check_names_the_same_variable():
    text = ("var x : 0..9\nvar f : 0..1 -> 0..2\nvar s : set[0..1]\n"
            "init { x := 0  f := [i in 0..1 -> 0]  s := {} }\n"
            "action A { require x < 4  x := x + 1  f[x % 2] := x  s := s + {x % 3} }")
    compiled, native = build(text)
    c, codec = Native(native), native.codec
    assert c.type_check(codec.encode((3, ((0, 1), (0, 3)), frozenset()))) == 1
    assert c.type_check(codec.encode((3, ((0, 1), (0, 1)), frozenset({2})))) == 2
    assert c.type_check(codec.encode((3, ((0, 1), (0, 1)), frozenset({1})))) == -1
    compare(compiled, native)


@needs_native
def test_extra_sources_are_compiled_in_and_their_headers_hashed(tmp_path):
    """The search in C comes as extra sources calling mc_model.h; a header beside them is part
    of the cache key."""
    (tmp_path / "helper.h").write_text("#define BASE 40\n")
    (tmp_path / "helper.c").write_text('#include "mc_model.h"\n#include "helper.h"\n'
                                       "int answer(void) { return BASE + mc_action_count(); }\n")
    compiled = pipeline.load_text("spec T\nvar x : 0..3\ninit { x := 0 }\naction A { x := 1 }\naction B { x := 2 }\n")

    def built():
        return build_native(compiled, extra_sources=[tmp_path / "helper.c"], extra_cdef="int answer(void);",
                            cache_dir=CACHE, optimize=False)
    first = built()
    assert first.lib.answer() == 42
    (tmp_path / "helper.h").write_text("#define BASE 50\n")
    second = built()
    assert second.path != first.path and second.lib.answer() == 52


@needs_native
def test_contexts_are_independent_across_threads():
    """Each search thread owns a context: two threads expanding states at once (cffi releases
    the GIL during the calls) get what one thread gets."""
    compiled = pipeline.load("specs/paxos.spec")
    native = build_native(compiled, cache_dir=CACHE, optimize=False)
    states = [native.codec.encode(s) for s in _reachable(compiled, 300)]
    expected = [Native(native).successors(s) for s in states]
    results: dict[int, list] = {}

    def work(k: int) -> None:
        c = Native(native)
        results[k] = [c.successors(s) for s in states for _ in range(3)][::3]
    threads = [threading.Thread(target=work, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results[0] == expected and results[1] == expected


def _reachable(compiled, limit: int) -> list:
    start = [s for _, _, s in compiled.model.init_states()]
    seen, queue = set(start), list(start)
    for s in queue:
        if len(seen) >= limit:
            break
        for _, t in python_successors(compiled, s):
            if t not in seen:
                seen.add(t)
                queue.append(t)
    return queue[:limit]


@needs_native
def test_malformed_states_are_errors_not_crashes():
    """Bytes that are no state of the spec (cut short, flipped) give MC_ERROR or some answer,
    never a crash: the C code reads states only through the generated decoders."""
    compiled = pipeline.load("specs/raft.spec", {"MaxMsgs": "1"})
    native = build_native(compiled, cache_dir=CACHE, optimize=False)
    c = Native(native)
    good = [native.codec.encode(s) for s in _reachable(compiled, 40)]

    @settings(max_examples=300, deadline=None, database=None)
    @given(st.sampled_from(good), st.integers(0, 400), st.integers(0, 255), st.booleans())
    def run(state, at, byte, cut):
        at %= len(state)
        bad = state[:at] if cut else state[:at] + bytes([byte]) + state[at + 1:]
        for call in (lambda: c.successors(bad), lambda: c.invariant(0, bad), lambda: c.constraint(bad)):
            try:
                call()
            except NativeError:
                pass
        c.type_check(bad)
    run()
