"""Pictures: the DOT we generate has the right nodes, edges and labels (checked on the DOT
text, so that no graphviz install is needed), for the counterexample picture, the message
sequence chart and the state graph; plus the `chart` declaration that the chart relies on."""
from __future__ import annotations

import re

import pytest

from conftest import PAXOS_BUGGY, SPECS, I, M, S, needs_graphviz
from modelcheck import pipeline
from modelcheck.explore.result import Trace, TraceStep, Violation
from modelcheck.explore.simulate import simulate
from modelcheck.explore.state_graph import TooManyStates, state_graph
from modelcheck.lang.errors import SpecErrors
from modelcheck.report.compact import MessageFields, changes, compact, wrap
from modelcheck.report.dot import trace_graph
from modelcheck.report.graph import state_graph_picture
from modelcheck.report.msc import sequence_chart
from modelcheck.report.render import PictureError, check_writable, write_picture
from modelcheck.values import ModelValue

from test_readme import tour_spec

PAXOS_FIELDS = MessageFields("msgs", "acc")
RAFT_FIELDS = MessageFields("messages", "msource", "mdest")


@pytest.fixture(scope="module")
def paxos_violation() -> Violation:
    return pipeline.check(pipeline.load(PAXOS_BUGGY), ["Agreement"]).violation


def nodes(source: str) -> dict[str, str]:
    """DOT node statements: name -> the rest of the line."""
    return {m.group(1): m.group(2) for m in re.finditer(r"^\t+(\w+) \[(.*)\]$", source, re.M)
            if m.group(1) not in ("graph", "node", "edge")}


def edges(source: str) -> list[tuple[str, str, str]]:
    return [(m.group(1), m.group(2), m.group(3) or "")
            for m in re.finditer(r"^\t+(\w+) -> (\w+)(?: \[(.*)\])?$", source, re.M)]


def routed(source: str) -> list[tuple[str, str, str]]:
    """The chart's arrows end to end: an arrow is drawn as a chain through waypoints (r3_0,
    r3_1) that keeps it out of the boxes; (tail, head, attributes of the last segment)."""
    chains = {a: (b, e) for a, b, e in edges(source)}
    out = []
    for a, b, e in edges(source):
        if re.fullmatch(r"r\d+_\d", a):
            continue
        while re.fullmatch(r"r\d+_\d", b):
            b, e = chains[b]
        out.append((a, b, e))
    return out


def attr(text: str, name: str) -> str | None:
    m = re.search(rf'\b{name}=("(?:[^"\\]|\\.)*"|<<.*?>>(?=\s\w+=|$)|\S+)', text)
    return m.group(1).strip('"') if m else None


# ---------------------------------------------------------------- the counterexample picture

def test_trace_picture_structure(paxos_violation):
    trace = paxos_violation.trace
    src = trace_graph(trace, "PaxosBuggy: invariant Agreement is violated", paxos_violation, PAXOS_FIELDS).source
    ns = nodes(src)
    assert sorted(ns) == sorted(f"s{i}" for i in range(len(trace)))
    assert [(a, b) for a, b, _ in edges(src)] == [(f"s{i}", f"s{i + 1}") for i in range(len(trace) - 1)]
    # edges: step number, action and arguments, messages by their type
    labels = [attr(e, "label") for _, _, e in edges(src)]
    assert labels[0].startswith("1. Phase1a(b = 0)")
    assert labels[2].startswith("3. Phase1b(a = a1, m = 1a(bal: 0))")
    assert all(lab.startswith(f"{i + 1}. {step.action}(") for i, (lab, step) in enumerate(zip(labels, trace.steps[1:])))
    # the initial state shows every variable; later states only what changed, highlighted
    assert all(f"{v} = " in ns["s0"] for v in ("maxBal", "maxVBal", "maxVal", "msgs"))
    assert "maxBal[a1]: -1 → 0" in ns["s3"] and "msgs + 1b(acc: a1, bal: 0, mbal: -1, mval: None)" in ns["s3"]
    label = ns["s3"].split(" tooltip=")[0]
    assert "maxVBal" not in label and "#fff3b0" in label
    # the full state is the tooltip
    assert "maxVBal = [a1 -> -1, a2 -> -1, a3 -> -1]" in attr(ns["s3"], "tooltip")
    # the violating state and the invariant are marked; no other state is
    last = f"s{len(trace) - 1}"
    assert "violates Agreement" in ns[last] and "#c62828" in ns[last]
    assert not any("violates" in ns[n] for n in ns if n != last)


def raft_walk() -> Trace:
    """The longest of 20 random walks of raft.spec (27 states)."""
    compiled = pipeline.load(SPECS / "raft.spec")
    traces = []
    simulate(compiled.model, [], runs=20, depth=40, seed=1, on_trace=lambda r, t: traces.append(t))
    return max(traces, key=len)


