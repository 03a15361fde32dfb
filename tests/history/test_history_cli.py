"""`modelcheck history` as a user runs it: one exit code per outcome, no tracebacks."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from cli.inprocess import modelcheck
from conftest import REPO, needs_graphviz

from histories import history

STALE = history((1, "put x 1", 0, 1), (2, "put x 2", 2, 3), (3, "get x 1", 4, 5),
                (9, "get x 2", 10, 11, "ok", "n1"), (10, "get x 2", 12, 13, "ok", "n2"))
HARD = history(*[(p, f"put x {p}", p * 0.01, 100 + p) for p in range(15)], (20, "get x 99", 200, 201))


@pytest.fixture
def write(tmp_path):
    def write(document, name: str = "h.json"):
        path = tmp_path / name
        path.write_text(document if isinstance(document, str) else json.dumps(document))
        return path
    return write


def test_valid_is_exit_0(write):
    run = modelcheck("history", write(STALE), "--model", "sequential")
    assert run.returncode == 0, run.stderr
    assert "h.json: sequentially consistent" in run.stdout


@needs_graphviz
def test_invalid_is_exit_1_with_the_operations_and_pictures(write, tmp_path):
    svg, dot, out = tmp_path / "t.svg", tmp_path / "t.dot", tmp_path / "small.json"
    run = modelcheck("history", write(STALE), "--svg", svg, "--dot", dot, "--out", out)
    assert run.returncode == 1, run.stderr
    assert "NOT linearizable" in run.stdout and "<- cannot be placed" in run.stdout
    for op in ("put x 1", "put x 2", "get x -> 1"):
        assert op in run.stdout and op in dot.read_text()
    assert "put x 1" in svg.read_text() and "get x &#45;&gt; 1" in svg.read_text()
    again = modelcheck("history", out)  # the offending operations alone: still not linearizable
    assert again.returncode == 1 and "3 operations" in again.stdout


def test_json_output(write):
    run = modelcheck("history", write(STALE), "--model", "eventual", "--json")
    assert run.returncode == 0
    result = json.loads(run.stdout)
    assert result["verdict"] == "valid" and result["model"] == "eventual" and result["stats"]["ops"] == 5
    broken = json.loads(json.dumps(STALE).replace('"value": 2, "time": 13', '"value": 1, "time": 13'))
    result = json.loads(modelcheck("history", write(broken), "--model", "eventual", "--json").stdout)
    assert result["verdict"] == "invalid" and result["key"] == "x"
    assert result["reads"] == {"n1": [2], "n2": [1]}
    assert [op["text"] for op in result["ops"]] == ["get x -> 2", "get x -> 1"]


@pytest.mark.parametrize("content, message", [
    ("{\"format\": \"modelcheck-history/1\", \"events\": [{\"type\": \"ok\"}]}", 'event 0: missing field "process"'),
    ("not json at all", "line 1, column 1: expected an operation map like"),
    ("{\"format\": ", "not JSON: line 1"),
    ("{:process 0, :type :invoke, :f :read ; no end", "not EDN: line 1, column 1: '{' opened here is never closed"),
])
def test_bad_input_is_exit_2_without_traceback(write, content, message):
    run = modelcheck("history", write(content))
    assert run.returncode == 2
    assert message in run.stderr and "Traceback" not in run.stderr


def test_missing_file_and_bad_picture_name_are_exit_2(write, tmp_path):
    run = modelcheck("history", tmp_path / "absent.json")
    assert run.returncode == 2 and "cannot read" in run.stderr and "Traceback" not in run.stderr
    run = modelcheck("history", write(STALE), "--svg", tmp_path / "t.png")
    assert run.returncode == 2 and "must end in .svg" in run.stderr


def test_timeout_is_exit_3(write):
    run = modelcheck("history", write(HARD), "--timeout", "0.001", "--json")
    assert run.returncode == 3, run.stderr
    assert json.loads(run.stdout)["verdict"] == "unknown"


PUBLISHED = REPO / "tests" / "history" / "published"


def test_published_histories_with_their_conventions():
    knossos = modelcheck("history", PUBLISHED / "cas-register-bug.edn", "--initial", "0", "--nil-reads", "unknown")
    assert knossos.returncode == 0, knossos.stderr
    run = modelcheck("history", PUBLISHED / "c01-bad.txt", "--initial", '""', "--json")
    assert run.returncode == 1 and json.loads(run.stdout)["verdict"] == "invalid"
    needs_strings = modelcheck("history", PUBLISHED / "c01-bad.txt")
    assert needs_strings.returncode == 2 and "needs every key to start as a string" in needs_strings.stderr
    hard = modelcheck("history", PUBLISHED / "etcd_071.log", "--model", "sequential")  # decided by Z3
    assert hard.returncode == 0 and "sequentially consistent" in hard.stdout, hard.stderr


@pytest.mark.parametrize("args, message", [
    (["--initial", "zero"], "expected a JSON integer, string or null"),
    (["--nil-reads", "maybe"], "invalid choice: 'maybe'"),
])
def test_bad_options_are_exit_2(write, args, message):
    run = modelcheck("history", write(STALE), *args)
    assert run.returncode == 2 and message in run.stderr


def test_an_initial_value_given_twice_must_agree(write):
    assert modelcheck("history", write({**STALE, "initial": 0}), "--initial", "0").returncode == 1  # stale read
    run = modelcheck("history", write({**STALE, "initial": 0}), "--initial", "1")
    assert run.returncode == 2 and 'the history says "initial": 0, the options 1' in run.stderr


def test_the_history_command_imports_none_of_the_spec_machinery(write):
    """What made its start-up slow: lark, numpy, z3 (and graphviz, unless drawing)."""
    code = ("import sys; from modelcheck import cli; code = cli.main(['history', sys.argv[1]]); "
            "print(sorted(m for m in ('lark', 'numpy', 'z3', 'graphviz') if m in sys.modules), code)")
    run = subprocess.run([sys.executable, "-c", code, str(write(STALE))], cwd=REPO, capture_output=True, text=True)
    assert run.stdout.strip().endswith("[] 1"), run.stdout + run.stderr
