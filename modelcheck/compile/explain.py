"""Why is an action not enabled with given arguments? Found by watching its generated code run.

The generated function of an action (lower_stmt.py) writes every guard as one line
`if not (COND): continue  # file:line` (a `require`) or, right after a pick's loop header
`for b_m in DOMAIN:  # file:line pick`, as `if not (COND): continue` (the rest of the pick's
where-condition). We run the action on the state under `sys.settrace`, watch only lines
where every parameter and pick in scope holds the value the trace gives it, and note each
guard line after which control went back (the guard was false) instead of on. A parameter
or pick whose loop never took the trace's value is reported as such. No second code
generator, so the explanation cannot disagree with what the explorer runs.

The result is a list of plain dicts with the fields of explore.replay.Why (this stage may
not import the explorer).
"""
from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from typing import Any

from typing import TYPE_CHECKING

from ..itfvalue import canonical
from ..lang import ast as A
from ..lang.typecheck import CheckedSpec

if TYPE_CHECKING:  # build.py imports this module
    from .build import CompiledSpec

_GUARD = re.compile(r"^(\s*)if not \((.*)\): (continue|return)(?:  # (\S+):(\d+))?$")
_FOR = re.compile(r"^(\s*)for (\w+) in (.*):(?:  # (\S+):(\d+)( pick)?)?$")


@dataclass
class _Line:
    scope: tuple[str, ...]          # Python names of the binders whose loops enclose the line
    guard: tuple | None = None      # ("require", spec line) or ("condition", spec line, binder)
    binds: str | None = None        # the binder a `for` header line iterates


def explain_disabled(compiled: CompiledSpec, action: int, state: Any, args: dict[str, Any]) -> list[dict]:
    decl = compiled.checked.spec.of(A.ActionDecl)[action]
    fn = compiled.model.actions()[action]
    binders = list(A.walk_stmts(decl))
    known = [b.name for b in binders]
    strangers = [name for name in args if name not in known]
    if strangers:  # the trace names arguments the action does not have
        return [{"what": "argument", "text": ", ".join(dict.fromkeys(known)) or "none", "where": file_line(decl),
                 "binder": name, "value": args[name]} for name in strangers]
    py_names = {compiled.checked.binder_names[id(b)]: b for b in binders}
    lines = _analyse(compiled.source.splitlines(), fn.__code__.co_firstlineno, py_names)
    wanted = {py: canonical(args[b.name]) for py, b in py_names.items() if b.name in args}
    model = compiled.model
    cache: dict = {}

    def matches(py: str, value: Any) -> bool:
        if py not in wanted:
            return True
        key = (py, value)
        if key not in cache:
            name = py_names[py].name
            cache[key] = canonical(model.describe_args(action, (name,), (value,))[name]) == wanted[py]
        return cache[key]

    failed: list[tuple[int, dict]] = []
    errors: list[tuple[int, BaseException]] = []
    reached: set[int] = set()
    pending: list = [None]
    code = fn.__code__

    def local(frame, event, arg):
        if pending[0] is not None:
            ln = pending[0]
            if event == "exception":
                errors.append((ln, arg[1]))
            elif event == "return" or (event == "line" and frame.f_lineno <= ln):
                failed.append((ln, dict(frame.f_locals)))
            pending[0] = None
        if event == "line":
            info = lines.get(frame.f_lineno)
            if info is not None:
                local_vars = frame.f_locals
                if all(py in local_vars and matches(py, local_vars[py]) for py in info.scope):
                    reached.add(frame.f_lineno)
                    if info.guard is not None:
                        pending[0] = frame.f_lineno
        return local

    def tracer(frame, event, arg):
        return local if frame.f_code is code else None

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        for _ in fn(state):
            pass
    except Exception:
        pass
    finally:
        sys.settrace(previous)

    spec = compiled.checked.spec
    described = model.describe(state)

    def reads(node) -> dict[str, Any]:
        """The state variables a guard reads, with their values before the step."""
        names = [compiled.checked.refs[id(n)].name for n in A.walk(node) if isinstance(n, A.Name)
                 and compiled.checked.refs.get(id(n)) is not None and compiled.checked.refs[id(n)].kind == "var"]
        return {v: described[v] for v in dict.fromkeys(names) if v in described}

    out: list[dict] = []
    seen: set = set()
    for ln, err in errors:
        g = lines[ln].guard
        node = _node_at(decl, g[1], A.Require if g[0] == "require" else A.Pick)
        out.append({"what": "error", "text": source_line(spec, node), "where": file_line(node),
                    "error": f"{type(err).__name__}: {err}", "reads": reads(node)})
    for ln, local_vars in failed:
        g = lines[ln].guard
        if g in seen:
            continue
        seen.add(g)
        if g[0] == "require":
            node = _node_at(decl, g[1], A.Require)
            out.append({"what": "require", "text": source_line(spec, node), "where": file_line(node), "reads": reads(node)})
        else:
            node = _node_at(decl, g[1], A.Pick)
            b = py_names.get(g[2])
            out.append({"what": "condition", "text": source_line(spec, node), "where": file_line(node),
                        "binder": b.name if b else None, "value": args.get(b.name) if b else None,
                        "reads": reads(node.cond) if node is not None and node.cond is not None else {}})
    if out:
        return out
    # No guard failed where the arguments agree: some parameter or pick never took the value.
    for py, b in py_names.items():
        header = next((ln for ln, info in lines.items() if info.binds == py), None)
        if header is None or header not in reached or b.name not in args:
            continue
        if not any(py in info.scope for ln, info in lines.items() if ln in reached):
            is_param = b in decl.params
            pick = None if is_param else next((s for s in all_statements(decl.body) if isinstance(s, A.Pick)
                                               and s.binder is b), None)
            node = b if is_param else pick
            out.append({"what": "param" if is_param else "pick", "text": source_line(spec, node) if node else b.name,
                        "where": file_line(node) if node else "", "binder": b.name, "value": args[b.name],
                        "reads": reads(node) if node else {}})
            break
    return out


