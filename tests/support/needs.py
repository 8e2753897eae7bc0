"""What a test needs from outside the repo (the data folder, a browser, PyTorch, a tool):
under CI (`CI=true`) a missing need fails the test with the command that installs it, so
nothing is skipped unnoticed; on a developer's machine the test skips with that command as
its reason."""

from __future__ import annotations

import importlib
import os
import shutil
from pathlib import Path
from types import ModuleType
from typing import NoReturn

import pytest

from services.common.config import Settings

DATA_INSTALL = (
    "put the data folder at ../shared/data or set CREDENCE_DATA_DIR to it "
    "(rating lists alone: .venv/bin/credence ratings download)"
)
BROWSER_INSTALL = "tools/ensure_test_tools.sh (apt-get install chromium fonts-liberation)"
PLAYWRIGHT_INSTALL = "make install (playwright is in the dev extra)"
TORCH_INSTALL = "make install-train (pip install -c constraints.txt -e '.[train]')"
PROMTOOL_INSTALL = "tools/ensure_test_tools.sh (apt-get install prometheus)"


def under_ci() -> bool:
    """True when the suite runs under CI, where nothing may skip."""
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def fail_or_skip(message: str) -> NoReturn:
    """Fails under CI, skips elsewhere, with `message` (which says how to install the need)."""
    if under_ci():
        pytest.fail(f"CI=true and {message}", pytrace=False)
    pytest.skip(message)


def missing(what: str, install: str) -> NoReturn:
    """Fails under CI, skips elsewhere; both name `what` is missing and how to install it."""
    fail_or_skip(f"{what} is missing; install with: {install}")


def need_module(name: str, install: str) -> ModuleType:
    """The imported module `name` (in place of `pytest.importorskip`)."""
    try:
        return importlib.import_module(name)
    except ImportError:
        missing(f"the Python module {name}", install)


def need_path(path: Path, what: str, install: str = DATA_INSTALL) -> Path:
    """`path` when it exists (a file or folder of the data folder, usually)."""
    if not path.exists():
        missing(f"{what} ({path})", install)
    return path


def need_data(*parts: str) -> Path:
    """A path inside the configured data folder, which must exist."""
    path = Settings().data_dir.joinpath(*parts)
    return need_path(path, "the data folder's " + ("/".join(parts) or "root"))


def need_program(name: str, install: str) -> str:
    """The full path of the program `name` on PATH."""
    found = shutil.which(name)
    if found is None:
        missing(f"the program {name}", install)
    return found
