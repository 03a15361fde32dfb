"""The client library and command line of the key-value cluster.

    python -m impl.cluster.client --config cluster.json put k 5
    python -m impl.cluster.client --config cluster.json get k
    python -m impl.cluster.client --config cluster.json cas k 5 6

An operation is sent to the leader the client believes in (at first any server), follows
redirects, and moves on to another server when one does not answer in `attempt_timeout`,
until `op_timeout` has passed. Every attempt carries the same operation id, so the cluster
applies a retried write at most once (store.py) and retrying is safe.

The outcome says honestly what is known:

    ok    the operation took effect (a get's value is the value read, None when absent)
    fail  it certainly did not take effect: a cas whose expected value did not match, or
          every attempt was refused before it reached a log (redirects, refused connections,
          an entry a new leader overwrote)
    info  unknown: some attempt was sent and never answered; the write may yet be applied

Exit codes of the command line: 0 ok, 1 fail, 3 unknown, 2 bad input.
"""
from __future__ import annotations

import argparse
import asyncio
import itertools
import random
import select
import sys
from dataclasses import dataclass
from typing import Any, Optional

from .config import HOST, ClusterConfig, ConfigError, load_config
from .wire import MAX_LINE, dump_line, read_line

# How long to wait before asking again while no server knows a leader (an election).
ELECTION_BACKOFF = 0.1


@dataclass(frozen=True)
class Outcome:
    kind: str                 # "ok", "fail" or "info"
    value: Any = None         # a get's value
    reason: str = ""

    def __str__(self) -> str:
        if self.kind == "ok":
            return "ok" if self.value is None else f"ok {self.value}"
        return f"{'fail' if self.kind == 'fail' else 'unknown'}: {self.reason}"


class NotSent(Exception):
    """The request never left: the attempt certainly had no effect."""