def test_trace_picture_of_a_long_raft_walk_lists_changes_per_entry():
    trace = raft_walk()
    assert len(trace) > 25
    src = trace_graph(trace, "raft", None, RAFT_FIELDS).source
    ns = nodes(src)
    assert len(ns) == len(trace) and len(edges(src)) == len(trace) - 1
    rows = re.findall(r'BGCOLOR="#fff3b0">(.*?)</TD>', src)
    assert rows and max(len(re.sub(r"<[^>]+>", "", r)) for r in rows) < 300  # wrapped, one entry per row
    assert any("messages + RequestVoteRequest s" in r for r in rows)       # bag entries by sender→receiver
    assert any(re.search(r"votedFor\[s\d\]: Nil → s\d", r) for r in rows)


def test_value_shortening_and_changes():
    msg = {"bal": I(0), "type": "1a"}
    assert compact(msg) == "1a(bal: 0)"
    raft_msg = {"mdest": ModelValue("s2"), "msource": ModelValue("s1"), "mterm": I(2), "mtype": "RequestVoteRequest"}
    assert compact(raft_msg, RAFT_FIELDS) == "RequestVoteRequest s1→s2 (mterm: 2)"
    assert changes("x", S(I(1)), S(I(2))) == ["x + 2", "x − 1"]
    assert changes("f", M([ModelValue("a"), I(1)]), M([ModelValue("a"), I(2)])) == ["f[a]: 1 → 2"]
    assert changes("log", [I(1)], [I(1), I(2)]) == ["log ++ <<2>>"]
    bag_before = M([raft_msg, I(1)])
    assert changes("messages", M(), bag_before, RAFT_FIELDS) == ["messages + RequestVoteRequest s1→s2 (mterm: 2)"]
    assert changes("messages", bag_before, M(), RAFT_FIELDS) == ["messages − RequestVoteRequest s1→s2 (mterm: 2)"]
    assert wrap("a, " * 40, 20, 3)[-1].endswith("…") and all(len(w) <= 20 for w in wrap("a, " * 40, 20, 3))


# ---------------------------------------------------------------- message sequence charts

def test_paxos_chart_lifelines_boxes_and_arrows(paxos_violation):
    trace = paxos_violation.trace
    src = sequence_chart(trace, PAXOS_FIELDS, "t", paxos_violation, ["a1", "a2", "a3"]).source
    ns = nodes(src)
    heads = [n for n in ns if n.startswith("head_")]
    # leaders of ballots (actions without a process argument) first, then every acceptor
    assert heads == ["head_b___0", "head_b___1", "head_a1", "head_a2", "head_a3"]
    assert [attr(ns[h], "label") for h in heads] == ["b = 0", "b = 1", "a1", "a2", "a3"]
    steps = sorted((n for n in ns if re.fullmatch(r"step\d+", n)), key=lambda n: int(n[4:]))
    assert len(steps) == len(trace) - 1
    x = {n: float(attr(ns[n], "pos").split(",")[0]) for n in ns if attr(ns[n], "pos")}
    y = {n: float(attr(ns[n], "pos").split(",")[1].rstrip("!")) for n in ns if attr(ns[n], "pos")}
    for i, step in enumerate(trace.steps[1:], 1):
        box = ns[f"step{i}"]
        assert f"<B>{i}. {step.action}</B>" in box
        # each box sits on its process's lifeline, one row per step, top to bottom
        if step.action in ("Phase1b", "Phase2b"):
            assert x[f"step{i}"] == x[f"head_{step.args['a']}"]
        else:
            assert x[f"step{i}"] == x[f"head_b___{step.args['b']['#bigint']}"]
        assert i == 1 or y[f"step{i}"] < y[f"step{i - 1}"]
    # one arrow per received message, from the step that sent it to the step that picked it
    arrows = [(a, b) for a, b, _ in routed(src) if a.startswith("step") and b.startswith("step")]
    expected = []
    for i, step in enumerate(trace.steps[1:], 1):
        if "m" in step.args:
            sender = next(j for j, s in enumerate(trace.steps[1:], 1)
                          if step.args["m"] in s.state["msgs"]["#set"]
                          and step.args["m"] not in trace.steps[j - 1].state["msgs"]["#set"])
            expected.append((f"step{sender}", f"step{i}"))
    assert sorted(arrows) == sorted(expected) and len(arrows) == 8
    # messages nobody receives (the 2b votes, for learners) end in dashed stubs
    stubs = [(a, b, e) for a, b, e in routed(src) if b.startswith("lost")]
    assert len(stubs) == 8 and all("dashed" in e for _, _, e in stubs)
    # what each step received and sent is in its box; the violation is marked
    assert "← 1a(bal: 0)" in ns["step3"] and "→ 1b(bal: 0, mbal: -1, mval: None)" in ns["step3"]
    assert "violates Agreement" in ns[steps[-1]]
    assert "maxBal: 1 → 0" in src  # the bug: a vote in a ballot below the promise


