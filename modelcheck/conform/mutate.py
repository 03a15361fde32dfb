"""Mutation testing of a user's implementation: how many small bugs do their suites catch?

Mutants are made with Python's `ast` from the implementation's source files, one change
each (`mutants_of`):

  comparison    `<` -> `<=` and `>`, `==` -> `!=`, `is` -> `is not`, `in` -> `not in`, ...
  constant      an integer literal n -> n + 1 and n - 1 (off by one on a bound)
  call dropped  a statement that is only a call (`self.storage.save(...)`) -> `pass`
  and/or        `and` <-> `or`
  negated       the condition of an `if`, `while` or conditional expression -> `not (...)`
  deleted       an assignment, `return`, `continue`, `break` or `raise` -> `pass`
  return value  `return x` -> `return None` (`True` <-> `False` for booleans)

Code whose behaviour nobody observes is not mutated: `__repr__`/`__str__` bodies, and lines
marked `# no mutate`. The mutated source replaces only the text of the node changed, so a
mutant prints as a small unified diff.

Each mutant is judged in a child process forked from this one (after the spec and the
traces are loaded, before the implementation is imported), where an import hook makes the
mutated module's name load the mutated text: the user's files are never written. The child
replays the traces (spec -> implementation) and, with runs, validates executions
(implementation -> spec); the mutant is killed by the first divergence, by failing to
import, or by running past the timeout (an infinite loop). Survivors are the bugs the
suites would miss -- or equivalent mutants, which behave like the original in everything
the spec can observe. The unmutated run records which lines of the files it runs
(`lines_run`); a mutant on a line it never runs cannot be killed, so it is not judged but
reported apart: code the suites never exercise.
"""
from __future__ import annotations

import ast
import difflib
import importlib
import importlib.abc
import importlib.util
import io
import json
import os
import select
import signal
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, Optional

SKIP_FUNCTIONS = ("__repr__", "__str__")
NO_MUTATE = "# no mutate"

_FLIPS: dict[type, tuple[type, ...]] = {
    ast.Lt: (ast.LtE, ast.Gt), ast.LtE: (ast.Lt, ast.GtE), ast.Gt: (ast.GtE, ast.Lt), ast.GtE: (ast.Gt, ast.LtE),
    ast.Eq: (ast.NotEq,), ast.NotEq: (ast.Eq,), ast.Is: (ast.IsNot,), ast.IsNot: (ast.Is,),
    ast.In: (ast.NotIn,), ast.NotIn: (ast.In,),
}
_SYMBOL = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!=", ast.Is: "is",
           ast.IsNot: "is not", ast.In: "in", ast.NotIn: "not in"}


@dataclass(frozen=True)
class Mutant:
    number: int              # 1.. within the run
    module: str              # the import name of the mutated module
    path: str                # its file, as given
    line: int
    operator: str            # "comparison", "constant", ...
    change: str              # what changed, in words: "`<` -> `<=`"
    source: str              # the whole mutated file

    def title(self) -> str:
        return f"{Path(self.path).name}:{self.line} {self.operator} {self.change}"

    def diff(self, original: str) -> str:
        return "".join(difflib.unified_diff(original.splitlines(True), self.source.splitlines(True),
                                            self.path, f"{self.path} (mutant {self.number}: {self.operator} {self.change})",
                                            n=2))


# ---------------------------------------------------------------- making mutants

