"""`import "file.spec"` and `override`: a spec built from another's declarations, as a user
writes a library of definitions or a buggy variant of a protocol, through `modelcheck check`."""
from __future__ import annotations

import pytest

from cli.inprocess import modelcheck
from conftest import SPECS

BASE = """spec Counter
const N = 3
var x : 0..5
init { x := 0 }
def Next(v) = v + 1
action Inc {
  require x < N
  x := Next(x)
}
action Reset {
  require x == N
  x := 0
}
invariant Small: x <= N
"""


def write(tmp_path, **files: str):
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def test_a_variant_overrides_an_action_and_keeps_the_base_order(tmp_path):
    write(tmp_path, **{"base.spec": BASE, "variant.spec": """spec Variant
import "base.spec"
// the bug: one step too far
override action Inc {
  require x <= N
  x := Next(x)
}
"""})
    base = modelcheck("check", tmp_path / "base.spec")
    assert base.returncode == 0 and "4 distinct states" in base.out, base.out
    run = modelcheck("check", tmp_path / "variant.spec")
    assert run.returncode == 1, run.out
    assert "invariant Small is violated" in run.out and "x: 3 → 4" in run.out


def test_override_a_constant_and_a_def_and_add_an_invariant(tmp_path):
    write(tmp_path, **{"base.spec": BASE, "variant.spec": """spec Variant
import "base.spec"
override const N = 2
override def Next(v) = v + 2
invariant Even: x % 2 == 0
"""})
    run = modelcheck("check", tmp_path / "variant.spec")
    assert run.returncode == 0, run.out
    assert "2 distinct states" in run.out


def test_a_library_of_definitions_imported_by_two_specs_and_through_a_diamond(tmp_path):
    write(tmp_path, **{
        "lib/quorum.spec": "spec Quorum\ndef Majority(S) = { Q in subsets(S) | 2 * size(Q) > size(S) }\n",
        "lib/a.spec": 'spec A\nimport "quorum.spec"\ndef QA = Majority({1, 2, 3})\n',
        "lib/b.spec": 'spec B\nimport "quorum.spec"\ndef QB = Majority({1, 2})\n',
        "main.spec": 'spec Main\nimport "lib/a.spec"\nimport "lib/b.spec"\n'
                     'var x : 0..1\ninit { x := 0 }\ninvariant Sizes: size(QA) == 4 and size(QB) == 1\n'})
    run = modelcheck("check", tmp_path / "main.spec", "--no-deadlock")
    assert run.returncode == 0, run.out


@pytest.mark.parametrize("variant, line, col, message", [
    pytest.param('spec V\nimport "base.spec"\noverride action Dec { x := 0 }\n', 3, 1,
                 "override action Dec: no imported declaration to replace", id="override of nothing"),
    pytest.param('spec V\nimport "base.spec"\noverride def Inc = 1\n', 3, 1,
                 "the imported 'Inc' is an action, not a def", id="override of another kind"),
    pytest.param('spec V\nimport "base.spec"\naction Inc { x := 0 }\n', 3, 1,
                 "action Inc: an imported file already declares 'Inc'", id="duplicate without override"),
    pytest.param('spec V\nimport "base.spec"\noverride const N = 1\noverride const N = 2\n', 4, 1,
                 "const N is overridden twice", id="overridden twice"),
    pytest.param('spec V\nimport "nope.spec"\n', 2, 1, "nope.spec' does not exist",
                 id="missing file"),
    pytest.param('spec V\nimport "v.spec"\n', 2, 1, "import cycle", id="imports itself"),
    pytest.param('spec V\nimport "base.spec"\ninit { x := 1 }\n', 3, 1,
                 "init: an imported file already declares an init", id="second init"),
])
def test_module_errors_point_at_the_declaration(tmp_path, variant, line, col, message):
    write(tmp_path, **{"base.spec": BASE, "v.spec": variant})
    run = modelcheck("check", tmp_path / "v.spec")
    assert run.returncode == 2, run.out
    assert f"v.spec:{line}:{col}: error: " in run.stderr and message in run.stderr, run.stderr
    assert "hint:" in run.stderr and "Traceback" not in run.out


def test_an_import_cycle_through_two_files_names_the_chain(tmp_path):
    write(tmp_path, **{"a.spec": 'spec A\nimport "b.spec"\n', "b.spec": 'spec B\nimport "a.spec"\n'})
    run = modelcheck("check", tmp_path / "a.spec")
    assert run.returncode == 2
    assert "b.spec:2:1: error: import cycle: " in run.stderr
    assert "a.spec -> " in run.stderr and "b.spec -> " in run.stderr


def test_errors_in_an_imported_file_name_that_file(tmp_path):
    write(tmp_path, **{"base.spec": BASE.replace("x := Next(x)", "x := Next(y)"),
                       "v.spec": 'spec V\nimport "base.spec"\n'})
    run = modelcheck("check", tmp_path / "v.spec")
    assert run.returncode == 2
    assert "base.spec:8:13: error: unknown name 'y'" in run.stderr, run.stderr
    assert "x := Next(y)" in run.stderr  # the imported file's line is shown

    write(tmp_path, **{"base.spec": BASE.replace("x <= N", "x <== N")})
    run = modelcheck("check", tmp_path / "v.spec")
    assert run.returncode == 2
    assert "base.spec:14:"in run.stderr and "syntax error" in run.stderr, run.stderr


@pytest.mark.parametrize("variant, base, action", [
    ("raft_restart_forgets_vote.spec", "raft.spec", "Restart"),
    ("raft_commit_old_term.spec", "raft.spec", "AdvanceCommitIndex"),
    ("paxos_buggy.spec", "paxos.spec", "Phase2b"),
])
def test_the_shipped_variants_are_small_overrides_of_their_base(variant, base, action):
    text = (SPECS / variant).read_text()
    assert f'import "{base}"' in text
    assert f"override action {action}" in text
    assert len(text.splitlines()) < 60
