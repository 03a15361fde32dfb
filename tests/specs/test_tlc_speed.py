"""Our speed against TLC's (bench/tlc/speed.py): each safety model's cfg describes the same
model as our spec (the constants it sets are our spec's, its invariants are exactly ours,
no temporal property), and a disagreement between runs is reported, not hidden. TLC is not
shipped: the runs against it happen only where $TLC_CLASSPATH names a built tla2tools (and
`java` is on the path), and are slow."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from conftest import bench_script
from modelcheck.compile.native import native_problem

speed = bench_script("bench/tlc/speed.py", "tlc_speed")

TLC_CLASSPATH = os.environ.get("TLC_CLASSPATH")
NAMES = [model.name for model in speed.SPEED_MODELS]
# The models TLC checks in a few CPU minutes at most; on the two Raft models it takes 2.5 and
# over 10 (bench/tlc/speed.py compares those, failing on any difference).
QUICK_FOR_TLC = [model for model in speed.SPEED_MODELS if model.name in ("paxos Ballots=0..2", "two_phase 7 RMs")]
assert len(QUICK_FOR_TLC) == 2, "a model was renamed: update QUICK_FOR_TLC"


@pytest.mark.parametrize("model", speed.SPEED_MODELS, ids=NAMES)
def test_each_model_has_a_module_and_a_cfg_matching_our_spec(model):
    assert (speed.MODELS / f"{model.module}.tla").is_file()
    sides = speed.match_sides(model)
    cfg = speed.read_cfg(speed.MODELS / f"{model.cfg}.cfg")
    assert sides.consts and all(cfg.constants[name] == value for name, value in sides.consts.items())
    assert sorted(sides.invariants) == sorted(cfg.invariants)


def test_the_cfg_reader_takes_sets_numbers_and_model_values_and_both_keyword_forms(tmp_path: Path):
    cfg = tmp_path / "M.cfg"
    cfg.write_text("\\* a comment\nCONSTANTS\n  S = {s1,\n       s2}\n  N = 3\n  Nil = Nil\n"
                   "CONSTANT K = \"k\"\nINIT Init\nNEXT Next\nINVARIANT A\nINVARIANTS B\n  C\n")
    read = speed.read_cfg(cfg)
    assert read.constants == {"S": "{s1, s2}", "N": "3", "Nil": "Nil", "K": '"k"'}
    assert read.invariants == ("A", "B", "C")
    assert read.sections == ("CONSTANTS", "CONSTANTS", "INIT", "NEXT", "INVARIANTS", "INVARIANTS")


def test_a_cfg_constant_the_reader_cannot_read_is_an_error(tmp_path: Path):
    cfg = tmp_path / "M.cfg"
    cfg.write_text("CONSTANTS\n  S <- Other\nINIT Init\n")
    with pytest.raises(speed.ModelMismatch, match="cannot read 'S <- Other'"):
        speed.read_cfg(cfg)


def _model_with_cfg(monkeypatch, tmp_path: Path, text: str) -> speed.Model:
    (tmp_path / "M.cfg").write_text(text)
    monkeypatch.setattr(speed, "MODELS", tmp_path)
    return speed.Model("m", "M", "M", "specs/two_phase.spec")


def test_a_cfg_with_a_temporal_property_is_refused(monkeypatch, tmp_path: Path):
    model = _model_with_cfg(monkeypatch, tmp_path, "CONSTANT RM = {r1}\nSPECIFICATION FairSpec\n"
                                                   "INVARIANTS TypeOK Consistent\nPROPERTY Terminates\n")
    with pytest.raises(speed.ModelMismatch, match="PROPERTY has no place in a safety model"):
        speed.match_sides(model)


def test_a_cfg_checking_other_invariants_than_ours_is_refused(monkeypatch, tmp_path: Path):
    model = _model_with_cfg(monkeypatch, tmp_path, "CONSTANT RM = {r1}\nINIT Init\nNEXT Next\nINVARIANTS TypeOK\n")
    with pytest.raises(speed.ModelMismatch, match="checks the invariants TypeOK; specs/two_phase.spec declares "
                                                  "TypeOK, Consistent"):
        speed.match_sides(model)


def test_a_cfg_constant_our_spec_does_not_declare_is_refused(monkeypatch, tmp_path: Path):
    model = _model_with_cfg(monkeypatch, tmp_path, "CONSTANTS RM = {r1}\n  Extra = 2\nINIT Init\nNEXT Next\n"
                                                   "INVARIANTS TypeOK Consistent\n")
    with pytest.raises(speed.ModelMismatch, match="Extra = 2 is neither a constant"):
        speed.match_sides(model)


def _run(tool: str, distinct: int, depth: int, exact_depth: bool = True) -> speed.Run:
    return speed.Run(tool, distinct, depth, 1.0, 1.0, 1.0, exact_depth)


def test_runs_that_disagree_on_states_or_depth_are_reported():
    model = speed.SPEED_MODELS[0]
    assert speed.disagreements(model, [_run("TLC 1w", 10, 5), _run("native 1t", 10, 5)]) == []
    assert speed.disagreements(model, [_run("TLC 1w", 10, 5), _run("native 1t", 11, 5)]) == [
        f"{model.name}: distinct states differ: TLC 1w 10, native 1t 11"]
    assert speed.disagreements(model, [_run("TLC 1w", 10, 5), _run("native 1t", 10, 6)]) == [
        f"{model.name}: depths differ: TLC 1w 5, native 1t 6"]


def test_the_depth_of_tlc_with_several_workers_is_marked_not_compared():
    model = speed.SPEED_MODELS[0]
    runs = [_run("TLC 1w", 10, 5), _run("TLC 2w", 10, 7, exact_depth=False), _run("native 1t", 10, 5)]
    assert speed.disagreements(model, runs) == []
    assert [row[3] for row in speed.rows(model, runs)] == ["5", "7 (not BFS)", "5"]


@pytest.mark.slow
@pytest.mark.skipif(not TLC_CLASSPATH or shutil.which("java") is None,
                    reason="TLC is not shipped: set TLC_CLASSPATH to a built tla2tools (and install java)")
@pytest.mark.skipif(native_problem() is not None, reason=f"no native backend here: {native_problem()}")
@pytest.mark.parametrize("model", QUICK_FOR_TLC, ids=[model.name for model in QUICK_FOR_TLC])
def test_tlc_and_our_native_backend_find_the_same_states_and_depth(model, tmp_path: Path):
    sides = speed.match_sides(model)
    tlc = speed.run_tlc(model, TLC_CLASSPATH, 1, tmp_path)
    ours = speed.run_ours(model, sides, "native", 1)
    assert speed.disagreements(model, [tlc, ours]) == [], (tlc, ours)
