"""specs/register.spec, a replicated register with anti-entropy gossip, checked through the
command line: eventual consistency (<>[]Converged) holds under weak fairness of each gossip
pair, and both seeded violations are found as lassos: without fairness (the lasso stutters
after a write) and with a merge that loses updates (a stale replica overwrites the newest
version and the replicas agree on it for ever)."""
from __future__ import annotations

from conftest import SPECS
from tests.cli.inprocess import modelcheck

REGISTER = SPECS / "register.spec"


def test_eventual_consistency_holds_under_fair_gossip():
    run = modelcheck("check", REGISTER, "--json")
    assert run.returncode == 0, run.stderr
    assert run.json()["result"] == "ok"


def test_without_fairness_gossip_may_never_happen(tmp_path):
    unfair = tmp_path / "register.spec"
    unfair.write_text("\n".join(line for line in REGISTER.read_text().splitlines()
                                if not line.startswith("fairness")))
    out = modelcheck("check", unfair, "--json").json()
    v = out["violation"]
    assert (v["kind"], v["name"]) == ("property", "EventuallyConsistent")
    trace = v["trace"]
    assert v["loop"] == len(trace) - 1 and v["back"] is None  # stutters in its last state
    assert [s["action"] for s in trace] == [None, "Write"]


def test_a_merge_that_loses_updates_never_converges(tmp_path):
    itf = tmp_path / "lasso.itf.json"
    run = modelcheck("check", REGISTER, "--const", "LosingMerge=true", "--json", "--out-itf", itf)
    assert run.returncode == 1
    v = run.json()["violation"]
    loop_states = [s["state"] for s in v["trace"][v["loop"]:]]
    # in the loop some replica lacks the newest write, for ever
    assert all(any(ver != s["writes"] for _, ver in s["ver"]["#map"]) for s in loop_states)
    replay = modelcheck("replay", REGISTER, itf, "--const", "LosingMerge=true")
    assert replay.returncode == 0, replay.out
    assert "its loop closes" in replay.stdout
