"""The command line for counterexamples: `check` writes ITF and pictures, `replay` accepts
what we wrote and rejects a corrupted trace, `simulate` and `graph` work, and pictures that
need graphviz fail with a one-line hint when it is missing, while .dot still works."""
from __future__ import annotations

import json
import re

import pytest

from cli.inprocess import modelcheck
from conftest import HAVE_GRAPHVIZ, PAXOS, PAXOS_BUGGY, needs_graphviz



@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    """One `check` of paxos_buggy writing every output."""
    d = tmp_path_factory.mktemp("out")
    files = {"itf": d / "cex.itf.json", "dot": d / "cex.dot", "svg": d / "cex.svg", "png": d / "cex.png",
             "msc": d / "cex_msc.svg"}
    args = [PAXOS_BUGGY, "--inv", "Agreement", "--out-itf", files["itf"], "--dot", files["dot"]]
    if HAVE_GRAPHVIZ:
        args += ["--svg", files["svg"], "--png", files["png"], "--msc", files["msc"]]
    proc = modelcheck("check", *args)
    return proc, files


def test_check_writes_itf_and_pictures(outputs):
    proc, files = outputs
    assert proc.returncode == 1, proc.stderr
    assert "Error: invariant Agreement is violated." in proc.stdout
    doc = json.loads(files["itf"].read_text())
    assert doc["#meta"]["violation"] == {"kind": "invariant", "name": "Agreement"}
    assert doc["#meta"]["constants"]["Ballots"] == {"#set": [{"#bigint": "0"}, {"#bigint": "1"}]}
    assert len(doc["states"]) == 13 and doc["states"][12]["mbt::actionTaken"] == "Phase2b"
    dot = files["dot"].read_text()
    assert dot.startswith("digraph") and "violates Agreement" in dot
    assert re.findall(r"^\t(s\d+) -> (s\d+)", dot, re.M) == [(f"s{i}", f"s{i + 1}") for i in range(12)]
    assert f"Wrote the trace (12 steps) as ITF to {files['itf']}" in proc.stderr


@needs_graphviz
def test_svg_png_and_chart_are_rendered(outputs):
    proc, files = outputs
    svg = files["svg"].read_text()
    assert "<svg" in svg and "violates Agreement" in svg and svg.count('class="node"') == 13
    assert files["png"].read_bytes()[:4] == b"\x89PNG"
    chart = files["msc"].read_text()
    assert "<svg" in chart and "Phase2b" in chart and "a3" in chart


def test_replay_accepts_our_trace_and_rejects_a_corrupted_one(outputs, tmp_path):
    _, files = outputs
    proc = modelcheck("replay", PAXOS_BUGGY, files["itf"])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Trace accepted: each of its 12 steps is a transition of PaxosBuggy" in proc.stdout
    assert "Note: invariant Agreement is violated in state 13 of the trace." in proc.stdout
    doc = json.loads(files["itf"].read_text())
    doc["states"][7]["msgs"]["#set"].pop(0)  # a message lost in state 8
    bad = tmp_path / "bad.itf.json"
    bad.write_text(json.dumps(doc))
    proc = modelcheck("replay", PAXOS_BUGGY, bad)
    assert proc.returncode == 1
    assert "Trace rejected: step 7 (from state 7 to state 8)" in proc.stdout
    assert "msgs: the spec's state has" in proc.stdout


def test_replay_against_the_correct_spec_names_the_guard(outputs):
    _, files = outputs
    proc = modelcheck("replay", PAXOS, files["itf"])
    assert proc.returncode == 1
    assert "step 9 (from state 9 to state 10) is not a transition of Paxos" in proc.stdout
    assert "m.bal >= maxBal[a]" in proc.stdout and "paxos.spec:" in proc.stdout


