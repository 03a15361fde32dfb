"""The compact state codec (compile/packing.py): decode(encode(s)) is s exactly (same ints and
bools, tuples, frozensets, map key order, record tags) for reachable states of the shipped
specs, for random states within the declared types (the Z3 differential tests' strategies),
for random values of the variables' kinds far outside them, and for the states of random
specs (the fuzzer's generator); and in-type states are compact."""
from __future__ import annotations

import marshal
import sys

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from conftest import PAXOS, REPO, SPECS
from modelcheck import pipeline
from modelcheck.compile.packing_parts import SIGNED, FiniteSet, IntFrom, KeyedMap, functions
from modelcheck.lang.errors import SpecError, SpecErrors
from modelcheck.lang.kinds import (BoolK, FnK, IntK, Kind, MixK, ModelK, RecK, SeqK, SetK, StrK, SymK,
                                   TupleK, UnionK)
from modelcheck.values import canon, symbol
from samples import reachable, walks

for _folder in ("z3", "fuzz"):  # the strategies of the Z3 differential tests and of the fuzzer
    sys.path.insert(0, str(REPO / "tests" / _folder))
import specgen  # noqa: E402
import test_z3_differential as z3_differential  # noqa: E402

CONSTRUCTS = REPO / "tests" / "z3" / "constructs.spec"
SHIPPED = {
    "paxos": (PAXOS, {"Ballots": "0..2"}),
    "raft": (SPECS / "raft.spec", {}),
    "raft_3_terms": (SPECS / "raft.spec", {"MaxTerm": "3"}),
    "constructs": (CONSTRUCTS, {}),
    "shapes": (REPO / "tests" / "explore" / "shapes.spec", {}),
    "mixed": (REPO / "tests" / "explore" / "mixed.spec", {}),   # ints mixed with strings and model values
}
_compiled: dict = {}


def compiled(name: str):
    if name not in _compiled:
        path, consts = SHIPPED[name]
        _compiled[name] = pipeline.load(path, consts)
    return _compiled[name]


def exact(v):
    """v with the type of every atom made part of it: True and 1 differ, as do () and frozenset()."""
    if isinstance(v, frozenset):
        return ("set", frozenset(exact(x) for x in v))
    if isinstance(v, tuple):
        return ("tuple",) + tuple(exact(x) for x in v)
    return (type(v).__name__, v)


def assert_round_trips(codec, states) -> list[bytes]:
    encoded = [codec.encode(s) for s in states]
    for s, data in zip(states, encoded):
        assert exact(codec.decode(data)) == exact(s), s
    return encoded


def typed(data: bytes) -> bool:
    """Written by the type-directed encoding, not marshalled whole."""
    return not data.endswith(b"\0")


# ---------------------------------------------------------------- shipped specs

@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_reachable_states_round_trip(name):
    model = compiled(name).model
    states = reachable(model, 1000) + walks(model, runs=20, depth=50)
    encoded = assert_round_trips(model.codec, states)
    assert all(map(typed, encoded))
    if name.startswith(("paxos", "raft")):  # protocols: small ints, few values, many shared parts
        assert sum(map(len, encoded)) * 10 < sum(len(marshal.dumps(s)) for s in states)


def test_paxos_states_take_a_few_bytes():
    """Ballots 0..2: 3 maps of 125 values each (7 bits) and a set over 135 messages (a bitmask
    or a few indices), with one flag bit per variable."""
    model = compiled("paxos").model
    encoded = [model.codec.encode(s) for s in reachable(model, 3000)]
    assert max(map(len, encoded)) <= 4 + (135 + 2 + 7) // 8 + 1


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))


@pytest.mark.parametrize("name", ["paxos_3_ballots", "constructs"])
def test_random_states_of_the_declared_types_round_trip(name):
    codec = z3_differential.engines(name)[0].model.codec

    @SETTINGS
    @given(z3_differential.states(name))
    def run(state):
        assert all(map(typed, assert_round_trips(codec, [state])))
    run()


# ---------------------------------------------------------------- outside the declared types

def values_of(k: Kind, layouts, n_symbols: int, mixed: bool) -> st.SearchStrategy:
    """Any value of kind k, whatever the declared type: ints of any size, maps with any keys
    (in canonical order or not), records of every layout of a union; strings and model
    values as the spec represents them (mixed: values.symbol)."""
    def of(x: Kind) -> st.SearchStrategy:
        return values_of(x, layouts, n_symbols, mixed)
    if isinstance(k, BoolK):
        return st.booleans()
    if isinstance(k, IntK):
        return st.one_of(st.integers(-3, 3), st.integers(), st.integers(-2 ** 200, 2 ** 200))
    if isinstance(k, (ModelK, StrK, SymK)):
        return st.integers(0, n_symbols + 2).map(lambda i: symbol(i, mixed))
    if isinstance(k, MixK):
        return st.one_of(of(IntK()), of(ModelK()))
    if isinstance(k, SetK):
        return st.frozensets(of(k.elem), max_size=6)
    if isinstance(k, SeqK):
        return st.lists(of(k.elem), max_size=4).map(tuple)
    if isinstance(k, TupleK):
        return st.tuples(*map(of, k.elems))
    if isinstance(k, FnK):
        pairs = st.lists(st.tuples(of(k.dom), of(k.cod)), max_size=4, unique_by=lambda kv: kv[0])
        return st.tuples(pairs, st.booleans()).map(lambda p: _as_map(*p))
    if isinstance(k, RecK):
        return st.tuples(st.just(layouts.index(k.names)), *(of(f) for _, f in k.fields))
    if isinstance(k, UnionK):
        return st.one_of(*(of(v) for v in k.variants))
    raise AssertionError(f"no values of kind {k}")


