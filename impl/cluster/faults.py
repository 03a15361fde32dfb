"""A fault-injecting test driver for the key-value cluster, in the manner of Jepsen.

    python -m impl.cluster.faults --nodes 3 --seconds 20 --clients 5 --seed 7 --out history.json \\
        [--variant correct|stale-reads|early-ack|txn-local-reads] [--workload register|txn]
        [--check] [--data-dir DIR]

starts a cluster on loopback (free ports, a temporary data directory), runs concurrent clients
for `--seconds`, and meanwhile injects the faults of a schedule drawn from `--seed`: kill -9
and restart, pause (SIGSTOP, SIGCONT), and cutting links. The register workload (the
default) does random put/get/cas on a few keys; after the faults it heals everything, waits
until the replicas agree, and reads every key from every replica (events tagged with the
node). The txn workload runs list-append transactions (as Jepsen's Elle does: each appends
unique values to, and reads the lists of, a few keys) and ends with one transaction that
reads every key. Then it writes the history (history.py). `--check` runs the history
checkers (`modelcheck history FILE --model ...`: linearizable, sequential and eventual for
registers; strict-serializable and serializable for transactions) and prints their verdicts;
the exit code is then 1 if any model is violated (0 if none; without --check, 0).

The schedule is deterministic given the seed: the times, kinds and durations of the faults.
Which node a fault hits is decided when it happens for the kinds aimed at the leader, as the
leader depends on the run. The first two faults are always "isolate the leader" (a cut-off
leader still believes it leads, and clients still reach it: stale reads, writes acknowledged
before commit and then lost) and "kill -9 the leader" (a restart from disk loses nothing
acknowledged, unless acknowledged too early), the faults that expose the bad variants.
"""
from __future__ import annotations

import argparse
import asyncio
import itertools
import random
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from .client import Client
from .history import TXN_FORMAT, History
from .run import REPO, LocalCluster, local_config
from .variants import Variant

FIRST_FAULTS = ("isolate-leader", "kill-leader")
OTHER_FAULTS = ("pause-leader", "partition", "kill", "pause", "isolate-leader", "kill-leader")
WARMUP = 1.0            # seconds of calm before the first fault
FAULT_LENGTH = (2.5, 4.0)
# Quick elections and impatient clients: during a fault the clients move on to the servers
# that can still answer, so the few seconds of a fault are busy ones.
TIMING = {"election_timeout": (0.4, 0.8), "heartbeat": 0.05, "attempt_timeout": 0.4}
CALM_LENGTH = (1.0, 2.0)   # between faults: the cluster elects a leader and makes progress
MODELS = {"register": ("linearizable", "sequential", "eventual"), "txn": ("strict-serializable", "serializable")}


@dataclass(frozen=True)
class Options:
    nodes: int = 3
    seconds: float = 20.0
    clients: int = 5
    seed: int = 7
    variant: Variant = Variant.CORRECT
    keys: int = 3
    think: float = 0.02        # seconds a client pauses between operations, at most
    converge_timeout: float = 20.0
    data_dir: Optional[Path] = None   # where the servers keep their data and logs; default temporary
    workload: str = "register"        # or "txn"


@dataclass(frozen=True)
class Fault:
    at: float          # seconds after the start
    kind: str
    duration: float
    victim: int        # which node, by index, for the kinds not aimed at the leader


@dataclass
class RunResult:
    options: Options
    history: History
    faults: list[str] = field(default_factory=list)    # what was injected, as readable lines
    converged: bool = False
    verdicts: dict[str, str] = field(default_factory=dict)

    @property
    def operations(self) -> int:
        """Client operations invoked (the final per-replica reads not counted)."""
        return self.endings()["invoke"]

    def endings(self) -> dict[str, int]:
        """How many client operations were invoked, and how many ended ok, fail and info."""
        counts = {"invoke": 0, "ok": 0, "fail": 0, "info": 0}
        for event in self.history.events:
            if "node" not in event:
                counts[event["type"]] += 1
        return counts


