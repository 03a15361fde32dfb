"""`modelcheck check` as a user runs it on the shipped Paxos specs: exit codes, the text
report, and the JSON report (values in ITF encoding). The numbers are TLC's."""
from __future__ import annotations

import json
import re

import pytest

from conftest import MV, PAXOS, PAXOS_BUGGY, S, I, run_modelcheck
from inprocess import modelcheck

JSON_KEYS = {"spec", "result", "distinct_states", "states_generated", "depth", "seconds", "constants",
             "violation"}


@pytest.fixture(scope="module")
def paxos_text():
    return run_modelcheck("check", PAXOS)


@pytest.fixture(scope="module")
def paxos_json():
    return run_modelcheck("check", PAXOS, "--json")


@pytest.fixture(scope="module")
def buggy_agreement_json():
    return run_modelcheck("check", PAXOS_BUGGY, "--inv", "Agreement", "--json")


def single_json_object(proc) -> dict:
    """stdout must be exactly one JSON object (and nothing else)."""
    decoder = json.JSONDecoder()
    text = proc.stdout.strip()
    obj, end = decoder.raw_decode(text)
    assert text[end:].strip() == "", f"more than one JSON value on stdout: {text[end:][:200]!r}"
    assert isinstance(obj, dict)
    return obj


def is_itf(v) -> bool:
    """Whether v is built only of ITF values: no bare JSON numbers anywhere."""
    if isinstance(v, bool) or isinstance(v, str):
        return True
    if isinstance(v, (int, float)) or v is None:
        return False
    if isinstance(v, list):
        return all(is_itf(x) for x in v)
    if isinstance(v, dict):
        if "#bigint" in v:
            return set(v) == {"#bigint"} and re.fullmatch(r"-?\d+", v["#bigint"]) is not None
        if "#set" in v or "#tup" in v:
            return len(v) == 1 and all(is_itf(x) for x in next(iter(v.values())))
        if "#map" in v:
            return len(v) == 1 and all(len(p) == 2 and is_itf(p[0]) and is_itf(p[1]) for p in v["#map"])
        return all(is_itf(x) for x in v.values())
    return False


# ---------------------------------------------------------------- Paxos, text

def test_paxos_holds(paxos_text):
    assert paxos_text.returncode == 0, paxos_text.stderr
    out = paxos_text.stdout
    assert "3,921 distinct states" in out
    assert re.search(r"depth of the complete state graph search is 17\b", out)
    assert "Traceback" not in paxos_text.stderr


def test_paxos_text_names_the_invariants(paxos_text):
    first = paxos_text.stdout.splitlines()[0]
    for inv in ("TypeOK", "Inv", "Agreement"):
        assert inv in first


# ---------------------------------------------------------------- Paxos, JSON

def test_paxos_json(paxos_json):
    assert paxos_json.returncode == 0, paxos_json.stderr
    obj = single_json_object(paxos_json)
    assert JSON_KEYS <= set(obj), JSON_KEYS - set(obj)
    assert obj["spec"] == "Paxos"
    assert obj["result"] == "ok"
    assert obj["distinct_states"] == 3921
    assert obj["depth"] == 17
    assert isinstance(obj["states_generated"], int) and obj["states_generated"] >= 3921
    assert isinstance(obj["seconds"], (int, float)) and obj["seconds"] >= 0
    assert obj["violation"] is None


def test_paxos_json_constants_are_itf(paxos_json):
    consts = single_json_object(paxos_json)["constants"]
    assert consts == {"Acceptors": S(MV("a1"), MV("a2"), MV("a3")), "Values": S(MV("v1"), MV("v2")),
                      "Ballots": S(I(0), I(1))}


def test_json_and_text_agree(paxos_text, paxos_json):
    obj = single_json_object(paxos_json)
    assert f"{obj['states_generated']:,} states generated" in paxos_text.stdout


# ---------------------------------------------------------------- buggy Paxos

