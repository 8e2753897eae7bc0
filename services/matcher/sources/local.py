"""Adapters over corpora in the data folder: Reuters-21578 (1987 Reuters newswire),
FNC-1 article bodies, and the CheckThat! 2020 Snopes fact-checks. They fill the embedded
index without any network access."""

from __future__ import annotations

import csv
import html
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path

from services.matcher.sources.base import SourceError
from services.matcher.stories import StoryRecord

_RECORD = re.compile(r"<REUTERS\b(?P<attrs>[^>]*)>(?P<inner>.*?)</REUTERS>", re.DOTALL)
_CONTROL = re.compile(r"&#\d+;|[\x00-\x08\x0b-\x1f]")


def _tag(inner: str, name: str) -> str:
    found = re.search(rf"<{name}\b[^>]*>(.*?)</{name}>", inner, re.DOTALL)
    return found.group(1) if found else ""


def _clean(text: str) -> str:
    text = _CONTROL.sub("", text)
    text = re.sub(r"\s*\bReuter\s*$", "", html.unescape(text).strip())
    return re.sub(r"[ \t]+", " ", text).strip()


_REUTERS_DATE = re.compile(r"(\d{1,2}-[A-Za-z]{3}-\d{4})\s+(\d{1,3}):(\d{2}):(\d{2})")


def _reuters_date(raw: str) -> datetime | None:
    """The story's date: "26-FEB-1987 15:01:01.79", or " 5-MAR-1987 09:19:32.08&#5;T C"
    (single-digit days and trailing control codes occur in a third of the stories)."""
    found = _REUTERS_DATE.search(raw)
    if found is None:
        return None
    try:
        day = datetime.strptime(found.group(1), "%d-%b-%Y").replace(tzinfo=UTC)
    except ValueError:
        return None
    hour, minute, second = (int(part) for part in found.groups()[1:])
    # One story says "605:12:19": the day is sure, the time of day is not.
    return day.replace(hour=hour, minute=minute, second=second) if hour < 24 else day


class ReutersAdapter:
    """Reuters-21578 SGML files (read as Latin-1, parsed leniently)."""

    name = "reuters21578"

    def __init__(self, folder: Path, limit: int | None = None) -> None:
        self.folder = folder
        self.limit = limit

    def stories(self) -> Iterator[StoryRecord]:
        return islice(self._all(), self.limit)

    def _all(self) -> Iterator[StoryRecord]:
        files = sorted(self.folder.glob("reut2-*.sgm"))
        if not files:
            raise SourceError(self.name, f"no reut2-*.sgm files in {self.folder}")
        for path in files:
            for record in _RECORD.finditer(path.read_text(encoding="latin-1")):
                story = self._story(record.group("attrs"), record.group("inner"))
                if story is not None:
                    yield story

    def _story(self, attrs: str, inner: str) -> StoryRecord | None:
        body = _clean(_tag(inner, "BODY"))
        title = _clean(_tag(inner, "TITLE"))
        if not body:
            return None
        newid = re.search(r'NEWID="(\d+)"', attrs)
        return StoryRecord(
            outlet="Reuters",
            title=title,
            body=body,
            source=self.name,
            published_at=_reuters_date(_tag(inner, "DATE")),
            id=f"reuters21578-{newid.group(1)}" if newid else "",
        )


class Fnc1BodiesAdapter:
    """The FNC-1 article bodies (news stories of 2014-2015, no outlet or date given)."""

    name = "fnc1"

    def __init__(self, bodies_csv: Path, limit: int | None = None) -> None:
        self.path = bodies_csv
        self.limit = limit

    def stories(self) -> Iterator[StoryRecord]:
        return islice(self._all(), self.limit)

    def _all(self) -> Iterator[StoryRecord]:
        if not self.path.is_file():
            raise SourceError(self.name, f"{self.path} not found")
        with self.path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                body = row["articleBody"].strip()
                if body:
                    first = body.split("\n", 1)[0][:200]
                    yield StoryRecord(
                        outlet="FNC-1",
                        title=first,
                        body=body,
                        source=self.name,
                        id=f"fnc1-{row['Body ID']}",
                    )


class CheckThatAdapter:
    """CheckThat! 2020 verified claims: Snopes fact-checks (claim and article title)."""

    name = "checkthat2020"

    def __init__(self, docs_tsv: Path, limit: int | None = None) -> None:
        self.path = docs_tsv
        self.limit = limit

    def stories(self) -> Iterator[StoryRecord]:
        return islice(self._all(), self.limit)

    def _all(self) -> Iterator[StoryRecord]:
        for vclaim_id, vclaim, title in read_vclaims(self.path):
            yield StoryRecord(
                outlet="Snopes",
                title=title,
                body=vclaim,
                source=self.name,
                id=f"checkthat2020-{vclaim_id}",
            )


def read_vclaims(path: Path) -> list[tuple[str, str, str]]:
    """(vclaim_id, vclaim, title) rows of `verified_claims.docs.tsv` (quote-aware)."""
    if not path.is_file():
        raise SourceError("checkthat2020", f"{path} not found")
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter="\t")
        next(reader, None)
        return [(r[0], r[1], r[2] if len(r) > 2 else "") for r in reader if len(r) >= 2]