def _as_map(pairs: list, canonical: bool) -> tuple:
    if canonical:
        pairs = sorted(pairs, key=lambda kv: canon(kv[0]))
    return tuple(a for a, _ in pairs), tuple(b for _, b in pairs)


def kind_states(name: str) -> st.SearchStrategy:
    model = compiled(name).model
    return st.tuples(*(values_of(k, model.gen.layouts, len(model.gen.symbols), model.checked.mixes_ints_and_symbols)
                       for k in model._var_kinds))


@pytest.mark.parametrize("name", ["paxos", "raft", "constructs", "shapes", "mixed"])
def test_any_values_of_the_kinds_round_trip(name):
    codec = compiled(name).model.codec

    @settings(SETTINGS, max_examples=50 if name == "raft" else 150)  # raft's kinds nest deeply
    @given(kind_states(name))
    def run(state):
        assert all(map(typed, assert_round_trips(codec, [state])))
    run()


@pytest.mark.parametrize("name", ["paxos", "raft", "constructs", "shapes", "mixed"])
def test_reachable_states_with_a_variable_outside_its_type_round_trip(name):
    """Only that variable leaves the typed encoding: the state is not marshalled."""
    model = compiled(name).model
    base = reachable(model, 200)[-1]

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.data())
    def run(data):
        i = data.draw(st.integers(0, len(base) - 1))
        value = data.draw(values_of(model._var_kinds[i], model.gen.layouts, len(model.gen.symbols),
                                    model.checked.mixes_ints_and_symbols))
        state = base[:i] + (value,) + base[i + 1:]
        assert all(map(typed, assert_round_trips(model.codec, [state])))
    run()


def test_values_outside_the_kinds_are_marshalled_whole():
    codec = compiled("paxos").model.codec
    state = reachable(compiled("paxos").model, 10)[-1]
    for odd in [state[:3], state + (1,), ("maxBal",) + state[1:], (None,) + state[1:], (state[0], 1.5) + state[2:]]:
        data = codec.encode(odd)
        assert not typed(data)
        assert exact(codec.decode(data)) == exact(odd)


INTS = [0, 1, 2, 3, -1, -2, -3, 2 ** 61 - 2, 2 ** 64, -2 ** 64, 10 ** 4000, -(10 ** 4000)]


@pytest.mark.parametrize("lo", [None, 0, 1, -7], ids=["signed", "Nat", "count", "from -7"])
def test_integers_of_every_size_round_trip(lo):
    write, read = functions(SIGNED if lo is None else IntFrom(lo))
    for v in INTS if lo is None else [v for v in INTS if v >= lo]:
        code, end = write(v, 0b10101, 5)  # after other bits
        assert code < 2 ** end
        assert read(code, 5) == (v, end)
    if lo is not None:
        with pytest.raises(LookupError):
            write(lo - 1, 0, 0)


UNIVERSE = [(0, i, -i) for i in range(300)]


@settings(max_examples=50, deadline=None)
@given(st.lists(st.sampled_from(UNIVERSE), unique=True, max_size=300), st.booleans())
def test_subsets_and_maps_over_a_finite_domain_round_trip(elems, every_key):
    """Sparse subsets are written as indices, dense ones as bitmasks; map keys must come in
    the domain's order (as canonical maps have them), else the map is not the part's to write."""
    write_set, read_set = functions(FiniteSet(UNIVERSE))
    write_map, read_map = functions(KeyedMap(UNIVERSE, SIGNED))
    code, end = write_set(frozenset(elems), 0, 0)
    assert read_set(code, 0) == (frozenset(elems), end)
    keys = tuple(UNIVERSE) if every_key else tuple(sorted(elems))
    m = (keys, tuple(range(len(keys))))
    code, end = write_map(m, 0, 0)
    assert exact(read_map(code, 0)) == exact((m, end))
    if elems != sorted(elems):
        with pytest.raises(LookupError):
            write_map((tuple(elems), tuple(range(len(elems)))), 0, 0)


# ---------------------------------------------------------------- random specs

@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(specgen.specs())
def test_states_of_random_specs_round_trip(gs):
    """The fuzzer's specs: ints past their declared ranges, maps losing keys, messages."""
    try:
        model = pipeline.load_text(gs.text).model
        states = reachable(model, 100) + walks(model, runs=5, depth=20)
    except (SpecError, SpecErrors):
        assume(False)
        return
    except Exception:  # a runtime error of the generated spec: nothing to encode
        assume(False)
        return
    assert_round_trips(model.codec, states)
