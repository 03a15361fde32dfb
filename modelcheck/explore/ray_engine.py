"""The partitioned search of parallel.py on a Ray cluster (`--engine ray`).

Only the transport differs from the local engine: workers are Ray actors instead of forked
processes, and each builds its own copy of the compiled spec from a picklable recipe (the
spec path and constants), because a compiled model holds generated code that cannot be
sent between machines. The coordinator's algorithm — and so the counts, the first
violation and its trace — is parallel.py's, unchanged.

With the native backend (native_ray_bfs) each actor builds the spec's shared object too and
expands and checks its states in C (native/ray_worker.py); the coordinator is the same, with
the native fingerprints and search.c's counts at a stop (--max-states included).

Ray is an optional dependency: `pip install '.[ray]'`. `address=None` starts a local Ray
instance; give the address of a running cluster (`ray start --head`) to use one.
"""
from __future__ import annotations

import os
from typing import Any, Callable, Sequence

from .bfs import Limits, NullReporter, Reporter
from .model import Model
from .native.driver import NativeSearch
from .native.ray_worker import NativeFingerprints, NativeWorker
from .parallel import _Coordinator, _Worker
from .result import CheckResult


class RayUnavailable(Exception):
    """Ray is not installed, or no cluster answers at the given address."""


class RayWorkerFailed(Exception):
    """An actor failed: str(e) is the exception it raised (e.g. no C compiler on its node)."""


def ray_bfs(model: Model, workers: int, factory: Callable[[], Any], invariants: Sequence[str] | None = None,
            limits: Limits = Limits(), reporter: Reporter = NullReporter(),
            address: str | None = None) -> CheckResult:
    """`factory()` must return an object with a `.model` equal to `model` (e.g. a
    functools.partial of pipeline.load); it runs once in each Ray worker."""
    names = list(model.invariant_names if invariants is None else invariants)
    return _RayCoordinator(model, workers, names, limits, reporter, factory, address).run()


def native_ray_bfs(native: NativeSearch, workers: int, factory: Callable[[], NativeSearch],
                   invariants: Sequence[str] | None = None, limits: Limits = Limits(),
                   reporter: Reporter = NullReporter(), address: str | None = None) -> CheckResult:
    """The same search with native workers (`--engine ray --backend native`): each actor
    expands and checks its states in C (native/ray_worker.py). `factory()` must return the
    native search of the spec of `native` (e.g. a functools.partial of
    pipeline.native_search_of); it runs once in each Ray worker, which compiles the spec's C
    unless build.py's cache there has it. The counts at a stop are the native search's."""
    names = list(native.model.invariant_names if invariants is None else invariants)
    return _NativeRayCoordinator(NativeFingerprints(native), workers, names, limits, reporter, factory,
                                 address).run()


class _RayWorkerActor:
    """One worker: builds the model from the recipe, then serves parallel.py's calls."""

    def __init__(self, factory: Callable[[], Any], invariants: list[str], check_deadlock: bool):
        # no temporal properties: pipeline refuses them with --engine ray
        self.worker = _Worker(factory().model, invariants, check_deadlock, [])

    def call(self, method: str, args: tuple):
        return self.worker.serve(method, args)


class _NativeRayWorkerActor(_RayWorkerActor):
    """One native worker: builds the spec's shared object, then serves the calls in C."""

    def __init__(self, factory: Callable[[], NativeSearch], invariants: list[str], check_deadlock: bool):
        self.worker = NativeWorker(factory(), invariants, check_deadlock)


class _RayCoordinator(_Coordinator):
    actor_class: type = _RayWorkerActor

    def __init__(self, model, workers, invariants, limits, reporter, factory, address):
        super().__init__(model, workers, invariants, limits, reporter)
        self.factory = factory
        self.address = address
        self.actors: list = []
        self.started_ray = False

    def _start(self) -> None:
        try:
            import ray
        except ImportError:
            raise RayUnavailable("Ray is not installed: pip install 'modelcheck[ray]'") from None
        if not ray.is_initialized():
            try:
                local = {} if self.address else {"num_cpus": max(self.n, os.cpu_count() or 1)}
                ray.init(address=self.address, include_dashboard=False, log_to_driver=False,
                         configure_logging=False, **local)
            except ConnectionError as e:
                raise RayUnavailable(f"no Ray cluster at {self.address}: {e}") from None
            self.started_ray = True
        actor = ray.remote(num_cpus=1)(self.actor_class)
        self.actors = [actor.remote(self.factory, self.invariant_names, self.limits.check_deadlock)
                       for _ in range(self.n)]

    def _call_all(self, method: str, args_per_worker: list[tuple]) -> list:
        return self._get([a.call.remote(method, args) for a, args in zip(self.actors, args_per_worker)])

    def _call(self, worker: int, method: str, args: tuple):
        return self._get(self.actors[worker].call.remote(method, args))

    @staticmethod
    def _get(refs):
        import ray
        try:
            return ray.get(refs)
        except ray.exceptions.RayError as e:
            raise RayWorkerFailed(_raised(str(e)) or type(e).__name__) from None

    def _shutdown(self) -> None:
        try:
            import ray
        except ImportError:
            return
        for a in self.actors:
            ray.kill(a)
        if self.started_ray:
            ray.shutdown()


def _raised(ray_text: str) -> str:
    """The exception an actor raised, from Ray's text of its traceback: the unindented lines
    after the last frame."""
    lines = ray_text.splitlines()
    frames = [i for i, line in enumerate(lines) if line.startswith('  File "')]
    after = lines[frames[-1] + 1:] if frames else lines
    return "\n".join(line for line in after if line.strip() and not line[0].isspace())


class _NativeRayCoordinator(_RayCoordinator):
    """With native workers; `model` has the native fingerprints (NativeFingerprints). Counts
    at a stop are search.c's, which are the Python explorer's."""
    actor_class = _NativeRayWorkerActor
