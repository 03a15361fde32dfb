"""Run one fuzz case through the command line's own entry point, in this process, and say how
it ended.

`cli.main(argv)` is what the `modelcheck` command runs; calling it in-process (output captured)
costs milliseconds where a subprocess costs half a second, which makes 100,000 cases
feasible. The guarantee checked is the command's: every input ends in a normal result or in
an error message with exit code 2 (3 for a limit) — never an exception escaping main()
(a Python traceback), never output that contradicts the exit code, and, for generated specs
that have a reference model, never an answer that differs from the reference.

Outcomes: ok, violation, deadlock (exit 0/1), runtime_error (exit 2, the spec failed while
being evaluated, with a trace), spec_error (exit 2, a static error: file:line:col), usage_error
(exit 2 from argparse), incomplete (exit 3), and the failures: crash (an exception escaped),
bad_output (the output does not match the exit code), wrong_answer (differs from the
reference model). `hang` is assigned by the runner that watches the time.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import tempfile
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modelcheck import cli

FAILURES = ("crash", "bad_output", "wrong_answer", "hang")
OUTCOMES = ("ok", "violation", "deadlock", "runtime_error", "spec_error", "usage_error", "incomplete",
            "oracle_agrees") + FAILURES
CASE_TIMEOUT = 2.0      # --timeout given to every run
MAX_STATES = 300        # --max-states given to every run


@dataclass
class Ran:
    code: int
    stdout: str
    stderr: str
    error: str | None = None  # the traceback of an exception that escaped main()


def run_main(argv: list[str]) -> Ran:
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = cli.main(argv)
    except SystemExit as e:  # argparse
        code = e.code if isinstance(e.code, int) else 2
    except BaseException:  # noqa: BLE001 - anything else is the crash we are looking for
        return Ran(-1, out.getvalue(), err.getvalue(), traceback.format_exc())
    return Ran(code, out.getvalue(), err.getvalue())


class Workdir:
    """A private directory for the files of the cases of one process."""

    def __init__(self) -> None:
        self.path = Path(tempfile.mkdtemp(prefix="mcfuzz-"))

    def write(self, name: str, content: str | bytes) -> Path:
        p = self.path / name
        if isinstance(content, bytes):
            p.write_bytes(content)
        else:
            with open(p, "w", encoding="utf-8", errors="surrogatepass", newline="") as f:
                f.write(content)
        return p


_WORKDIR: Workdir | None = None


def workdir() -> Workdir:
    global _WORKDIR
    if _WORKDIR is None or _WORKDIR.path.parent != Path(tempfile.gettempdir()) or not _WORKDIR.path.exists():
        _WORKDIR = Workdir()
    return _WORKDIR


def check_args(spec: Path, consts: dict[str, str] | None = None, json_out: bool = False,
               no_deadlock: bool = False, extra: tuple[str, ...] = ()) -> list[str]:
    argv = ["check", str(spec), "--max-states", str(MAX_STATES), "--timeout", str(CASE_TIMEOUT)]
    for name, value in (consts or {}).items():
        argv.append(f"--const={name}={value}")
    if json_out:
        argv.append("--json")
    if no_deadlock:
        argv.append("--no-deadlock")
    return argv + list(extra)


def classify(ran: Ran, json_out: bool) -> tuple[str, str]:
    """(outcome, detail) of one run of `modelcheck check`."""
    text = ran.stdout + ran.stderr
    if ran.error is not None:
        return "crash", ran.error
    if "Traceback (most recent call last)" in text:
        return "bad_output", "a traceback was printed"
    if ran.code == 2:
        if "could not be evaluated" in ran.stdout or '"result": "error"' in ran.stdout:
            return "runtime_error", ran.stdout[:300]
        if ran.stderr.startswith("usage:"):
            return "usage_error", ran.stderr[-300:]
        if "error: " not in ran.stderr:
            return "bad_output", f"exit 2 without an error message: {text[:500]!r}"
        if ran.stdout.strip():
            return "bad_output", f"exit 2 with a report on stdout: {ran.stdout[:300]!r}"
        # the first error line: `check` may have printed its header (spec, constants) before it
        lines = ran.stderr.splitlines()
        return "spec_error", next((line for line in lines if "error" in line), lines[0])[:300]
    if ran.code in (0, 1, 3):
        if json_out and ran.stdout.strip():
            try:
                obj = json.loads(ran.stdout)
            except ValueError as e:
                return "bad_output", f"--json output is not one JSON object: {e}"
            result = obj.get("result")
        elif ran.code == 3 and not ran.stdout.strip() and "Stopped before the end" in ran.stderr:
            return "incomplete", ran.stderr.strip()[:200]
        else:
            first = ran.stdout.split("\n", 3)[2] if ran.stdout.count("\n") >= 2 else ""
            result = ("ok" if first.startswith("No error") else "violation" if "is violated" in first
                      or "outside its declared type" in first
                      else "deadlock" if "deadlock" in first else "incomplete" if first.startswith("Stopped")
                      else None)
        expected = {0: ("ok",), 1: ("violation", "deadlock"), 3: ("incomplete",)}[ran.code]
        if result not in expected:
            return "bad_output", f"exit {ran.code} but the report says {result!r}: {text[:300]!r}"
        return result, ""
    return "bad_output", f"unexpected exit code {ran.code}: {text[:300]!r}"


# ---------------------------------------------------------------- kinds of case

def run_spec_text(text: str | bytes, consts: dict[str, str] | None = None, json_out: bool = False,
                  no_deadlock: bool = False, extra: tuple[str, ...] = (), name: str = "fuzz.spec") -> tuple[str, str]:
    path = workdir().write(name, text)
    ran = run_main(check_args(path, consts, json_out, no_deadlock, extra))
    return classify(ran, json_out)


def run_generated(gs, max_states: int = MAX_STATES, extra: tuple[str, ...] = ()) -> tuple[str, str]:
    """A generated spec with its reference model: the outcome, or wrong_answer. `extra`:
    more options of `check` (e.g. --no-opt)."""
    from reference import NoOracle, compare, explore
    path = workdir().write("fuzz.spec", gs.text)
    ran = run_main(check_args(path, gs.consts, True, not gs.check_deadlock, extra))
    outcome, detail = classify(ran, True)
    if outcome in FAILURES or not gs.oracle or outcome in ("spec_error", "usage_error"):
        return outcome, detail
    try:
        ref = explore(gs, max_states)
    except NoOracle:
        return outcome, detail
    try:
        ours = json.loads(ran.stdout)
    except ValueError:
        return outcome, detail
    differs = compare(gs, ref, ours)
    if differs:
        return "wrong_answer", differs
    return outcome, detail


def itf_expected(kind: str, value: Any) -> Any:
    """The ITF value the JSON report gives for a reference value of a kind."""
    if kind == "int":
        return {"#bigint": str(value)}
    if kind == "bool":
        return value
    if kind == "iset":
        return {"#set": [{"#bigint": str(x)} for x in sorted(value)]}
    if kind == "seq":
        return [{"#bigint": str(x)} for x in value]
    if kind == "map":
        return {"#map": [[{"#model": k}, {"#bigint": str(x)}] for k, x in value]}  # --json tags model values
    if kind == "rec":
        return {"a": {"#bigint": str(value[0])}, "b": value[1]}
    if kind == "proc":
        return {"#model": value}
    if kind == "msg":
        return ({"kind": "a", "x": {"#bigint": str(value[1])}} if value[0] == "a" else
                {"kind": "b", "x": {"#bigint": str(value[1])}, "y": {"#bigint": str(value[2])}})
    if kind == "msgset":
        from reference import from_itf
        return sorted(value)  # compared as a set below
    raise AssertionError(kind)


def run_const_expr(kind: str, expr: str, value: Any) -> tuple[str, str]:
    """`const R = expr`: our value must be the reference's, or an error where it has none."""
    from specgen import Undefined, Unknown
    from specgen import MSG_TYPE
    text = f"spec C\nconst N = 2\nconst Procs = {{p1, p2, p3}}\n{MSG_TYPE}\nconst R = {expr}\ninit {{ }}\n"
    path = workdir().write("const.spec", text)
    ran = run_main(check_args(path, json_out=True, no_deadlock=True))
    outcome, detail = classify(ran, True)
    if outcome in FAILURES or outcome == "incomplete" or isinstance(value, Unknown):
        return outcome, detail  # incomplete: the time limit stopped the load; nothing to compare
    if outcome == "spec_error" and "no field 'y' in {kind: string, x: int}" in ran.stderr:
        return outcome, detail  # .y of a message known to be of kind "a": a static error, rightly
    if isinstance(value, Undefined):
        if outcome != "spec_error" or "cannot evaluate" not in ran.stderr:
            return "wrong_answer", f"{expr}: expected an evaluation error ({value}), got {outcome}: {detail}"
        return "oracle_agrees", ""
    if outcome != "ok":
        if "too many elements" in ran.stderr or "more than" in ran.stderr:
            return outcome, detail  # a bound of the checker, not a wrong answer
        return "wrong_answer", f"{expr}: expected {value!r}, got {outcome}: {detail}"
    got = json.loads(ran.stdout)["constants"]["R"]
    if kind == "msgset":
        from reference import from_itf
        if from_itf(got, "msgset") != value:
            return "wrong_answer", f"{expr}: expected {sorted(value)}, got {got}"
        return "oracle_agrees", ""
    if got != itf_expected(kind, value):
        return "wrong_answer", f"{expr}: expected {itf_expected(kind, value)}, got {got}"
    return "oracle_agrees", ""


def run_replay(spec_text: str, trace: bytes) -> tuple[str, str]:
    """`modelcheck replay SPEC TRACE`: 0 the trace is a behaviour, 1 it is not, 2 bad input."""
    spec = workdir().write("replay.spec", spec_text)
    path = workdir().write("trace.itf.json", trace)
    ran = run_main(["replay", str(spec), str(path)])
    text = ran.stdout + ran.stderr
    if ran.error is not None:
        return "crash", ran.error
    if "Traceback (most recent call last)" in text:
        return "bad_output", "a traceback was printed"
    if ran.code == 2:
        if "error: " not in ran.stderr:
            return "bad_output", f"exit 2 without an error message: {text[:500]!r}"
        # the first error line: `check` may have printed its header (spec, constants) before it
        lines = ran.stderr.splitlines()
        return "spec_error", next((line for line in lines if "error" in line), lines[0])[:300]
    if ran.code in (0, 1):
        if not ran.stdout.strip():
            return "bad_output", f"exit {ran.code} without a report"
        return ("ok" if ran.code == 0 else "violation"), ""
    return "bad_output", f"unexpected exit code {ran.code}: {text[:300]!r}"
