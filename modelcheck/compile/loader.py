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
