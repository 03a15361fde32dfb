"""docs/errors.md is true: each example gives the message and exit code shown, and every
message the checker's source can raise is listed there.

An entry of docs/errors.md is a `### ` heading, files (a line `` `name`: `` or
`` `name` (bytes, as a Python literal): `` followed by a fenced block), and a `console` block:
`$ modelcheck ARGS`, the line the output must contain (`...` matches anything), and
`[exit code N]`. Examples run through the command's entry point in-process (the same
parsing, messages and exit codes as the installed command); `-m slow` runs them as real
processes too.
"""
from __future__ import annotations

import ast
import contextlib
import io
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from conftest import REPO
from modelcheck import cli

DOC = REPO / "docs" / "errors.md"

# Where messages come from: the checker and the readers of its input files.
SOURCES = ["modelcheck/lang/*.py", "modelcheck/compile/*.py", "modelcheck/values.py", "modelcheck/pipeline.py",
           "modelcheck/cli.py", "modelcheck/model_config.py", "modelcheck/explore/*.py", "modelcheck/report/itf.py",
           "modelcheck/evaluate.py", "modelcheck/repl.py"]
RAISERS = {"SpecError", "fail", "EvalError", "ItfError", "CheckpointError", "ArgumentTypeError"}
# Messages no input can trigger; each says why.
UNREACHABLE = {
    "unknown statement": "the parser builds only the statements the checker knows",
    "not a type": "every type node the parser builds is handled",
    "'{}' on sets needs two sets": "a set joined with a non-set is a type mismatch, reported first",
    "cannot evaluate the constants: {}": "a failing constant is named (cannot evaluate constant C); this is the "
                                         "fallback for a module line that is no constant",
    "the string {} cannot be written in the spec language": "only strings with a double quote or a newline; "
                                                            "the spec language has no way to write them",
    "an unserializable value ({}) cannot be a constant": "a trace's #meta constants written by another tool",
    "MODELCHECK_BACKEND={} is not a backend": "an environment variable, which the examples cannot set; "
                                              "tests/native_search/test_backend_cli.py sets it",
    "a Ray worker failed: {}": "needs Ray and a node where an actor fails (without the spec, or a C "
                               "compiler); tests/native_search/test_native_ray.py makes one fail",
}


@dataclass
class Example:
    title: str
    files: dict[str, str | bytes] = field(default_factory=dict)
    args: list[str] = field(default_factory=list)
    expected: str = ""
    code: int = -1


def examples() -> list[Example]:
    out: list[Example] = []
    for section in re.split(r"^### ", DOC.read_text(encoding="utf-8"), flags=re.M)[1:]:
        title = section.split("\n", 1)[0].strip().strip("`")
        ex = Example(title)
        for m in re.finditer(r"^`([^`]+)`( \(bytes, as a Python literal\))?:\n\n```[a-z]*\n(.*?)\n```$",
                             section, re.M | re.S):
            name, is_bytes, content = m.groups()
            ex.files[name] = ast.literal_eval(content) if is_bytes else content + "\n"
        console = re.search(r"^```console\n\$ modelcheck (.*)\n(.*)\n\[exit code (\d+)\]\n```$", section, re.M)
        assert console, f"docs/errors.md: no console block under '{title}'"
        ex.args, ex.expected, ex.code = shlex.split(console.group(1)), console.group(2), int(console.group(3))
        out.append(ex)
    return out


EXAMPLES = examples()


def write_files(ex: Example, where: Path) -> None:
    for name, content in ex.files.items():
        path = where / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def matches(expected: str, output: str) -> bool:
    pattern = ".*?".join(re.escape(part) for part in expected.split("..."))
    return re.search(pattern, output) is not None


@pytest.mark.parametrize("ex", EXAMPLES, ids=[e.title for e in EXAMPLES])
def test_example(ex, tmp_path, monkeypatch):
    write_files(ex, tmp_path)
    monkeypatch.chdir(tmp_path)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli.main(ex.args)
        except SystemExit as e:
            code = e.code
    output = out.getvalue() + err.getvalue()
    assert "Traceback" not in output
    assert matches(ex.expected, output), f"expected {ex.expected!r} in:\n{output}"
    assert code == ex.code, output


@pytest.mark.slow
@pytest.mark.parametrize("ex", EXAMPLES, ids=[e.title for e in EXAMPLES])
def test_example_as_a_process(ex, tmp_path):
    write_files(ex, tmp_path)
    proc = subprocess.run([sys.executable, "-m", "modelcheck.cli", *ex.args], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    output = proc.stdout + proc.stderr
    assert "Traceback" not in output
    assert matches(ex.expected, output), f"expected {ex.expected!r} in:\n{output}"
    assert proc.returncode == ex.code


def test_titles_are_unique():
    titles = [e.title for e in EXAMPLES]
    assert len(titles) == len(set(titles))


# ---------------------------------------------------------------- every message is listed

def _template(node) -> str | None:
    """A message argument as text with {} for the parts computed at run time."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _template(node.left), _template(node.right)
        return (left or "{}") + (right or "{}")
    return None


def source_messages() -> dict[str, str]:
    """Every literal message given to an error type in SOURCES -> where it is."""
    found = {}
    for pattern in SOURCES:
        for path in sorted(REPO.glob(pattern)):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not (isinstance(node, ast.Call) and node.args):
                    continue
                name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
                text = _template(node.args[0]) if name in RAISERS else None
                if text and text.strip("{}"):
                    found.setdefault(text, f"{path.relative_to(REPO)}:{node.lineno}")
    return found


def test_every_message_is_listed():
    shown = "\n".join(e.expected for e in EXAMPLES)
    missing = []
    for text, where in source_messages().items():
        if text in UNREACHABLE:
            continue
        pattern = ".+?".join(re.escape(part) for part in text.split("{}"))
        if not re.search(pattern, shown):
            missing.append(f"{where}: {text!r}")
    assert not missing, ("messages with no example in docs/errors.md (add one, or list the message in "
                         "UNREACHABLE with the reason):\n" + "\n".join(missing))


def test_unreachable_messages_still_exist():
    gone = set(UNREACHABLE) - set(source_messages())
    assert not gone, f"no longer in the source, drop them from UNREACHABLE: {gone}"
