"""A real three-server cluster on loopback: redirects, durability across kill -9, honest
outcomes when servers do not answer, and the command lines. Every cluster is stopped by a
fixture finalizer, and its servers exit by themselves if this process dies."""
from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from conftest import REPO
from impl.cluster.client import Client
from impl.cluster.run import LocalCluster, local_config

TIMEOUT = 120   # seconds for a command; generous, for a loaded machine


@pytest.fixture
def cluster(tmp_path):
    with LocalCluster(local_config(3, tmp_path / "data")) as running:
        yield running


def run(coro):
    return asyncio.run(coro)


async def with_client(cluster: LocalCluster, body, **timing):
    client = Client(dataclasses.replace(cluster.config, **timing), "test")
    try:
        assert await cluster.leader(client) is not None, "no leader elected"
        return await body(client)
    finally:
        await client.close()


async def ask(port: int, request: dict) -> dict:
    """One raw request on the wire, as any client would send it."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(json.dumps(request).encode() + b"\n")
    reply = json.loads(await reader.readline())
    writer.close()
    return reply


def test_a_follower_redirects_and_the_client_follows(cluster):
    async def body(client):
        leader = await cluster.find_leader(client)
        follower = next(n for n in cluster.config.ids if n != leader)
        reply = await ask(cluster.config.nodes[follower], {"op": "put", "key": "k", "value": 1, "id": "raw:1"})
        # (the leader named is `leader` unless a slow machine made the cluster elect another)
        assert reply["status"] == "redirect" and reply["leader"] in set(cluster.config.ids) - {follower}
        outcome = await client.put("k", 2, first=follower)
        assert outcome.kind == "ok" and client.leader != follower
        assert (await client.get("k", first=follower)).value == 2
        assert (await client.cas("k", 1, 3)).kind == "fail"
        assert (await client.cas("k", 2, 3)).kind == "ok"
        assert (await client.get("absent")).value is None
    run(with_client(cluster, body))


def test_kill_9_of_every_server_loses_no_acknowledged_write(cluster):
    written = {f"k{i}": 100 + i for i in range(20)}

    async def write(client):
        for key, value in written.items():
            assert (await client.put(key, value)).kind == "ok"

    async def read(client):
        return {key: (await client.get(key)).value for key in written}

    run(with_client(cluster, write))
    for node in cluster.config.ids:
        cluster.kill(node)   # all at once: only what is on disk is left
    for node in cluster.config.ids:
        cluster.start_node(node)
    assert run(with_client(cluster, read)) == written


def test_no_answer_is_an_unknown_outcome_and_no_server_a_failure(cluster):
    async def body(client):
        for node in cluster.config.ids:
            cluster.pause(node)   # the request is accepted by the kernel, never answered
        paused = await client.put("k", 1)
        for node in cluster.config.ids:
            cluster.kill(node)
        down = await client.put("k", 2)
        return paused, down

    paused, down = run(with_client(cluster, body, attempt_timeout=0.5, op_timeout=1.5))
    assert paused.kind == "info", paused
    assert down.kind == "fail", down


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", *args], cwd=REPO, capture_output=True, text=True, timeout=TIMEOUT)


def test_the_client_command_line(cluster):
    run(with_client(cluster, lambda client: asyncio.sleep(0)))   # wait for a leader
    config = str(cluster.config_path)
    assert cli("impl.cluster.client", "--config", config, "put", "k", "5").stdout == "ok\n"
    assert cli("impl.cluster.client", "--config", config, "get", "k").stdout == "ok 5\n"
    assert cli("impl.cluster.client", "--config", config, "get", "nothing").stdout == "ok (absent)\n"
    mismatch = cli("impl.cluster.client", "--config", config, "cas", "k", "4", "6")
    assert (mismatch.returncode, mismatch.stdout) == (1, "fail: cas mismatch\n")
    assert cli("impl.cluster.client", "--config", config, "cas", "k", "5", "6").returncode == 0


@pytest.mark.parametrize("args, words", [
    (["impl.cluster.client", "--config", "{config}", "put", "k", "five"], "values are integers"),
    (["impl.cluster.client", "--config", "{config}", "cas", "k", "5"], "cas KEY EXPECTED NEW"),
    (["impl.cluster.client", "--config", "/nonexistent.json", "get", "k"], "cannot read"),
    (["impl.cluster.server", "--config", "{config}", "--id", "n9"], "n1, n2, n3"),
    (["impl.cluster.faults", "--seconds", "0"], "--seconds must be positive"),
    (["impl.cluster.faults", "--out", "/nonexistent/h.json"], "is not a directory"),
    (["impl.cluster.run", "--nodes", "0"], "at least 1"),
])
def test_bad_command_lines_exit_2_with_one_message(tmp_path, args, words):
    config = local_config(3, tmp_path)
    config.write(tmp_path / "c.json")
    done = cli(*(a.format(config=tmp_path / "c.json") for a in args))
    assert done.returncode == 2
    assert words in done.stderr and "Traceback" not in done.stderr


def test_run_starts_a_cluster_and_stops_it_on_ctrl_c(tmp_path):
    data = tmp_path / "run"
    process = subprocess.Popen([sys.executable, "-m", "impl.cluster.run", "--nodes", "3", "--dir", str(data)],
                               cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        assert "running; leader n" in process.stdout.readline()
        put = cli("impl.cluster.client", "--config", str(data / "cluster.json"), "put", "k", "1")
        assert put.stdout == "ok\n"
        process.send_signal(signal.SIGINT)
        assert process.wait(TIMEOUT) == 0
        servers = subprocess.run(["pgrep", "-f", "--", f"--config {data}/cluster.json"], capture_output=True)
        assert servers.returncode == 1, "servers outlived the run command"   # 1: no process matched
    finally:
        process.kill()
        process.wait()


DRIVER = """
import sys, time
from pathlib import Path
from impl.cluster.run import LocalCluster, local_config
cluster = LocalCluster(local_config(3, Path(sys.argv[1])))
cluster.start()
print(" ".join(str(p.pid) for p in cluster.processes.values()), flush=True)
time.sleep(600)
"""


def test_servers_die_with_a_driver_killed_by_kill_9(tmp_path):
    driver = subprocess.Popen([sys.executable, "-c", DRIVER, str(tmp_path)], cwd=REPO,
                              stdout=subprocess.PIPE, text=True)
    pids = [int(p) for p in driver.stdout.readline().split()]
    assert len(pids) == 3
    driver.kill()   # no finalizer runs: the servers must notice on their own
    driver.wait()
    survivors = [pid for pid in pids if not wait_for_exit(pid, TIMEOUT)]
    for pid in survivors:   # still running, so still our servers: clean up before failing
        os.kill(pid, signal.SIGKILL)
    assert not survivors, f"servers {survivors} outlived their driver"


def wait_for_exit(pid: int, timeout: float) -> bool:
    """Whether process `pid` is gone (or a zombie: it exited, its parent is dead) within timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            state = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            return True
        if state == "Z":
            return True
        time.sleep(0.1)
    return False