def mutants_of(source: str, path: str, module: str, first_number: int = 1) -> list[Mutant]:
    """Every mutant of one file, in source order."""
    tree = ast.parse(source, path)
    lines = source.splitlines(True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    skip = _skipped_lines(lines)
    out: list[Mutant] = []

    def at(lineno: int, col: int) -> int:
        # ast columns are UTF-8 byte offsets
        return offsets[lineno - 1] + len(lines[lineno - 1].encode()[:col].decode(errors="ignore"))

    def replace(node: ast.AST, text: str, operator: str, change: str) -> None:
        start, end = at(node.lineno, node.col_offset), at(node.end_lineno, node.end_col_offset)
        mutated = source[:start] + text + source[end:]
        try:
            compile(mutated, path, "exec")
        except SyntaxError:
            return
        out.append(Mutant(first_number + len(out), module, path, node.lineno, operator, change, mutated))

    for node in _nodes(tree):
        if getattr(node, "lineno", None) in skip:
            continue
        if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _FLIPS:
            for new in _FLIPS[type(node.ops[0])]:
                text = ast.unparse(ast.Compare(node.left, [new()], node.comparators))
                replace(node, text, "comparison", f"`{_SYMBOL[type(node.ops[0])]}` -> `{_SYMBOL[new]}`")
        elif isinstance(node, ast.Constant) and type(node.value) is int:
            for delta in (1, -1):
                replace(node, repr(node.value + delta), "constant", f"{node.value} -> {node.value + delta}")
        elif isinstance(node, ast.BoolOp):
            other = ast.Or() if isinstance(node.op, ast.And) else ast.And()
            names = ("and", "or") if isinstance(node.op, ast.And) else ("or", "and")
            replace(node, ast.unparse(ast.BoolOp(other, node.values)), "and/or", f"`{names[0]}` -> `{names[1]}`")
        elif isinstance(node, (ast.If, ast.While, ast.IfExp)):
            test = node.test
            replace(test, f"not ({ast.unparse(test)})", "negated", f"`{_short(ast.unparse(test))}`")
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            replace(node, "pass", "call dropped", f"`{_short(ast.unparse(node.value))}`")
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Return, ast.Continue, ast.Break,
                               ast.Raise)):
            replace(node, "pass", "deleted", f"`{_short(ast.unparse(node))}`")
        if isinstance(node, ast.Return) and node.value is not None:
            value = node.value
            if isinstance(value, ast.Constant) and isinstance(value.value, bool):
                replace(value, repr(not value.value), "return value", f"{value.value} -> {not value.value}")
            elif not (isinstance(value, ast.Constant) and value.value is None):
                replace(value, "None", "return value", f"`{_short(ast.unparse(value))}` -> None")
    return out


