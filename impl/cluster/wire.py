"""What goes over TCP: newline-delimited JSON, one object per line, on one port per server.

A line with a "raft" key is a message between servers (the key names its class); any other
line is a client request ({"op": "put", ...}), answered by one line on the same connection.
Peer messages are one-way: a server answers a peer over its own connection to that peer.
"""
from __future__ import annotations

import asyncio
import json
from dataclasses import fields
from typing import Any, Optional

from impl.raft.messages import (AppendEntries, AppendEntriesReply, Entry, Message, RequestVote,
                                RequestVoteReply)
from .disk import command_from_json

MESSAGE_TYPES = {cls.__name__: cls for cls in (RequestVote, RequestVoteReply, AppendEntries, AppendEntriesReply)}
MAX_LINE = 16 * 1024 * 1024   # a batch of log entries fits in one line


def encode_message(msg: Message) -> dict:
    data: dict[str, Any] = {f.name: getattr(msg, f.name) for f in fields(msg)}
    if isinstance(msg, AppendEntries):
        data["entries"] = [[e.term, e.command] for e in msg.entries]
    return {"raft": type(msg).__name__, **data}


def decode_message(data: dict) -> Message:
    kind = MESSAGE_TYPES[data.pop("raft")]
    if kind is AppendEntries:
        data["entries"] = tuple(Entry(term, command_from_json(c)) for term, c in data["entries"])
    return kind(**data)


def dump_line(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode() + b"\n"


async def read_line(reader: asyncio.StreamReader) -> Optional[Any]:
    """The next JSON object, or None when the connection is closed."""
    line = await reader.readline()
    return json.loads(line) if line else None
