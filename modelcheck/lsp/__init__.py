"""The language server for spec files (`modelcheck lsp`): analysis.py knows a spec's symbols
and errors, server.py speaks the Language Server Protocol over stdio with pygls."""
from __future__ import annotations

from ..lang.errors import SpecError


def run_server() -> int:
    """Serve LSP on stdin/stdout until the client says exit."""
    try:
        from .server import main
    except ImportError as e:
        if e.name is None or not e.name.split(".")[0] in ("pygls", "lsprotocol", "cattrs"):
            raise
        raise SpecError(f"the language server needs the Python package pygls, which is not installed ({e.name})",
                        hint="install it with pip install 'modelcheck[lsp]' (or pip install pygls) "
                             "in the environment that runs modelcheck") from None
    return main()