def test_raft_chart_uses_sender_and_receiver_fields():
    trace = raft_walk()
    src = sequence_chart(trace, RAFT_FIELDS, "raft").source
    ns = nodes(src)
    # a lane per server, and one for the variables no server owns (allLogs, elections)
    assert [n for n in ns if n.startswith("head_")] == ["head_s1", "head_s2", "head_global_variables"]
    x = {n: attr(ns[n], "pos").split(",")[0] for n in ns if attr(ns[n], "pos")}
    for i, step in enumerate(trace.steps[1:], 1):
        m = step.args.get("m")
        if m is not None and step.action.startswith("Handle"):
            assert x[f"step{i}"] == x[f"head_{m['mdest']}"]  # handled on the receiver's lifeline
            assert "← " + m["mtype"] in ns[f"step{i}"]
        if step.action in ("RequestVote", "Timeout", "BecomeLeader"):
            assert x[f"step{i}"] == x[f"head_{step.args['i']}"]
    arrows = [(a, b) for a, b, _ in routed(src) if a.startswith("step") and b.startswith("step")]
    assert arrows, "a 27-step Raft walk sends and receives messages"


def test_trace_without_messages_variable_is_refused():
    trace = Trace((TraceStep(None, {}, {"x": I(0)}),))
    with pytest.raises(ValueError, match="no variable msgs"):
        sequence_chart(trace, PAXOS_FIELDS)


def test_chart_declaration_is_checked():
    base = "spec T\ntype M = {src: P, kind: \"m\"}\nconst P = {p1}\nvar msgs : set[M]\nvar n : 0..1\ninit { msgs := {} n := 0 }\n"
    assert pipeline.load_text(base + "chart msgs from src\n").checked.chart.sender == "src"
    assert pipeline.load_text(base).checked.chart is None
    for decl, message in [("chart nope from src", "no variable 'nope'"), ("chart n", "set, bag or sequence of records"),
                          ("chart msgs to dst", "no message has a field 'dst'"),
                          ("chart msgs\nchart msgs", "at most one 'chart'")]:
        with pytest.raises(SpecErrors, match=message):
            pipeline.load_text(base + decl + "\n")


def test_from_and_to_stay_ordinary_names():
    # the README's tour uses `from` and `to` as record fields, and declares `chart inbox from from to to`
    chart = pipeline.load_text(tour_spec()).checked.chart
    assert (chart.var, chart.sender, chart.receiver) == ("inbox", "from", "to")
    text = "spec T\nconst P = {p}\nvar from : P\nvar to : P\ninit { from := p to := p }\naction A { to := from from := to }\n"
    assert pipeline.load_text(text).checked.chart is None


# ---------------------------------------------------------------- the state graph

def test_state_graph_clusters_by_depth_and_marks_violations():
    text = tour_spec().replace("invariant Bounded: count <= N", "invariant Bounded: count <= N\ninvariant Small2: count < 2")
    compiled = pipeline.load_text(text)
    graph = state_graph(compiled.model, None, 100)
    assert len(graph.nodes) == 15 and graph.nodes[0].initial and graph.nodes[0].depth == 1
    src = state_graph_picture(graph, "t").source
    clusters = re.findall(r"subgraph cluster_depth(\d+)", src)
    assert clusters == [str(d) for d in range(1, max(n.depth for n in graph.nodes) + 1)]
    ns = nodes(src)
    assert sorted(ns) == sorted(f"n{n.id}" for n in graph.nodes)
    red = {n for n, text in ns.items() if "violates Small2" in text}
    assert red == {f"n{n.id}" for n in graph.nodes if n.state["count"] in (I(2), I(3))} and red
    labels = {attr(e, "label").split(" ×")[0] for _, _, e in edges(src)}
    assert labels == {"Take", "Release", "Reset"}
    assert len(edges(src)) <= len(graph.edges)


def test_state_graph_refuses_big_models():
    with pytest.raises(TooManyStates):
        state_graph(pipeline.load(SPECS / "paxos.spec").model, None, 100)


# ---------------------------------------------------------------- writing files

def test_dot_needs_no_graphviz_and_unknown_formats_are_refused(tmp_path, paxos_violation, monkeypatch):
    g = trace_graph(paxos_violation.trace)
    monkeypatch.setenv("PATH", str(tmp_path))  # no graphviz programs
    write_picture(g, tmp_path / "t.dot")
    assert (tmp_path / "t.dot").read_text().startswith("digraph")
    with pytest.raises(PictureError, match="apt-get install graphviz"):
        write_picture(g, tmp_path / "t.svg")
    with pytest.raises(PictureError, match="unknown picture format"):
        check_writable(tmp_path / "t.jpg")


@needs_graphviz
def test_svg_and_png_are_rendered(tmp_path, paxos_violation):
    write_picture(trace_graph(paxos_violation.trace, "t", paxos_violation), tmp_path / "t.svg")
    svg = (tmp_path / "t.svg").read_text()
    assert svg.lstrip().startswith("<?xml") and "violates Agreement" in svg and "<title>" in svg
    write_picture(sequence_chart(paxos_violation.trace, PAXOS_FIELDS), tmp_path / "c.png", "neato", True)
    assert (tmp_path / "c.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
