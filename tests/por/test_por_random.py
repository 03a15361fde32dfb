"""Soundness of --por on random specs: for each invariant alone, and for deadlocks alone, the
reduced search reaches the verdict of the full search (the same invariant violated, or none,
or the same deadlock), and when every invariant holds it explores no more states.

Also with every invariant at once: a violation is found exactly when the full search finds
one, of an invariant that the full search finds violated on its own.

Two generators: the fuzzer's (tests/fuzz/specgen.py: the whole language, but its actions
seldom leave anything to reduce) and one of process-like specs below, whose actions touch
their own process's keys, a shared set, a shared history set (added to only) and a shared
counter, in random combinations, sometimes under a state constraint, so that steps are
often independent, sometimes visible to one invariant and not another, sometimes able to
leave the constraint and sometimes not.
"""
from __future__ import annotations

import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import REPO
from modelcheck import pipeline
from modelcheck.explore.bfs import Limits
from modelcheck.explore.result import Outcome
from modelcheck.lang.errors import SpecError

sys.path.insert(0, str(REPO / "tests" / "fuzz"))  # the fuzzer's spec generator
import specgen  # noqa: E402



def quick(examples: int):
    return settings(max_examples=examples, database=None, deadline=None, derandomize=True,
                    suppress_health_check=list(HealthCheck))

HEADER = """spec Procs
const Procs = {PROCS}
const K = {K}
var loc  : Procs -> Nat
var flag : Procs -> bool
var box  : set[Procs]
var sh   : Nat
var hist : set[Nat]
init {{
  loc  := [p in Procs -> 0]
  flag := [p in Procs -> false]
  box  := {{}}
  sh   := 0
  hist := {{}}
}}
"""

ACTIONS = [  # {c}: a small constant drawn per action
    "action Inc{n}(p in Procs) {{ require loc[p] < K\n  loc[p] := loc[p] + 1 }}",
    "action Raise{n}(p in Procs) {{ require loc[p] >= {c} and not flag[p]\n  flag[p] := true }}",
    "action Lower{n}(p in Procs) {{ require flag[p] and sh == {c}\n  flag[p] := false }}",
    "action Put{n}(p in Procs) {{ require loc[p] == {c}\n  box := box + {{p}} }}",
    "action Take{n}(p in Procs) {{ require p in box\n  box := box - {{p}}\n  loc[p] := 0 }}",
    "action Bump{n}(p in Procs) {{ require sh < K and flag[p]\n  sh := sh + 1 }}",
    "action Follow{n}(p in Procs, q in Procs) {{ require p != q and flag[q] and loc[p] < K\n  loc[p] := loc[p] + 1 }}",
    "action Count{n} {{ require sh < K and size(box) >= {c}\n  sh := sh + 1 }}",
    "action Note{n}(p in Procs) {{ require loc[p] >= {c}\n  loc[p] := loc[p] - 1\n  hist := hist + {{loc[p]}} }}",
    "action Recall{n}(p in Procs) {{ require loc[p] in hist and not flag[p]\n  flag[p] := true }}",
]

INVARIANTS = [
    "size(box) <= {c}",
    "sh <= {c}",
    "forall p in Procs: loc[p] <= {c}",
    "not (exists p in Procs: flag[p] and p in box)",
    "size({{p in Procs | flag[p]}}) <= {c}",
    "sh == 0 or size(box) < {c}",
    "size(hist) <= {c}",
]

CONSTRAINTS = [
    "sh <= {c}",
    "size(box) <= {c}",
    "forall p in Procs: loc[p] <= {c}",
    "size(hist) <= {c} + 1",
]


@st.composite
def process_specs(draw) -> str:
    procs = "{" + ", ".join(f"p{i}" for i in range(1, draw(st.integers(1, 3)) + 1)) + "}"
    text = HEADER.format(PROCS=procs, K=draw(st.integers(1, 3)))
    for n, template in enumerate(draw(st.lists(st.sampled_from(ACTIONS), min_size=1, max_size=5))):
        text += template.format(n=n, c=draw(st.integers(0, 2))) + "\n"
    for n, template in enumerate(draw(st.lists(st.sampled_from(INVARIANTS), min_size=1, max_size=3))):
        text += f"invariant Inv{n}: " + template.format(c=draw(st.integers(0, 2))) + "\n"
    for template in draw(st.lists(st.sampled_from(CONSTRAINTS), max_size=1)):
        text += "constraint Bound: " + template.format(c=draw(st.integers(0, 2))) + "\n"
    return text


def verdict(result) -> tuple[str, str | None, object]:
    """The outcome, the invariant violated, and for a deadlock the state reached."""
    v = result.violation
    name = v.name if v is not None and v.kind in ("invariant", "type") else None
    last = v.trace.steps[-1].state if v is not None and v.kind == "deadlock" else None
    return result.outcome.value, name, last


def compare(tmp_path, text: str, consts: dict[str, str], check_deadlock: bool) -> int:
    """Checks each invariant alone, and none; the number of runs where the reduction left a
    step out."""
    path = tmp_path / "random.spec"
    path.write_text(text)
    try:
        compiled = pipeline.load(str(path), consts)
    except SpecError:
        return 0
    if compiled.checked.symmetry:
        return 0
    limits = Limits(max_states=3_000, check_deadlock=check_deadlock, timeout=5)
    reduced_runs = 0
    for invariants in [[]] + [[name] for name in compiled.model.invariant_names]:
        full = pipeline.check(compiled, invariants, limits)
        if full.outcome is Outcome.INCOMPLETE:
            return reduced_runs
        reduced = pipeline.check(compiled, invariants, limits, partial_order=True)
        assert verdict(reduced) == verdict(full), text
        if full.outcome is Outcome.OK:  # else the reduced search may go deeper before it finds it
            assert reduced.stats.distinct <= full.stats.distinct, text
        reduced_runs += bool(reduced.stats.reduced_states)
    every = list(compiled.model.invariant_names)
    no_deadlock = Limits(max_states=3_000, check_deadlock=False, timeout=5)
    full = pipeline.check(compiled, every, no_deadlock)
    reduced = pipeline.check(compiled, every, no_deadlock, partial_order=True)
    if Outcome.INCOMPLETE not in (full.outcome, reduced.outcome):
        assert reduced.outcome == full.outcome, text
        name = verdict(reduced)[1]
        if name in every:  # the full search finds it violated on its own too
            assert pipeline.check(compiled, [name], no_deadlock).outcome is Outcome.VIOLATION, text
        reduced_runs += bool(reduced.stats.reduced_states)
    return reduced_runs


@pytest.mark.parametrize("examples", [
    pytest.param(100, id="quick"), pytest.param(1_000, id="many", marks=pytest.mark.slow)])
def test_process_specs_get_the_verdict_of_the_full_search(tmp_path, examples):
    reduced = []

    @quick(examples)
    @given(process_specs())
    def run(text):
        reduced.append(compare(tmp_path, text, {}, check_deadlock=True))

    run()
    assert sum(reduced) > examples // 10, "the reduction seldom left a step out: the test shows little"


def test_fuzzer_specs_get_the_verdict_of_the_full_search(tmp_path):
    @quick(60)
    @given(specgen.specs())
    def run(gs):
        compare(tmp_path, gs.text, gs.consts, gs.check_deadlock)

    run()
