"""Generated source -> live module namespace.

The text is registered in linecache under a pseudo-filename before it is compiled, so that
tracebacks and pdb show the generated lines (as attrs does for its generated methods).
"""
from __future__ import annotations

import linecache


class TooComplex(Exception):
    """Python would not compile the generated module (nesting beyond its limits)."""

    def __init__(self, reason: str, spec_line: int | None):
        super().__init__(reason)
        self.reason = reason
        self.spec_line = spec_line  # the spec line the offending generated line comes from


def load(source: str, spec_path: str) -> dict:
    filename = f"<modelcheck:{spec_path}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace: dict = {"__name__": f"modelcheck_generated_{abs(hash(spec_path))}"}
    try:
        code = compile(source, filename, "exec")
    except (SyntaxError, RecursionError, MemoryError) as e:
        lineno = getattr(e, "lineno", None)
        raise TooComplex(getattr(e, "msg", None) or str(e) or type(e).__name__,
                         _marked_line(source.splitlines(), lineno) if lineno else None) from None
    exec(code, namespace)
    return namespace


def _marked_line(lines: list[str], lineno: int) -> int | None:
    """The spec line named by the nearest `# file.spec:N` comment at or above a generated line."""
    for i in range(min(lineno, len(lines)) - 1, -1, -1):
        marker = lines[i].rfind("# ")
        ref = lines[i][marker + 2:].split()[0] if marker >= 0 and lines[i][marker + 2:].split() else ""
        if ":" in ref and ref.rsplit(":", 1)[1].isdigit():
            return int(ref.rsplit(":", 1)[1])
    return None


def _generated_frames(e: BaseException) -> list:
    frames = []
    tb = e.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.startswith("<modelcheck:"):
            frames.append((tb.tb_frame, tb.tb_lineno))
        tb = tb.tb_next
    return frames


def failing_locals(e: BaseException) -> dict:
    """The local variables of the generated frames e passed through; inner frames win."""
    out: dict = {}
    for frame, _ in _generated_frames(e):
        out.update(frame.f_locals)
    return out


def failing_line(e: BaseException) -> str:
    """The generated line (innermost) where e was raised, or ""."""
    frames = _generated_frames(e)
    if not frames:
        return ""
    frame, lineno = frames[-1]
    source = linecache.getlines(frame.f_code.co_filename)
    return source[lineno - 1] if 0 < lineno <= len(source) else ""


def failing_module_line(e: BaseException) -> str:
    """The module-level line of generated code (a constant's definition) that e came from."""
    lines = [(frame, n) for frame, n in _generated_frames(e) if frame.f_code.co_name == "<module>"]
    if not lines:
        return ""
    frame, lineno = lines[-1]
    source = linecache.getlines(frame.f_code.co_filename)
    return source[lineno - 1].split("  # ", 1)[0].strip() if 0 < lineno <= len(source) else ""


def spec_location(e: BaseException) -> str | None:
    """The spec location (file:line) of the generated line where e was raised, if any:
    generated lines carry `# file.spec:N` comments, the nearest one above is the source."""
    frames = _generated_frames(e)
    if not frames:
        return None
    frame, lineno = frames[-1]
    lines = linecache.getlines(frame.f_code.co_filename)
    for i in range(min(lineno, len(lines)) - 1, -1, -1):
        marker = lines[i].rfind("# ")
        if marker >= 0:
            ref = lines[i][marker + 2:].split()[0] if lines[i][marker + 2:].split() else ""
            if ".spec:" in ref or ref.count(":") == 1 and ref.split(":")[1].isdigit():
                return ref
    return None
