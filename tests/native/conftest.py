"""Fixtures of the native backend's tests: one build cache for the session."""
from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def native_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("native-cache")
