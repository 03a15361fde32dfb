"""The parts of impl/cluster that need no processes: disk storage across a crash, the state
machine's exactly-once writes, the read index's bookkeeping, the wire format, the
configuration's errors, the history format and the fault schedule."""
from __future__ import annotations

import asyncio
import json

import pytest

from impl.cluster.config import ConfigError, parse_config
from impl.cluster.disk import FileStorage
from impl.cluster.faults import FIRST_FAULTS, fault_schedule
from impl.cluster.history import History
from impl.cluster.readindex import ReadIndex
from impl.cluster.store import ClusterStore
from impl.cluster.variants import Variant
from impl.cluster.wire import decode_message, encode_message
from impl.raft.messages import AppendEntries, Entry, RequestVote
from impl.raft.node import RaftNode


def test_storage_survives_a_restart_of_the_process(tmp_path):
    disk = FileStorage(tmp_path)
    disk.save_term_and_vote(3, "n2")
    for i in range(5):
        disk.append(Entry(3, ("put", "k", i, f"c:{i}")))
    disk.truncate(3)
    disk.append(Entry(4, ("noop",)))
    disk.sync()
    again = FileStorage(tmp_path)   # a new process reading the same directory
    term, vote, log = again.load()
    assert (term, vote) == (3, "n2")
    assert log == [Entry(3, ("put", "k", 0, "c:0")), Entry(3, ("put", "k", 1, "c:1")),
                   Entry(3, ("put", "k", 2, "c:2")), Entry(4, ("noop",))]


def test_a_torn_last_line_is_dropped(tmp_path):
    disk = FileStorage(tmp_path)
    disk.append(Entry(1, ("put", "k", 1, "c:1")))
    disk.sync()
    with open(tmp_path / "log.jsonl", "ab") as f:
        f.write(b'[1, ["put", "k", 2')   # a crash in the middle of a write
    again = FileStorage(tmp_path)
    assert again.load()[2] == [Entry(1, ("put", "k", 1, "c:1"))]
    again.append(Entry(2, ("noop",)))
    again.sync()
    assert FileStorage(tmp_path).load()[2] == [Entry(1, ("put", "k", 1, "c:1")), Entry(2, ("noop",))]


def test_a_raft_node_recovers_from_file_storage(tmp_path):
    node = RaftNode("n1", ["n1"], FileStorage(tmp_path))
    pending = node.on_timeout()   # a cluster of one elects itself: its request, its vote
    while pending:
        pending += node.handle(pending.pop())
    node.poll()
    node.client_request(("put", "k", 7, "c:1"))
    node.storage.sync()
    recovered = RaftNode("n1", ["n1"], FileStorage(tmp_path))
    assert (recovered.current_term, recovered.voted_for) == (1, "n1")
    assert recovered.log == node.log


def test_a_retried_write_is_applied_once():
    store = ClusterStore()
    assert store.execute(("put", "k", 1, "a:1")) is None
    assert store.execute(("cas", "k", 1, 2, "b:1")) is True
    assert store.execute(("put", "k", 1, "a:1")) is None   # the retry of a:1, later in the log
    assert store.execute(("get", "k", "c:1")) == 2
    assert store.execute(("cas", "k", 1, 3, "b:2")) is False
    assert store.execute(("cas", "missing", None, 5, "b:3")) is True
    assert store.data == {"k": 2, "missing": 5}


def test_messages_survive_the_wire():
    for msg in (RequestVote("n1", "n2", 3, 10, 2),
                AppendEntries("n1", "n2", 3, 4, 2, (Entry(3, ("put", "k", 1, "c:1")), Entry(3, ("noop",))), 4)):
        assert decode_message(json.loads(json.dumps(encode_message(msg)))) == msg


