"""Mutation testing of a user's implementation (modelcheck/conform/mutate.py): the mutants
made with ast, and `modelcheck mutate` on examples/lease (killed by replay, by validation, by
timeout; survivors as diffs; the user's files untouched; bad input)."""
from __future__ import annotations

import hashlib
import json

import pytest

from modelcheck.conform.mutate import mutants_of

from cli.inprocess import modelcheck
from conftest import REPO

LEASE = REPO / "examples" / "lease"
ADAPTER = "lease_adapter:LockAdapter"
ENV = {"PYTHONPATH": f"{REPO}:{LEASE}"}

SOURCE = '''"""A module docstring: never mutated."""


def grant(lock, epoch, limit=3):
    """Not mutated either."""
    if lock.taken or epoch >= limit:
        return None
    lock.save(epoch)   # a persistence call
    lock.taken = True
    return f"granted {epoch + 1}"


class Lock:
    def __repr__(self):
        return "Lock(%d)" % (self.epoch + 1)

    def check(self, epoch):
        return epoch == self.epoch  # no mutate
'''


def test_mutants_are_one_small_change_each_and_leave_docstrings_fstrings_repr_and_marked_lines():
    mutants = mutants_of(SOURCE, "lock.py", "lock")
    changes = [(m.line, m.operator, m.change) for m in mutants]
    assert changes == [
        (4, "constant", "3 -> 4"), (4, "constant", "3 -> 2"),
        (6, "negated", "`lock.taken or epoch >= limit`"), (6, "and/or", "`or` -> `and`"),
        (6, "comparison", "`>=` -> `>`"), (6, "comparison", "`>=` -> `<=`"),
        (7, "deleted", "`return None`"),
        (8, "call dropped", "`lock.save(epoch)`"),
        (9, "deleted", "`lock.taken = True`"),
        (10, "deleted", "`return f'granted {epoch + 1}'`"),
        (10, "return value", "`f'granted {epoch + 1}'` -> None"),
    ]   # no mutant of the docstrings, of the 1 inside the f-string, of __repr__ or the marked line
    for m in mutants:
        compile(m.source, "lock.py", "exec")
        diff = m.diff(SOURCE)
        assert sum(1 for line in diff.splitlines() if line.startswith("-") and not line.startswith("---")) == 1, diff
    assert [m.number for m in mutants] == list(range(1, len(mutants) + 1))


def digest() -> str:
    return hashlib.sha256((LEASE / "lockserver.py").read_bytes()).hexdigest()


def lease_traces(tmp_path, *criteria: str):
    out = tmp_path / "traces"
    args = ["--criteria", ",".join(criteria)] if criteria else []
    assert modelcheck("traces", LEASE / "lock.spec", "--out", out, *args).returncode == 0
    return out


def test_mutate_kills_by_replay_and_prints_survivors_as_diffs_without_touching_the_files(run_cli, tmp_path):
    before = digest()
    traces = lease_traces(tmp_path, "guards", "boundaries", "branches", "messages")
    report = tmp_path / "verdicts.json"
    # 8: a grant past the last epoch (no trace can ask for it); 26: a stale release frees the
    # lock; 33: a client takes a second grant (a refused step presents it)
    r = run_cli("mutate", "--adapter", ADAPTER, "--traces", traces, "--json", report,
                "--only", "8", "--only", "26", "--only", "33", env=ENV)
    assert r.returncode == 1, r.stdout + r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].startswith("3 mutants of examples/lease/lockserver.py; the unmutated implementation passes "
                               "(4 traces replayed, 0 executions validated")
    verdict = {int(line.split()[0]): line for line in lines[1:4]}
    assert "SURVIVED" in verdict[8]
    assert "killed by replay" in verdict[26] and "HandleRelease" in verdict[26]
    assert "killed by replay" in verdict[33] and "Take" in verdict[33]
    assert "mutation score: 2/3 killed (66.7%) -- 2 by replay" in r.stdout
    assert "+        if self.taken or self.epoch > self.max_epoch:" in r.stdout
    saved = json.loads(report.read_text())
    assert saved["score"] == [2, 3] and [m["how"] for m in saved["mutants"]] == ["survived", "replay", "replay"]
    assert "diff" in saved["mutants"][0] and "diff" not in saved["mutants"][1]
    assert digest() == before       # the user's file was never written


@pytest.mark.slow
def test_mutate_kills_an_infinite_loop_by_timeout_and_validation_catches_what_no_trace_presents(run_cli, tmp_path):
    traces = lease_traces(tmp_path)
    args = ["mutate", "--adapter", ADAPTER, "--traces", traces, "--timeout", "3", "--only", "8", "--only", "19"]
    r = run_cli(*args, env=ENV)
    assert r.returncode == 1 and "killed by timeout: still running after 3 s" in r.stdout
    # validation runs call grant() in any state: they catch what no trace can present
    r = run_cli(*args, "--runs", "30", env=ENV)
    assert r.returncode == 0 and "mutation score: 2/2 killed" in r.stdout and "1 by validation" in r.stdout


def test_mutate_rejects_what_it_cannot_do(run_cli, tmp_path):
    traces = lease_traces(tmp_path)
    r = run_cli("mutate", "--adapter", ADAPTER, env=ENV)
    assert r.returncode == 2 and "nothing to judge the mutants by" in r.stderr
    r = run_cli("mutate", "--adapter", ADAPTER, "--traces", traces, "--source", "impl/raft/node.py", env=ENV)
    assert r.returncode == 2 and "does not import this file" in r.stderr and "lockserver.py" in r.stderr
    r = run_cli("mutate", "--adapter", "lease_adapter:NoSuchAdapter", "--traces", traces, env=ENV)
    assert r.returncode == 2 and "has no NoSuchAdapter" in r.stderr
    (tmp_path / "strict_adapter.py").write_text(
        "from lease_adapter import LockAdapter\n\n"
        "class StrictAdapter(LockAdapter):\n"
        "    def state(self):\n"
        "        return {**super().state(), 'epoch': {'#bigint': '7'}}\n")
    r = run_cli("mutate", "--adapter", "strict_adapter:StrictAdapter", "--traces", traces,
                env={"PYTHONPATH": f"{REPO}:{LEASE}:{tmp_path}"})
    assert r.returncode == 2 and "the unmutated implementation does not pass these suites (replay)" in r.stdout
