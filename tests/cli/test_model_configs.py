"""Model configurations: `--model NAME` takes constants, invariants and options from
SPEC.models beside the spec; the command line overrides them; a bad file or an unknown
model is an error naming file:line (exit 2)."""
from __future__ import annotations

import shutil

import pytest

from conftest import PAXOS, SPECS
from inprocess import modelcheck


@pytest.fixture
def spec(tmp_path):
    """A copy of paxos.spec with a models file beside it: spec(models_text) -> its path."""
    def make(models: str):
        path = tmp_path / "p.spec"
        shutil.copy(PAXOS, path)
        (tmp_path / "p.models").write_text(models)
        return path
    return make


def test_a_model_sets_constants_invariants_and_options(spec):
    path = spec("// a comment\n[small]\nconst Values = {v1}   // one value\ninv Agreement\nmax-states 100\n")
    run = modelcheck("check", path, "--model", "small", "--json")
    assert run.returncode == 3, run.out
    obj = run.json()
    assert obj["constants"]["Values"] == {"#set": [{"#model": "v1"}]}
    assert obj["stopped_because"] == "max states 100"
    assert "invariants: Agreement;" in run.stderr


def test_the_command_line_overrides_the_model(spec):
    path = spec("[m]\nconst Values = {v1}\ninv Agreement\nmax-states 100\n")
    run = modelcheck("check", path, "--model", "m", "--const", "Values={v1, v2}", "--inv", "Inv",
                     "--max-states", "200", "--json")
    obj = run.json()
    assert obj["constants"]["Values"] == {"#set": [{"#model": "v1"}, {"#model": "v2"}]}
    assert obj["stopped_because"] == "max states 200"
    assert "invariants: Inv;" in run.stderr


def test_options_of_other_commands_are_for_them(spec):
    path = spec("[m]\nruns 3\ndepth 5\nseed 4\nmax-states 50\n")
    assert modelcheck("check", path, "--model", "m").returncode == 3      # max-states: check's
    run = modelcheck("simulate", path, "--model", "m", "--json")          # runs, depth, seed: simulate's
    assert run.returncode == 0, run.out
    assert run.json()["seed"] == 4


def test_an_unknown_model_lists_the_models(spec):
    run = modelcheck("check", spec("[one]\n[two]\n"), "--model", "three")
    assert run.returncode == 2
    assert "has no model 'three'" in run.stderr and "models in it: one, two" in run.stderr


@pytest.mark.parametrize("text, line, message", [
    ("[m]\nfrobnicate 3\n", 2, "unknown setting 'frobnicate' in model 'm'"),
    ("[m]\nmax-states ten\n", 2, "bad value for 'max-states': expected a positive integer, got 'ten'"),
    ("[m]\nno-deadlock yes\n", 2, "'no-deadlock' is a flag and takes no value"),
    ("[m]\n\nmax-states\n", 3, "'max-states' needs a value"),
    ("const N = 3\n", 1, "a setting before the first model"),
    ("[m]\nconst N\n", 2, "expected const NAME = VALUE"),
    ("[m]\nconst N = 1\nconst N = 2\n", 3, "constant N is set twice in this model"),
    ("[m]\n[m]\n", 2, "model 'm' is defined twice"),
    ("[m n]\n", 1, "expected a model name in brackets"),
])
def test_a_bad_models_file_names_file_and_line(spec, text, line, message):
    run = modelcheck("check", spec(text), "--model", "m")
    assert run.returncode == 2
    assert f"p.models:{line}:1: error: {message}" in run.stderr, run.stderr


def test_no_models_file(tmp_path):
    path = tmp_path / "p.spec"
    shutil.copy(PAXOS, path)
    run = modelcheck("check", path, "--model", "m")
    assert run.returncode == 2 and "there is no models file" in run.stderr


def test_the_shipped_models_file_of_raft():
    run = modelcheck("check", SPECS / "raft.spec", "--model", "one_message", "--json")
    assert run.returncode == 0, run.out
    assert run.json()["distinct_states"] == 1760


def test_every_model_the_readme_uses_exists():
    import re
    from conftest import REPO
    from modelcheck.model_config import models_path, read_models
    uses = re.findall(r"modelcheck \w+ (specs/\S+\.spec) .*?--model (\w+)", (REPO / "README.md").read_text())
    assert len(uses) >= 3
    for spec, name in uses:
        assert name in read_models(models_path(REPO / spec)).models, (spec, name)