class Client:
    """One client; one operation at a time (its connections are not shared)."""

    def __init__(self, config: ClusterConfig, name: str, rng: Optional[random.Random] = None):
        self.config = config
        self.name = name
        self.rng = rng or random.Random()
        self.leader: Optional[str] = None
        self.seq = itertools.count(1)
        self.connections: dict[str, tuple[asyncio.StreamReader, asyncio.StreamWriter]] = {}

    # ------------------------------------------------------------------ operations
    async def put(self, key: str, value: int, first: Optional[str] = None) -> Outcome:
        return await self._operation({"op": "put", "key": key, "value": value}, first)

    async def get(self, key: str, first: Optional[str] = None) -> Outcome:
        return await self._operation({"op": "get", "key": key}, first)

    async def cas(self, key: str, expected: Optional[int], new: int, first: Optional[str] = None) -> Outcome:
        return await self._operation({"op": "cas", "key": key, "expected": expected, "new": new}, first)

    async def txn(self, ops: list, first: Optional[str] = None) -> Outcome:
        """A list-append transaction: ops [["append", key, v] | ["r", key, None], ...]; its
        value, if ok, is the ops with the lists read filled in."""
        return await self._operation({"op": "txn", "ops": ops}, first)

    async def local_get(self, node: str, key: str) -> Outcome:
        """Read one replica's own state machine, with no leader involved (for checking that
        replicas converge, not a linearizable read)."""
        try:
            reply = await self._ask(node, {"op": "local_get", "key": key}, self.config.op_timeout)
        except (NotSent, OSError, asyncio.TimeoutError) as e:
            return Outcome("info", reason=f"{node} did not answer: {e!r}")
        return Outcome("ok", reply.get("value"))

    async def status(self, node: str) -> Optional[dict]:
        """A server's role, term, leader and indexes; None if it does not answer."""
        try:
            return await self._ask(node, {"op": "status"}, self.config.attempt_timeout)
        except (NotSent, OSError, asyncio.TimeoutError):
            return None

    async def close(self) -> None:
        for node in list(self.connections):
            self._disconnect(node)

    # ------------------------------------------------------------------ retrying
    async def _operation(self, request: dict, first: Optional[str]) -> Outcome:
        request["id"] = f"{self.name}:{next(self.seq)}"
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.config.op_timeout
        target = first or self.leader or self.rng.choice(self.config.ids)
        maybe_sent = False
        last = "no server answered"
        while (remaining := deadline - loop.time()) > 0:
            try:
                reply = await self._ask(target, request, min(remaining, self.config.attempt_timeout))
            except NotSent as e:
                last = f"{target}: {e}"
                target = await self._next(target, None)
                continue
            except (OSError, asyncio.TimeoutError, ValueError) as e:
                maybe_sent = True
                last = f"{target} did not answer ({type(e).__name__})"
                target = await self._next(target, None)
                continue
            status = reply.get("status")
            if status == "ok":
                self.leader = target
                return Outcome("ok", reply.get("value"))
            if status in ("fail", "error"):
                return Outcome("fail", reason=reply.get("reason", status))
            if status == "redirect":
                last = f"{target} is not the leader"
                target = await self._next(target, reply.get("leader"))
            else:   # "dropped": this attempt's entry was overwritten by a new leader
                last = f"{target} lost its leadership before committing"
                target = await self._next(target, None)
        return Outcome("info" if maybe_sent else "fail", reason=f"timed out after {self.config.op_timeout}s: {last}")

    async def _next(self, tried: str, hint: Optional[str]) -> str:
        """Where to try next: the leader named in a redirect, else another server (after a
        pause when nobody knows a leader: an election is under way)."""
        if hint is not None and hint != tried:
            self.leader = hint
            return hint
        self.leader = None
        await asyncio.sleep(ELECTION_BACKOFF if hint is None else 0)
        others = [n for n in self.config.ids if n != tried] or [tried]
        return self.rng.choice(others)

    # ------------------------------------------------------------------ one attempt
    async def _ask(self, node: str, request: dict, timeout: float) -> dict:
        """Send `request` to `node` and wait for its answer. Raises NotSent if the request
        certainly did not reach it; anything else that goes wrong may be after it did."""
        try:
            reader, writer = await asyncio.wait_for(self._connect(node), timeout)
        except (OSError, asyncio.TimeoutError) as e:
            raise NotSent(f"cannot connect ({type(e).__name__})") from None
        try:
            writer.write(dump_line(request))
            reply = await asyncio.wait_for(read_line(reader), timeout)
        except BaseException:
            self._disconnect(node)   # a late answer must not be read as the next one's
            raise
        if reply is None:
            self._disconnect(node)
            raise ConnectionResetError(f"{node} closed the connection")
        return reply

    async def _connect(self, node: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        reader_writer = self.connections.get(node)
        if reader_writer is not None and _closed_by_peer(reader_writer):
            self._disconnect(node)   # the server closed it (it restarted): the request was never sent
        if node not in self.connections:
            self.connections[node] = await asyncio.open_connection(HOST, self.config.nodes[node], limit=MAX_LINE)
        return self.connections[node]

    def _disconnect(self, node: str) -> None:
        connection = self.connections.pop(node, None)
        if connection is not None:
            connection[1].close()


def _closed_by_peer(connection: tuple[asyncio.StreamReader, asyncio.StreamWriter]) -> bool:
    """Whether a kept connection is dead before we send on it. The event loop may not yet
    have seen the end of a connection whose server was just killed, so ask the socket too:
    between operations nothing is owed to us, so anything readable is the end (or a stale
    answer) and the connection must not carry a new request."""
    reader, writer = connection
    if reader.at_eof():
        return True
    sock = writer.get_extra_info("socket")
    if sock is None:
        return False
    readable, _, _ = select.select([sock.fileno()], [], [], 0)
    return bool(readable)


# ---------------------------------------------------------------------- command line
EXIT_CODES = {"ok": 0, "fail": 1, "info": 3}


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m impl.cluster.client",
                                     description="Run one operation against the Raft key-value cluster.")
    parser.add_argument("--config", required=True, help="the cluster's JSON configuration")
    parser.add_argument("op", choices=["put", "get", "cas"])
    parser.add_argument("key")
    parser.add_argument("values", nargs="*", help="put: VALUE; cas: EXPECTED NEW (integers)")
    args = parser.parse_args(argv)
    try:
        config = load_config(args.config)
        values = _values(args.op, args.values)
    except (ConfigError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    outcome = asyncio.run(_run_one(config, args.op, args.key, values))
    absent = args.op == "get" and outcome.kind == "ok" and outcome.value is None
    print("ok (absent)" if absent else outcome)
    return EXIT_CODES[outcome.kind]


def _values(op: str, values: list[str]) -> list[int]:
    wanted = {"put": 1, "get": 0, "cas": 2}[op]
    if len(values) != wanted:
        usage = {"put": "put KEY VALUE", "get": "get KEY", "cas": "cas KEY EXPECTED NEW"}[op]
        raise ValueError(f"{op} takes {wanted} value(s): {usage}")
    try:
        return [int(v) for v in values]
    except ValueError:
        raise ValueError(f"values are integers; got {' '.join(values)}") from None


async def _run_one(config: ClusterConfig, op: str, key: str, values: list[int]) -> Outcome:
    client = Client(config, f"cli-{random.getrandbits(32):08x}")
    try:
        return await getattr(client, op)(key, *values)
    finally:
        await client.close()


if __name__ == "__main__":
    sys.exit(main())
