"""`python -m services.wire_replay`: serves until SIGTERM/SIGINT and exits cleanly."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.support.processes import REPO


def _start(args: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "services.wire_replay", *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_file(path: Path, proc: subprocess.Popen[str], timeout_s: float = 60.0) -> str:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if path.is_file() and path.read_text().strip():
            return path.read_text().strip()
        if proc.poll() is not None:
            raise AssertionError(f"the replay exited early: {proc.communicate()}")
        time.sleep(0.05)
    proc.kill()
    raise AssertionError("the replay did not write its ready file")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_serves_until_signalled(wire_snapshot: Path, tmp_path: Path, sig: signal.Signals) -> None:
    ready = tmp_path / "ready"
    data_dir = wire_snapshot.parents[1]
    proc = _start(["--data-dir", str(data_dir), "--port", "0", "--ready-file", str(ready)])
    try:
        base = _wait_file(ready, proc)
        stats = httpx.get(base + "/_stats", timeout=10).json()
        assert stats["records"] == 40
    finally:
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert out.strip() == (
        f"wire replay serving recorded coverage at {base}"
        f" (snapshot of {wire_snapshot.name}, not live)"
    )


def test_missing_snapshot_is_a_clear_error(tmp_path: Path) -> None:
    proc = _start(["--data-dir", str(tmp_path)])
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2
    assert "records.jsonl is missing" in err


def test_refuses_a_non_loopback_address_without_opt_in(tmp_path: Path) -> None:
    proc = _start(["--data-dir", str(tmp_path), "--host", "0.0.0.0"])
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2
    assert "--allow-remote" in err
