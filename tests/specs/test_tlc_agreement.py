"""Our verdicts against TLC's (bench/tlc/compare.py): every model pair agrees on the number of
distinct states and on the verdict of its property. TLC is not shipped: the comparison runs
only where $TLC_CLASSPATH names a built tla2tools (and `java` is on the path), and is slow.
Without TLC, the pairs are still checked to be runnable: each names TLA+ files that exist and
a seeded edit that its spec still contains."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from conftest import REPO, bench_script

compare = bench_script("bench/tlc/compare.py", "tlc_compare")

TLC_CLASSPATH = os.environ.get("TLC_CLASSPATH")
NAMES = [pair.name for pair in compare.PAIRS]


@pytest.mark.parametrize("pair", compare.PAIRS, ids=NAMES)
def test_each_pair_names_existing_models_and_an_edit_its_spec_contains(pair):
    assert (compare.MODELS / f"{pair.module}.tla").is_file()
    assert (compare.MODELS / f"{pair.cfg}.cfg").is_file()
    if pair.edit:
        assert pair.edit[0] in (REPO / pair.spec).read_text()


@pytest.mark.slow
@pytest.mark.skipif(not TLC_CLASSPATH or shutil.which("java") is None,
                    reason="TLC is not shipped: set TLC_CLASSPATH to a built tla2tools (and install java)")
@pytest.mark.parametrize("pair", compare.PAIRS, ids=NAMES)
def test_tlc_and_modelcheck_agree(pair, tmp_path: Path):
    tlc = compare.run_tlc(pair, TLC_CLASSPATH, tmp_path)
    ours = compare.run_ours(pair, "python", tmp_path)
    assert compare.agree(tlc, ours), (tlc, ours)
