"""The codec between the Python backend's states and the native bytes: a round trip, and
canonical (equal values, however built, give equal bytes), over values drawn by kind."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from modelcheck.compile.native.codec import NativeCodec
from modelcheck.lang.kinds import BoolK, FnK, IntK, Kind, ModelK, SeqK, SetK, StrK, TupleK, UnionK, rec
from modelcheck.values import canon

ENTRY = rec({"term": IntK(), "value": ModelK()})
MESSAGE = UnionK((rec({"kind": StrK(), "log": SeqK(ENTRY), "to": ModelK()}),
                  rec({"kind": StrK(), "ok": BoolK()})))
LAYOUTS = (("term", "value"), ("kind", "log", "to"), ("kind", "ok"))
KINDS = [FnK(MESSAGE, IntK()), SetK(SetK(IntK())), FnK(ModelK(), SeqK(ENTRY)),
         TupleK((IntK(), BoolK(), StrK())), SetK(FnK(IntK(), SetK(ModelK())))]


def values(k: Kind) -> st.SearchStrategy:
    """Python backend runtime values of kind k (values.py's representation)."""
    if isinstance(k, IntK):
        return st.integers(-2 ** 63, 2 ** 63 - 1) | st.integers(-3, 300)
    if isinstance(k, BoolK):
        return st.booleans()
    if isinstance(k, (ModelK, StrK)):
        return st.integers(0, 5)
    if isinstance(k, SetK):
        return st.frozensets(values(k.elem), max_size=4)
    if isinstance(k, SeqK):
        return st.lists(values(k.elem), max_size=3).map(tuple)
    if isinstance(k, TupleK):
        return st.tuples(*(values(e) for e in k.elems))
    if isinstance(k, FnK):
        return st.dictionaries(values(k.dom), values(k.cod), max_size=3).map(
            lambda d: (tuple(sorted(d, key=canon)), tuple(d[x] for x in sorted(d, key=canon))))
    if isinstance(k, UnionK):
        return st.one_of(*(values(v) for v in k.variants))
    layout = LAYOUTS.index(k.names)
    return st.tuples(*(values(f) for _, f in k.fields)).map(lambda fs: (layout, *fs))


CODEC = NativeCodec(KINDS, LAYOUTS)


@settings(max_examples=80, deadline=None)
@given(st.tuples(*(values(k) for k in KINDS)))
def test_round_trip(state):
    assert CODEC.decode(CODEC.encode(state)) == state


@settings(max_examples=50, deadline=None)
@given(st.tuples(*(values(k) for k in KINDS)), st.randoms(use_true_random=False))
def test_equal_states_have_equal_bytes(state, random):
    """A set built in another order is the same set; its bytes are the same bytes."""
    def rebuilt(v):
        if isinstance(v, frozenset):
            items = [rebuilt(x) for x in v]
            random.shuffle(items)
            return frozenset(items)
        if isinstance(v, tuple):
            return tuple(rebuilt(x) for x in v)
        return v
    other = rebuilt(state)
    assert other == state and CODEC.encode(other) == CODEC.encode(state)
