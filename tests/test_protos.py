"""The protos are linted with buf, and the generated code is current."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BUF = REPO / "tools/node_modules/.bin/buf"


def test_generated_code_is_current() -> None:
    result = subprocess.run(
        [sys.executable, "tools/gen_protos.py", "--check"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def buf() -> Path:
    """buf from the pinned npm package in tools/, installed on first use."""
    if not BUF.exists():
        if not shutil.which("npm"):
            pytest.fail("buf is missing and npm is not installed: install Node.js and npm")
        subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--silent"],
            cwd=REPO / "tools",
            check=True,
        )
    return BUF


def test_buf_lint_passes(buf: Path) -> None:
    result = subprocess.run(
        [str(buf), "lint"], cwd=REPO / "protos", capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_buf_lint_catches_an_undocumented_field(buf: Path, tmp_path: Path) -> None:
    shutil.copytree(REPO / "protos", tmp_path / "protos")
    broken = tmp_path / "protos/credence/v1/article.proto"
    broken.write_text(broken.read_text().replace("  // The headline.\n", "", 1))
    result = subprocess.run(
        [str(buf), "lint"], cwd=tmp_path / "protos", capture_output=True, text=True, check=False
    )
    assert result.returncode != 0
    assert "title" in result.stdout
