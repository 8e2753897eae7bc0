"""The recorded wire coverage served on loopback: `wire_snapshot` (the folder) and
`wire_replay` (a started replay, one per test module), for any test that searches wire
coverage. Registered for the whole suite in `tests/conftest.py`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from services.common.config import Settings
from services.wire_replay import WireReplay
from services.wire_replay.records import ARTLIST_FILE, RECORDS_FILE, snapshot_folder
from tests.support.needs import fail_or_skip


def snapshot_missing_message(folder: Path) -> str:
    return (
        f"the recorded wire coverage is absent: {folder} must hold {RECORDS_FILE} and"
        f" {ARTLIST_FILE}. It ships with the shared data sets (wire/ in the data folder):"
        " set CREDENCE_DATA_DIR to that folder (default ../shared/data beside the checkout)."
    )


def require_wire_snapshot() -> Path:
    """The snapshot folder; without it the test fails under CI=true and skips otherwise."""
    folder = snapshot_folder(Settings().data_dir)
    if not (folder / RECORDS_FILE).is_file() or not (folder / ARTLIST_FILE).is_file():
        fail_or_skip(snapshot_missing_message(folder))
    return folder


@pytest.fixture(scope="session")
def wire_snapshot() -> Path:
    """The folder of the recorded coverage of the Kremlin drone event (May 2023)."""
    return require_wire_snapshot()


@pytest.fixture(scope="module")
def wire_replay(wire_snapshot: Path) -> Iterator[WireReplay]:
    """A started replay of the recorded coverage; faults are cleared after each module."""
    with WireReplay(wire_snapshot) as replay:
        yield replay
