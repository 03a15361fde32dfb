"""`modelcheck search --strategy swarm --backend native`: the members run in C and the result is
reported as the Python swarm reports it: deep Raft and Paxos bugs found, one result per seed
whatever the number of workers, traces `modelcheck replay` accepts; and on both backends,
states outside the declared types and runtime errors are findings too."""
from __future__ import annotations

import json

import pytest

from cli.inprocess import modelcheck
from conftest import PAXOS_BUGGY, REPO
from modelcheck.compile.native import native_problem

needs_native = pytest.mark.skipif(native_problem() is not None, reason=f"no native build here: {native_problem()}")
VOTE = (REPO / "specs" / "raft_restart_forgets_vote.spec", "--const", "Servers={s1, s2, s3}", "--const",
        "MaxLogLen=0", "--inv", "ElectionSafety")
SWARM = ("--strategy", "swarm")
BACKENDS = [pytest.param("native", marks=needs_native), "python"]

# Reaches x = 4, outside 0..3, only through Up twice in a row after Jump: deeper than the
# first walk of most members, never by Down.
COUNTER = """spec Counter
var x : 0..3
var jumped : bool
init {
  x := 0
  jumped := false
}
action Jump {
  require not jumped
  x := 2
  jumped := true
}
action Up { x := x + 1 }
action Down {
  require x > 0
  x := x - 1
}
"""

# Divides by zero once n reaches 3.
DIVIDES = """spec Divides
var n : 0..5
var q : 0..100
init {
  n := 0
  q := 0
}
action Step {
  require n < 5
  n := n + 1
  q := 12 / (3 - n)
}
"""

# Nothing breaks: a walk only ever finds states within the types and the invariant.
FINE = """spec Fine
var n : 0..4
init { n := 0 }
action Up {
  require n < 4
  n := n + 1
}
action Down {
  require n > 0
  n := n - 1
}
invariant Small: n <= 4
"""


def backend_line(stderr: str) -> str:
    return next(line.strip() for line in stderr.splitlines() if line.strip().startswith("backend:"))


def search(*args, backend: str = "native"):
    return modelcheck("search", *args, "--backend", backend)


@needs_native
def test_the_native_swarm_finds_the_forgotten_vote_and_replay_accepts_its_trace(tmp_path):
    itf = tmp_path / "vote.itf.json"
    run = search(*VOTE, *SWARM, "--seed", "1", "--workers", "2", "--json", "--out-itf", itf)
    assert run.returncode == 1, run.out
    assert backend_line(run.stderr).startswith("backend: native (--backend native; ")
    obj = run.json()
    assert obj["violation"]["kind"] == "invariant" and obj["violation"]["name"] == "ElectionSafety"
    assert obj["distinct_states"] < 238_350   # a tenth of the 2,383,507 states TLC explores
    assert len(obj["violation"]["trace"]) - 1 <= obj["steps_before_shortening"]
    replayed = modelcheck("replay", *VOTE[:5], itf)
    assert replayed.returncode == 0, replayed.out
    assert "invariant ElectionSafety is violated" in replayed.stdout


@needs_native
def test_the_native_swarm_finds_the_paxos_bug_and_reports_like_the_python_one():
    run = search(PAXOS_BUGGY, *SWARM, "--seed", "2", "--members", "50")
    assert run.returncode == 1, run.out
    assert "Error: invariant " in run.stdout and "not guaranteed shortest" in run.stdout
    assert "member i draws from xoshiro256** seeded by (2, i)" in run.stdout
    assert "Found by member" in run.stdout and "Actions taken:" in run.stdout


@needs_native
@pytest.mark.parametrize("seed", [1, 4])
def test_a_seed_names_the_same_native_swarm_with_any_number_of_workers(seed):
    args = (PAXOS_BUGGY, *SWARM, "--seed", seed, "--json", "--member-steps", "2000")
    one, again, two = (search(*args, *extra).json() for extra in ((), (), ("--workers", "2")))
    assert one["violation"] is not None
    for key in ("violation", "members", "found_by", "steps_before_shortening", "actions_taken"):
        assert one[key] == again[key] == two[key], key