class GuardWatch:
    """Which guards of an action ever let control pass, over every state it is run on: the
    explorer runs an action that has produced no successor yet through `run` (the same
    generated code, watched line by line, as explain_disabled does), so that after a complete
    search a never-enabled action can name the guard that was false wherever it was evaluated.
    Once the action produces a successor, the explorer runs it unwatched again."""

    def __init__(self, checked: CheckedSpec, source: str, action: int, fn):
        self.decl = checked.spec.of(A.ActionDecl)[action]
        self.spec = checked.spec
        self.fn = fn
        py_names = {checked.binder_names[id(b)]: b for b in A.walk_stmts(self.decl)}
        lines = _analyse(source.splitlines(), fn.__code__.co_firstlineno, py_names)
        self.guards = {ln: info.guard for ln, info in lines.items() if info.guard is not None}
        self.reached: set[int] = set()
        self.passed: set[int] = set()

    def run(self, state: Any) -> list:
        """The action's successors of state, as a list, noting each guard's outcome."""
        code, guards, reached, passed = self.fn.__code__, self.guards, self.reached, self.passed
        pending = [0]

        def local(frame, event, arg):
            if event == "line":
                if pending[0] and frame.f_lineno > pending[0]:
                    passed.add(pending[0])
                pending[0] = frame.f_lineno if frame.f_lineno in guards else 0
                if pending[0]:
                    reached.add(pending[0])
            return local

        previous = sys.gettrace()
        sys.settrace(lambda frame, event, arg: local if frame.f_code is code else None)
        try:
            return list(self.fn(state))
        finally:
            sys.settrace(previous)

    def always_false(self) -> str | None:
        """`<condition> (file:line)`: the first guard (in the action's order) that was evaluated
        and never true; None if every guard evaluated was true somewhere."""
        for ln in sorted(self.reached - self.passed):
            g = self.guards[ln]
            node = _node_at(self.decl, g[1], A.Require if g[0] == "require" else A.Pick)
            if node is not None and node.cond is not None:
                return f"{source_line(self.spec, node.cond)} ({file_line(node)})"
        return None


def _analyse(src: list[str], first: int, py_names: dict) -> dict[int, _Line]:
    """Per line of the action's function: the binders in scope, and what guard it is."""
    out: dict[int, _Line] = {}
    stack: list[tuple[int, str]] = []  # (indent of a `for` header, binder)
    last_pick: tuple[str, int] | None = None  # the pick header just seen: (binder, spec line)
    n = first  # 1-based
    while n < len(src):
        text = src[n]  # line n + 1
        lineno = n + 1
        n += 1
        if text and not text[0].isspace():
            break
        if not text.strip():
            continue
        indent = len(text) - len(text.lstrip())
        while stack and stack[-1][0] >= indent:
            stack.pop()
        scope = tuple(py for _, py in stack)
        info = _Line(scope)
        m = _FOR.match(text)
        g = _GUARD.match(text)
        if m and m.group(2) in py_names:
            info.binds = m.group(2)
            stack.append((indent, m.group(2)))
            last_pick = (m.group(2), int(m.group(5))) if m.group(6) else None
        elif g:
            if g.group(5):
                info.guard = ("require", int(g.group(5)))
            elif last_pick is not None and last_pick[0] in scope:
                info.guard = ("condition", last_pick[1], last_pick[0])
            last_pick = None
        else:
            last_pick = None
        out[lineno] = info
    return out


def all_statements(body):
    for s in body:
        yield s
        if isinstance(s, A.If):
            yield from all_statements(s.then)
            yield from all_statements(s.orelse)
        elif isinstance(s, A.Either):
            for branch in s.branches:
                yield from all_statements(branch)


def _node_at(decl: A.ActionDecl, line: int, kind: type):
    return next((s for s in all_statements(decl.body) if isinstance(s, kind) and s.span.line == line), None)


def file_line(node) -> str:
    if node is None:
        return ""
    return f"{node.span.file.rsplit('/', 1)[-1]}:{node.span.line}"


def source_line(spec: A.Spec, node) -> str:
    """A node's source, on one line, without comments."""
    if node is None:
        return "?"
    s = node.span
    lines = spec.sources.get(s.file, spec.source).splitlines()
    if not (0 < s.line <= len(lines)):
        return "?"
    if s.line == s.end_line:
        parts = [lines[s.line - 1][s.col - 1:s.end_col - 1]]
    else:
        parts = [lines[s.line - 1][s.col - 1:]] + lines[s.line:s.end_line - 1] + [lines[s.end_line - 1][:s.end_col - 1]]
    parts = [p.split("//", 1)[0] for p in parts]
    return " ".join(" ".join(parts).split())
