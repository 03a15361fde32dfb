"""Generated source -> live module namespace.

The text is registered in linecache under a pseudo-filename before it is compiled, so that
tracebacks and pdb show the generated lines (as attrs does for its generated methods).
"""
from __future__ import annotations

import linecache


def load(source: str, spec_path: str) -> dict:
    filename = f"<modelcheck:{spec_path}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace: dict = {"__name__": f"modelcheck_generated_{abs(hash(spec_path))}"}
    exec(compile(source, filename, "exec"), namespace)
    return namespace


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
