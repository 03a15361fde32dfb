"""Both backends stop alike: `modelcheck check` on the native backend (1 and 2 threads) prints
the Python backend's report, counts, depth, states left on the queue and trace included, at a
type violation (deep in a level or among the initial states), at an invariant broken by an
initial state and at --max-states among the initial states or inside a level (the counts of a
search meeting states one at a time, on either backend and any number of workers)."""
from __future__ import annotations

import re

import pytest

from cli.inprocess import modelcheck
from modelcheck.compile.native import native_problem

pytestmark = pytest.mark.skipif(native_problem() is not None, reason=f"no native build here: {native_problem()}")

# x leaves 0..6 at depth 8, late in a level of 79 states (three chunks of the C search's work):
# the stop falls inside the level, after states of it were found and checked.
TYPE_DEEP = """spec TypeDeep
var x : 0..6
var y : 0..4
var w : 0..4
var z : 0..3
init {
  x := 0
  y := 0
  w := 0
  z := 0
}
action IncY {
  require y < 4
  y := y + 1
}
action IncW {
  require w < 4
  w := w + 1
}
action SetZ(v in 0..3) {
  z := v
}
action IncX {
  require x < 9
  x := x + 1
}
"""

# Four initial states; the second is outside the type. The Python explorer generates every
# initial state before it checks any.
TYPE_INIT = """spec TypeInit
var y : 0..2
var b : bool
init {
  pick v in {1, 3, 0, 2}
  y := v
  b := false
}
action Flip {
  b := not b
}
"""

INVARIANT_INIT = """spec InvariantInit
var y : 0..3
init {
  pick v in {2, 0, 1, 3}
  y := v
}
action Down {
  require y > 0
  y := y - 1
}
invariant NotOne: y != 1
"""


def report(run) -> str:
    """stdout without the line of times, which differ from run to run."""
    return re.sub(r"^Finished in .*$", "", run.stdout, flags=re.M)


@pytest.mark.parametrize("text, extra, code", [
    (TYPE_DEEP, [], 1),
    (TYPE_INIT, [], 1),
    (INVARIANT_INIT, [], 1),
    (TYPE_INIT, ["--max-states", "2"], 3),
    (TYPE_DEEP, ["--max-states", "100"], 3),
], ids=["type-deep", "type-initial", "invariant-initial", "max-states-initial", "max-states-in-a-level"])
def test_native_reports_what_python_reports_at_a_stop(tmp_path, text, extra, code):
    spec = tmp_path / "t.spec"
    spec.write_text(text)
    python = modelcheck("check", spec, "--backend", "python", *extra)
    assert python.returncode == code, python.out
    assert re.search(r"\d+ states left on queue", python.stdout)
    for workers in ("1", "2"):
        native = modelcheck("check", spec, "--backend", "native", "--workers", workers, *extra)
        assert native.returncode == code, native.out
        assert report(native) == report(python)


def test_python_workers_stop_at_max_states_as_one(tmp_path):
    """The Python backend's processes count a --max-states stop inside a level as one
    process does, which is where the native search stops too."""
    spec = tmp_path / "t.spec"
    spec.write_text(TYPE_DEEP)
    one = modelcheck("check", spec, "--backend", "python", "--max-states", "100")
    two = modelcheck("check", spec, "--backend", "python", "--workers", "2", "--max-states", "100")
    native = modelcheck("check", spec, "--backend", "native", "--max-states", "100")
    assert one.returncode == two.returncode == 3, one.out + two.out
    assert "100 distinct states found" in one.stdout
    assert report(two) == report(one) == report(native)
