"""The matcher's scaling benchmark (bench/matcher_scale.py) builds and measures a small
index end to end, so the figures `make bench` reports come from the matcher as it is."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import matcher_scale

pytestmark = pytest.mark.timeout(300)

CLAIMS = [
    "The Kremlin said two drones targeted President Vladimir Putin's residence overnight.",
    "Oil prices rose 3 percent on Tuesday after the cartel cut output.",
    "The central bank raised its main interest rate to 5.25 percent.",
]


def test_a_small_index_is_built_and_every_claim_is_matched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data_dir: Path
) -> None:
    monkeypatch.setattr(matcher_scale, "index_dir", lambda size: tmp_path / f"index-{size}")
    (tmp_path / "index-500").mkdir()
    info = matcher_scale._build(500, bulk=False)
    assert info["stories"] >= 450
    got = matcher_scale._measure(500, CLAIMS, rounds=1)
    assert got["stories"] == info["stories"]
    assert len(got["latencies"]) == len(CLAIMS)
    assert all(seconds > 0 for seconds in got["latencies"])
    assert got["evidence_per_claim"] >= 0
