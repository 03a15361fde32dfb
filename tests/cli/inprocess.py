"""`modelcheck ARGS` run through the command's own entry point in this process: the same
argument parsing, messages and exit codes as the installed command, in milliseconds instead
of the second a new interpreter takes. Tests that need a real process use run_modelcheck."""
from __future__ import annotations

import contextlib
import io
import json
import subprocess
from dataclasses import dataclass

from modelcheck import cli


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str

    @property
    def out(self) -> str:
        return self.stdout + self.stderr

    def json(self) -> dict:
        return json.loads(self.stdout)


def modelcheck(*args) -> Run:
    """Run `modelcheck ARGS`; an exception escaping main() fails the test (it is a traceback)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli.main([str(a) for a in args])
        except SystemExit as e:  # argparse's usage errors
            code = e.code if isinstance(e.code, int) else 2
    return Run(code, out.getvalue(), err.getvalue())


def as_run(proc: subprocess.CompletedProcess) -> Run:
    return Run(proc.returncode, proc.stdout, proc.stderr)