@needs_native
def test_the_native_member_that_found_it_runs_alone_with_the_same_result():
    args = (PAXOS_BUGGY, *SWARM, "--seed", "3", "--json", "--member-steps", "2000")
    swarm = search(*args).json()
    alone = search(*args, "--first-member", swarm["found_by"], "--members", "1").json()
    assert [m["index"] for m in alone["members"]] == [swarm["found_by"]] == [alone["found_by"]]
    assert alone["violation"] == swarm["violation"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_state_outside_its_type_is_found_and_the_trace_replays(tmp_path, backend):
    spec, itf = tmp_path / "t.spec", tmp_path / "t.itf.json"
    spec.write_text(COUNTER)
    run = search(spec, *SWARM, "--seed", "1", "--members", "20", "--member-steps", "200", "--out-itf", itf,
                 backend=backend)
    assert run.returncode == 1, run.out
    assert "Error: a variable is outside its declared type: x = 4 is outside its declared type 0..3 (t.spec:2)" \
        in run.stdout
    as_json = search(spec, *SWARM, "--seed", "1", "--members", "20", "--member-steps", "200", "--json",
                     backend=backend).json()
    v = as_json["violation"]
    assert (as_json["result"], v["kind"]) == ("violation", "type")
    assert [s["action"] for s in v["trace"][1:]] == ["Jump", "Up", "Up"]   # shortened to a shortest one
    assert as_json["members"][as_json["found_by"]]["found"] == v["name"]
    replayed = modelcheck("replay", spec, itf)
    assert replayed.returncode == 0, replayed.out
    assert "Note: state 4 of the trace is outside the declared types: x = 4" in replayed.stdout


def test_guided_search_reports_a_state_outside_its_type_on_the_way(tmp_path):
    spec = tmp_path / "t.spec"
    spec.write_text(COUNTER)
    run = modelcheck("search", spec, "--strategy", "guided", "--target", "x == 3 and jumped", "--target", "x == 0",
                     "--json")
    assert run.returncode == 1, run.out
    v = run.json()["violation"]
    assert v["kind"] == "type" and v["name"].startswith("x = 4 is outside its declared type 0..3")


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_runtime_error_ends_the_swarm_with_the_python_message(tmp_path, backend):
    spec = tmp_path / "t.spec"
    spec.write_text(DIVIDES)
    run = search(spec, *SWARM, "--seed", "1", "--members", "5", "--json", backend=backend)
    assert run.returncode == 2, run.out
    v = run.json()["violation"]
    assert (v["kind"], v["name"]) == ("error", "division by zero (at t.spec:11)")
    # the trace ends at the state whose step fails: from n = 3, Step divides by 3 - 3
    assert [s["state"]["n"] for s in v["trace"]] == [{"#bigint": str(n)} for n in range(4)]


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_spec_without_violation_exits_0_with_the_actions_covered(tmp_path, backend):
    spec = tmp_path / "t.spec"
    spec.write_text(FINE)
    run = search(spec, *SWARM, "--seed", "5", "--members", "8", "--member-steps", "300", backend=backend)
    assert run.returncode == 0, run.out
    assert "No error found (the search is not exhaustive: this proves nothing)." in run.stdout
    assert "Swarm of seed 5: 8 members run" in run.stdout
    assert "Actions taken: 2/2." in run.stdout
    obj = search(spec, *SWARM, "--seed", "5", "--members", "8", "--member-steps", "300", "--json",
                 backend=backend).json()
    assert obj["result"] == "ok" and obj["found_by"] is None and len(obj["members"]) == 8
    assert obj["actions_taken"]["Up"] > 0 and obj["actions_taken"]["Down"] > 0


@needs_native
def test_auto_chooses_native_for_swarm_and_python_for_guided(monkeypatch, tmp_path):
    monkeypatch.delenv("MODELCHECK_BACKEND")
    spec = tmp_path / "t.spec"
    spec.write_text(FINE)
    swarm = modelcheck("search", spec, *SWARM, "--seed", "1", "--members", "2", "--member-steps", "50")
    assert swarm.returncode == 0, swarm.out
    assert backend_line(swarm.stderr).startswith(
        "backend: native (a C compiler is there and the spec is in the native subset; ")
    guided = modelcheck("search", spec, "--strategy", "guided", "--target", "n == 3")
    assert guided.returncode == 1, guided.out
    assert backend_line(guided.stderr) == "backend: python (guided search runs on the Python backend only)"


def test_guided_search_on_the_native_backend_is_an_error(tmp_path):
    spec = tmp_path / "t.spec"
    spec.write_text(FINE)
    run = modelcheck("search", spec, "--strategy", "guided", "--target", "n == 3", "--backend", "native")
    assert run.returncode == 2
    assert "--backend native: guided search runs on the Python backend only" in run.out
    assert "Traceback" not in run.out
