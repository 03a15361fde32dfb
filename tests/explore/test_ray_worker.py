"""A Ray worker's actor class, built as Ray builds it in each worker process. Needs no Ray:
the class is plain Python until ray.remote wraps it, so a wrong constructor shows here even
where the optional extra (and with it tests/explore/test_ray_engine.py) is missing."""
from __future__ import annotations

from functools import partial

from conftest import PAXOS
from modelcheck import pipeline
from modelcheck.explore.ray_engine import _RayWorkerActor


def test_a_ray_worker_builds_its_model_and_serves_a_call():
    actor = _RayWorkerActor(partial(pipeline.load, PAXOS), ["Agreement"], True)
    assert actor.call("expand", (0,)) is not None
