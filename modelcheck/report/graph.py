"""The reachable state graph of a small model as a graphviz picture (`modelcheck graph`).

One cluster per depth (initial states at depth 1, at the top), one node per distinct state
showing every variable, one edge per action between two states, labelled with the action
(the arguments are in the edge's tooltip; "×2": two argument choices). Steps from one depth
to the next are solid and decide the layout; steps back or sideways are dashed. Initial states have a bold border; states that violate an invariant
are red and name it; deadlocks and states outside the state constraint are marked.
"""
from __future__ import annotations

from html import escape

import graphviz

from ..explore.state_graph import StateGraph
from .compact import MessageFields, call, compact, wrap
from .dot import BAD, BAD_HEADER, FONT, HEADER

WIDTH = 40


def state_graph_picture(graph: StateGraph, title: str = "", messages: MessageFields | None = None) -> graphviz.Digraph:
    g = graphviz.Digraph("state_graph")
    g.attr("graph", rankdir="TB", fontname=FONT, fontsize="14", labelloc="t", label=title, newrank="true",
           nodesep="0.2", ranksep="0.4", tooltip=title or "state graph")
    g.attr("node", shape="plain", fontname=FONT, fontsize="9")
    g.attr("edge", fontname=FONT, fontsize="8", color="#7a869a", fontcolor="#1f3b73", arrowsize="0.6")
    depths = sorted({n.depth for n in graph.nodes})
    for d in depths:
        with g.subgraph(name=f"cluster_depth{d}") as c:
            c.attr(label=f"depth {d}", labeljust="l", style="dashed", color="#c5cbd6", fontsize="10",
                   fontcolor="#7a869a", rank="same")
            for n in graph.nodes:
                if n.depth == d:
                    c.node(f"n{n.id}", label=_label(n, messages), tooltip=_tooltip(n, messages), id=f"state{n.id}")
    depth = {n.id: n.depth for n in graph.nodes}
    merged: dict[tuple[int, int, str], list[str]] = {}  # steps between the same states by one action
    for e in graph.edges:
        merged.setdefault((e.source, e.target, e.action), []).append(call(e.action, e.args, messages))
    for (source, target, action), calls in merged.items():
        forward = depth[target] == depth[source] + 1  # only these place the states, depth by depth
        g.edge(f"n{source}", f"n{target}", label=escape(action) + (f" ×{len(calls)}" if len(calls) > 1 else ""),
               tooltip="\\n".join(calls), constraint="true" if forward else "false",
               style="solid" if forward else "dashed")
    return g


def _label(n, messages) -> str:
    bad = bool(n.broken)
    marks = []
    if n.initial:
        marks.append("initial")
    if n.deadlock:
        marks.append("deadlock")
    if n.outside:
        marks.append("outside the constraint")
    head = f"<B>s{n.id}</B>" + (f" ({escape(', '.join(marks))})" if marks else "")
    if bad:
        head += f'<BR ALIGN="LEFT"/><FONT COLOR="{BAD}"><B>✗ violates {escape(", ".join(n.broken))}</B></FONT>'
    rows = []
    for name, value in n.state.items():
        text = '<BR ALIGN="LEFT"/>'.join(escape(line) for line in wrap(f"{name} = {compact(value, messages)}", WIDTH, 3))
        rows.append(f'<TR><TD ALIGN="LEFT" BALIGN="LEFT">{text}<BR ALIGN="LEFT"/></TD></TR>')
    border = 2 if (bad or n.initial) else 1
    color = BAD if bad else ("#e65100" if n.deadlock else "#7a869a")
    style = ' STYLE="ROUNDED"' if not n.outside else ""
    return (f'<<TABLE BORDER="{border}" COLOR="{color}" CELLBORDER="0" CELLSPACING="0" CELLPADDING="2"{style} '
            f'BGCOLOR="{"#fdecea" if bad else "white"}">'
            f'<TR><TD ALIGN="LEFT" BALIGN="LEFT" BGCOLOR="{BAD_HEADER if bad else HEADER}">{head}</TD></TR>'
            + "".join(rows) + "</TABLE>>")


def _tooltip(n, messages) -> str:
    lines = [f"s{n.id}, depth {n.depth}"] + [f"{name} = {compact(v, messages)}" for name, v in n.state.items()]
    if n.broken:
        lines.append("violates " + ", ".join(n.broken))
    return "\\n".join(line.replace("\\", "\\\\") for line in lines)
