"""Loading a snapshot: the two files must agree, and a broken one is a clear error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from services.wire_replay.records import SnapshotError, load_snapshot

RECORD = {
    "url": "https://example.com/a",
    "domain": "example.com",
    "title": "A title",
    "title_from": "page",
    "published": "2023-05-03",
    "lead": "LONDON (Reuters) - A lead.",
    "wire_origin": "reuters",
    "topic": "t",
}
ENTRY = {
    "url": "https://example.com/a",
    "url_mobile": "",
    "title": "A title",
    "seendate": "20230503T171400Z",
    "socialimage": "",
    "domain": "example.com",
    "language": "English",
    "sourcecountry": "",
}


def write(folder: Path, records: list[dict[str, str]], entries: list[dict[str, str]]) -> Path:
    (folder / "records.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    (folder / "gdelt_artlist.json").write_text(json.dumps({"articles": entries}))
    return folder


def test_loads_and_joins(tmp_path: Path) -> None:
    (record,) = load_snapshot(write(tmp_path, [RECORD], [ENTRY]))
    assert record.lead == RECORD["lead"]
    assert record.artlist.as_json() == ENTRY
    assert record.published_time == "2023-05-03T17:14:00Z"


def test_placeholder_noon_is_published_as_a_date(tmp_path: Path) -> None:
    entry = {**ENTRY, "seendate": "20230503T120000Z"}
    (record,) = load_snapshot(write(tmp_path, [RECORD], [entry]))
    assert record.published_time == "2023-05-03"


@pytest.mark.parametrize(
    ("records", "entries", "message"),
    [
        ([RECORD], [], "bad record"),
        ([RECORD, {**RECORD, "url": "https://example.com/b"}], [ENTRY], "bad record"),
        ([], [ENTRY], "has 0 records"),
        ([{**RECORD, "published": "May 3"}], [ENTRY], "bad record"),
    ],
)
def test_inconsistent_snapshots_are_refused(
    tmp_path: Path, records: list[dict[str, str]], entries: list[dict[str, str]], message: str
) -> None:
    with pytest.raises(SnapshotError, match=message):
        load_snapshot(write(tmp_path, records, entries))


def test_missing_files_are_named(tmp_path: Path) -> None:
    with pytest.raises(SnapshotError, match=r"records\.jsonl is missing"):
        load_snapshot(tmp_path)


def test_a_missing_snapshot_fails_under_ci_and_skips_locally(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.support.wire_replay import require_wire_snapshot

    monkeypatch.setenv("CREDENCE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CREDENCE_DATA_DIR"):
        require_wire_snapshot()
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception, match="recorded wire coverage is absent"):
        require_wire_snapshot()
