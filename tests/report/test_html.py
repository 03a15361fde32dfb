"""The viewer pages (report/html.py) as HTML text: the JSON they carry reads back to the
trace or graph they show, whatever the values' strings hold (`</script>` included), the
pictures are inlined without their XML prologue, and the page needs no network."""
from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings, strategies as st

from conftest import PAXOS_BUGGY, I, M, S
from modelcheck import pipeline
from modelcheck.explore.result import Trace, TraceStep, Violation
from modelcheck.explore.state_graph import state_graph
from modelcheck.itfvalue import canonical
from modelcheck.report.compact import MessageFields
from modelcheck.report.html import chart_svg, embedded_data, graph_page, trace_page
from modelcheck.report.itf import ItfError, itf_loop, itf_to_trace
from modelcheck.values import ModelValue

needs_neato = pytest.mark.skipif(shutil.which("neato") is None, reason="graphviz is not installed")
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz is not installed")

A1, A2 = ModelValue("a1"), ModelValue("a2")


def small_trace(text: str = "hello") -> Trace:
    """Three states: a map from model values to ints, a set of records, a string."""
    return Trace((
        TraceStep(None, {}, {"x": M((A1, I(0)), (A2, I(0))), "msgs": S(), "note": ""}),
        TraceStep("Send", {"a": A1}, {"x": M((A1, I(1)), (A2, I(0))),
                                      "msgs": S({"from": A1, "type": "ping"}), "note": ""}),
        TraceStep("Write", {"a": A2, "s": text}, {"x": M((A1, I(1)), (A2, I(0))),
                                                   "msgs": S({"from": A1, "type": "ping"}), "note": text}),
    ))


class Elements(HTMLParser):
    """The page's elements as (tag, attributes), and the text of each script and style."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.scripts: list[tuple[dict, str]] = []
        self._open: dict | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._open = dict(attrs)
            self.scripts.append((self._open, ""))

    def handle_data(self, data):
        if self._open is not None:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)

    def handle_endtag(self, tag):
        if tag == "script":
            self._open = None


def parsed(page: str) -> Elements:
    p = Elements()
    p.feed(page)
    return p


def main_classes(page: str) -> list[str]:
    return next(attrs["class"].split() for tag, attrs in parsed(page).tags if tag == "main")


def test_the_embedded_json_reads_back_to_the_trace():
    trace = small_trace()
    page = trace_page(trace, {"spec": "T"}, "T: invariant Inv is violated", Violation("invariant", "Inv", trace))
    data = embedded_data(page)
    assert itf_to_trace(data["trace"]) == trace
    assert data["trace"]["#meta"]["modelValues"] == ["a1", "a2"]
    assert data["verdict"] == "violates Inv"
    assert data["steps"] == ["initial state", "Send(a = a1)", 'Write(a = a2, s = "hello")']
    assert "loop" not in data["trace"]


def test_the_steps_write_messages_as_the_pictures_do():
    page = trace_page(small_trace(), {}, "T", messages=MessageFields("msgs", "from"))
    assert embedded_data(page)["steps"][1] == "Send(a = a1)"
    trace = Trace((small_trace().steps[0],
                   TraceStep("Receive", {"m": {"from": A1, "type": "ping"}}, small_trace().steps[1].state)))
    page = trace_page(trace, {}, "T", messages=MessageFields("msgs", "from"))
    assert embedded_data(page)["steps"][1] == "Receive(m = ping(from: a1))"


def test_a_step_without_its_action_says_so():
    steps = small_trace().steps
    trace = Trace((steps[0], TraceStep("", {}, steps[1].state)))  # as itf_to_trace reads Apalache's
    assert embedded_data(trace_page(trace, {}, "T"))["steps"][1] == "(the action is not recorded)"
    with pytest.raises(ValueError):
        trace_page(Trace(()), {}, "T")


def test_a_lasso_carries_its_loop_index_as_itf_does():
    page = trace_page(small_trace(), {}, "T", loop=1)
    assert embedded_data(page)["trace"]["loop"] == 1
    assert itf_loop(embedded_data(page)["trace"]) == 1
    with pytest.raises(ValueError):
        trace_page(small_trace(), {}, "T", loop=3)


@pytest.mark.parametrize("loop", [3, -1, "1", True, 1.0])
def test_a_loop_index_that_names_no_state_is_refused(loop):
    document = {"states": [{}, {}, {}], "loop": loop}
    with pytest.raises(ItfError, match="'loop' must be the index of one of the 3 states"):
        itf_loop(document)


def test_a_string_holding_script_tags_cannot_end_the_data_early():
    nasty = '</script><script>alert("x")</script><!-- & </SCRIPT >'
    trace = small_trace(nasty)
    page = trace_page(trace, {"description": nasty}, f"T {nasty}")
    # the data element, the shared script and the trace script: no other script element
    elements = parsed(page)
    assert [attrs.get("type") for attrs, _ in elements.scripts] == ["application/json", None, None]
    assert page.lower().count("</script") == 3
    assert itf_to_trace(embedded_data(page)["trace"]) == trace
    assert embedded_data(page)["trace"]["#meta"]["description"] == nasty
    assert "<title>T &lt;/script&gt;" in page


@settings(max_examples=60, deadline=None)
@given(st.text())
def test_any_string_reads_back_unchanged(text):
    trace = small_trace(text)
    page = trace_page(trace, {}, "T")
    assert len(parsed(page).scripts) == 3
    assert itf_to_trace(embedded_data(page)["trace"]) == trace


def test_the_page_needs_no_network():
    page = trace_page(small_trace(), {}, "T")
    for tag, attrs in parsed(page).tags:
        assert not {"src", "href"} & set(attrs), (tag, attrs)
    assert not re.search(r"https?://", page.split('id="mc-data">')[0]), "a URL before the data"
    assert "mc-nochart" in main_classes(page)


@needs_neato
def test_the_chart_is_inline_svg_with_one_box_per_step():
    violation = pipeline.check(pipeline.load(PAXOS_BUGGY), ["Agreement"]).violation
    fields = MessageFields("msgs", "acc")
    svg = chart_svg(violation.trace, fields, "PaxosBuggy", violation, ["a1", "a2", "a3"])
    assert svg.startswith("<svg") and "<?xml" not in svg
    page = trace_page(violation.trace, {}, "PaxosBuggy", violation, messages=fields, chart=svg)
    ids = re.findall(r'<g id="step(\d+)" class="node"', page)
    assert sorted(map(int, ids)) == list(range(1, len(violation.trace)))
    assert 'id="mc-chart"' in page and "mc-nochart" not in main_classes(page)


@needs_dot
def test_the_graph_page_carries_every_state_and_step():
    compiled = pipeline.load(PAXOS_BUGGY, {"Ballots": "0..0"})
    graph = state_graph(compiled.model, ["Agreement"], 500)
    page = graph_page(graph, "PaxosBuggy")
    data = embedded_data(page)
    assert [n["id"] for n in data["nodes"]] == [n.id for n in graph.nodes]
    assert [n["state"] for n in data["nodes"]] == [canonical(n.state) for n in graph.nodes]
    assert len(data["edges"]) == len(graph.edges)
    assert {(e["source"], e["target"]) for e in data["edges"]} == {(e.source, e.target) for e in graph.edges}
    assert len(re.findall(r'<g id="state\d+" class="node"', page)) == len(graph.nodes)
    assert "a1" in data["modelValues"]