def test_buggy_paxos_breaks_agreement_json(buggy_agreement_json):
    proc = buggy_agreement_json
    assert proc.returncode == 1, proc.stderr
    obj = single_json_object(proc)
    assert JSON_KEYS <= set(obj)
    assert obj["spec"] == "PaxosBuggy"
    assert obj["result"] == "violation"
    v = obj["violation"]
    assert v["kind"] == "invariant" and v["name"] == "Agreement"
    trace = v["trace"]
    assert len(trace) == 13  # 12 steps
    assert trace[0]["action"] is None
    assert all(step["action"] in {"Phase1a", "Phase1b", "Phase2a", "Phase2b"} for step in trace[1:])
    assert all(set(step["state"]) == {"maxBal", "maxVBal", "maxVal", "msgs"} for step in trace)
    assert all(is_itf(step["state"]) and is_itf(step["args"]) for step in trace), "values must be ITF-encoded"
    assert trace[0]["state"]["maxBal"] == {"#map": [[MV("a1"), I(-1)], [MV("a2"), I(-1)], [MV("a3"), I(-1)]]}
    assert trace[0]["state"]["msgs"] == S()
    assert trace[1]["args"] in ({"b": I(0)}, {"b": I(1)})


def test_buggy_paxos_breaks_agreement_text():
    proc = modelcheck("check", PAXOS_BUGGY, "--inv", "Agreement")
    assert proc.returncode == 1, proc.stderr
    out = proc.stdout
    assert "invariant Agreement is violated" in out
    assert "12 steps" in out
    assert re.search(r"^State 13: ", out, re.M) and not re.search(r"^State 14: ", out, re.M)


def test_buggy_paxos_breaks_inv_first():
    proc = modelcheck("check", PAXOS_BUGGY)
    assert proc.returncode == 1, proc.stderr
    assert "invariant Inv is violated" in proc.stdout
    assert "7 steps" in proc.stdout
    js = single_json_object(modelcheck("check", PAXOS_BUGGY, "--json"))
    assert js["violation"]["name"] == "Inv" and len(js["violation"]["trace"]) == 8


def test_several_inv_options():
    proc = modelcheck("check", PAXOS_BUGGY, "--inv", "TypeOK", "--inv", "Agreement", "--json")
    assert proc.returncode == 1
    assert single_json_object(proc)["violation"]["name"] == "Agreement"


# ---------------------------------------------------------------- constants

def test_const_one_value():
    proc = modelcheck("check", PAXOS, "--const", "Values={v1}")
    assert proc.returncode == 0, proc.stderr
    assert "1,681 distinct states" in proc.stdout


def test_const_in_json():
    proc = modelcheck("check", PAXOS, "--const", "Values={v1}", "--json")
    obj = single_json_object(proc)
    assert obj["distinct_states"] == 1681
    assert obj["constants"]["Values"] == S(MV("v1"))


def test_dump_code(tmp_path):
    out = tmp_path / "paxos_generated.py"
    proc = modelcheck("check", PAXOS, "--const", "Values={v1}", "--dump-code", out)
    assert proc.returncode == 0
    code = out.read_text()
    compile(code, str(out), "exec")  # valid Python
    assert "def A_Phase1a" in code or "Phase1a" in code


@pytest.mark.slow
def test_paxos_three_ballots():
    proc = modelcheck("check", PAXOS, "--const", "Ballots=0..2", "--json")
    assert proc.returncode == 0, proc.stderr
    obj = single_json_object(proc)
    assert obj["distinct_states"] == 185369
    assert obj["depth"] == 25


def test_itf_checker_rejects_bare_numbers():
    # guards test_buggy_paxos_breaks_agreement_json against a checker that accepts anything
    assert is_itf({"m": {"#map": [["a1", I(-1)]]}, "x": S(I(0)), "t": {"#tup": ["s", True]}, "q": [I(2)]})
    assert not is_itf({"#map": [["a1", -1]]})
    assert not is_itf([1])
    assert not is_itf({"#bigint": "1.5"})


def test_check_help_lists_the_exit_codes():
    run = modelcheck("check", "--help")
    assert run.returncode == 0
    codes = {int(m) for m in re.findall(r"^\s+(\d+)\s{2,}\S", run.stdout.split("exit codes:")[1], re.M)}
    assert codes == {0, 1, 2, 3, 130}