# ---------------------------------------------------------------------- the schedule
def fault_schedule(seed: int, seconds: float, nodes: int) -> list[Fault]:
    rng = random.Random(seed)
    rest = list(OTHER_FAULTS)
    rng.shuffle(rest)
    kinds = itertools.chain(FIRST_FAULTS, itertools.cycle(rest))
    faults, at = [], WARMUP
    for kind in kinds:
        duration = round(rng.uniform(*FAULT_LENGTH), 2)
        if at + duration > seconds - 0.5:
            return faults
        faults.append(Fault(round(at, 2), kind, duration, rng.randrange(nodes)))
        at += duration + rng.uniform(*CALM_LENGTH)
    return faults


class Injector:
    """Applies a schedule to a cluster; `heal()` undoes whatever is in effect."""

    def __init__(self, cluster: LocalCluster, history: History, admin: Client):
        self.cluster = cluster
        self.history = history
        self.admin = admin
        self.ids = cluster.config.ids
        self.log: list[str] = []

    async def run(self, schedule: list[Fault]) -> None:
        for fault in schedule:
            await asyncio.sleep(max(0.0, fault.at - self.history.now()))
            undo = await self._inject(fault)
            await asyncio.sleep(fault.duration)
            undo()

    async def _inject(self, fault: Fault) -> Callable[[], None]:
        """Start `fault`; the function that ends it."""
        victim = self.ids[fault.victim]
        if fault.kind.endswith("-leader"):
            victim = await self.cluster.find_leader(self.admin) or victim
        action = fault.kind.removesuffix("-leader")
        if action == "partition":
            minority = [self.ids[(fault.victim + i) % len(self.ids)] for i in range((len(self.ids) - 1) // 2)]
            self.cluster.cut([minority])
            self._note(fault, f"partition {minority} from the rest")
            return self.cluster.heal
        self._note(fault, f"{action} {victim}")
        if action == "isolate":
            self.cluster.cut([[victim]])
            return self.cluster.heal
        if action == "kill":
            self.cluster.kill(victim)
            return lambda: self.cluster.start_node(victim)
        self.cluster.pause(victim)
        return lambda: self.cluster.resume(victim)

    def _note(self, fault: Fault, what: str) -> None:
        self.log.append(f"{self.history.now():7.2f}s  {what} for {fault.duration}s ({fault.kind})")

    def heal(self) -> None:
        self.cluster.heal()
        for node in self.ids:
            if not self.cluster.running(node):
                self.cluster.start_node(node)


# ---------------------------------------------------------------------- the workload
@dataclass
class Workload:
    """Random operations on a few keys. Written values are unique, so a read names the write
    it saw. A client's cas expects the value it last saw for the key."""
    options: Options
    history: History
    keys: list[str]
    values: itertools.count = field(default_factory=lambda: itertools.count(1))
    processes: itertools.count = field(default_factory=itertools.count)

    async def client(self, client: Client, rng: random.Random) -> None:
        process = next(self.processes)
        seen: dict[str, Optional[int]] = {}
        ids = client.config.ids
        while self.history.now() < self.options.seconds:
            f = rng.choices(("get", "put", "cas"), (5, 3, 2))[0]
            key = rng.choice(self.keys)
            # Each operation starts at a random server, so stale servers are asked too.
            kind, holds = await self._one(client, f, key, seen.get(key), process, rng.choice(ids))
            if kind == "ok":
                seen[key] = holds
            elif kind == "info":
                process = next(self.processes)   # its operation may still be in flight
            await asyncio.sleep(rng.uniform(0, self.options.think))

    async def _one(self, client: Client, f: str, key: str, last: Optional[int], process: int,
                   first: str) -> tuple[str, Optional[int]]:
        """Run and record one operation: how it ended, and what the key holds after it if it
        ended ok (the value read or written)."""
        if f == "get":
            self.history.invoke(process, f, key, None)
            outcome = await client.get(key, first)
            read = outcome.value if outcome.kind == "ok" else None
            self.history.complete(outcome.kind, process, f, key, read)
            return outcome.kind, read
        new = next(self.values)
        value = new if f == "put" else [last, new]
        self.history.invoke(process, f, key, value)
        outcome = await (client.put(key, new, first) if f == "put" else client.cas(key, last, new, first))
        self.history.complete(outcome.kind, process, f, key, value)
        return outcome.kind, new

    async def final_reads(self, client: Client) -> None:
        """Every key from every replica's own state, one fresh process per read."""
        for node in client.config.ids:
            for key in self.keys:
                process = next(self.processes)
                self.history.invoke(process, "get", key, None, node=node)
                outcome = await client.local_get(node, key)
                value = outcome.value if outcome.kind == "ok" else None
                self.history.complete(outcome.kind, process, "get", key, value, node=node)


@dataclass
class TxnWorkload:
    """List-append transactions of one to four micro-operations on a few keys: appends of
    unique values and reads of whole lists, so a read names every append it saw, in order."""
    options: Options
    history: History
    keys: list[str]
    values: itertools.count = field(default_factory=lambda: itertools.count(1))
    processes: itertools.count = field(default_factory=itertools.count)

    async def client(self, client: Client, rng: random.Random) -> None:
        process = next(self.processes)
        ids = client.config.ids
        while self.history.now() < self.options.seconds:
            ops = [["append", rng.choice(self.keys), next(self.values)] if rng.random() < 0.5
                   else ["r", rng.choice(self.keys), None] for _ in range(rng.randint(1, 4))]
            if await self._one(client, process, ops, rng.choice(ids)) == "info":
                process = next(self.processes)   # its transaction may still be in flight
            await asyncio.sleep(rng.uniform(0, self.options.think))

    async def _one(self, client: Client, process: int, ops: list, first: Optional[str]) -> str:
        self.history.invoke_txn(process, ops)
        outcome = await client.txn(ops, first)
        self.history.complete_txn(outcome.kind, process, outcome.value if outcome.kind == "ok" else ops)
        return outcome.kind

    async def final_reads(self, client: Client) -> None:
        """One transaction reading every key, through the log: the lists as they ended."""
        await self._one(client, next(self.processes), [["r", key, None] for key in self.keys], None)


# ---------------------------------------------------------------------- a run
class NoLeader(Exception):
    """The cluster never became available, so there is nothing to test."""


async def run(options: Options) -> RunResult:
    if options.data_dir is not None:
        return await _run_in(options.data_dir, options)
    with tempfile.TemporaryDirectory(prefix="kv-faults-") as tmp:
        return await _run_in(Path(tmp), options)


async def _run_in(data_dir: Path, options: Options) -> RunResult:
    with LocalCluster(local_config(options.nodes, data_dir, options.variant, **TIMING)) as cluster:
        return await _run_on(cluster, options)


async def _run_on(cluster: LocalCluster, options: Options) -> RunResult:
    admin = Client(cluster.config, "driver")
    if await cluster.leader(admin) is None:
        raise NoLeader(f"the cluster elected no leader within 30 s; the servers' logs are in "
                       f"{cluster.config.data_dir} (keep them with --data-dir)")
    keys = [f"k{i}" for i in range(1, options.keys + 1)]
    if options.workload == "txn":
        history = History(format=TXN_FORMAT)
        workload: Workload | TxnWorkload = TxnWorkload(options, history, keys)
    else:
        history = History()
        workload = Workload(options, history, keys)
    result = RunResult(options, history)
    injector = Injector(cluster, history, admin)
    result.faults = injector.log
    clients = [Client(cluster.config, f"c{i}", random.Random(f"{options.seed}:{i}")) for i in range(options.clients)]
    faults = asyncio.create_task(injector.run(fault_schedule(options.seed, options.seconds, options.nodes)))
    try:
        await asyncio.gather(*(workload.client(c, random.Random(f"{options.seed}:w{i}"))
                               for i, c in enumerate(clients)))
        history.mark_quiet()
    finally:
        faults.cancel()
        injector.heal()
        for c in clients:
            await c.close()
    result.converged = await converge(cluster, admin, options.converge_timeout)
    await workload.final_reads(admin)
    await admin.close()
    return result


async def converge(cluster: LocalCluster, admin: Client, timeout: float) -> bool:
    """Wait until every replica has applied the same prefix of the log twice in a row."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    previous = None
    while loop.time() < deadline:
        statuses = await asyncio.gather(*(admin.status(n) for n in cluster.config.ids))
        applied = {s["applied"] for s in statuses if s} if all(statuses) else None
        if applied is not None and len(applied) == 1:
            if applied == previous:
                return True
            previous = applied
        await asyncio.sleep(0.3)
    return False


# ---------------------------------------------------------------------- checking
VERDICTS = {0: "ok", 1: "VIOLATED", 3: "unknown (checker timed out)"}


def check(path: Path, model: str, timeout: float = 300.0) -> str:
    """The verdict of `modelcheck history PATH --model MODEL`: "ok", "VIOLATED", "unknown"
    or the checker's error."""
    command = ["history", str(Path(path).resolve()), "--model", model, "--timeout", str(timeout)]
    done = subprocess.run([sys.executable, "-m", "modelcheck.cli", *command], cwd=REPO, capture_output=True, text=True)
    if done.returncode in VERDICTS:
        return VERDICTS[done.returncode]
    last_line = (done.stderr or done.stdout).strip().splitlines()[-1:]
    return f"error (exit {done.returncode}): {' '.join(last_line)}"


def summary(result: RunResult) -> str:
    counts = result.endings()
    lines = [f"variant {result.options.variant.value}, {result.options.nodes} nodes, "
             f"{result.options.seconds:g}s, seed {result.options.seed}: {result.operations} operations "
             f"({counts['ok']} ok, {counts['fail']} fail, {counts['info']} info), "
             f"{len(result.faults)} faults, replicas {'converged' if result.converged else 'did NOT converge'}"]
    lines += ["  " + f for f in result.faults]
    width = max(map(len, result.verdicts), default=0) + 1
    lines += [f"  {model:{width}} {verdict}" for model, verdict in result.verdicts.items()]
    return "\n".join(lines)


# ---------------------------------------------------------------------- command line
def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m impl.cluster.faults",
                                     description="Run clients against a local Raft cluster while injecting "
                                                 "faults; write the history for the checkers.")
    parser.add_argument("--nodes", type=int, default=3, choices=[3, 5])
    parser.add_argument("--seconds", type=float, default=20.0, help="how long clients run (default 20)")
    parser.add_argument("--clients", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=Path("history.json"))
    parser.add_argument("--variant", choices=[v.value for v in Variant], default="correct")
    parser.add_argument("--workload", choices=sorted(MODELS), default="register",
                        help="register: put/get/cas (the default); txn: list-append transactions")
    parser.add_argument("--check", action="store_true", help="run the history checkers and print their verdicts")
    parser.add_argument("--data-dir", type=Path,
                        help="keep the servers' data and logs (DIR/n1.log, ...) here instead of a temporary directory")
    args = parser.parse_args(argv)
    if args.seconds <= 0 or args.clients < 1:
        print("error: --seconds must be positive and --clients at least 1", file=sys.stderr)
        return 2
    if not args.out.resolve().parent.is_dir():
        print(f"error: cannot write the history to {args.out}: {args.out.parent} is not a directory",
              file=sys.stderr)
        return 2
    options = Options(args.nodes, args.seconds, args.clients, args.seed, Variant(args.variant),
                      data_dir=args.data_dir, workload=args.workload)
    try:
        result = asyncio.run(run(options))
    except NoLeader as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    result.history.write(args.out)
    if args.check:
        result.verdicts = {model: check(args.out, model) for model in MODELS[args.workload]}
    print(summary(result))
    print(f"history: {args.out}  (why a verdict: modelcheck history {args.out} --model MODEL)")
    return 0 if all(v == "ok" for v in result.verdicts.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
