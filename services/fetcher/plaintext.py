"""The article in plain text a caller already holds (often text copied from a page, with
its share buttons and disclaimers): the first non-empty line is the title, boilerplate lines
go, "First published on ..., Updated on ..." lines give the dates (in English here, in the
other major European languages through `datelines`), and the language is identified from
the text."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from services.fetcher import datelines, errors, pagefields
from services.fetcher.article import Draft
from services.fetcher.boilerplate import strip_boilerplate
from services.fetcher.citations import parse_date
from services.fetcher.page_signals import text_signals

_MONTH_DAY = (
    r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?"
    r"(?:,?\s+\d{4})?"
)
_PUBLISHED = re.compile(rf"\bpublished(?:\s+on)?\s*:?\s*(?P<date>{_MONTH_DAY})", re.I)
_UPDATED = re.compile(rf"\b(?:updated|modified)(?:\s+on)?\s*:?\s*(?P<date>{_MONTH_DAY})", re.I)
_YEAR = re.compile(r"\d{4}$")
_DATE_LINE_LIMIT = 120


def extract_text(text: str, url: str) -> Draft:
    """The draft article of plain text published at `url` (may be empty)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    title_index = next((i for i, line in enumerate(lines) if line.strip()), None)
    if title_index is None:
        raise errors.no_article_text()
    title = lines[title_index].strip()
    rest = lines[title_index + 1 :]
    published, updated = _dates(rest)
    body = [line for line in rest if not _is_date_line(line)]
    cleaned = strip_boilerplate("\n".join(body))
    if not cleaned.text:
        raise errors.no_article_text()
    return Draft(
        url=url,
        text=cleaned.text,
        title=title,
        byline=cleaned.author,
        published=published,
        updated=updated,
        language=pagefields.language("", cleaned.text),
        signals=text_signals(text),
    )


def _is_date_line(line: str) -> bool:
    return len(line) < _DATE_LINE_LIMIT and bool(
        _PUBLISHED.search(line) or _UPDATED.search(line) or datelines.holds_date(line)
    )


def _dates(lines: list[str]) -> tuple[datetime | None, datetime | None]:
    """Publish and update dates from the first date line; an English date without a year
    borrows the other's year."""
    for line in lines[:40]:
        if not _is_date_line(line):
            continue
        published = _match(_PUBLISHED, line)
        updated = _match(_UPDATED, line)
        years = [m.group(0) for m in (_YEAR.search(d) for d in (updated, published)) if m]
        year = years[0] if years else str(datetime.now(UTC).year)
        return (
            _parse(published, year) or datelines.published(line),
            _parse(updated, year) or datelines.updated(line),
        )
    return None, None


def _match(pattern: re.Pattern[str], line: str) -> str:
    match = pattern.search(line)
    return match.group("date") if match else ""


def _parse(value: str, year: str) -> datetime | None:
    if not value:
        return None
    if not _YEAR.search(value):
        value = f"{value.rstrip(', ')}, {year}"
    return parse_date(value)
