"""Conformance adapter: impl.paxos against specs/paxos.spec (Lamport's Paxos.tla).

This is the example to copy when writing an adapter for your own implementation; it shows
the three parts every adapter has (see modelcheck/conform/adapter.py):

1. The refinement mapping (`state`): the spec's variables from the implementation's state.
      maxBal[a], maxVBal[a], maxVal[a]  <- acceptor a's promised, accepted_ballot,
                                           accepted_value (NO_BALLOT is -1, no value None)
      msgs                              <- every Prepare, Promise, Accept and Accepted any
                                           node has ever sent, as spec records (the spec
                                           never removes a message: receiving one is just
                                           reading it). Rejected messages have no spec
                                           counterpart and are left out.
   Proposers and learners have no spec variables; what the spec says about them is in the
   messages they send. One thing it cannot say is checked here: a learner may only learn a
   value that a majority of acceptors accepted in one ballot (Mismatch otherwise).

2. Replay (`reset`, `step`): each spec action becomes calls on the nodes.
      Phase1a(b)     the proposer owning ballot b times out and starts it (one proposer per
                     ballot of the trace's constants, so each starts exactly its own)
      Phase1b(a, m)  the Prepare of ballot m.bal addressed to acceptor a is delivered
      Phase2a(b, v)  the client asks b's proposer for v, then the promises of a majority are
                     delivered to it: a majority with which it proposes v (the one the spec's
                     step implies exists). The proposer chooses the value itself.
      Phase2b(a, m)  the Accept of (m.bal, m.val) addressed to a is delivered; its Accepted
                     messages go to the learners at once
   Messages the spec does not deliver simply stay in flight: Paxos tolerates any loss.

3. Validation (`run`): a cluster of 3 acceptors, 2 proposers and 2 learners runs under
   impl.sim with drops, duplicates, reordering and restarts; each event maps to the spec
   step it performs (a Promise sent is Phase1b, an Accept sent is Phase2a, ...) or to none.
"""
from __future__ import annotations

import random

from itertools import combinations
from typing import Any, Iterator

from impl.paxos import (NO_BALLOT, Accept, Accepted, Acceptor, Learner, Prepare, Promise, Proposer,
                        is_majority)
from impl.sim import Envelope, Event, Mix, Network, Simulation
from modelcheck.conform.adapter import (Adapter, Mismatch, Observation, SpecStep, elements, int_of, integer,
                                        key_of, map_of, model_value, set_of)

NONE = model_value("None")
LEARNERS = ("l1", "l2")


def spec_message(msg) -> dict | None:
    """An implementation message as a record of the spec's `msgs`, or None if it has none."""
    if isinstance(msg, Prepare):
        return {"type": "1a", "bal": integer(msg.ballot)}
    if isinstance(msg, Promise):
        return {"type": "1b", "acc": model_value(msg.src), "bal": integer(msg.ballot),
                "mbal": integer(msg.accepted_ballot),
                "mval": NONE if msg.accepted_value is None else model_value(msg.accepted_value)}
    if isinstance(msg, Accept):
        return {"type": "2a", "bal": integer(msg.ballot), "val": model_value(msg.value)}
    if isinstance(msg, Accepted):
        return {"type": "2b", "acc": model_value(msg.src), "bal": integer(msg.ballot), "val": model_value(msg.value)}
    return None


