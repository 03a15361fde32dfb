"""Conformance as ordinary pytest tests: one test per trace file, one per simulated seed.

    import pytest
    from modelcheck.conform.testing import trace_params, check_trace, check_executions

    @pytest.mark.parametrize("trace", trace_params("traces/raft/coverage"))
    def test_raft_follows_the_spec(trace):
        check_trace("impl.adapters.raft:RaftAdapter", trace)

    @pytest.mark.parametrize("seed", range(20))
    def test_raft_executions_are_spec_behaviours(seed):
        check_executions("impl.adapters.raft:RaftAdapter", "specs/raft.spec", seeds=[seed])

A failing test prints the divergence: the trace (or seed), the step, the action and the
per-variable diff. pytest is imported only when these functions run.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable, Union

from .adapter import Adapter
from .replay import load_adapter, replay_trace
from .tracefiles import TraceFile, read_trace, trace_paths

AdapterRef = Union[str, type]


def _adapter(ref: AdapterRef) -> type[Adapter]:
    return load_adapter(ref) if isinstance(ref, str) else ref


def trace_params(location: Union[str, Path]) -> list:
    """pytest params, one per trace file at `location` (a file or a directory), with the
    file's name as the test id."""
    import pytest
    return [pytest.param(p, id=p.name.replace(".itf.json", "")) for p in trace_paths(location)]


def check_trace(adapter: AdapterRef, trace: Union[str, Path, TraceFile]) -> None:
    """Replay one trace file against the implementation; fail the test at a divergence."""
    import pytest
    f = trace if isinstance(trace, TraceFile) else read_trace(trace)
    outcome = replay_trace(_adapter(adapter), f.trace, f.constants, str(f.path), f.refused)
    if not outcome.ok:
        pytest.fail(outcome.divergence.render(), pytrace=False)


def check_executions(adapter: AdapterRef, spec: Union[str, Path], seeds: Iterable[int], events: int | None = None,
                     consts: dict[str, str] | None = None) -> int:
    """Run the implementation for each seed and check every step against the spec; fail
    the test at the first step the spec does not allow. Returns the number of events checked."""
    import pytest
    from .validate import validate
    report = validate(_adapter(adapter), spec, seeds, events, consts)
    if not report.ok:
        pytest.fail(report.failure.render(), pytrace=False)
    return report.events
