"""The end-to-end guarantee on a few hostile inputs, each in a real `modelcheck` process:
exit code 2 with an error message (3 when a limit stops it), never a traceback, never a hang."""
from __future__ import annotations

import pytest

from conftest import run_modelcheck

HEAD = "spec T\nvar x : 0..3\ninit { x := 0 }\n"


@pytest.mark.parametrize("files, args, code, message", [
    ({"t.spec": HEAD + "invariant I: " + "not " * 3000 + "true\n"}, ["check", "t.spec"], 2,
     "t.spec:4:"),
    ({"t.spec": b"spec T\n\xff\xfe\x00" + bytes(range(256))}, ["check", "t.spec"], 2, "cannot read spec file"),
    ({"t.spec": HEAD + "action A { require forall n in 0..1000000000000: n >= 0\n  x := 1 }\n"},
     ["check", "t.spec", "--timeout", "1"], 3, "Stopped before the end (timeout 1 s)"),
    ({"t.spec": HEAD + "action Inc { x := x + 1 }\n", "t.itf.json": b'{"states": [' * 5000},
     ["replay", "t.spec", "t.itf.json"], 2, "cannot read trace 't.itf.json'"),
], ids=["deep nesting", "binary file", "endless state", "truncated trace"])
def test_hostile_input_in_a_process(tmp_path, files, args, code, message):
    for name, content in files.items():
        (tmp_path / name).write_bytes(content if isinstance(content, bytes) else content.encode())
    proc = run_modelcheck(*args, cwd=tmp_path, timeout=60)
    out = proc.stdout + proc.stderr
    assert "Traceback" not in out
    assert proc.returncode == code, out
    assert message in out
    if code == 2:
        assert "error: " in proc.stderr
