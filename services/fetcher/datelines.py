"""Publication and update dates written out in the text, in the major European languages:
"Published on May 3, 2023", "Publié le 3 mai 2023", "Veröffentlicht am 3. Mai 2023",
"Publicado el 3 de mayo de 2023", "Pubblicato il 3 maggio 2023", "Atualizado em 4 de maio
de 2023", "Gepubliceerd op 3 mei 2023".

A date is looked for only right after one of a few hint words (a substring search over the
lower-cased text, so a page without them costs next to nothing), and the words found there
are read by dateparser in the hint's language: no month names are kept here. The time of
day is not read; a date is midnight UTC, as the other dates of the fetcher."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import dateparser

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class Hint:
    """A word that introduces a date line, and the languages the date after it is in."""

    word: str
    languages: tuple[str, ...]


PUBLISHED_HINTS = (
    Hint("published", ("en",)),
    Hint("publié", ("fr",)),
    Hint("veröffentlicht", ("de",)),
    Hint("publicad", ("es", "pt")),
    Hint("pubblicat", ("it",)),
    Hint("gepubliceerd", ("nl",)),
)
UPDATED_HINTS = (
    Hint("updated", ("en",)),
    Hint("mis à jour", ("fr",)),
    Hint("mise à jour", ("fr",)),
    Hint("actualisé", ("fr",)),
    Hint("aktualisiert", ("de",)),
    Hint("actualizad", ("es",)),
    Hint("atualizad", ("pt",)),
    Hint("aggiornat", ("it",)),
    Hint("bijgewerkt", ("nl",)),
)

_WORD = r"[^\W\d_]"
_DATE = (
    # 3 mai 2023, 3. Mai 2023, 3 de mayo de 2023, 1er juin 2023, 3 May 2023
    rf"\d{{1,2}}(?:er|º|ª|\.)?\s+(?:de\s+)?{_WORD}{{3,12}}\.?,?\s+(?:de\s+)?\d{{4}}"
    # May 3, 2023
    rf"|{_WORD}{{3,12}}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
    # 03.05.2023, 03/05/2023
    r"|\d{1,2}[./]\d{1,2}[./]\d{4}"
    r"|\d{4}-\d{2}-\d{2}"
)
# What may stand between the hint and the date: the rest of the hint's word ("publiée",
# "aggiornato"), punctuation, a preposition, a weekday.
_AFTER_HINT = re.compile(
    rf"{_WORD}{{0,3}}[\s:,.\-–—]*"
    r"(?:(?:on|le|am|el|em|il|op|den|at)\s+)?"
    rf"(?:{_WORD}{{2,12}}\.?,?\s+)?"
    r"(?:(?:le|am|den|el|il|op)\s+)?"
    rf"(?P<date>{_DATE})"
)
_REACH = 80
_MAX_OCCURRENCES = 8
_SETTINGS = {"REQUIRE_PARTS": ["day", "month", "year"], "RETURN_AS_TIMEZONE_AWARE": False}
_EARLIEST_YEAR = 1990


def published(text: str) -> datetime | None:
    """The first publication date introduced by a hint word ("Publié le 3 mai 2023")."""
    return _first(text.lower(), PUBLISHED_HINTS)


def updated(text: str) -> datetime | None:
    """The first update date introduced by a hint word ("mis à jour le 4 mai 2023")."""
    return _first(text.lower(), UPDATED_HINTS)


def holds_date(line: str) -> bool:
    """Whether the line gives a publication or update date."""
    lowered = line.lower()
    return bool(_first(lowered, PUBLISHED_HINTS) or _first(lowered, UPDATED_HINTS))


def read_date(fragment: str, languages: tuple[str, ...]) -> datetime | None:
    """A written date ("3 de mayo de 2023") in one of `languages`, as midnight UTC; None when
    it is not a date, lacks a day, month or year, or lies in the future."""
    try:
        parsed = dateparser.parse(fragment, languages=list(languages), settings=_SETTINGS)
    except Exception as error:  # a third-party parser on hostile input: never crash on it
        _LOGGER.warning("dateparser failed: %s", type(error).__name__)
        return None
    if parsed is None:
        return None
    day = datetime(parsed.year, parsed.month, parsed.day, tzinfo=UTC)
    if day.year < _EARLIEST_YEAR or day > datetime.now(UTC) + timedelta(days=1):
        return None
    return day


def warm_up() -> None:
    """Loads dateparser's language data now, so the first page in a language does not pay."""
    for hint in (*PUBLISHED_HINTS, *UPDATED_HINTS):
        read_date("3 5 2023", hint.languages)


def _first(lowered: str, hints: tuple[Hint, ...]) -> datetime | None:
    """The date after the hint that comes first in the text."""
    best: tuple[int, datetime] | None = None
    for hint in hints:
        found = _after(lowered, hint, best[0] if best else len(lowered))
        if found and (best is None or found[0] < best[0]):
            best = found
    return best[1] if best else None


def _after(lowered: str, hint: Hint, before: int) -> tuple[int, datetime] | None:
    """The first date right after an occurrence of `hint` that starts before `before`."""
    position = lowered.find(hint.word, 0, before)
    for _ in range(_MAX_OCCURRENCES):
        if position == -1:
            return None
        end = position + len(hint.word)
        match = _AFTER_HINT.match(lowered, end, end + _REACH)
        if match:
            day = read_date(match.group("date"), hint.languages)
            if day:
                return position, day
        position = lowered.find(hint.word, end, before)
    return None
