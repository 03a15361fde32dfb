"""Fixtures of the native backend's tests: a shared build cache, and skipping (with the
reason) where native builds cannot be made."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from modelcheck.compile.native import native_problem  # noqa: E402

PROBLEM = native_problem()
needs_native = pytest.mark.skipif(PROBLEM is not None, reason=f"no native builds here: {PROBLEM}")


@pytest.fixture(scope="session")
def native_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("native-cache")
