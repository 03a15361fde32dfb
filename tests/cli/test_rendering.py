"""One way to print values: nested tuples spaced, model values told from strings in --json,
text reports in the spec's notation, and the conformance diff naming a Python value where an
ITF value of another kind was expected."""
from __future__ import annotations

from conftest import PAXOS_BUGGY, run_modelcheck
from inprocess import modelcheck

PAIRS = """spec Pairs
const Clients = {c1, c2}
var q : seq[<<Clients, 0..2>>, 2]
var names : set["c1" | "c2"]
init {
  q := <<>>
  names := {}
}
action Put(c in Clients) {
  require len(q) < 2
  q := append(q, <<c, len(q)>>)
  names := names + {"c1"}
}
invariant Short: len(q) < 2
"""


def test_nested_tuples_are_spaced_and_json_tags_model_values(tmp_path):
    spec = tmp_path / "pairs.spec"
    spec.write_text(PAIRS)
    text = modelcheck("check", spec)
    assert text.returncode == 1
    assert "State 3: Put(c = c1)\n    q ++ << <<c1, 1>> >>\n" in text.stdout
    obj = modelcheck("check", spec, "--json").json()
    last = obj["violation"]["trace"][-1]["state"]
    assert last["q"] == [{"#tup": [{"#model": "c1"}, {"#bigint": "0"}]}, {"#tup": [{"#model": "c1"}, {"#bigint": "1"}]}]
    assert last["names"] == {"#set": ["c1"]}   # a string stays a string
    assert obj["constants"]["Clients"] == {"#set": [{"#model": "c1"}, {"#model": "c2"}]}


def test_check_writes_messages_as_replay_and_conform_do():
    run = modelcheck("check", PAXOS_BUGGY, "--inv", "Agreement")
    assert 'State 2: Phase1a(b = 0)\n    msgs + {bal: 0, type: "1a"}' in run.stdout


ADAPTER = '''
from modelcheck.conform.adapter import Adapter, integer, model_value


class PairsAdapter(Adapter):
    """Keeps the queue as Python lists of lists: a tuple should be tuple_of(...)."""
    spec = "pairs.spec"

    def reset(self, initial, constants):
        self.q, self.names = [], {"#set": []}

    def step(self, action, args, before):
        self.q.append([model_value(str(args["c"])), integer(len(self.q))])
        self.names = {"#set": ["c1"]}

    def state(self):
        return {"q": list(self.q), "names": self.names}
'''


def test_the_conformance_diff_names_a_python_value(tmp_path):
    spec = tmp_path / "pairs.spec"
    spec.write_text(PAIRS.replace("invariant Short: len(q) < 2\n", ""))
    (tmp_path / "pairs_adapter.py").write_text(ADAPTER)
    made = run_modelcheck("traces", spec, "--out", tmp_path / "traces", "--strategy", "coverage")
    assert made.returncode == 0, made.stderr
    run = run_modelcheck("conform", spec, "--adapter", "pairs_adapter:PairsAdapter", "--traces", tmp_path / "traces",
                         env={"PYTHONPATH": str(tmp_path)})
    assert run.returncode == 1, run.stdout + run.stderr
    assert ("q: spec << <<c1, 0>> >>, implementation << <<c1, 0>> >> (the implementation gave a sequence "
            "(a list) where the spec has a tuple (tuple_of(...)))") in run.stdout


def test_sequence_chart_has_a_lane_for_global_variables_and_arrows_in_gutters(tmp_path):
    import re
    from conftest import REPO, SPECS
    out = tmp_path / "msc.dot"
    run = modelcheck("replay", SPECS / "raft_restart_forgets_vote.spec",
                     REPO / "docs" / "pictures" / "raft_restart_forgets_vote.itf.json", "--msc", out)
    assert run.returncode == 0, run.out
    dot = out.read_text()
    assert "global variables" in dot and "elections + {" in dot   # elections: owned by no process
    pos = {name: float(x) for name, x in re.findall(r'^\s*"?(\w+)"? \[.*?pos="(-?[\d.]+),', dot, re.M)}
    lanes = {pos[n] for n in pos if n.startswith("head_")}
    steps = {n for n in pos if n.startswith("step")}
    edges = re.findall(r'^\s*"?(\w+)"? -> "?(\w+)"?', dot, re.M)
    assert edges
    for a, b in edges:
        assert not (a in steps and b in steps), f"{a} -> {b} crosses the lanes between them"
        for point in (a, b):
            if re.fullmatch(r"r\d+_\d", point):  # a waypoint: in a gutter, away from every lane's boxes
                assert min(abs(pos[point] - lane) for lane in lanes) >= 100, point
