"""`--html FILE` on check, simulate, replay and graph, and `modelcheck view TRACE`: each
writes one page whose embedded trace (or graph) is the one the command found, says so on
stderr, and refuses bad input before doing any work."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import PAXOS_BUGGY
from inprocess import modelcheck
from modelcheck.report.html import embedded_data
from modelcheck.report.itf import itf_to_trace

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz is not installed")
needs_neato = pytest.mark.skipif(shutil.which("neato") is None, reason="graphviz is not installed")

COUNTER = """spec Counter
var x : 0..5
init { x := 0 }
action Inc { require x < 5
  x := x + 1 }
action Reset { require x == 5
  x := 0 }
invariant Small: x < 3
"""


def page_data(path: Path) -> dict:
    return embedded_data(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def paxos(tmp_path_factory):
    """One `check` of paxos_buggy writing the page and the ITF trace."""
    d = tmp_path_factory.mktemp("paxos")
    run = modelcheck("check", PAXOS_BUGGY, "--inv", "Agreement", "--html", d / "cex.html",
                     "--out-itf", d / "cex.itf.json")
    return run, d


def test_check_writes_the_counterexample_page(paxos):
    run, d = paxos
    assert run.returncode == 1, run.out
    assert f"Wrote the trace viewer (12 steps) to {d / 'cex.html'}" in run.stderr
    data = page_data(d / "cex.html")
    assert itf_to_trace(data["trace"]) == itf_to_trace(json.loads((d / "cex.itf.json").read_text()))
    assert data["title"] == "PaxosBuggy: invariant Agreement is violated"
    assert data["verdict"] == "violates Agreement"
    assert data["steps"][12].startswith("Phase2b(")


@needs_neato
def test_the_page_has_the_message_sequence_chart(paxos):
    _, d = paxos
    page = (d / "cex.html").read_text()
    assert 'id="mc-chart"' in page and page.count('class="node"') >= 12 and '<g id="step12"' in page


def test_no_counterexample_no_page(spec_file, tmp_path):
    spec = spec_file(COUNTER.replace("invariant Small: x < 3", "invariant Small: x < 6"))
    run = modelcheck("check", spec, "--html", tmp_path / "p.html", "--no-deadlock")
    assert run.returncode == 0, run.out
    assert f"No counterexample: nothing written to {tmp_path / 'p.html'}." in run.stderr
    assert not (tmp_path / "p.html").exists()


@pytest.mark.parametrize("command", ["check", "simulate"])
def test_a_page_that_is_not_html_is_refused_before_the_search(command, spec_file, tmp_path):
    run = modelcheck(command, spec_file(COUNTER), "--html", tmp_path / "p.htm")
    assert run.returncode == 2 and run.stdout == ""
    assert f"--html {tmp_path / 'p.htm'}: the file name must end in .html" in run.stderr


def test_simulate_writes_the_page_of_the_walk_that_failed(spec_file, tmp_path):
    run = modelcheck("simulate", spec_file(COUNTER), "--seed", "1", "--runs", "5", "--html", tmp_path / "s.html")
    assert run.returncode == 1, run.out
    data = page_data(tmp_path / "s.html")
    assert data["verdict"] == "violates Small"
    assert data["trace"]["#meta"]["description"].startswith("modelcheck simulate --seed 1: run ")
    assert [s["x"] for s in data["trace"]["states"]][-1] == {"#bigint": "3"}


def lasso(tmp_path: Path, spec: Path, loop: int = 1) -> Path:
    """x = 0, 1, 2, 3, 4, 5, then back to 0 and on forever: a lasso returning to state loop."""
    states = [{"#meta": {"index": i}, "x": {"#bigint": str(i)}, "mbt::actionTaken": "Inc" if i else "init"}
              for i in range(6)]
    document = {"#meta": {"format": "ITF", "source": str(spec), "spec": "Counter",
                          "violation": {"kind": "liveness", "name": "EventuallyDone"}},
                "params": [], "vars": ["x"], "loop": loop, "states": states}
    path = tmp_path / "lasso.itf.json"
    path.write_text(json.dumps(document))
    return path


def test_replay_keeps_the_lasso_in_the_page(spec_file, tmp_path):
    spec = spec_file(COUNTER)
    run = modelcheck("replay", spec, lasso(tmp_path, spec, 0), "--html", tmp_path / "r.html")
    assert run.returncode == 0, run.out
    data = page_data(tmp_path / "r.html")
    assert data["trace"]["loop"] == 0 and len(data["trace"]["states"]) == 6
    assert data["trace"]["#meta"]["description"] == f"replayed from {tmp_path / 'lasso.itf.json'}"


def test_view_writes_the_page_beside_the_trace_and_prints_where(spec_file, tmp_path):
    spec = spec_file(COUNTER)
    trace = lasso(tmp_path, spec, 1)
    run = modelcheck("view", trace)
    assert run.returncode == 0, run.out
    out = tmp_path / "lasso.html"
    assert run.stdout.strip() == out.resolve().as_uri()
    assert f"Using the spec the trace names: {spec} (override with --spec)" in run.stderr
    data = page_data(out)
    assert data["trace"]["loop"] == 1
    assert data["title"] == "Counter: EventuallyDone"  # a kind the viewer does not know: its name
    assert itf_to_trace(data["trace"]) == itf_to_trace(json.loads(trace.read_text()))
    assert "the spec declares none" in out.read_text()


def test_view_without_the_spec_shows_the_trace_without_a_chart(spec_file, tmp_path):
    trace = lasso(tmp_path, tmp_path / "gone.spec")
    run = modelcheck("view", trace, "--html", tmp_path / "v.html")
    assert run.returncode == 0, run.out
    why = f"No message sequence chart: the trace comes from {tmp_path / 'gone.spec'}, which is not here"
    assert why in run.stderr and "does not say which spec" not in run.stderr
    assert why in (tmp_path / "v.html").read_text()
    document = json.loads(trace.read_text())
    del document["#meta"]["source"]
    trace.write_text(json.dumps(document))
    run = modelcheck("view", trace, "--html", tmp_path / "w.html")
    assert run.returncode == 0 and "Using the spec" not in run.stderr, run.out
    assert "No message sequence chart: the trace does not say which spec it comes from" in run.stderr


@needs_neato
def test_view_draws_the_chart_of_the_spec_given(paxos, tmp_path):
    _, d = paxos
    run = modelcheck("view", d / "cex.itf.json", "--spec", PAXOS_BUGGY, "--html", tmp_path / "v.html")
    assert run.returncode == 0, run.out
    assert "Using the spec" not in run.stderr
    page = (tmp_path / "v.html").read_text()
    assert '<g id="step12"' in page
    assert page_data(tmp_path / "v.html")["verdict"] == "violates Agreement"


def test_view_refuses_a_trace_that_is_not_itf(tmp_path):
    bad = tmp_path / "bad.itf.json"
    bad.write_text('{"states": 3}')
    run = modelcheck("view", bad)
    assert run.returncode == 2 and "not an ITF trace" in run.stderr
    run = modelcheck("view", tmp_path / "missing.itf.json")
    assert run.returncode == 2 and "does not exist" in run.stderr


@needs_dot
def test_graph_writes_the_page_and_keeps_its_limit(spec_file, tmp_path):
    spec = spec_file(COUNTER)
    run = modelcheck("graph", spec, "--html", tmp_path / "g.html")
    assert run.returncode == 0, run.out
    assert f"Drew 6 states and 6 steps of Counter in {tmp_path / 'g.html'}" in run.stdout
    data = page_data(tmp_path / "g.html")
    assert [n["state"]["x"]["#bigint"] for n in data["nodes"]] == [str(i) for i in range(6)]
    assert [n["broken"] for n in data["nodes"]][3:] == [["Small"]] * 3
    run = modelcheck("graph", spec, "--html", tmp_path / "h.html", "--max-states", "4")
    assert run.returncode == 3 and "more than 4 states: not drawn" in run.stderr
    assert not (tmp_path / "h.html").exists()


def test_graph_refuses_a_page_that_is_not_html(spec_file, tmp_path):
    run = modelcheck("graph", spec_file(COUNTER), "--html", tmp_path / "g.svg")
    assert run.returncode == 2 and "the file name must end in .html" in run.stderr


def test_without_graphviz_the_page_has_no_chart_and_says_why(monkeypatch, tmp_path):
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))  # no graphviz anywhere
    run = modelcheck("check", PAXOS_BUGGY, "--inv", "Agreement", "--html", tmp_path / "p.html")
    assert run.returncode == 1, run.stderr
    why = ("No message sequence chart: cannot write the message sequence chart: graphviz's `neato` program "
           "is not installed; install graphviz (apt-get install graphviz; brew install graphviz).")
    assert why in run.stderr.splitlines()
    page = (tmp_path / "p.html").read_text()
    assert why.replace("'", "&#x27;") in page and 'id="mc-chart"' not in page
    assert len(page_data(tmp_path / "p.html")["trace"]["states"]) == 13
    run = modelcheck("graph", PAXOS_BUGGY, "--html", tmp_path / "g.html")
    assert run.returncode == 2 and "graphviz's `dot` program is not installed" in run.stderr
