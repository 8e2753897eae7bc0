"""The recorded coverage snapshot: `records.jsonl` joined with `gdelt_artlist.json`.

The replay answers every endpoint from these records, so they are loaded once, checked for
consistency (same URLs in both files) and kept as frozen values."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from services.wire_replay.query import Document

RECORDS_FILE = "records.jsonl"
ARTLIST_FILE = "gdelt_artlist.json"
DEFAULT_SNAPSHOT = Path("wire") / "coverage-kremlin-drone-2023-05"

# The snapshot's seendate is a placeholder noon UTC unless the page printed a time.
_PLACEHOLDER_TIME = "120000"


class SnapshotError(ValueError):
    """The snapshot folder is missing, unreadable or inconsistent."""


@dataclass(frozen=True)
class ArtlistEntry:
    """One article exactly as a GDELT DOC 2.0 `mode=artlist` answer lists it."""

    url: str
    url_mobile: str
    title: str
    seendate: str
    socialimage: str
    domain: str
    language: str
    sourcecountry: str

    def as_json(self) -> dict[str, str]:
        return {
            "url": self.url,
            "url_mobile": self.url_mobile,
            "title": self.title,
            "seendate": self.seendate,
            "socialimage": self.socialimage,
            "domain": self.domain,
            "language": self.language,
            "sourcecountry": self.sourcecountry,
        }


@dataclass(frozen=True)
class CoverageRecord:
    """One recorded story: its bibliographic record, its artlist entry, and what queries are
    matched against (title and lead, standing in for GDELT's full text)."""

    url: str
    domain: str
    title: str
    title_from: str
    published: date
    lead: str
    wire_origin: str
    topic: str
    artlist: ArtlistEntry
    document: Document

    @property
    def seen(self) -> datetime:
        """The artlist's seendate as an aware UTC datetime (GDELT filters and sorts on it)."""
        return datetime.strptime(self.artlist.seendate, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)

    @property
    def published_time(self) -> str:
        """ISO 8601 publication time: the full time when the page printed one, else the date."""
        if self.artlist.seendate[9:15] == _PLACEHOLDER_TIME:
            return self.published.isoformat()
        return self.seen.isoformat().replace("+00:00", "Z")


def snapshot_folder(data_dir: Path) -> Path:
    """The default snapshot inside a data folder."""
    return data_dir / DEFAULT_SNAPSHOT


def load_snapshot(folder: Path) -> tuple[CoverageRecord, ...]:
    """Reads and joins the two files of a snapshot folder, in the file's order."""
    records_path, artlist_path = folder / RECORDS_FILE, folder / ARTLIST_FILE
    for path in (records_path, artlist_path):
        if not path.is_file():
            raise SnapshotError(f"{path} is missing (expected {RECORDS_FILE} and {ARTLIST_FILE})")
    try:
        artlist = json.loads(artlist_path.read_text(encoding="utf-8"))["articles"]
        entries = {item["url"]: _artlist_entry(item) for item in artlist}
        rows = [
            json.loads(line)
            for line in records_path.read_text(encoding="utf-8").splitlines()
            if line.strip()
        ]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise SnapshotError(f"cannot read the snapshot in {folder}: {error}") from error
    records = tuple(_record(row, entries, records_path) for row in rows)
    if len(records) != len(entries):
        raise SnapshotError(
            f"{records_path} has {len(records)} records but {artlist_path} has {len(entries)}"
        )
    return records


def _artlist_entry(item: dict[str, str]) -> ArtlistEntry:
    return ArtlistEntry(
        url=item["url"],
        url_mobile=item["url_mobile"],
        title=item["title"],
        seendate=item["seendate"],
        socialimage=item["socialimage"],
        domain=item["domain"],
        language=item["language"],
        sourcecountry=item["sourcecountry"],
    )


def _record(row: dict[str, str], entries: dict[str, ArtlistEntry], path: Path) -> CoverageRecord:
    try:
        entry = entries[row["url"]]
        return CoverageRecord(
            url=row["url"],
            domain=row["domain"],
            title=row["title"],
            title_from=row["title_from"],
            published=date.fromisoformat(row["published"]),
            lead=row["lead"],
            wire_origin=row["wire_origin"],
            topic=row["topic"],
            artlist=entry,
            document=Document.of(f"{row['title']}\n{row['lead']}", entry.domain, entry.language),
        )
    except (KeyError, ValueError) as error:
        raise SnapshotError(f"bad record in {path}: {error} in {row.get('url', row)!r}") from error
