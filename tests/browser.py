"""A headless Chromium for the viewer's tests and bench/viewer: Debian's chromium driven by
Playwright's Python package (no browser download: `executable_path` is the system's).
`missing()` says why there is none, for pytest.skip."""
from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
from typing import Iterator

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def missing() -> str | None:
    """Why no browser can be launched, or None."""
    if importlib.util.find_spec("playwright") is None:
        return "playwright is not installed (pip install -e '.[test]')"
    if not os.access(CHROMIUM, os.X_OK):
        return f"chromium is not installed ({CHROMIUM}; apt-get install chromium)"
    return None


@contextlib.contextmanager
def chromium() -> Iterator:
    """A launched browser (playwright.sync_api.Browser), closed on exit."""
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()
