"""Conformance adapter: lockserver.py against lock.spec (the README's walkthrough of coverage
criteria and mutation testing).

Replay maps each spec action to a call: Grant(c) server.grant(), Take(m) the client takes the
grant m, Release(c) the client releases (its release goes in flight), Expire the lease
expires, HandleRelease(m) the server receives the release m. Validation runs the server and
two clients with random calls and deliveries: the calls are made whatever the state (a grant
of a taken lock is asked for too), and a call the implementation refuses is no spec step."""
from __future__ import annotations

import random
from typing import Any, Iterator

from modelcheck.conform.adapter import (Adapter, Mismatch, Observation, SpecStep, elements, int_of, integer,
                                        map_of, model_value, set_of)

from lockserver import LockClient, LockServer

SERVER = model_value("Server")


def record(kind: str, epoch: int, client: str) -> dict:
    """A message in flight as the spec's record."""
    ends = {"src": SERVER, "dest": model_value(client)} if kind == "grant" else {"src": model_value(client), "dest": SERVER}
    return {"kind": kind, "epoch": integer(epoch), **ends}


class LockAdapter(Adapter):
    spec = "examples/lease/lock.spec"
    validation_constants = {"MaxEpoch": "3"}
    events_per_run = 30

    def _build(self, clients, max_epoch: int) -> None:
        self.server = LockServer(max_epoch)
        self.clients = {c: LockClient() for c in sorted(clients)}
        self.network: list[tuple[str, int, str]] = []     # (kind, epoch, client)

    def reset(self, initial: dict[str, Any], constants: dict[str, Any]) -> None:
        self._build([str(c) for c in elements(initial["role"])], int_of(constants.get("MaxEpoch", integer(2))))

    def state(self) -> dict[str, Any]:
        clients = sorted(self.clients.items())
        return {"lock": model_value("Taken" if self.server.taken else "Free"), "epoch": integer(self.server.epoch),
                "role": map_of((model_value(c), model_value("Holding" if n.holding else "Idle")) for c, n in clients),
                "held": map_of((model_value(c), integer(n.epoch)) for c, n in clients),
                "msgs": set_of(record(*m) for m in sorted(set(self.network)))}

    def _message(self, m: dict) -> tuple[str, int, str]:
        key = (m["kind"], int_of(m["epoch"]), str(m["dest"] if m["kind"] == "grant" else m["src"]))
        if key not in self.network:
            raise Mismatch(f"no message {key} in flight")
        return key

    def step(self, action: str, args: dict[str, Any], before: dict[str, Any]) -> None:
        if action == "Grant":
            epoch = self.server.grant()
            if epoch is None:
                raise Mismatch("the server refused to grant the lock")
            self.network.append(("grant", epoch, str(args["c"])))
        elif action == "Take":
            kind, epoch, c = self._message(args["m"])
            if self.clients[c].take(epoch):
                self.network.remove((kind, epoch, c))
        elif action == "Release":
            c = str(args["c"])
            self.network.append(("release", self.clients[c].release(), c))
        elif action == "Expire":
            self.server.expire()
        elif action == "HandleRelease":
            kind, epoch, c = self._message(args["m"])
            self.server.release(epoch)
            self.network.remove((kind, epoch, c))
        else:
            raise Mismatch(f"unknown action {action}")

    def run(self, seed: int, events: int) -> Iterator[Observation]:
        rng = random.Random(seed)
        self._build(["c1", "c2"], int(self.validation_constants["MaxEpoch"]))
        yield Observation("initial state", [], self.state())
        for _ in range(events):
            c = rng.choice(sorted(self.clients))
            choice = rng.choice(["grant", "deliver", "release", "expire"])
            steps: list[SpecStep] = []
            if choice == "grant":
                epoch = self.server.grant()       # asked for whatever the state: refused is no step
                if epoch is not None:
                    self.network.append(("grant", epoch, c))
                    steps = [SpecStep("Grant", {"c": model_value(c)})]
            elif choice == "deliver" and self.network:
                kind, epoch, who = m = rng.choice(self.network)
                if kind == "grant":
                    if not self.clients[who].take(epoch):
                        continue
                    steps = [SpecStep("Take", {"m": record(*m)})]
                else:
                    self.server.release(epoch)
                    steps = [SpecStep("HandleRelease", {"m": record(*m)})]
                self.network.remove(m)
            elif choice == "release" and self.clients[c].holding:
                self.network.append(("release", self.clients[c].release(), c))
                steps = [SpecStep("Release", {"c": model_value(c)})]
            elif choice == "expire" and self.server.taken:
                self.server.expire()
                steps = [SpecStep("Expire")]
            else:
                continue
            yield Observation(f"{choice} {c}", steps, self.state())

