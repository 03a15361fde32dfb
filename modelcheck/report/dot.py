"""A counterexample as a graphviz picture: one node per state, one edge per step.

Each node shows only what the step into it changed (highlighted), one line per map entry,
record field or set element; the initial state shows every variable. The full state is the
node's tooltip (shown on hover in SVG). Edges carry the step number, the action and its
arguments. The last state of a violation is drawn in red with the broken invariant (or
"deadlock", or the evaluation error) in its header. The layout is one column, top to
bottom, so a 30-step trace reads like the text report. A lasso (a counterexample to a
temporal property) has a dashed back edge from its last state to the state its loop
returns to (a loop on the last state when it stutters for ever).
"""
from __future__ import annotations

from html import escape

import graphviz

from ..explore.result import Trace, Violation
from .compact import MessageFields, call, compact, state_lines, wrap

FONT = "Helvetica,Arial,sans-serif"
CHANGED = "#fff3b0"     # background of a changed variable
HEADER = "#e4e9f2"      # background of a state's header
BAD = "#c62828"         # the violating state
BAD_HEADER = "#f9d6d5"
WIDTH = 64              # characters per label line


def verdict(v: Violation | None) -> str:
    if v is None:
        return ""
    return {"invariant": f"violates {v.name}", "type": f"outside its type: {v.name}", "deadlock": "deadlock: no successor",
            "error": f"cannot be evaluated: {v.name}",
            "property": f"loops for ever, violating {v.name}"}.get(v.kind, v.name)


def trace_graph(trace: Trace, title: str = "", violation: Violation | None = None,
                messages: MessageFields | None = None) -> graphviz.Digraph:
    g = graphviz.Digraph("counterexample")
    g.attr("graph", rankdir="TB", nodesep="0.25", ranksep="0.3", fontname=FONT, fontsize="14",
           labelloc="t", label=title, tooltip=title or "counterexample")
    g.attr("node", shape="plain", fontname=FONT, fontsize="10")
    g.attr("edge", fontname=FONT, fontsize="10", color="#44546a", fontcolor="#1f3b73", arrowsize="0.7")
    previous = None
    last = len(trace.steps) - 1
    for i, step in enumerate(trace.steps):
        bad = violation is not None and i == last
        rows = state_lines(step, previous, messages)
        changed = previous is not None and bool(rows)
        rows = rows or ["(no variable changed)"]
        header = f"State {i + 1}" + (" (initial)" if i == 0 else "")
        g.node(f"s{i}", label=_table(header, rows, changed, bad, verdict(violation) if bad else ""),
               tooltip=_tooltip(header, {**step.state, **{f"alias {n}": v for n, v in step.aliases.items()}},
                                messages), id=f"state{i + 1}")
        if i > 0:
            text = call(step.action or "?", step.args, messages)
            label = "\n".join(wrap(f"{i}. {text}", WIDTH, 3))
            g.edge(f"s{i - 1}", f"s{i}", label=label.replace("\n", "\\l") + "\\l", tooltip=text,
                   id=f"step{i}")
        previous = step
    if trace.loop is not None:
        _back_edge(g, trace, messages)
    return g


def _back_edge(g: graphviz.Digraph, trace: Trace, messages: MessageFields | None) -> None:
    last = len(trace.steps) - 1
    if trace.back is None:
        text = "stutters for ever"
    else:
        text = f"back to state {trace.loop + 1}: {call(trace.back.action or '?', trace.back.args, messages)}"
    label = "\n".join(wrap(f"{last + 1}. {text}", WIDTH, 3))
    g.edge(f"s{last}", f"s{trace.loop}", label=label.replace("\n", "\\l") + "\\l", tooltip=text,
           id="loop", style="dashed", color=BAD, fontcolor=BAD, constraint="false")


def _table(header: str, rows: list[str], changed: bool, bad: bool, why: str) -> str:
    color = BAD if bad else "#7a869a"
    head_bg = BAD_HEADER if bad else HEADER
    title = f"<B>{escape(header)}</B>" + (f'  <FONT COLOR="{BAD}"><B>✗ {escape(why)}</B></FONT>' if bad else "")
    out = [f'<<TABLE BORDER="{2 if bad else 1}" COLOR="{color}" CELLBORDER="0" CELLSPACING="0" '
           f'CELLPADDING="3" STYLE="ROUNDED" BGCOLOR="white">',
           f'<TR><TD ALIGN="LEFT" BGCOLOR="{head_bg}">{title}</TD></TR>']
    for row in rows:
        lines = wrap(row, WIDTH)
        text = '<BR ALIGN="LEFT"/>'.join(escape(line) for line in lines) + '<BR ALIGN="LEFT"/>'
        bg = f' BGCOLOR="{CHANGED}"' if changed else ""
        out.append(f'<TR><TD ALIGN="LEFT" BALIGN="LEFT"{bg}>{text}</TD></TR>')
    out.append("</TABLE>>")
    return "".join(out)


def _tooltip(header: str, state: dict, messages: MessageFields | None) -> str:
    lines = [header] + [f"{name} = {compact(value, messages)}" for name, value in state.items()]
    return "\\n".join(line.replace("\\", "\\\\") for line in lines)