@pytest.mark.parametrize("data, words", [
    ([], "JSON object"),
    ({"nodes": {}, "data_dir": "d"}, "map node ids to TCP ports"),
    ({"nodes": {"n1": 1, "n2": 1}, "data_dir": "d"}, "share a port"),
    ({"nodes": {"n1": 7001}}, "data_dir"),
    ({"nodes": {"n1": 7001}, "data_dir": "d", "election_timeout": [2, 1]}, "low <= high"),
    ({"nodes": {"n1": 7001}, "data_dir": "d", "variant": "fast"}, "stale-reads"),
    ({"nodes": {"n1": 7001}, "data_dir": "d", "heartbeat": 0}, "positive"),
    ({"nodes": {"n1": 7001}, "data_dir": "d", "hearbeat": 1}, "unknown keys"),
])
def test_bad_configurations_are_explained(data, words):
    with pytest.raises(ConfigError, match=words):
        parse_config(data)


def test_a_configuration_round_trips(tmp_path):
    config = parse_config({"nodes": {"n1": 7001, "n2": 7002}, "data_dir": str(tmp_path), "variant": "early-ack"})
    config.write(tmp_path / "c.json")
    assert parse_config(json.loads((tmp_path / "c.json").read_text())) == config
    assert config.variant is Variant.EARLY_ACK and config.ids == ["n1", "n2"]


def test_history_format(tmp_path):
    history = History()
    history.invoke(3, "cas", "k1", [5, 6])
    history.complete("fail", 3, "cas", "k1", [5, 6])
    history.mark_quiet()
    history.invoke(9, "get", "k1", None, node="n2")
    history.complete("ok", 9, "get", "k1", 6, node="n2")
    data = history.to_json()
    assert data["format"] == "modelcheck-history/1" and data["quiet_after"] is not None
    assert [e["type"] for e in data["events"]] == ["invoke", "fail", "invoke", "ok"]
    assert data["events"][3] == {"type": "ok", "process": 9, "f": "get", "key": "k1", "value": 6,
                                 "time": data["events"][3]["time"], "node": "n2"}
    times = [e["time"] for e in data["events"]]
    assert times == sorted(times)
    history.write(tmp_path / "h.json")
    assert json.loads((tmp_path / "h.json").read_text()) == data
    with pytest.raises(ValueError):
        history.complete("timeout", 1, "get", "k1", None)


def test_the_fault_schedule_is_a_function_of_the_seed():
    assert fault_schedule(7, 30, 3) == fault_schedule(7, 30, 3)
    assert fault_schedule(7, 30, 3) != fault_schedule(8, 30, 3)
    faults = fault_schedule(7, 30, 5)
    assert tuple(f.kind for f in faults[:2]) == FIRST_FAULTS
    assert all(f.at + f.duration <= 30 for f in faults)
    assert all(a.at + a.duration < b.at for a, b in zip(faults, faults[1:]))   # one at a time


def test_a_read_waits_for_a_majority_to_answer_a_later_heartbeat():
    loop = asyncio.new_event_loop()
    reads = ReadIndex(["n2", "n3", "n4", "n5"])
    early = reads.number("n2")
    reads.add("k", index=7, term=2, future=loop.create_future())
    assert reads.needs_heartbeat()
    numbers = {p: reads.number(p) for p in ("n2", "n3", "n4", "n5")}
    assert not reads.needs_heartbeat()
    reads.acknowledge("n2", early)     # an answer to a heartbeat sent before the read: no proof
    reads.acknowledge("n3", numbers["n3"])
    assert reads.settle(leader_term=2, applied=9) == []
    reads.acknowledge("n4", numbers["n4"])   # with the leader, 3 of 5
    assert reads.settle(leader_term=2, applied=6) == []   # confirmed, but index 7 is not applied
    [(read, serve)] = reads.settle(leader_term=2, applied=7)
    assert serve and read.key == "k"
    loop.close()


def test_a_read_is_refused_when_its_leader_is_gone():
    loop = asyncio.new_event_loop()
    reads = ReadIndex(["n2", "n3"])
    reads.add("k", index=1, term=2, future=loop.create_future())
    [(_, serve)] = reads.settle(leader_term=None, applied=5)
    assert not serve and reads.reads == []
    loop.close()
