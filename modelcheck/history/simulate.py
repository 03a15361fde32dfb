"""Histories of a simulated linearizable key-value store, for benchmarks and tests.

Clients run concurrently against one in-memory store; each operation takes effect at a
random instant between its invocation and its completion, so the history is linearizable
by construction. Some operations time out (info): those take effect or not, at random.
Values written are unique, so a read says which write it saw. The run ends with a quiet
period and a read of every key from every replica (`node`-tagged), as the cluster driver
does. `break_history` then plants a read that no consistency model accepts.
"""
from __future__ import annotations

import heapq
import random

from .format import FORMAT

REPLICAS = ("n1", "n2", "n3")


def simulated_history(ops: int = 10_000, keys: int = 10, clients: tuple[int, int] = (10, 20),
                      info_rate: float = 0.01, seed: int = 0) -> dict:
    """A history document (format.py) with `ops` client operations and the final reads."""
    rng = random.Random(seed)
    names = [f"k{i}" for i in range(keys)]
    store: dict[str, int | None] = {}
    events: list[dict] = []
    queue: list[tuple] = []  # (time, seq, action, op)
    seq = 0

    def push(t: float, action: str, op: dict) -> None:
        nonlocal seq
        heapq.heappush(queue, (t, seq, action, op))
        seq += 1

    def start(process: int, t: float) -> None:
        nonlocal started
        if started == ops:
            return
        started += 1
        key, f = rng.choice(names), rng.choices(("get", "put", "cas"), (5, 3, 2))[0]
        value = {"get": None, "put": started, "cas": [store.get(key), started]}[f]
        op = {"process": process, "f": f, "key": key, "value": value, "result": value, "ok": True,
              "info": rng.random() < info_rate}
        duration = rng.expovariate(1.0) * 0.002
        push(t, "invoke", op)
        if not op["info"] or rng.random() < 0.5:  # a timed-out operation takes effect, or not
            push(t + rng.random() * duration, "apply", op)
        push(t + duration, "complete", op)

    started, fresh = 0, 0
    for process in range(rng.randint(*clients)):
        start(process, rng.random() * 0.001)
        fresh = process + 1
    now = 0.0
    while queue:
        now, _, action, op = heapq.heappop(queue)
        if action == "apply":
            _apply(store, op)
            continue
        kind = action if action == "invoke" else "info" if op["info"] else "ok" if op["ok"] else "fail"
        value = op["result"] if kind == "ok" and op["f"] == "get" else op["value"]
        events.append({"type": kind, "process": op["process"], "f": op["f"], "key": op["key"],
                       "value": value, "time": round(now, 6)})
        if action == "complete":
            process = op["process"] if not op["info"] else fresh  # a timed-out client is replaced
            fresh += op["info"]
            start(process, now + rng.expovariate(1.0) * 0.0005)
    quiet = round(now + 0.5, 6)
    final_reads(events, store, names, fresh, quiet + 0.5)
    return {"format": FORMAT, "quiet_after": quiet, "events": events}


def _apply(store: dict, op: dict) -> None:
    key, f = op["key"], op["f"]
    if f == "get":
        op["result"] = store.get(key)
    elif f == "put":
        store[key] = op["value"]
    elif store.get(key) == op["value"][0]:
        store[key] = op["value"][1]
    else:
        op["ok"] = False


def final_reads(events: list[dict], store: dict, names: list[str], process: int, t: float) -> None:
    for node in REPLICAS:
        for key in names:
            for kind, value in (("invoke", None), ("ok", store.get(key))):
                events.append({"type": kind, "process": process, "f": "get", "key": key, "value": value,
                               "time": round(t, 6), "node": node})
                t += 0.001
        process += 1


def break_history(document: dict) -> dict:
    """The history with one read changed so that it is neither linearizable nor sequentially
    consistent, and one replica's final read of a key changed so that the replicas disagree.

    The changed read: process p read x (written by process q's put), and later read the same
    key again; that second read now returns y, which q's put before x wrote. q wrote y then
    x, p saw x then y: no order keeps both processes' program order."""
    events = [dict(e) for e in document["events"]]
    before: dict[int, int] = {}  # value put -> the value the same process put on the same key before it
    last_put: dict[tuple[int, str], int] = {}  # (process, key) -> the value of its last successful put
    last_read: dict[tuple[int, str], int] = {}  # (process, key) -> the value of its last successful get
    for i, e in enumerate(events):
        if e["type"] != "ok" or "node" in e:
            continue
        who = (e["process"], e["key"])
        if e["f"] == "put":
            if who in last_put:
                before[e["value"]] = last_put[who]
            last_put[who] = e["value"]
        elif e["f"] == "get":
            if last_read.get(who) in before and i > len(events) // 2:
                e["value"] = before[last_read[who]]
                break
            last_read[who] = e["value"]
    else:
        raise ValueError("no read to break: the history is too short")
    finals = [e for e in events if "node" in e and e["type"] == "ok"]
    finals[-1]["value"] = (finals[-1]["value"] or 0) + 1_000_000
    return {**document, "events": events}
