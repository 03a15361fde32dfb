"""The configuration of a cluster: one JSON file shared by its servers, clients and drivers.

    {"nodes": {"n1": 7001, "n2": 7002, "n3": 7003},   node id -> TCP port on 127.0.0.1
     "data_dir": "/tmp/kv",                            one subdirectory per node
     "election_timeout": [0.6, 1.2],                   seconds, drawn uniformly per election
     "heartbeat": 0.1,                                 seconds between a leader's heartbeats
     "variant": "correct"}                             or a known-bad variant (variants.py)

Everything but `nodes` has a default. A malformed file is a `ConfigError` whose message says
what is wrong, for the command lines to print as is.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from .variants import Variant

HOST = "127.0.0.1"
KEYS = {"nodes", "data_dir", "election_timeout", "heartbeat", "variant", "attempt_timeout", "op_timeout"}


class ConfigError(Exception):
    """The configuration file is unreadable or says something impossible."""


@dataclass(frozen=True)
class ClusterConfig:
    nodes: dict[str, int]
    data_dir: str
    election_timeout: tuple[float, float] = (0.6, 1.2)
    heartbeat: float = 0.1
    variant: Variant = Variant.CORRECT
    # The client's patience: one attempt at one server, and a whole operation.
    attempt_timeout: float = 1.0
    op_timeout: float = 4.0

    @property
    def ids(self) -> list[str]:
        return sorted(self.nodes)

    def node_dir(self, node: str) -> Path:
        return Path(self.data_dir) / node

    def control_file(self, node: str) -> Path:
        """Where a fault-injecting driver names the peers `node` must not hear or reach."""
        return Path(self.data_dir) / f"{node}.drop"

    def to_json(self) -> dict:
        data = asdict(self)
        data["variant"] = self.variant.value
        data["election_timeout"] = list(self.election_timeout)
        return data

    def write(self, path: Path) -> None:
        Path(path).write_text(json.dumps(self.to_json(), indent=2) + "\n")


def load_config(path: str | Path) -> ClusterConfig:
    try:
        data = json.loads(Path(path).read_text())
    except OSError as e:
        raise ConfigError(f"cannot read the cluster configuration {path}: {e.strerror}") from None
    except json.JSONDecodeError as e:
        raise ConfigError(f"the cluster configuration {path} is not JSON: {e}") from None
    return parse_config(data, str(path))


def parse_config(data: object, where: str = "the configuration") -> ClusterConfig:
    if not isinstance(data, dict):
        raise ConfigError(f"{where} must be a JSON object with at least \"nodes\" and \"data_dir\"")
    nodes = data.get("nodes")
    if (not isinstance(nodes, dict) or not nodes
            or not all(isinstance(p, int) and 0 < p < 65536 for p in nodes.values())):
        raise ConfigError(f"{where}: \"nodes\" must map node ids to TCP ports, e.g. "
                          "{\"n1\": 7001, \"n2\": 7002, \"n3\": 7003}")
    if len(set(nodes.values())) != len(nodes):
        raise ConfigError(f"{where}: two nodes share a port: {nodes}")
    if not isinstance(data.get("data_dir"), str):
        raise ConfigError(f"{where}: \"data_dir\" must be a directory path (a string)")
    low, high = _pair(data.get("election_timeout", [0.6, 1.2]), where)
    try:
        variant = Variant(data.get("variant", "correct"))
    except ValueError:
        raise ConfigError(f"{where}: \"variant\" must be one of "
                          f"{', '.join(v.value for v in Variant)}") from None
    unknown = set(data) - KEYS
    if unknown:
        raise ConfigError(f"{where}: unknown keys {sorted(unknown)}; the keys are {sorted(KEYS)}")
    return ClusterConfig(nodes=dict(nodes), data_dir=data["data_dir"], election_timeout=(low, high),
                         heartbeat=_positive(data, "heartbeat", 0.1, where), variant=variant,
                         attempt_timeout=_positive(data, "attempt_timeout", 1.0, where),
                         op_timeout=_positive(data, "op_timeout", 4.0, where))


def _pair(value: object, where: str) -> tuple[float, float]:
    if (isinstance(value, list) and len(value) == 2 and all(isinstance(x, (int, float)) for x in value)
            and 0 < value[0] <= value[1]):
        return float(value[0]), float(value[1])
    raise ConfigError(f"{where}: \"election_timeout\" must be [low, high] in seconds, 0 < low <= high")


def _positive(data: dict, key: str, default: float, where: str) -> float:
    value = data.get(key, default)
    if not isinstance(value, (int, float)) or value <= 0:
        raise ConfigError(f"{where}: \"{key}\" must be a positive number of seconds")
    return float(value)
