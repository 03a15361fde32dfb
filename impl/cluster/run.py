"""Start a whole cluster on this machine, one server process per node, and control it.

    python -m impl.cluster.run --nodes 3 [--dir DIR] [--variant correct]

picks free ports, writes `DIR/cluster.json` (a temporary directory without --dir), starts the
servers, waits for a leader, prints how to talk to it, and stops every server on Ctrl-C.

`LocalCluster` is the same thing as a library, for the fault driver and the tests: it also
kills (-9), restarts, pauses (SIGSTOP) and resumes servers, and cuts links between them by
writing each server's control file (server.py). Every server runs in its own process group
and is told to exit when this process does, so none outlives its driver.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from .client import Client
from .config import HOST, ClusterConfig
from .variants import Variant

REPO = Path(__file__).resolve().parent.parent.parent


def free_ports(count: int) -> list[int]:
    """Ports nobody listens on now (the kernel picks them; they are free until used)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind((HOST, 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def local_config(nodes: int, data_dir: Path, variant: Variant = Variant.CORRECT, **timing) -> ClusterConfig:
    ids = [f"n{i}" for i in range(1, nodes + 1)]
    # Absolute: the servers run from the repository root, not from the caller's directory.
    return ClusterConfig(nodes=dict(zip(ids, free_ports(nodes))), data_dir=str(Path(data_dir).resolve()),
                         variant=variant, **timing)


@dataclass
class LocalCluster:
    config: ClusterConfig
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    paused: set[str] = field(default_factory=set)

    @property
    def config_path(self) -> Path:
        return Path(self.config.data_dir) / "cluster.json"

    # ------------------------------------------------------------------ processes
    def start(self) -> None:
        Path(self.config.data_dir).mkdir(parents=True, exist_ok=True)
        self.config.write(self.config_path)
        for node in self.config.ids:
            self.start_node(node)

    def start_node(self, node: str) -> None:
        log = open(Path(self.config.data_dir) / f"{node}.log", "ab")
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
        self.processes[node] = subprocess.Popen(
            [sys.executable, "-m", "impl.cluster.server", "--config", str(self.config_path), "--id", node,
             "--parent", str(os.getpid())],
            stdout=log, stderr=subprocess.STDOUT, cwd=REPO, env=env, start_new_session=True)
        log.close()

    def kill(self, node: str) -> None:
        """kill -9: the process loses everything it did not write to disk."""
        process = self.processes.get(node)
        if process is not None and process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        self.paused.discard(node)

    def restart(self, node: str) -> None:
        self.kill(node)
        self.start_node(node)

    def pause(self, node: str) -> None:
        self._signal(node, signal.SIGSTOP)
        self.paused.add(node)

    def resume(self, node: str) -> None:
        self._signal(node, signal.SIGCONT)
        self.paused.discard(node)

    def _signal(self, node: str, sig: int) -> None:
        process = self.processes.get(node)
        if process is not None and process.poll() is None:
            os.killpg(process.pid, sig)

    def running(self, node: str) -> bool:
        process = self.processes.get(node)
        return process is not None and process.poll() is None

    def stop(self) -> None:
        for node in list(self.processes):
            self.kill(node)

    # ------------------------------------------------------------------ links
    def cut(self, groups: list[list[str]]) -> None:
        """Partition the cluster: servers in different groups cannot talk to each other."""
        for group in groups:
            others = [n for n in self.config.ids if n not in group]
            for node in group:
                self._write_control(node, others)

    def heal(self) -> None:
        """Reconnect every link and resume every paused server."""
        for node in self.config.ids:
            self._write_control(node, [])
        for node in list(self.paused):
            self.resume(node)

    def _write_control(self, node: str, dropped: list[str]) -> None:
        path = self.config.control_file(node)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(sorted(dropped)))
        os.replace(tmp, path)   # a server never reads half a file

    # ------------------------------------------------------------------ observing
    async def leader(self, client: Client, timeout: float = 30.0) -> Optional[str]:
        """The node that says it leads with the highest term, waiting up to `timeout` for one."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = await self.find_leader(client)
            if found is not None:
                return found
            await asyncio.sleep(0.1)
        return None

    async def find_leader(self, client: Client) -> Optional[str]:
        statuses = [s for s in await asyncio.gather(*(self._status(client, n) for n in self.config.ids)) if s]
        leaders = [s for s in statuses if s["role"] == "leader"]
        return max(leaders, key=lambda s: s["term"])["node"] if leaders else None

    async def _status(self, client: Client, node: str) -> Optional[dict]:
        if node in self.paused or not self.running(node):
            return None
        return await client.status(node)

    def __enter__(self) -> "LocalCluster":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


# ---------------------------------------------------------------------- command line
def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m impl.cluster.run",
                                     description="Start a Raft key-value cluster on 127.0.0.1; Ctrl-C stops it.")
    parser.add_argument("--nodes", type=int, default=3, help="how many servers (default 3)")
    parser.add_argument("--dir", type=Path, help="data directory (default: a new temporary one)")
    parser.add_argument("--variant", choices=[v.value for v in Variant], default="correct")
    args = parser.parse_args(argv)
    if args.nodes < 1:
        print("error: --nodes must be at least 1", file=sys.stderr)
        return 2
    data_dir = args.dir or Path(tempfile.mkdtemp(prefix="kv-cluster-"))
    cluster = LocalCluster(local_config(args.nodes, data_dir, Variant(args.variant)))
    try:
        cluster.start()
        leader = asyncio.run(_wait_for_leader(cluster))
        print(f"cluster of {args.nodes} running; leader {leader}; logs in {data_dir}/n*.log\n"
              f"  python -m impl.cluster.client --config {cluster.config_path} put k 5\n"
              f"Ctrl-C stops it.", flush=True)
        stop = {signal.SIGINT, signal.SIGTERM}
        signal.pthread_sigmask(signal.SIG_BLOCK, stop)   # after the servers start: they must not inherit it
        signal.sigwait(stop)
    except KeyboardInterrupt:
        pass
    finally:
        cluster.stop()
    return 0


async def _wait_for_leader(cluster: LocalCluster) -> Optional[str]:
    client = Client(cluster.config, "run")
    try:
        return await cluster.leader(client)
    finally:
        await client.close()


if __name__ == "__main__":
    sys.exit(main())
