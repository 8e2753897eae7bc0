"""Debian's chromium for the browser tests (extension, status page), and where they save
their screenshots. Playwright drives this system browser; no browser build is downloaded."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.support.processes import REPO

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = REPO / "test-artifacts"


INSTALL_HINT = "sudo apt-get install -y chromium fonts-liberation (or: tools/ensure_test_tools.sh)"


def _missing(what: str) -> None:
    """Fails under CI=true (nothing skips there), else skips with the reason."""
    message = f"{what}; install with: {INSTALL_HINT}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


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
            _missing(f"chromium is not installed and could not be: {done.stderr[-500:]}")
    return CHROMIUM


def playwright_sync_api() -> Any:
    """playwright.sync_api (a dev dependency), failing under CI=true when it is missing."""
    try:
        from playwright import sync_api
    except ImportError:
        _missing("the playwright package is missing (make install)")
    return sync_api