def _nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node worth mutating, in source order: not docstrings, f-strings, annotations,
    or the bodies of SKIP_FUNCTIONS."""
    def visit(node: ast.AST) -> Iterator[ast.AST]:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in SKIP_FUNCTIONS:
            return
        if isinstance(node, (ast.JoinedStr, ast.arg)) or (
                isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)):
            return
        if isinstance(node, ast.AnnAssign):
            yield node
            if node.value is not None:
                yield from visit(node.value)
            return
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for child in node.body + node.args.defaults + node.args.kw_defaults:
                if child is not None:
                    yield from visit(child)
            return
        yield node
        for child in ast.iter_child_nodes(node):
            yield from visit(child)
    nodes = list(visit(tree))
    nodes.sort(key=lambda n: (getattr(n, "lineno", 0), getattr(n, "col_offset", 0)))
    return iter(nodes)


def _skipped_lines(lines: list[str]) -> set[int]:
    return {i for i, text in enumerate(lines, 1) if NO_MUTATE in text}


def _short(text: str, width: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[:width - 3] + "..."


# ---------------------------------------------------------------- loading a mutant

class _MutantLoader(importlib.abc.Loader):
    def __init__(self, source: str, path: str):
        self.source, self.path = source, path

    def create_module(self, spec):
        return None

    def exec_module(self, module) -> None:
        exec(compile(self.source, self.path, "exec"), module.__dict__)


class _MutantFinder(importlib.abc.MetaPathFinder):
    """Makes `module` import from the mutated text instead of its file."""

    def __init__(self, mutant: Mutant):
        self.mutant = mutant

    def find_spec(self, fullname, path=None, target=None):
        if fullname != self.mutant.module:
            return None
        file = os.path.abspath(self.mutant.path)
        package = os.path.basename(file) == "__init__.py"
        return importlib.util.spec_from_file_location(
            fullname, file, loader=_MutantLoader(self.mutant.source, file),
            submodule_search_locations=[os.path.dirname(file)] if package else None)


# ---------------------------------------------------------------- judging

@dataclass
class Verdict:
    killed: bool
    how: str                       # "replay", "validation", "timeout", "import", "error", "survived"
    detail: str = ""
    seconds: float = 0.0
    extra: dict = field(default_factory=dict)


def judge_here(adapter_ref: str, trace_files: list, compiled, runs: int, seed: int, events: Optional[int]) -> dict:
    """Judge the implementation as importable in this process (run in a child)."""
    from .replay import load_adapter, replay_trace
    from .validate import validate
    try:
        adapter = load_adapter(adapter_ref)
    except Exception as e:
        return {"killed": True, "how": "import", "detail": _last_line(e)}
    for f in trace_files:   # the first divergence kills: the rest need not run
        outcome = replay_trace(adapter, f.trace, f.constants, str(f.path), f.refused)
        if not outcome.ok:
            return {"killed": True, "how": "replay", "detail": outcome.divergence.headline()}
    if runs and compiled is not None:
        report = validate(adapter, compiled, range(seed, seed + runs), events)
        if not report.ok:
            f = report.failure
            return {"killed": True, "how": "validation", "detail": f"seed {f.seed}, event {f.event_index}: {f.reason}"}
        return {"killed": False, "how": "survived", "traces": len(trace_files), "runs": report.runs,
                "events": report.events}
    return {"killed": False, "how": "survived", "traces": len(trace_files), "runs": 0}


def _last_line(e: BaseException) -> str:
    frame = traceback.extract_tb(e.__traceback__)[-1] if e.__traceback__ else None
    return f"{type(e).__name__}: {e}" + (f" (at {Path(frame.filename).name}:{frame.lineno})" if frame else "")


class _Child:
    """A forked child running `work()` and sending its JSON answer through a pipe."""

    def __init__(self, work: Callable[[], dict]):
        read, write = os.pipe()
        self.started = time.monotonic()
        pid = os.fork()
        if pid == 0:   # the child: never returns
            os.close(read)
            code = 0
            try:
                sys.stdout = sys.stderr = io.StringIO()   # a mutant's prints are not ours
                answer = work()
            except BaseException as e:   # whatever the mutant does, the parent gets an answer
                answer = {"killed": True, "how": "error", "detail": _last_line(e)}
            try:
                os.write(write, json.dumps(answer, default=str).encode())
            finally:
                os._exit(code)
        os.close(write)
        self.pid, self.fd, self.data = pid, read, b""

    def poll(self, timeout: float) -> Optional[dict]:
        """The answer, once the child is done; {"how": "timeout"} after `timeout` seconds."""
        while True:
            r, _, _ = select.select([self.fd], [], [], 0)
            if not r:
                break
            chunk = os.read(self.fd, 1 << 16)
            if not chunk:
                os.close(self.fd)
                os.waitpid(self.pid, 0)
                if not self.data:
                    return {"killed": True, "how": "error", "detail": "the judging process died without an answer"}
                return json.loads(self.data)
            self.data += chunk
        if time.monotonic() - self.started > timeout:
            self.stop()
            return {"killed": True, "how": "timeout", "detail": f"still running after {timeout:.0f} s"}
        return None

    def stop(self) -> None:
        """Kill the child (if it still runs) and reap it."""
        try:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
            os.close(self.fd)
        except (ProcessLookupError, ChildProcessError, OSError):
            pass


def judge_all(mutants: list[Mutant], work: Callable[[Optional[Mutant]], dict], timeout: float, jobs: int = 1,
              on_verdict: Callable[[Mutant, Verdict], None] = lambda m, v: None) -> dict[int, Verdict]:
    """Judge each mutant in its own forked child, `jobs` at a time."""
    pending = list(mutants)
    running: dict[int, tuple[Mutant, _Child]] = {}
    verdicts: dict[int, Verdict] = {}
    try:
        while pending or running:
            while pending and len(running) < jobs:
                m = pending.pop(0)
                running[m.number] = (m, _Child(lambda m=m: work(m)))
            for number, (m, child) in list(running.items()):
                answer = child.poll(timeout)
                if answer is not None:
                    del running[number]
                    v = Verdict(answer.pop("killed"), answer.pop("how"), answer.pop("detail", ""),
                                time.monotonic() - child.started, answer)
                    verdicts[number] = v
                    on_verdict(m, v)
            if running:
                select.select([c.fd for _, c in running.values()], [], [], 0.05)
    finally:   # interrupted: no child outlives the run
        for _, child in running.values():
            child.stop()
    return verdicts


def lines_run(paths: list[str], work: Callable[[], dict]) -> dict:
    """work()'s answer, with the lines of `paths` that ran during it ("lines": path ->
    sorted line numbers; sys.settrace, so only for the one unmutated run)."""
    wanted = {os.path.abspath(p): set() for p in paths}
    names: dict[str, Optional[set]] = {}

    def lines_of(code) -> Optional[set]:
        file = code.co_filename
        if file not in names:
            names[file] = wanted.get(os.path.abspath(file))
        return names[file]

    def local(frame, event, arg):
        if event == "line":
            lines_of(frame.f_code).add(frame.f_lineno)
        return local

    def tracer(frame, event, arg):
        seen = lines_of(frame.f_code)
        if seen is None:
            return None
        seen.add(frame.f_lineno)
        return local

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        answer = work()
    finally:
        sys.settrace(previous)
    return {**answer, "lines": {p: sorted(lines) for p, lines in wanted.items()}}


def not_run(mutants: list[Mutant], lines: dict[str, list[int]]) -> list[Mutant]:
    """The mutants on lines the unmutated run never ran: they cannot change what it does."""
    ran = {p: set(ls) for p, ls in lines.items()}
    return [m for m in mutants if m.line not in ran.get(os.path.abspath(m.path), ())]


def in_child(work: Callable[[], dict], timeout: float) -> dict:
    """Run `work` once in a forked child (the unmutated implementation, or discovery)."""
    child = _Child(work)
    try:
        while True:
            answer = child.poll(timeout)
            if answer is not None:
                return answer
            select.select([child.fd], [], [], 0.05)
    except BaseException:
        child.stop()
        raise


def install(mutant: Mutant) -> None:
    """In a child: make the mutant's module import from its mutated text."""
    forget_user_modules()
    sys.meta_path.insert(0, _MutantFinder(mutant))


