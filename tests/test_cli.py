"""The `credence` command as a person runs it: embedded scoring of the sample article, and
clear errors on stderr with a non-zero exit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SAMPLE_URL = "https://www.globalresearch.ca/kremlin-under-drone-attack/5817979"

pytestmark = pytest.mark.timeout(240)


def credence(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("CREDENCE_")}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "services.cli", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        env=full_env,
        check=False,
        timeout=200,
    )


def test_help_lists_the_commands() -> None:
    result = credence("--help")
    assert result.returncode == 0
    for command in ("score", "fetch", "source"):
        assert command in result.stdout


def test_score_sample_article_embedded(data_dir: Path, tmp_path: Path) -> None:
    sample = data_dir / "samples/globalresearch-kremlin-drone-2023.txt"
    result = credence(
        "score",
        str(sample),
        "--url",
        SAMPLE_URL,
        "--json",
        env={"CREDENCE_STATE_DIR": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert 0 <= report["score"] <= 100
    assert report["domain"] == "globalresearch.ca"
    used = [s for s in report["signals"] if s.get("available")]
    assert used, report
    for signal in used:
        assert signal.get("reasons"), signal


def test_score_sample_article_readable(data_dir: Path, tmp_path: Path) -> None:
    sample = data_dir / "samples/globalresearch-kremlin-drone-2023.txt"
    result = credence(
        "score", str(sample), "--url", SAMPLE_URL, env={"CREDENCE_STATE_DIR": str(tmp_path)}
    )
    assert result.returncode == 0, result.stderr
    assert "Score " in result.stdout and "/100" in result.stdout
    assert "Source reputation" in result.stdout


def test_missing_file_is_a_clear_error() -> None:
    result = credence("score", "no/such/file.html")
    assert result.returncode == 2
    assert "TARGET" in result.stderr and "neither an http(s) URL nor a file" in result.stderr
    assert "Traceback" not in result.stderr


def test_blocked_url_is_a_clear_error_in_json() -> None:
    result = credence("score", "http://127.0.0.1:9/x", "--json")
    assert result.returncode != 0
    error = json.loads(result.stderr.strip().splitlines()[-1])["error"]
    assert error["reason"] == "FETCH_BLOCKED_PRIVATE_ADDRESS"
    assert "Traceback" not in result.stderr
