"""Counterexamples and state graphs as one self-contained HTML page to explore in a browser
(`--html FILE`, `modelcheck view`, `modelcheck graph --html`).

The page needs no network: the viewer's CSS and JS (package data in report/viewer/) are
inlined, and so are the pictures, as SVG laid out by graphviz. The data goes in as JSON in a
`<script type="application/json">` element and is drawn by the page's JS:

- a trace page holds the trace as an ITF object (report/itf.py; the lasso's `loop` index,
  if any, as Apalache writes it), the title and the verdict of the last state; next to it
  the message sequence chart of report/msc.py, whose step boxes (`<g id="stepN">`) the page
  highlights as the user steps through the trace;
- a graph page holds every state of the graph in ITF form and its edges, next to the
  picture of report/graph.py, whose nodes (`<g id="stateN">`) the user clicks.

JSON in a script element ends at the first `</script`: every `<`, `>` and `&` in it is
written as a JSON escape (\\u003c ...), which JSON.parse reads back unchanged.
"""
from __future__ import annotations

import json
from html import escape
from importlib import resources
from typing import Any

from ..explore.result import Trace, Violation
from ..explore.state_graph import StateGraph
from ..itfvalue import canonical, model_values_in
from .compact import MessageFields, call
from .dot import verdict
from .graph import state_graph_picture
from .itf import trace_to_itf
from .msc import ENGINE as MSC_ENGINE, sequence_chart
from .render import INSTALL, laid_out

DATA_ID = "mc-data"
_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"}


def trace_page(trace: Trace, meta: dict[str, Any], title: str, violation: Violation | None = None,
               loop: int | None = None, messages: MessageFields | None = None, chart: str | None = None,
               chart_note: str = "") -> str:
    """The page for a trace. meta: the ITF `#meta` (source, description, constants, ...);
    loop: the index of the state the last state returns to (a lasso), or None; messages: the
    spec's `chart` declaration, to write the steps' messages as the pictures do; chart: the
    message sequence chart as SVG text (chart_svg), or None, with chart_note saying why."""
    if not trace.steps:
        raise ValueError("a trace without states has nothing to show")
    if loop is not None and not 0 <= loop < len(trace.steps):
        raise ValueError(f"loop index {loop} outside the trace's {len(trace.steps)} states")
    itf = trace_to_itf(trace, meta)
    if loop is not None:
        itf["loop"] = loop
    # the steps as the text report and the pictures write them, e.g. Receive(m = 1b a1→b0 (...));
    # Apalache's traces do not name the action
    steps = ["initial state"] + [call(s.action, s.args, messages) if s.action else "(the action is not recorded)"
                                 for s in trace.steps[1:]]
    data = {"kind": "trace", "title": title, "verdict": verdict(violation), "steps": steps, "trace": itf}
    if chart is not None:
        return _page(title, data, "trace.js", f'<div id="mc-chart" class="mc-chart">{chart}</div>')
    return _page(title, data, "trace.js", "", "mc-nochart", chart_note)


def chart_svg(trace: Trace, fields: MessageFields, title: str, violation: Violation | None,
              processes: list[str]) -> str:
    """The message sequence chart of report/msc.py as inline SVG; PictureError without
    graphviz."""
    chart = sequence_chart(trace, fields, title, violation, processes)
    return _inline_svg(laid_out(chart, "svg", MSC_ENGINE, True, "the message sequence chart", INSTALL))


def graph_page(graph: StateGraph, title: str, messages: MessageFields | None = None) -> str:
    """The page for a state graph, laid out by graphviz's dot (PictureError without it)."""
    svg = _inline_svg(laid_out(state_graph_picture(graph, title, messages), "svg", "dot", False,
                               "the state graph", INSTALL))
    found: set[str] = set()
    nodes = []
    for n in graph.nodes:
        for v in n.state.values():
            model_values_in(v, found)
        nodes.append({"id": n.id, "depth": n.depth, "state": {k: canonical(v) for k, v in n.state.items()},
                      "initial": n.initial, "broken": list(n.broken), "deadlock": n.deadlock,
                      "outside": n.outside})
    edges = [{"source": e.source, "target": e.target, "call": call(e.action, e.args, messages)}
             for e in graph.edges]
    data = {"kind": "graph", "title": title, "modelValues": sorted(found), "nodes": nodes, "edges": edges}
    return _page(title, data, "graph.js", f'<div id="mc-graph" class="mc-graph">{svg}</div>')


def embedded_data(page: str) -> Any:
    """The JSON a page carries, parsed (for tests and tools)."""
    start = page.index(f'<script type="application/json" id="{DATA_ID}">')
    start = page.index(">", start) + 1
    return json.loads(page[start:page.index("</script>", start)])


def _page(title: str, data: dict[str, Any], script: str, side: str, layout: str = "", note: str = "") -> str:
    """side: the picture beside the data; note: a line for the header (why there is none)."""
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for ch, esc in _JSON_ESCAPES.items():
        payload = payload.replace(ch, esc)
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title>",
        f"<style>{_asset('viewer.css', '</style')}</style>",
        "</head><body>",
        f'<header class="mc-header"><h1>{escape(title)}</h1><span id="mc-help" class="mc-help"></span>'
        + (f'<span id="mc-note" class="mc-note">{escape(note)}</span>' if note else "") + "</header>",
        f'<main id="mc-main" class="mc-main mc-{data["kind"]} {layout}">{side}</main>',
        f'<script type="application/json" id="{DATA_ID}">{payload}</script>',
        f"<script>{_asset('common.js', '</script')}</script>",
        f"<script>{_asset(script, '</script')}</script>",
        "</body></html>",
        ""])


def _asset(name: str, closing: str) -> str:
    text = resources.files(__package__).joinpath("viewer", name).read_text(encoding="utf-8")
    if closing in text.lower():  # would end the element early: a bug in our own file
        raise AssertionError(f"report/viewer/{name} contains {closing}")
    return text


def _inline_svg(svg: bytes) -> str:
    """graphviz's SVG document without its XML declaration and doctype, for an HTML page."""
    text = svg.decode("utf-8")
    return text[text.index("<svg"):]