def forget_user_modules() -> None:
    """In a child: drop the modules under the current directory (modelcheck's own left) that
    this process imported before it forked, so that the adapter and the implementation are
    imported afresh, from the mutant where it applies (a test runner may have imported them)."""
    here = Path.cwd().resolve()
    ours = Path(__file__).resolve().parents[1]
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        if not file:
            continue
        path = Path(file).resolve()
        if here in path.parents and ours not in path.parents and not name.startswith("modelcheck"):
            del sys.modules[name]


def discover(adapter_ref: str) -> dict:
    """In a child: import the adapter; its spec, and the source files it imports under the
    current directory (module name -> file), the adapter's own module and modelcheck left out."""
    from .replay import load_adapter
    forget_user_modules()
    before = set(sys.modules)
    try:
        adapter = load_adapter(adapter_ref)
    except Exception as e:
        return {"error": f"--adapter {adapter_ref}: {_last_line(e)}"}
    here = Path.cwd().resolve()
    own = adapter.__module__
    files = {}
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        if not file or name == own or name.split(".")[0] == "modelcheck" or not file.endswith(".py"):
            continue
        path = Path(file).resolve()
        if here in path.parents and name not in before:
            files[name] = str(path)
    return {"spec": getattr(adapter, "spec", ""), "modules": files,
            "validation_constants": dict(getattr(adapter, "validation_constants", {}) or {})}
