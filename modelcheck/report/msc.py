"""A counterexample as a message sequence chart: lifelines, action boxes, message arrows.

The spec names its message variable and, optionally, the fields that hold a message's sender
and receiver (`chart msgs from acc`, `chart messages from msource to mdest`). The variable
may be a set (messages are never removed, as in Paxos), a bag (a map to counts, as in Raft)
or a sequence. From the trace:

- a message is *sent* by the step where it appears in the variable (its count grows);
  messages present in the initial state are sent "before" the first step;
- a message is *received* by a step that picks it (one of the step's arguments equals a
  message in flight before the step), or, failing that, that removes it;
- the *processes* are the values of the sender and receiver fields (and, from the CLI, every
  element of the constant sets they come from, e.g. all Acceptors, idle ones included);
- a step's *lifeline* is the receiver of the message it picks, else the sender of the
  messages it sends, else its first argument that is a process (`Phase1b(a = a1)`: a1),
  else its first argument (`Phase1a(b = 0)`: the lifeline "b = 0", the leader of ballot 0),
  else "environment".

Arrows go from the sending step's box to the receiving step's box. A broadcast (a message
without a receiver field, such as Paxos's) gets one arrow per step that receives it, and a
short dashed stub if none does; a message with a receiver that is never received ends,
dashed, on the receiver's lifeline below the last step. Each box shows the action, the
arguments not drawn otherwise, and the changes to the lifeline's own entries of the state
(`votedFor[s2]: Nil → s1` on s2's lifeline). The violating step is red.

The chart is laid out here (one row per step, one column per lifeline) and drawn by
graphviz's `neato -n2`, which keeps the given positions.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from typing import Any

import graphviz

from ..explore.result import Trace, Violation
from ..itfvalue import canonical, order_key
from ..values import ModelValue
from .compact import MessageFields, changes, compact, record, tag_key, wrap
from .dot import BAD, BAD_HEADER, FONT, verdict

ENGINE = "neato"
COLUMN = 270.0      # points between lifelines: boxes (at most about 210 wide) leave a gutter for arrows
BOX_WIDTH = 40      # characters per line in a box
LINE = 13.0         # points per text line in a box
TOP = 40.0          # header height
PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf")
ENVIRONMENT = "environment"
GLOBALS = "global variables"  # the lane of changes to state owned by no process


@dataclass
class _Step:
    index: int                      # state index the step leads to (1-based step number)
    lifeline: str
    action: str
    lines: list[tuple[str, Any]] = field(default_factory=list)  # (text, the message it shows or None)
    sends: list[Any] = field(default_factory=list)
    receives: list[Any] = field(default_factory=list)
    global_lines: list[str] = field(default_factory=list)  # changes to state owned by no process


def messages_in(value: Any) -> dict[tuple, tuple[Any, int]]:
    """The messages in a value of the message variable: order key -> (message, count)."""
    out: dict[tuple, tuple[Any, int]] = {}

    def add(m: Any, n: int) -> None:
        m = canonical(m)
        k = order_key(m)
        out[k] = (m, out.get(k, (m, 0))[1] + n)

    if isinstance(value, dict) and "#set" in value:
        for m in value["#set"]:
            add(m, 1)
    elif isinstance(value, dict) and "#map" in value:   # a bag: message -> count
        for m, n in value["#map"]:
            count = int(n["#bigint"]) if isinstance(n, dict) and "#bigint" in n else 1
            add(m, count)
    elif isinstance(value, list):
        for m in value:
            add(m, 1)
    return out


def sequence_chart(trace: Trace, fields: MessageFields, title: str = "",
                   violation: Violation | None = None, processes: list[str] | None = None) -> graphviz.Digraph:
    """processes: the names of every process, e.g. the elements of the spec's constant
    Acceptors, so that idle ones get a lifeline too; by default those that send or receive."""
    found = set(processes or ()) | _endpoints(trace, fields)
    steps, initial = _analyse(trace, fields, found)
    lifelines = _lifelines(steps, found)
    lanes = lifelines + ([GLOBALS] if any(s.global_lines for s in steps) else [])
    x = {name: 80.0 + COLUMN * i for i, name in enumerate(lanes)}
    g = graphviz.Digraph("sequence_chart", engine=ENGINE)
    g.attr("graph", splines="line", outputorder="edgesfirst", fontname=FONT, fontsize="14",
           labelloc="t", label=title, tooltip=title or "message sequence chart", pad="0.3")
    g.attr("node", fontname=FONT, fontsize="10")
    g.attr("edge", fontname=FONT, fontsize="9", arrowsize="0.7")

    # rows: y grows downwards here; graphviz's y grows upwards, hence the minus signs below.
    y = {0: TOP}
    cursor = TOP + 20
    for s in steps:
        height = LINE * (1 + max(len(s.lines), len(s.global_lines))) + 10
        y[s.index] = cursor + height / 2
        cursor += height + 22
    bottom = cursor + 30
    for name in lanes:
        g.node(f"head_{_id(name)}", label=name, shape="box", style="filled,bold", fillcolor="#e4e9f2",
               color="#44546a", pos=f"{x[name]:.0f},{-y[0]:.0f}!", width="1.2")
        g.node(f"foot_{_id(name)}", label="", shape="point", width="0.03", color="#9aa5b5",
               pos=f"{x[name]:.0f},{-bottom:.0f}!")
        g.edge(f"head_{_id(name)}", f"foot_{_id(name)}", arrowhead="none", style="dashed", color="#9aa5b5")

    last = steps[-1].index if steps else 0
    colors: dict[str, str] = {}
    for s in steps:
        bad = violation is not None and s.index == last
        label = _box(s, bad, verdict(violation) if bad else "", colors)
        g.node(f"step{s.index}", label=label, shape="plain", pos=f"{x[s.lifeline]:.0f},{-y[s.index]:.0f}!",
               tooltip=f"{s.index}. {s.action}", id=f"step{s.index}")
        if s.global_lines:
            g.node(f"globals{s.index}", label=_globals_box(s), shape="plain", id=f"globals{s.index}",
                   pos=f"{x[GLOBALS]:.0f},{-y[s.index]:.0f}!", tooltip=f"{s.index}. {s.action}: global variables")

    sent: dict[tuple, list[int]] = {}     # message -> the steps that sent it (0: initial state)
    for m in initial:
        sent.setdefault(order_key(m), []).append(0)
    received: set[tuple] = set()
    by_index = {s.index: s for s in steps}
    stub = 0
    for s in steps:
        for m in s.receives:
            k = order_key(m)
            senders = [i for i in sent.get(k, []) if i < s.index]
            if not senders:
                continue
            origin = senders[-1]
            received.add((k, origin))
            # a message in flight in the initial state comes from the top of its sender's lifeline
            origin_line = _sender(m, fields, lifelines) if origin == 0 else by_index[origin].lifeline
            tail = f"head_{_id(origin_line)}" if origin == 0 else f"step{origin}"
            head = f"step{s.index}"
            color = _color(m, colors)
            text = compact(m, fields)
            stub += 1
            _route(g, f"r{stub}", tail, (x[origin_line], y[origin]), head, (x[s.lifeline], y[s.index]),
                   stub, color=color, tooltip=text)
        for m in s.sends:
            sent.setdefault(order_key(m), []).append(s.index)
    # messages never received
    for k, origins in sent.items():
        for origin in origins:
            if (k, origin) in received or origin == 0:
                continue
            m = _message_by_key(steps, k)
            if m is None:
                continue
            color = _color(m, colors)
            s = by_index[origin]
            receiver = m.get(fields.receiver) if isinstance(m, dict) and fields.receiver else None
            stub += 1
            if receiver is not None and str(receiver) in x:
                g.node(f"lost{stub}", label="", shape="point", width="0.06", color=color,
                       pos=f"{x[str(receiver)]:.0f},{-(bottom - 12):.0f}!")
                _route(g, f"r{stub}", f"step{origin}", (x[s.lifeline], y[origin]), f"lost{stub}",
                       (x[str(receiver)], bottom - 12), stub, color=color, style="dashed",
                       tooltip=compact(m, fields) + " (not received)")
            else:
                g.node(f"lost{stub}", label="", shape="point", width="0.04", color=color,
                       pos=f"{x[s.lifeline] + COLUMN * 0.45:.0f},{-(y[origin] + 16):.0f}!")
                g.edge(f"step{origin}", f"lost{stub}", color=color, style="dashed",
                       tooltip=compact(m, fields) + " (not received)")
    if trace.loop is not None and steps:
        _loop_back(g, trace, steps[-1], by_index, x, y)
    return g


def _route(g: graphviz.Digraph, name: str, tail: str, start: tuple[float, float], head: str,
           end: tuple[float, float], n: int, **attrs) -> None:
    """An arrow from the box at `start` to the one at `end` that crosses no other box: across
    its own row to the gutter beside its lane (rows hold one box each, and lanes are wider
    than boxes), down the gutter to the row of `end`, then across into it. Arrows in one
    gutter are set a few points apart."""
    (x0, y0), (x1, y1) = start, end
    side = 1 if x1 >= x0 else -1
    gutter = x0 + side * (COLUMN / 2 - 12 + 4 * (n % 6))
    for k, (px, py) in enumerate(((gutter, y0), (gutter, y1))):
        g.node(f"{name}_{k}", label="", shape="point", width="0.01", color=attrs.get("color", "black"),
               pos=f"{px:.0f},{-py:.0f}!")
    g.edge(tail, f"{name}_0", arrowhead="none", **attrs)
    g.edge(f"{name}_0", f"{name}_1", arrowhead="none", **attrs)
    g.edge(f"{name}_1", head, **attrs)


def _loop_back(g: graphviz.Digraph, trace: Trace, last: _Step, by_index: dict, x: dict, y: dict) -> None:
    """A lasso's step back: a dashed red arrow from the last step up to the step its loop
    returns to (the top of the chart for the initial state), or a note that it stutters."""
    if trace.back is None:
        text = f"state {len(trace.steps)} stutters for ever"
        g.node("loop", label=text, shape="plaintext", fontcolor=BAD, id="loop",
               pos=f"{x[last.lifeline]:.0f},{-(y[last.index] + 2.2 * LINE):.0f}!")
        return
    text = f"back to state {trace.loop + 1}: {trace.back.action}"
    target = f"step{trace.loop}" if trace.loop in by_index else f"head_{_id(last.lifeline)}"
    g.node("loop_via", label="", shape="point", width="0.01", color=BAD,
           pos=f"{x[last.lifeline] - COLUMN * 0.45:.0f},{-(y[last.index] + y.get(trace.loop, y[0])) / 2:.0f}!")
    g.edge(f"step{last.index}", "loop_via", arrowhead="none", color=BAD, style="dashed", tooltip=text)
    g.edge("loop_via", target, color=BAD, style="dashed", label=text, fontcolor=BAD, id="loop", tooltip=text)


def _message_by_key(steps: list[_Step], k: tuple):
    for s in steps:
        for m in s.sends:
            if order_key(m) == k:
                return m
    return None


def _analyse(trace: Trace, fields: MessageFields, processes: set[str]) -> tuple[list[_Step], list[Any]]:
    if not trace.steps:
        return [], []
    if fields.var not in trace.steps[0].state:
        raise ValueError(f"the trace has no variable {fields.var}")
    before = messages_in(trace.steps[0].state[fields.var])
    initial = [m for m, _ in before.values()]
    steps = []
    for i in range(1, len(trace.steps)):
        step = trace.steps[i]
        after = messages_in(step.state[fields.var])
        sends = [m for k, (m, n) in after.items() if n > before.get(k, (m, 0))[1]]
        picked = [canonical(v) for v in step.args.values()]
        receives = [m for m in picked if order_key(m) in before]
        removed = [m for k, (m, n) in before.items() if n > after.get(k, (m, 0))[1]
                   and all(order_key(m) != order_key(r) for r in receives)]
        receives += removed
        lifeline = _lifeline(step.args, receives, sends, fields, processes)
        lines = _box_lines(step, trace.steps[i - 1].state, lifeline, receives, sends, fields)
        owned = _global_lines(step, trace.steps[i - 1].state, processes, fields)
        steps.append(_Step(i, lifeline, step.action or "?", lines, sends, receives, owned))
        before = after
    return steps, initial


def _lifeline(args: dict, receives: list, sends: list, fields: MessageFields, processes: set[str]) -> str:
    for m in receives:
        if fields.receiver and isinstance(m, dict) and fields.receiver in m:
            return compact(m[fields.receiver])
    for m in sends:
        if fields.sender and isinstance(m, dict) and fields.sender in m:
            return compact(m[fields.sender])
    for v in args.values():
        if isinstance(v, ModelValue) and str(v) in processes:
            return str(v)
    for name, v in args.items():
        if not any(order_key(canonical(v)) == order_key(m) for m in receives):
            return f"{name} = {compact(v)}"
    return ENVIRONMENT


def _box_lines(step, previous: dict, lifeline: str, receives: list, sends: list,
               fields: MessageFields) -> list[str]:
    """What the step received and sent, its arguments not shown otherwise, and the changes
    to the lifeline's own entries of the state."""
    received = {order_key(m) for m in receives}
    lines = []
    for m in receives:
        lines += [(line, m) for line in wrap("← " + _message_text(m, fields), BOX_WIDTH, 3)]
    for m in sends:
        lines += [(line, m) for line in wrap("→ " + _message_text(m, fields), BOX_WIDTH, 3)]
    for name, v in step.args.items():
        c = canonical(v)
        if order_key(c) in received or compact(v) == lifeline or f"{name} = {compact(v)}" == lifeline:
            continue
        lines += [(line, None) for line in wrap(f"{name} = {compact(v, fields)}", BOX_WIDTH, 2)]
    for name, value in step.state.items():
        if name == fields.var:
            continue
        for line in changes(name, previous[name], value, fields):
            if line.startswith(f"{name}[{lifeline}]"):
                lines += [(text, None) for text in wrap(name + line[len(name) + len(lifeline) + 2:], BOX_WIDTH, 2)]
    return lines