def test_replay_takes_the_constants_from_the_trace(outputs, tmp_path):
    _, files = outputs
    doc = json.loads(files["itf"].read_text())
    doc["#meta"]["constants"]["Ballots"]["#set"].append({"#bigint": "2"})
    doc["#meta"]["constants"]["Values"]["#set"].append("v3")
    doc["#meta"]["modelValues"].append("v3")
    other = tmp_path / "b2.itf.json"
    other.write_text(json.dumps(doc))
    proc = modelcheck("replay", PAXOS_BUGGY, other)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Using the trace's constants: Values = {v1, v2, v3}, Ballots = {0, 1, 2}" in proc.stderr


def test_replay_of_a_file_that_is_not_itf(tmp_path):
    bad = tmp_path / "x.itf.json"
    bad.write_text('{"vars": ["x"]}')
    proc = modelcheck("replay", PAXOS_BUGGY, bad)
    assert proc.returncode == 2 and "list 'states'" in proc.stderr and "Traceback" not in proc.stderr


def test_simulate_finds_the_bug_from_a_seed_and_writes_every_trace(tmp_path):
    folder = tmp_path / "runs"
    args = ["simulate", PAXOS_BUGGY, "--runs", "50", "--depth", "30", "--seed", "1", "--inv", "Agreement",
            "--all-traces", folder, "--out-itf", tmp_path / "v.itf.json"]
    proc = modelcheck(*args)
    assert proc.returncode == 1, proc.stderr
    assert "Error: invariant Agreement is violated." in proc.stdout
    assert "not necessarily the shortest" in proc.stdout and "--seed 1" in proc.stdout
    assert "traces/s" in proc.stdout and "Coverage" in proc.stdout
    runs = sorted(p.name for p in folder.iterdir())
    assert runs and runs[0] == "run_00001.itf.json"
    again = modelcheck(*args[:-4], "--json")
    data = json.loads(again.stdout)
    assert data["result"] == "violation" and data["violation"]["shortest"] is False
    assert data["violation"]["run"] == len(runs)  # same seed, same run
    assert len(data["violation"]["trace"]) == len(json.loads((tmp_path / "v.itf.json").read_text())["states"])


def test_graph_draws_small_models_and_refuses_big_ones(spec_file, tmp_path):
    from test_readme import tour_spec
    spec = spec_file(tour_spec(), "counter.spec")
    proc = modelcheck("graph", spec, "--dot", tmp_path / "g.dot")
    assert proc.returncode == 0, proc.stderr
    assert "Drew 15 states" in proc.stdout
    assert (tmp_path / "g.dot").read_text().count("subgraph cluster_depth") == 7
    proc = modelcheck("graph", PAXOS, "--dot", tmp_path / "p.dot", "--max-states", "200")
    assert proc.returncode == 3 and "more than 200 states" in proc.stderr
    assert not (tmp_path / "p.dot").exists()


def test_without_graphviz_dot_works_and_images_fail_with_a_hint(tmp_path, monkeypatch):
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))  # no `dot` anywhere
    proc = modelcheck("check", PAXOS_BUGGY, "--inv", "Agreement", "--svg", tmp_path / "x.svg")
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "apt-get install graphviz" in lines[0], proc.stderr
    assert "Model checking" not in proc.stdout  # refused before searching
    assert not (tmp_path / "x.svg").exists()
    proc = modelcheck("check", PAXOS_BUGGY, "--inv", "Agreement", "--dot", tmp_path / "x.dot")
    assert proc.returncode == 1 and (tmp_path / "x.dot").read_text().startswith("digraph")


def test_msc_needs_a_chart_declaration(spec_file, tmp_path):
    spec = spec_file("spec S\nvar x : 0..1\ninit { x := 0 }\naction A { x := 1 }\ninvariant Z: x == 0\n")
    proc = modelcheck("check", spec, "--msc", tmp_path / "m.dot")
    assert proc.returncode == 2 and "chart" in proc.stderr


def test_no_trace_no_files(tmp_path):
    proc = modelcheck("check", PAXOS, "--out-itf", tmp_path / "none.itf.json")
    assert proc.returncode == 0 and "nothing written" in proc.stderr
    assert not (tmp_path / "none.itf.json").exists()
