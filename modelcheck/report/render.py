"""Write a graphviz graph to a file chosen by its extension: .dot/.gv (the DOT text, needs
nothing installed), .svg, .png or .pdf (laid out by graphviz's programs, which must be on
PATH: `apt-get install graphviz`)."""
from __future__ import annotations

import shutil
from pathlib import Path

import graphviz

TEXT_FORMATS = (".dot", ".gv")
IMAGE_FORMATS = (".svg", ".png", ".pdf")
INSTALL = "install graphviz (apt-get install graphviz; brew install graphviz)"
INSTALL_HINT = INSTALL + " or write a .dot file instead"


class PictureError(Exception):
    """A picture that cannot be written: unknown extension, or graphviz not installed."""


def check_writable(path: str | Path, engine: str = "dot") -> None:
    """Raise PictureError now, before any work, if `path` could not be written later."""
    suffix = Path(path).suffix.lower()
    if suffix in TEXT_FORMATS:
        return
    if suffix not in IMAGE_FORMATS:
        raise PictureError(f"cannot write {path}: unknown picture format '{suffix or '(none)'}'; "
                           f"use one of {', '.join(TEXT_FORMATS + IMAGE_FORMATS)}")
    require_engine(engine, str(path))


def require_engine(engine: str, target: str, hint: str = INSTALL_HINT) -> None:
    """PictureError unless graphviz's program `engine` is on PATH; target: what needs it."""
    if shutil.which(engine) is None:
        raise PictureError(f"cannot write {target}: graphviz's `{engine}` program is not installed; {hint}")


def write_picture(graph: graphviz.Digraph | graphviz.Graph, path: str | Path, engine: str = "dot",
                  fixed_positions: bool = False) -> None:
    """fixed_positions: the nodes carry `pos` in points, to be kept as they are (neato -n2)."""
    path = Path(path)
    check_writable(path, engine)
    if path.suffix.lower() in TEXT_FORMATS:
        path.write_text(graph.source, encoding="utf-8")
        return
    path.write_bytes(laid_out(graph, path.suffix.lower()[1:], engine, fixed_positions, str(path)))


def laid_out(graph: graphviz.Digraph | graphviz.Graph, image_format: str, engine: str = "dot",
             fixed_positions: bool = False, target: str = "the picture", hint: str = INSTALL_HINT) -> bytes:
    """The graph drawn by graphviz's `engine` as svg, png or pdf bytes; PictureError (naming
    `target`, what was being written, and saying `hint`) if graphviz is missing or fails."""
    try:
        options = {"neato_no_op": 2} if fixed_positions else {}
        return graph.pipe(format=image_format, engine=engine, **options)
    except graphviz.ExecutableNotFound:
        raise PictureError(f"cannot write {target}: graphviz's `{engine}` program is not installed; {hint}") from None
    except graphviz.CalledProcessError as e:
        detail = (e.stderr or b"").decode(errors="replace").strip().splitlines()
        raise PictureError(f"cannot write {target}: graphviz failed" + (f": {detail[-1]}" if detail else "")) from None