def _global_lines(step, previous: dict, processes: set[str], fields: MessageFields) -> list[str]:
    """Changes to the state owned by no process: variables other than the messages that are
    not maps keyed by processes (and keys of such maps that are not processes)."""
    out = []
    for name, value in step.state.items():
        if name == fields.var:
            continue
        for line in changes(name, previous[name], value, fields):
            if not any(line.startswith(f"{name}[{p}]") for p in processes):
                out += wrap(line, BOX_WIDTH, 2)
    return out


def _globals_box(s: _Step) -> str:
    rows = [f'<TR><TD ALIGN="LEFT" BGCOLOR="#f7f3e8"><B>{s.index}. {escape(s.action)}</B></TD></TR>']
    rows += [f'<TR><TD ALIGN="LEFT"><FONT POINT-SIZE="9">{escape(line)}</FONT></TD></TR>' for line in s.global_lines]
    return ('<<TABLE BORDER="1" COLOR="#8c7a4b" CELLBORDER="0" CELLSPACING="0" CELLPADDING="2" '
            'STYLE="ROUNDED" BGCOLOR="white">' + "".join(rows) + "</TABLE>>")


def _box(s: _Step, bad: bool, why: str, colors: dict[str, str]) -> str:
    color = BAD if bad else "#44546a"
    head = f"<B>{s.index}. {escape(s.action)}</B>"
    rows = [f'<TR><TD ALIGN="LEFT" BGCOLOR="{BAD_HEADER if bad else "#f4f6fa"}">{head}</TD></TR>']
    for line, m in s.lines:
        tint = f' COLOR="{_color(m, colors)}"' if m is not None else ""
        rows.append(f'<TR><TD ALIGN="LEFT"><FONT POINT-SIZE="9"{tint}>{escape(line)}</FONT></TD></TR>')
    if bad:
        rows.append(f'<TR><TD ALIGN="LEFT"><FONT COLOR="{BAD}"><B>✗ {escape(why)}</B></FONT></TD></TR>')
    return (f'<<TABLE BORDER="{2 if bad else 1}" COLOR="{color}" CELLBORDER="0" CELLSPACING="0" '
            f'CELLPADDING="2" STYLE="ROUNDED" BGCOLOR="white">' + "".join(rows) + "</TABLE>>")