class PaxosAdapter(Adapter):
    spec = "specs/paxos.spec"
    # The node classes; a subclass adapter can check modified ones.
    acceptor_class, proposer_class, learner_class = Acceptor, Proposer, Learner
    # The validation cluster: 2 proposers running ballots 0..5 between them, values v1, v2.
    PROPOSERS = 2
    MAX_BALLOT = 5
    validation_constants = {"Acceptors": "{a1, a2, a3}", "Values": "{v1, v2}", "Ballots": f"0..{MAX_BALLOT}"}
    MIX = Mix(deliver=10.0, drop=1.0, duplicate=0.6, restart=0.5, timeout=0.8, client=0.8)

    # ------------------------------------------------------------------ the cluster
    def _build(self, acceptors: list[str], proposers: int, max_ballot: int | None) -> None:
        self.acceptors = {a: self.acceptor_class(a, LEARNERS) for a in acceptors}
        self.proposers = {f"p{k}": self.proposer_class(f"p{k}", k, proposers, acceptors, max_ballot=max_ballot)
                          for k in range(proposers)}
        self.learners = {name: self.learner_class(name, acceptors) for name in LEARNERS}
        self.nodes = {**self.acceptors, **self.proposers, **self.learners}
        self.network = Network()
        self.history: dict[str, dict] = {}     # every spec-visible message ever sent, by key

    def _sent(self, envelopes: list[Envelope]) -> None:
        for env in envelopes:
            record = spec_message(env.msg)
            if record is not None:
                self.history.setdefault(key_of(record), record)

    # ------------------------------------------------------------------ refinement mapping
    def state(self) -> dict[str, Any]:
        acc = sorted(self.acceptors.items())
        mapped = {
            "maxBal": map_of((model_value(a), integer(n.promised)) for a, n in acc),
            "maxVBal": map_of((model_value(a), integer(n.accepted_ballot)) for a, n in acc),
            "maxVal": map_of((model_value(a), NONE if n.accepted_value is None else model_value(n.accepted_value))
                             for a, n in acc),
            "msgs": set_of(self.history.values()),
        }
        chosen = self._chosen()
        for name, learner in sorted(self.learners.items()):
            if learner.chosen is not None and learner.chosen not in chosen:
                raise Mismatch(f"learner {name} learned {learner.chosen!r}, but no majority of acceptors "
                               f"accepted it in one ballot (chosen: {sorted(chosen) or 'nothing'})")
        return mapped

    def _chosen(self) -> set:
        votes: dict[tuple[int, str], set] = {}
        for m in self.history.values():
            if m["type"] == "2b":
                votes.setdefault((int_of(m["bal"]), str(m["val"])), set()).add(str(m["acc"]))
        return {v for (b, v), voters in votes.items() if is_majority(voters, self.acceptors)}

    # ------------------------------------------------------------------ spec -> implementation
    def reset(self, initial: dict[str, Any], constants: dict[str, Any]) -> None:
        acceptors = sorted(str(a) for a in elements(initial["maxBal"]))
        ballots = sorted(int_of(b) for b in elements(constants["Ballots"])) if "Ballots" in constants else [0, 1]
        # One proposer per ballot: proposer k owns the ballots b with b % len(ballots) == k,
        # so the first ballot each starts is the one the trace gives it.
        self._build(acceptors, len(ballots), None)

    def _owner(self, ballot: int) -> Proposer:
        return self.proposers[f"p{ballot % len(self.proposers)}"]

    def _deliver(self, env: Envelope) -> list[Envelope]:
        sent = [self.network.send(m) for m in self.nodes[env.dst].handle(env.msg)]
        self._sent(sent)
        return sent

    def _find(self, cls, dst: str, **fields) -> Envelope:
        for env in self.network.in_flight:
            if isinstance(env.msg, cls) and env.dst == dst and all(getattr(env.msg, f) == v for f, v in fields.items()):
                return env
        raise Mismatch(f"no {cls.__name__} with {fields} addressed to {dst} was ever sent")

    def step(self, action: str, args: dict[str, Any], before: dict[str, Any]) -> None:
        if action == "Phase1a":
            b = int_of(args["b"])
            proposer = self._owner(b)
            if proposer.ballot == b:
                return                    # the Prepare was sent already; sending it again changes nothing
            sent = [self.network.send(m) for m in proposer.on_timeout()]
            self._sent(sent)
            if proposer.ballot != b:
                raise Mismatch(f"{proposer.id} started ballot {proposer.ballot}, not {b}")
        elif action == "Phase1b":
            a, bal = str(args["a"]), int_of(args["m"]["bal"])
            self._deliver(self._find(Prepare, a, ballot=bal))
        elif action == "Phase2a":
            self._phase2a(int_of(args["b"]), str(args["v"]))
        elif action == "Phase2b":
            a, m = str(args["a"]), args["m"]
            env = self._find(Accept, a, ballot=int_of(m["bal"]), value=str(m["val"]))
            for accepted in self._deliver(env):
                if accepted.dst in self.learners:
                    self.network.remove(accepted)
                    self._deliver(accepted)
        else:
            raise Mismatch(f"unknown action {action}")

    def _phase2a(self, b: int, v: str) -> None:
        proposer = self._owner(b)
        promises = {}
        for env in self.network.in_flight:
            if isinstance(env.msg, Promise) and env.dst == proposer.id and env.msg.ballot == b:
                promises.setdefault(env.src, env)
        quorum = self._quorum_proposing(list(promises.values()), v)
        if quorum is None:
            raise Mismatch(f"no majority of the promises {proposer.id} received for ballot {b} lets it propose {v}")
        proposer.client_request(v)
        for env in quorum:
            self._deliver(env)   # a copy: in Paxos any message may be received again
        if proposer.proposed is None:
            raise Mismatch(f"{proposer.id} did not propose after a majority of promises for ballot {b}")

    def _quorum_proposing(self, promises: list[Envelope], v: str) -> list[Envelope] | None:
        """A smallest majority of promises whose highest vote is for v, or that report none."""
        n = len(self.acceptors)
        for size in range(n // 2 + 1, n + 1):
            for q in combinations(sorted(promises, key=lambda e: e.src), size):
                voted = [e.msg for e in q if e.msg.accepted_ballot != NO_BALLOT]
                if not voted or max(voted, key=lambda p: p.accepted_ballot).accepted_value == v:
                    return list(q)
        return None

    # ------------------------------------------------------------------ implementation -> spec
    def run(self, seed: int, events: int) -> Iterator[Observation]:
        acceptors = sorted(elements_of_const(self.validation_constants["Acceptors"]))
        self._build(acceptors, self.PROPOSERS, self.MAX_BALLOT)
        sim = Simulation(self.nodes, seed=seed, mix=self.MIX.swarm(random.Random(f"mix:{seed}")), client_values=("v1", "v2"),
                         timer_nodes=list(self.proposers))
        sim.network = self.network
        yield Observation("initial state", [], self.state())
        for event in sim.run(events):
            self._sent(event.sent)
            yield Observation(event.describe(), self.spec_steps(event), self.state())

    def spec_steps(self, event: Event) -> list[SpecStep]:
        """The spec step an event performs: the messages it sends say which. (Losing or
        copying a message is no step: the spec's msgs holds every message ever sent.)"""
        if event.kind not in ("deliver", "timeout", "client"):
            return []
        steps = []
        for env in event.sent:
            msg = env.msg
            if isinstance(msg, Prepare):
                steps.append(SpecStep("Phase1a", {"b": integer(msg.ballot)}))
            elif isinstance(msg, Promise):
                steps.append(SpecStep("Phase1b", {"a": model_value(msg.src), "m": spec_message(event.envelope.msg)}))
            elif isinstance(msg, Accept):
                steps.append(SpecStep("Phase2a", {"b": integer(msg.ballot), "v": model_value(msg.value)}))
            elif isinstance(msg, Accepted):
                steps.append(SpecStep("Phase2b", {"a": model_value(msg.src), "m": spec_message(event.envelope.msg)}))
        unique = []
        for s in steps:   # one Prepare/Accept per acceptor and one Accepted per learner: one step
            if s not in unique:
                unique.append(s)
        return unique


def elements_of_const(text: str) -> list[str]:
    """The names in a constant set written as text, e.g. "{a1, a2}"."""
    return [x.strip() for x in text.strip("{} ").split(",") if x.strip()]
