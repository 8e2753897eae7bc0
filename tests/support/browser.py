"""Debian's chromium for the browser tests (extension, status page), and where they save
their screenshots. Playwright drives this system browser; no browser build is downloaded.
A missing browser or Playwright fails under CI=true and skips elsewhere (tests.support.needs)."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from tests.support.needs import BROWSER_INSTALL, PLAYWRIGHT_INSTALL, missing, need_module
from tests.support.processes import REPO

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = REPO / "test-artifacts"


def ensure_chromium() -> Path:
    """The chromium binary, installed through apt when missing (tools/ensure_test_tools.sh)."""
    if not CHROMIUM.exists():
        done = subprocess.run(
            ["bash", str(REPO / "tools/ensure_test_tools.sh")],
            check=False,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0 or not CHROMIUM.exists():
            missing(f"chromium (install failed: {done.stderr[-500:]})", BROWSER_INSTALL)
    return CHROMIUM


def playwright_sync_api() -> Any:
    """playwright.sync_api (a dev dependency)."""
    return need_module("playwright.sync_api", PLAYWRIGHT_INSTALL)
