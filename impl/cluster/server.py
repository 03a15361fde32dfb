"""One server of the key-value cluster: a RaftNode (impl/raft/node.py) driven by asyncio.

    python -m impl.cluster.server --config cluster.json --id n1

The server owns the sockets, the clock and the disk; the node owns the protocol. Everything
runs on one event loop, so the node is never touched by two coroutines at once. Received
messages, client requests and timer ticks act on the node at once and leave what it wants to
send in an outbox; one `_flush` per loop iteration then, in this order,

    1. lets the node act on its tallies (poll: take office, advance the commit index),
    2. applies newly committed entries to the store,
    3. fsyncs the log (term and vote are fsynced as they are written: disk.py),
    4. sends the outbox and answers the clients whose operations are done.

So nothing that depends on a write (a vote, an append acknowledgement, a client's `ok`)
leaves the process before the write is durable, and a batch of work costs one fsync.
Writes and transactions (one log entry each, so applied atomically) are answered when
applied; reads by the read index (readindex.py), for which the server numbers the
AppendEntries it sends and echoes the number in its replies.

Link faults: the file `<data_dir>/<id>.drop` (written by a driver, see faults.py) lists
peers this server must neither send to nor hear from; it is re-read on every tick.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
from dataclasses import dataclass
from typing import Any, Optional

from impl.raft.messages import AppendEntries, AppendEntriesReply, Message, RequestVoteReply
from impl.raft.node import RaftNode, Role
from .config import HOST, ClusterConfig, ConfigError, load_config
from .disk import FileStorage
from .readindex import ReadIndex
from .store import ClusterStore
from .wire import MAX_LINE, decode_message, dump_line, encode_message, read_line

# Entries per AppendEntries: a follower that restarted catches up in few round trips.
BATCH = 64
# Messages waiting for a peer that is down or paused; beyond this the oldest are lost,
# which Raft tolerates (a leader retransmits on its next heartbeat).
PEER_QUEUE = 1000


@dataclass
class Waiter:
    """A client operation in the log at `index`, proposed in `term`: done when that index is
    applied, if the entry there is still of `term` (else a new leader overwrote it)."""
    term: int
    future: asyncio.Future


class PeerLink:
    """The connection to one peer: a queue and a task that (re)connects and writes."""

    def __init__(self, port: int):
        self.port = port
        self.queue: asyncio.Queue[bytes] = asyncio.Queue(PEER_QUEUE)
        self.task: Optional[asyncio.Task] = None   # held here: the event loop keeps only a weak reference

    def send(self, line: bytes) -> None:
        if self.queue.full():
            self.queue.get_nowait()
        self.queue.put_nowait(line)

    async def run(self) -> None:
        while True:
            try:
                _, writer = await asyncio.open_connection(HOST, self.port)
            except OSError:
                self._clear()   # the peer is down: what was queued for it is stale
                await asyncio.sleep(0.1)
                continue
            try:
                while True:
                    writer.write(await self.queue.get())
                    await writer.drain()
            except OSError:
                writer.close()

    def _clear(self) -> None:
        while not self.queue.empty():
            self.queue.get_nowait()


class Server:
    def __init__(self, config: ClusterConfig, node_id: str, parent: Optional[int] = None):
        self.config = config
        self.id = node_id
        self.parent = parent
        self.storage = FileStorage(config.node_dir(node_id))
        self.node = RaftNode(node_id, config.ids, self.storage, max_entries_per_message=BATCH)
        self.store = ClusterStore()
        self.applied = 0
        self.outbox: list[tuple[Message, dict]] = []   # with what the wire adds: "seq", "ack"
        self.waiters: dict[int, Waiter] = {}
        self.answers: list[tuple[asyncio.Future, dict]] = []   # released after the next fsync
        self.peers = {p: PeerLink(port) for p, port in config.nodes.items() if p != node_id}
        self.dropped: frozenset[str] = frozenset()
        self.noop_term = 0
        self.noop_index = 0
        self.reads = ReadIndex([p for p in config.ids if p != node_id])
        self.flush_scheduled = False
        self.loop = asyncio.get_running_loop()
        self.election_deadline = 0.0
        self._reset_election_timer()

    # ------------------------------------------------------------------ running
    async def run(self) -> None:
        server = await asyncio.start_server(self._serve_connection, HOST, self.config.nodes[self.id],
                                            limit=MAX_LINE)
        for link in self.peers.values():
            link.task = asyncio.create_task(link.run())
        self._log(f"listening on {HOST}:{self.config.nodes[self.id]}, term {self.node.current_term}, "
                  f"log {self.node.last_log_index} entries, variant {self.config.variant.value}")
        async with server:
            await self._tick_forever()

    async def _tick_forever(self) -> None:
        while True:
            await asyncio.sleep(self.config.heartbeat)
            self._check_parent()
            self._read_control_file()
            self._tick()

    def _tick(self) -> None:
        if self.node.role is not Role.FOLLOWER:
            self._send(self.node.on_heartbeat())
        if self.node.role is not Role.LEADER and self.loop.time() >= self.election_deadline:
            self._reset_election_timer()
            self._send(self.node.on_timeout())
            self._log(f"election timeout: candidate in term {self.node.current_term}")

    def _reset_election_timer(self) -> None:
        self.election_deadline = self.loop.time() + random.uniform(*self.config.election_timeout)

    def _check_parent(self) -> None:
        """A server started by a driver dies with it: no orphans if the driver is killed."""
        if self.parent is not None and os.getppid() != self.parent:
            self._log("parent process gone: exiting")
            os._exit(0)

    def _read_control_file(self) -> None:
        try:
            dropped = frozenset(json.loads(self.config.control_file(self.id).read_text()))
        except (OSError, ValueError):
            dropped = frozenset()
        if dropped != self.dropped:
            self._log(f"links cut to {sorted(dropped) or 'nobody'}")
            self.dropped = dropped

    # ------------------------------------------------------------------ messages
    async def _serve_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while (obj := await read_line(reader)) is not None:
                if "raft" in obj:
                    seq, ack = obj.pop("seq", None), obj.pop("ack", None)
                    self._receive(decode_message(obj), seq, ack)
                else:
                    writer.write(dump_line(await self._serve_client(obj)))
                    await writer.drain()
        except (OSError, ValueError, KeyError, TypeError, asyncio.IncompleteReadError):
            pass   # a peer or client went away mid-line, or sent garbage: drop the connection
        finally:
            writer.close()

    def _receive(self, msg: Message, seq: Optional[int] = None, ack: Optional[int] = None) -> None:
        """Handle a message from a peer (or from ourselves). `seq` numbers an AppendEntries,
        `ack` is the number a reply to one echoes (readindex.py)."""
        if msg.src in self.dropped:
            return
        if ack is not None and self.node.role is Role.LEADER and msg.term == self.node.current_term:
            self.reads.acknowledge(msg.src, ack)
        from_leader = isinstance(msg, AppendEntries) and msg.term >= self.node.current_term
        out = self.node.handle(msg)
        granted = any(isinstance(m, RequestVoteReply) and m.granted for m in out)
        if from_leader or granted:
            self._reset_election_timer()
        if isinstance(msg, AppendEntriesReply) and self._behind(msg.src):
            out += self.node.replicate_to(msg.src)
        self._send(out, {"ack": seq} if seq is not None else {})

    def _behind(self, peer: str) -> bool:
        return self.node.role is Role.LEADER and self.node.next_index[peer] <= self.node.last_log_index

    def _send(self, messages: list[Message], tags: Optional[dict] = None) -> None:
        """Queue `messages` for the next flush, and make sure there is one."""
        self._queue(messages, tags)
        if not self.flush_scheduled:
            self.flush_scheduled = True
            self.loop.call_soon(self._flush)

    def _queue(self, messages: list[Message], tags: Optional[dict] = None) -> None:
        self.outbox.extend((m, tags or {}) for m in messages)

    def _flush(self) -> None:
        self.flush_scheduled = False
        self._queue(self.node.poll())
        self._start_term_with_noop()
        if self.node.role is Role.LEADER and self.reads.needs_heartbeat():
            self._queue(self.node.on_heartbeat())   # one round confirms every read waiting
        self._apply_committed()
        self._settle_reads()
        self.storage.sync()
        outbox, self.outbox = self.outbox, []
        for msg, tags in outbox:
            if isinstance(msg, AppendEntries):
                # Numbered even when the link is cut (it is lost like any message), so a
                # read never waits for one that will not be sent.
                tags = {**tags, "seq": self.reads.number(msg.dst)}
            if msg.dst == self.id:
                self.loop.call_soon(self._receive, msg)   # a candidate's vote for itself
            elif msg.dst not in self.dropped:
                self.peers[msg.dst].send(dump_line({**encode_message(msg), **tags}))
        answers, self.answers = self.answers, []
        for future, reply in answers:
            if not future.done():
                future.set_result(reply)

    def _start_term_with_noop(self) -> None:
        """A new leader appends an entry of its term at once: only that commits the entries
        of earlier terms it holds (Raft §5.4.2), so its store catches up without waiting
        for a client to write."""
        if self.node.role is Role.LEADER and self.noop_term != self.node.current_term:
            self.noop_term = self.node.current_term
            self._log(f"leader of term {self.noop_term}")
            self._queue(self.node.client_request(("noop",)))
            self.noop_index = self.node.last_log_index

    def _apply_committed(self) -> None:
        """Apply entries up to the commit index; answer the operations they complete. What
        is applied never goes back, though a follower's commit index may (node.py)."""
        while self.applied < min(self.node.commit_index, self.node.last_log_index):
            self.applied += 1
            entry = self.node.log[self.applied - 1]
            result = self.store.execute(entry.command)
            waiter = self.waiters.pop(self.applied, None)
            if waiter is None:
                continue
            if waiter.term == entry.term:
                self.answers.append((waiter.future, _ok(entry.command, result)))
            else:
                self.answers.append((waiter.future, {"status": "dropped"}))

    def _settle_reads(self) -> None:
        leader_term = self.node.current_term if self.node.role is Role.LEADER else None
        for read, serve in self.reads.settle(leader_term, self.applied):
            reply = {"status": "ok", "value": self.store.data.get(read.key)} if serve else {"status": "dropped"}
            self.answers.append((read.future, reply))

    # ------------------------------------------------------------------ clients
    async def _serve_client(self, request: dict) -> dict:
        op = request.get("op")
        if op == "status":
            return self._status()
        if op == "local_get" or (op == "get" and self.config.variant.local_reads):
            return {"status": "ok", "value": self.store.data.get(request.get("key"))}
        try:
            command = _command(request)
        except (KeyError, TypeError, ValueError) as e:
            return {"status": "error", "reason": f"bad request {request!r}: {e}"}
        if command[0] == "txn" and self.config.variant.local_txn_reads:
            return await self._txn_with_local_reads(command)
        if self.node.role is not Role.LEADER:
            return {"status": "redirect", "leader": self.node.leader_id}
        if command[0] == "get" and self.node.commit_index >= self.noop_index:
            # The read index (readindex.py). Until the no-op of this term is committed the
            # leader's commit index may lag an earlier leader's: then the read goes
            # through the log like a write.
            future = self.loop.create_future()
            self.reads.add(command[1], self.node.commit_index, self.node.current_term, future)
            self._send([])   # the flush sends the heartbeats that confirm leadership
            return await future
        return await self._propose(command)

    async def _propose(self, command: tuple) -> dict:
        """Append `command` to the log (this server leads) and answer once it is applied."""
        future = self.loop.create_future()
        self._send(self.node.client_request(command))
        if command[0] == "put" and self.config.variant.ack_on_append:
            self.answers.append((future, {"status": "ok", "value": None}))
        else:
            self._wait_for(self.node.last_log_index, Waiter(self.node.current_term, future))
        return await future

    async def _txn_with_local_reads(self, command: tuple) -> dict:
        """The txn-local-reads variant: the reads from this server's state machine now; only
        the appends go through the log, and a read-only transaction not at all."""
        _, ops, op_id = command
        done = self.store.preview(ops)
        appends = [op for op in ops if op[0] == "append"]
        if not appends:
            return {"status": "ok", "value": done}
        if self.node.role is not Role.LEADER:
            return {"status": "redirect", "leader": self.node.leader_id}
        reply = await self._propose(("txn", appends, op_id))
        return {"status": "ok", "value": done} if reply["status"] == "ok" else reply

    def _wait_for(self, index: int, waiter: Waiter) -> None:
        """An operation waits for its index; one that waited there in an earlier term was
        overwritten (this server lost office, then regained it with another log suffix)."""
        earlier = self.waiters.pop(index, None)
        if earlier is not None:
            self.answers.append((earlier.future, {"status": "dropped"}))
        self.waiters[index] = waiter

    def _status(self) -> dict:
        node = self.node
        return {"status": "ok", "node": self.id, "role": node.role.value, "term": node.current_term,
                "leader": node.leader_id, "commit": node.commit_index, "applied": self.applied,
                "log": node.last_log_index}

    def _log(self, text: str) -> None:
        print(f"[{self.id} {self.loop.time():.3f}] {text}", file=sys.stderr, flush=True)


