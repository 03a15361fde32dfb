"""An in-memory network and a driver that runs a cluster of sans-IO nodes with faults.

`Network` holds the messages in flight. `Simulation` runs a cluster: at every event it
picks, with a seeded random generator, one of

    deliver     any message in flight (not the oldest: the network reorders) to its node
    drop        a message in flight is lost
    duplicate   a message in flight is copied
    restart     a node crashes and recovers from its stable storage
    timeout     a node's election/retry timer fires (on_timeout)
    heartbeat   a node's heartbeat timer fires (on_heartbeat), for nodes that have one
    poll        a node acts on what it has counted (poll), for nodes that have it
    client      a client asks a node to get a value chosen/appended (client_request)
    partition   a node is cut off from the others (every message to or from it is lost
                until the next partition event heals it), as in Jepsen-style tests: an
                isolated leader keeps accepting requests, and logs diverge

and yields an `Event` saying what happened, including the envelopes the node sent. The
same seed gives the same run. Nodes that process a message in units (`step(msg)` returning
`.done` and `.send`, like RaftNode) have each unit reported as its own event, so a crash can
be injected between two of them (`Mix.crash_mid_message`); other nodes are handed the whole
message (`handle(msg)`).

Nothing here knows a protocol: the nodes are anything with those methods.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any, Iterator, Optional


@dataclass
class Envelope:
    """One copy of a message in flight. Copies made by `duplicate` share `origin` (the id
    of the send they descend from), and `meta`, a dict observers may annotate at send time."""
    id: int
    msg: Any
    origin: int
    meta: dict = field(default_factory=dict)

    @property
    def dst(self):
        return self.msg.dst

    @property
    def src(self):
        return self.msg.src


class Network:
    """The messages in flight, in the order they were sent (delivery order is up to the
    caller). Sending never fails: losses are explicit `remove` calls."""

    def __init__(self) -> None:
        self.in_flight: list[Envelope] = []
        self._ids = 0

    def _new_id(self) -> int:
        self._ids += 1
        return self._ids

    def send(self, msg: Any) -> Envelope:
        i = self._new_id()
        env = Envelope(i, msg, i)
        self.in_flight.append(env)
        return env

    def duplicate(self, env: Envelope) -> Envelope:
        copy = Envelope(self._new_id(), env.msg, env.origin, env.meta)
        self.in_flight.append(copy)
        return copy

    def remove(self, env: Envelope) -> None:
        self.in_flight.remove(env)

    def __len__(self) -> int:
        return len(self.in_flight)


@dataclass(frozen=True)
class Mix:
    """Relative weights of the kinds of event, and fault probabilities. Weights of kinds a
    cluster cannot do (no message in flight, no node with a heartbeat) are ignored."""
    deliver: float = 10.0
    drop: float = 1.0
    duplicate: float = 0.6
    restart: float = 0.3
    timeout: float = 0.8
    heartbeat: float = 1.5
    poll: float = 1.5
    client: float = 0.6
    partition: float = 0.15
    crash_mid_message: float = 0.05   # after a unit of work that did not finish its message

    @staticmethod
    def no_faults() -> "Mix":
        return Mix(drop=0.0, duplicate=0.0, restart=0.0, partition=0.0, crash_mid_message=0.0)

    def swarm(self, rng: random.Random) -> "Mix":
        """A variation of this mix for one run (swarm testing): each weight is scaled by a
        random factor between 0.25 and 4, and each fault is switched off with probability
        1/4. Runs that differ in what they stress find more than runs that all average the
        same mix (Groce et al., "Swarm testing", ISSTA 2012)."""
        faults = ("drop", "duplicate", "restart", "partition", "crash_mid_message")
        changed = {}
        for name in self.__dataclass_fields__:
            weight = getattr(self, name) * 2.0 ** rng.uniform(-2, 2)
            if name in faults and rng.random() < 0.25:
                weight = 0.0
            changed[name] = min(weight, 0.5) if name == "crash_mid_message" else weight
        return Mix(**changed)


@dataclass
class Event:
    index: int
    kind: str                              # see the module docstring
    node: Optional[str] = None             # the node acting (None for drop/duplicate)
    envelope: Optional[Envelope] = None    # deliver, drop, duplicate: the message
    sent: list[Envelope] = field(default_factory=list)
    done: bool = True                      # deliver: the message is finished (and gone)
    value: Any = None                      # client: the value asked for
    refused: Optional[str] = None          # client: why the node refused (e.g. not the leader)
    lost: bool = False                     # drop: lost to a partition

    def describe(self) -> str:
        what = {"deliver": "delivers", "drop": "drops", "duplicate": "duplicates"}
        if self.kind in what:
            text = f"network {what[self.kind]} {self.envelope.msg}" + (" (partitioned)" if self.lost else "")
            if self.kind == "deliver" and not self.done:
                text += " (one unit of work; the message stays in flight)"
        elif self.kind == "partition":
            text = f"{self.node} is cut off from the others" if self.node else "the partition heals"
        elif self.kind == "client":
            text = f"client asks {self.node} for {self.value!r}" + (f": refused ({self.refused})" if self.refused else "")
        else:
            text = f"{self.node}: {self.kind}"
        if self.sent:
            text += "; sends " + ", ".join(str(e.msg) for e in self.sent)
        return f"#{self.index} {text}"


class Simulation:
    """Runs `nodes` (id -> node) over a Network, choosing events with random.Random(seed).

    `client_values` are the values clients ask for; at most `max_client_requests` requests
    are accepted in a run (bounding logs). `timer_nodes` restricts which nodes get timeouts
    (default: all that have on_timeout)."""

    def __init__(self, nodes: dict[str, Any], seed: Any = 0, mix: Mix = Mix(),
                 client_values: tuple = (), max_client_requests: Optional[int] = None,
                 timer_nodes: Optional[list[str]] = None):
        self.nodes = dict(sorted(nodes.items()))
        self.rng = random.Random(seed)
        self.mix = mix
        self.network = Network()
        self.client_values = tuple(client_values)
        self.max_client_requests = max_client_requests
        self.client_requests = 0
        ids = list(self.nodes)
        self._with = {m: [n for n in ids if hasattr(self.nodes[n], m)]
                      for m in ("on_timeout", "on_heartbeat", "poll", "client_request", "restart")}
        if timer_nodes is not None:
            self._with["on_timeout"] = [n for n in timer_nodes if n in self.nodes]
        self.events_run = 0
        self._unfinished: Optional[Envelope] = None   # a message whose node is mid-way through it
        self.isolated: Optional[str] = None           # the node cut off by a partition, if any

    # ------------------------------------------------------------------ running
    def run(self, events: int) -> Iterator[Event]:
        """Yield `events` events (the units of one message count one each)."""
        while self.events_run < events:
            event = self._next_event()
            if event is not None:
                yield event

    def _next_event(self) -> Optional[Event]:
        if self._unfinished is not None:
            env, self._unfinished = self._unfinished, None
            if self.rng.random() < self.mix.crash_mid_message:
                self.nodes[env.dst].restart()   # the rest of the work is never done
                return self._event("restart", node=env.dst)
            return self._deliver(env)
        kinds = self._enabled_kinds()
        kind = self.rng.choices([k for k, _ in kinds], [w for _, w in kinds])[0]
        return getattr(self, "_" + kind)()

    def _enabled_kinds(self) -> list[tuple[str, float]]:
        m = self.mix
        out = []
        if self.network.in_flight:
            out += [("deliver", m.deliver), ("drop", m.drop), ("duplicate", m.duplicate)]
        out.append(("restart", m.restart))
        out.append(("partition", m.partition))
        if self._with["on_timeout"]:
            out.append(("timeout", m.timeout))
        if self._with["on_heartbeat"]:
            out.append(("heartbeat", m.heartbeat))
        if self._with["poll"]:
            out.append(("poll", m.poll))
        if self._with["client_request"] and self.client_values and (
                self.max_client_requests is None or self.client_requests < self.max_client_requests):
            out.append(("client", m.client))
        return [(k, w) for k, w in out if w > 0]

    def _event(self, kind: str, **kw) -> Event:
        e = Event(self.events_run + 1, kind, **kw)   # numbered from 1: event 0 is the initial state
        self.events_run += 1
        return e

    def _send(self, messages) -> list[Envelope]:
        return [self.network.send(msg) for msg in messages]

    def _pick(self, ids: list[str]) -> str:
        return ids[self.rng.randrange(len(ids))]

    # ------------------------------------------------------------------ the kinds of event
    def _deliver(self, env: Optional[Envelope] = None) -> Optional[Event]:
        if env is None:
            env = self.network.in_flight[self.rng.randrange(len(self.network.in_flight))]
        node = self.nodes.get(env.dst)
        if node is None:  # addressed to nobody in the cluster: lost
            self.network.remove(env)
            return self._event("drop", envelope=env)
        if self.isolated is not None and self.isolated in (env.src, env.dst) and env.src != env.dst:
            self.network.remove(env)
            return self._event("drop", envelope=env, lost=True)
        if not hasattr(node, "step"):
            self.network.remove(env)
            return self._event("deliver", node=env.dst, envelope=env, sent=self._send(node.handle(env.msg)))
        # A node that works in units: the first unit now; the rest are the next events,
        # unless the node crashes in between (the message then stays in flight).
        progress = node.step(env.msg)
        if progress.done:
            self.network.remove(env)
        else:
            self._unfinished = env
        return self._event("deliver", node=env.dst, envelope=env, sent=self._send(progress.send),
                           done=progress.done)

    def _drop(self) -> Event:
        env = self.network.in_flight[self.rng.randrange(len(self.network.in_flight))]
        self.network.remove(env)
        return self._event("drop", envelope=env)

    def _duplicate(self) -> Event:
        env = self.network.in_flight[self.rng.randrange(len(self.network.in_flight))]
        return self._event("duplicate", envelope=env, sent=[self.network.duplicate(env)])

    def _partition(self) -> Event:
        if self.isolated is None:
            self.isolated = self._pick(list(self.nodes))
            return self._event("partition", node=self.isolated)
        self.isolated = None
        return self._event("partition")

    def _restart(self) -> Event:
        n = self._pick(self._with["restart"])
        self.nodes[n].restart()
        return self._event("restart", node=n)

    def _timeout(self) -> Event:
        n = self._pick(self._with["on_timeout"])
        return self._event("timeout", node=n, sent=self._send(self.nodes[n].on_timeout()))

    def _heartbeat(self) -> Event:
        n = self._pick(self._with["on_heartbeat"])
        return self._event("heartbeat", node=n, sent=self._send(self.nodes[n].on_heartbeat()))

    def _poll(self) -> Event:
        n = self._pick(self._with["poll"])
        return self._event("poll", node=n, sent=self._send(self.nodes[n].poll()))

    def _client(self) -> Event:
        n = self._pick(self._with["client_request"])
        value = self.client_values[self.rng.randrange(len(self.client_values))]
        try:
            sent = self._send(self.nodes[n].client_request(value))
        except Exception as e:  # the node refuses (not the leader, ...): the client retries elsewhere
            return self._event("client", node=n, value=value, refused=str(e) or type(e).__name__)
        self.client_requests += 1
        return self._event("client", node=n, value=value, sent=sent)
