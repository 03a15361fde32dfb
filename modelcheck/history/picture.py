"""A timeline of operations as a graphviz picture: one lane per process, one bar per
operation from its invocation to its completion, labelled with what it did.

The horizontal axis is event order, not seconds: the history's list order is what the
checkers use, and times can be spread so unevenly (a run, then a quiet period of
seconds) that bars would vanish. Each event of the drawn operations gets a column, with its
index and time underneath. The layout is ours and `neato -n2` keeps it (as msc.py does).
An operation with an unknown outcome runs, dashed, to the right edge: it may take effect
at any time. The operation that cannot be placed is red.
"""
from __future__ import annotations

import graphviz

from .format import Op

FONT = "Helvetica"
ROW = 46  # points between lanes
BAR = 0.36  # bar height, inches
MARGIN = 90  # points left of the first column, for the lane names


def timeline(ops: list[Op] | tuple[Op, ...], title: str, culprit: Op | None = None) -> graphviz.Digraph:
    ops = sorted(ops, key=lambda op: op.invoke)
    columns = sorted({op.invoke for op in ops} | {op.complete for op in ops if op.complete is not None
                                                 and op.status != "info"})
    x_of = {event: i for i, event in enumerate(columns)}
    step = max(70, 7 * max((len(op.describe()) for op in ops), default=0))
    right = len(columns)  # where unknown outcomes run to
    lanes = list(dict.fromkeys(op.process for op in ops))
    g = graphviz.Digraph("history", engine="neato")
    g.attr("graph", fontname=FONT, bgcolor="white", pad="0.3")
    g.attr("node", fontname=FONT, fontsize="10")
    g.node("title", label=title, shape="plaintext", fontsize="13", pos=f"{MARGIN + step * right / 2:.0f},{ROW:.0f}!")
    for lane, process in enumerate(lanes):
        g.node(f"lane{lane}", label=f"process {process}", shape="plaintext", pos=f"{MARGIN / 2:.0f},{-lane * ROW:.0f}!")
    for op in ops:
        start = x_of[op.invoke]
        end = x_of[op.complete] if op.status != "info" else right
        _bar(g, op, MARGIN + step * (start + 0.5), MARGIN + step * (max(end, start + 0.6) + 0.5),
             -lanes.index(op.process) * ROW, op is culprit)
    for event, i in x_of.items():
        when = next((t for op in ops for e, t in ((op.invoke, op.invoke_time), (op.complete, op.complete_time))
                     if e == event and t is not None), None)
        label = f"event {event}" + (f"\n{when:g} s" if when is not None else "")
        g.node(f"tick{event}", label=label, shape="plaintext", fontsize="8", fontcolor="#666666",
               pos=f"{MARGIN + step * (i + 0.5):.0f},{-len(lanes) * ROW + ROW / 3:.0f}!")
    return g


def _bar(g: graphviz.Digraph, op: Op, x0: float, x1: float, y: float, bad: bool) -> None:
    unknown = op.status == "info"
    style = "filled,dashed" if unknown else "filled"
    fill = "#f4c7c3" if bad else ("#eeeeee" if unknown or op.status == "fail" else "#dbe8f7")
    color = "#c0392b" if bad else "#44546a"
    tooltip = (f"process {op.process}: {op.describe()}; invoked at event {op.invoke}"
               + (f", completed at event {op.complete}" if op.complete is not None else ", never completed"))
    g.node(f"op{op.id}", label=op.describe(), shape="box", style=style, fillcolor=fill, color=color,
           fixedsize="true", width=f"{(x1 - x0) / 72:.2f}", height=f"{BAR}", tooltip=tooltip,
           pos=f"{(x0 + x1) / 2:.0f},{y:.0f}!", penwidth="2" if bad else "1")
