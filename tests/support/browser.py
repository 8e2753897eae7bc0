"""Debian's chromium for the browser tests (extension, status page), and where they save
their screenshots. Playwright drives this system browser; no browser build is downloaded."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.support.needs import BROWSER_INSTALL, missing
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
        if done.returncode != 0:
            missing(f"chromium (install failed: {done.stderr[-500:]})", BROWSER_INSTALL)
    return CHROMIUM
