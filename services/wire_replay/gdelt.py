"""`GET /api/v2/doc/doc`: GDELT DOC 2.0 `mode=artlist&format=json` over the snapshot.

As the real API: parameter names in any case; `maxrecords` 75 by default, at most 250;
`startdatetime`/`enddatetime` (`YYYYMMDDHHMMSS`, UTC, end exclusive) filter on seendate and
win over `timespan` (`15min`, `24h`, `7d`, `2w`, `3m`), which counts back from now; with
neither, the last 3 months before now (so a query without dates finds nothing in an old
snapshot, as it would live); nothing found is `{}`; a refused query is an HTTP 200
plain-text sentence with a text/html content type. `sort=dateasc` or `datedesc` (the
default; GDELT's relevance and tone orders cannot be reproduced, so they fall back to it)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

from services.wire_replay.query import QueryError, parse_gdelt
from services.wire_replay.records import CoverageRecord
from services.wire_replay.replies import HTML_TYPE, Reply

PATH = "/api/v2/doc/doc"
DEFAULT_MAX_RECORDS = 75
MAX_RECORDS = 250
DEFAULT_WINDOW = timedelta(days=90)

_TIMESPAN = re.compile(r"^(\d+)\s*(min|mins|minutes?|h|hours?|d|days?|w|weeks?|m|months?)$")
_UNIT = {"min": 1, "h": 60, "d": 1440, "w": 10080, "m": 43200}


def artlist(params: Mapping[str, str], records: Sequence[CoverageRecord], now: datetime) -> Reply:
    """The answer to one artlist request."""
    try:
        _check_mode_and_format(params)
        query = parse_gdelt(params.get("query", ""))
        start, end = _window(params, now)
    except QueryError as refusal:
        return Reply.text(str(refusal), content_type=HTML_TYPE)
    found = [r for r in records if start <= r.seen < end and query.matches(r.document)]
    newest_first = params.get("sort", "datedesc").casefold() != "dateasc"
    found.sort(key=lambda r: r.seen, reverse=newest_first)
    found = found[: _max_records(params.get("maxrecords", ""))]
    if not found:
        return Reply.json({})
    return Reply.json({"articles": [r.artlist.as_json() for r in found]})


def _check_mode_and_format(params: Mapping[str, str]) -> None:
    mode = params.get("mode", "artlist").casefold()
    if mode != "artlist":
        raise QueryError(
            f"The wire replay serves only mode=ArtList, not mode={params['mode']} (GDELT's"
            " timeline and image modes need data the recorded snapshot does not hold)."
        )
    fmt = params.get("format", "")
    if fmt.casefold() != "json":
        raise QueryError(
            f"The wire replay serves only format=json, not format={fmt or '(none: HTML)'}."
        )


def _window(params: Mapping[str, str], now: datetime) -> tuple[datetime, datetime]:
    span_text = params.get("timespan", "")
    span = _timespan(span_text) if span_text else DEFAULT_WINDOW
    start_text, end_text = params.get("startdatetime", ""), params.get("enddatetime", "")
    if start_text or end_text:
        end = _datetime("ENDDATETIME", end_text) if end_text else now
        start = _datetime("STARTDATETIME", start_text) if start_text else end - DEFAULT_WINDOW
        return start, end
    return now - span, now


def _datetime(name: str, text: str) -> datetime:
    try:
        if len(text) != 14 or not text.isdigit():
            raise ValueError(text)
        return datetime.strptime(text, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        raise QueryError(
            f"The wire replay could not read {name}={text}: it takes YYYYMMDDHHMMSS in UTC."
        ) from None


def _timespan(text: str) -> timedelta:
    match = _TIMESPAN.match(text.strip().casefold())
    if not match:
        raise QueryError(
            f"The wire replay could not read TIMESPAN={text}: it takes a number and one of"
            " min, h, d, w, m (months), as in 15min, 24h, 7d, 2w or 3m."
        )
    unit = match.group(2)
    key = "min" if unit.startswith("min") else unit[0]
    return timedelta(minutes=int(match.group(1)) * _UNIT[key])


def _max_records(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        return DEFAULT_MAX_RECORDS
    return max(1, min(value, MAX_RECORDS))