def _command(request: dict) -> tuple:
    """The log command for a client request; raises on a malformed one."""
    if request["op"] == "txn":
        if not isinstance(request["id"], str):
            raise TypeError("id must be a string")
        return ("txn", _micro_ops(request["ops"]), request["id"])
    op, key, op_id = request["op"], request["key"], request["id"]
    if not isinstance(key, str) or not isinstance(op_id, str):
        raise TypeError("key and id must be strings")
    if op == "put":
        return ("put", key, _int(request["value"]), op_id)
    if op == "cas":
        return ("cas", key, request["expected"], _int(request["new"]), op_id)
    if op == "get":
        return ("get", key, op_id)
    raise ValueError(f"unknown op {op!r}")


def _micro_ops(ops: Any) -> list:
    """A transaction's micro-operations: [["append", key, int] | ["r", key, null], ...]."""
    if not isinstance(ops, list) or not ops:
        raise TypeError("a transaction's ops are a non-empty list")
    for op in ops:
        if not (isinstance(op, list) and len(op) == 3 and op[0] in ("append", "r") and isinstance(op[1], str)):
            raise ValueError(f"a micro-operation is [\"append\", key, value] or [\"r\", key, null], not {op!r}")
        if op[0] == "append":
            _int(op[2])
        elif op[2] is not None:
            raise ValueError(f"a read's value is null in a request, not {op[2]!r}")
    return ops


def _int(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"values are integers, not {value!r}")
    return value


def _ok(command: tuple, result: Any) -> dict:
    if command[0] == "cas" and not result:
        return {"status": "fail", "reason": "cas mismatch"}
    return {"status": "ok", "value": result if command[0] in ("get", "txn") else None}


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m impl.cluster.server",
                                     description="Run one server of the Raft key-value cluster.")
    parser.add_argument("--config", required=True, help="the cluster's JSON configuration")
    parser.add_argument("--id", required=True, help="which node of the configuration this is")
    parser.add_argument("--parent", type=int, help="exit when this process (a driver) is gone")
    args = parser.parse_args(argv)
    try:
        config = load_config(args.config)
    except ConfigError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if args.id not in config.nodes:
        print(f"error: node {args.id!r} is not in {args.config}; its nodes are {', '.join(config.ids)}",
              file=sys.stderr)
        return 2
    return asyncio.run(_serve(config, args.id, args.parent))


async def _serve(config: ClusterConfig, node_id: str, parent: Optional[int]) -> int:
    try:
        await Server(config, node_id, parent).run()
    except OSError as e:
        print(f"error: node {node_id} cannot listen on port {config.nodes[node_id]}: {e.strerror}",
              file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
