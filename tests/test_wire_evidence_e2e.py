"""`credence score` on the sample article with wire evidence searched on demand: against the
replay of the recorded coverage, against a closed port, and with the search off."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from services.wire_replay import WireReplay

SAMPLE_URL = (
    "https://www.globalresearch.ca/kremlin-under-drone-attack-failed-attempt-assassinate"
    "-president-putin/5817979"
)
FOUND = {"VERDICT_SUPPORTED", "VERDICT_DISCUSSED", "VERDICT_CONTRADICTED"}


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _score(data_dir: Path, tmp_path: Path, **env: str) -> dict[str, Any]:
    sample = data_dir / "samples" / "globalresearch-kremlin-drone-2023.txt"
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CREDENCE_")}
    environment.update(
        CREDENCE_DATA_DIR=str(data_dir),
        CREDENCE_STATE_DIR=str(tmp_path),
        CREDENCE_JOB_TIMEOUT_S="600",
        CREDENCE_LOG_LEVEL="WARNING",
        **env,
    )
    done = subprocess.run(
        [sys.executable, "-m", "services.cli", "score", str(sample), "--url", SAMPLE_URL, "--json"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def _corroboration(report: dict[str, Any]) -> dict[str, Any]:
    (signal,) = [s for s in report["signals"] if s["kind"] == "SIGNAL_KIND_CORROBORATION"]
    return signal


@pytest.mark.slow
def test_sample_with_recorded_coverage_down_and_off(
    data_dir: Path, wire_replay: WireReplay, tmp_path: Path
) -> None:
    replayed = _score(
        data_dir,
        tmp_path / "replay",
        CREDENCE_WIRE_SEARCH="true",
        CREDENCE_GDELT_URL=wire_replay.gdelt_url,
        CREDENCE_WIRE_PAGE_MIRROR=wire_replay.page_mirror_url,
        CREDENCE_ALLOW_LOOPBACK="true",
        CREDENCE_OBEY_ROBOTS="false",
        CREDENCE_WIRE_SEARCH_BUDGET_S="60",
    )
    assert replayed["score"] < 40
    coverage = replayed["coverage"]
    assert len(coverage["stories"]) >= 4
    assert all(s["url"].startswith("https://") for s in coverage["stories"])
    assert any("rating_score" in s for s in coverage["stories"])
    assert coverage["searched"] and coverage["searched"][0].startswith("gdelt searched")
    reasons = " ".join(_corroboration(replayed)["reasons"])
    assert "Wire sources: gdelt searched" in reasons
    sourcing = " ".join(
        r for s in replayed["signals"] if s["kind"] == "SIGNAL_KIND_SOURCING" for r in s["reasons"]
    )
    assert "MNBC" in sourcing and "a matching Reuters story was found" in sourcing

    down = _score(
        data_dir,
        tmp_path / "down",
        CREDENCE_WIRE_SEARCH="true",
        CREDENCE_GDELT_URL=f"http://127.0.0.1:{_closed_port()}/api/v2/doc/doc",
    )
    signal = _corroboration(down)
    assert not signal.get("available", False)
    assert "could be checked against wire reports" in signal["reasons"][0]
    assert "gdelt unreachable" in " ".join(signal["reasons"])

    off = _score(data_dir, tmp_path / "off", CREDENCE_WIRE_SEARCH="false")
    # "Not checked" never lowers the score: down scores as the search being off.
    assert down["score"] == off["score"]