def _lifelines(steps: list[_Step], processes: set[str]) -> list[str]:
    """Lifelines that are not processes (b = 0) first, by first appearance; then the
    processes in name order; the environment last."""
    others: list[str] = []
    for s in steps:
        if s.lifeline not in processes and s.lifeline != ENVIRONMENT and s.lifeline not in others:
            others.append(s.lifeline)
    out = others + sorted(processes)
    if any(s.lifeline == ENVIRONMENT for s in steps) or not out:
        out.append(ENVIRONMENT)
    return out


def _endpoints(trace: Trace, fields: MessageFields) -> set[str]:
    """The model values in the sender and receiver fields of the trace's messages."""
    out: set[str] = set()
    for step in trace.steps:
        for m, _ in messages_in(step.state.get(fields.var)).values():
            for f in (fields.sender, fields.receiver):
                if f and isinstance(m, dict) and isinstance(m.get(f), ModelValue):
                    out.add(str(m[f]))
    return out


def _sender(m: Any, fields: MessageFields, lifelines: list[str]) -> str:
    if fields.sender and isinstance(m, dict) and fields.sender in m and compact(m[fields.sender]) in lifelines:
        return compact(m[fields.sender])
    return lifelines[0]


def _message_text(m: Any, fields: MessageFields) -> str:
    """A message without its sender and receiver (the arrow shows them)."""
    if isinstance(m, dict) and not any(k.startswith("#") for k in m):
        if fields.sender in m and fields.receiver not in m:
            m = {k: x for k, x in m.items() if k != fields.sender}
        return record(m, fields, endpoints=False)
    return compact(m, fields)


def _color(m: Any, colors: dict[str, str]) -> str:
    key = str(m.get(tag_key(m))) if isinstance(m, dict) and tag_key(m) else "?"
    if key not in colors:
        colors[key] = PALETTE[len(colors) % len(PALETTE)]
    return colors[key]


def _id(name: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in name)
