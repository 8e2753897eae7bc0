"""The wire-search query of an article: one per event, not one per claim.

Sources answer few requests (GDELT about one per five seconds), so an article gets one short,
specific query: the entity its headline and claims name most (the Kremlin) and the word that
says what happened (drone), searched in the article's date window: from two days before it
was published to a week after (later reports still describe the event), or the last two days
when the date is unknown.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from services.matcher.entities import ranked_entities, words_of
from services.matcher.textutil import content_tokens

BEFORE = timedelta(days=2)
AFTER = timedelta(days=7)
MAX_TERMS = 3
_WEAK_WORDS = frozenset(
    (
        "said",
        "says",
        "say",
        "new",
        "news",
        "report",
        "reports",
        "reported",
        "attempt",
        "attempts",
        "failed",
        "claims",
        "claim",
        "alleged",
        "allegedly",
        "update",
        "updated",
        "live",
        "video",
        "watch",
        "read",
        "could",
        "would",
        "president",
        "minister",
        "government",
        "official",
        "officials",
        "people",
        "country",
        "world",
        "state",
    )
)


@dataclass(frozen=True)
class EventQuery:
    """What to search: the terms (all must match) inside [since, until)."""

    terms: tuple[str, ...]
    since: datetime
    until: datetime

    @property
    def text(self) -> str:
        """The terms in the sources' query syntax: phrases quoted, all required."""
        return " ".join(f'"{t}"' if " " in t else t for t in self.terms)

    def key(self, source: str) -> str:
        """The cache key of this query's answer from `source`."""
        raw = f"{source}|{self.text.lower()}|{self.since:%Y%m%d}|{self.until:%Y%m%d}"
        return "credence:wire:search:" + hashlib.sha256(raw.encode()).hexdigest()[:32]


def window(published: datetime | None, now: datetime | None = None) -> tuple[datetime, datetime]:
    """The article's date window (UTC, whole days)."""
    if published is None:
        today = (now or datetime.now(UTC)).replace(hour=0, minute=0, second=0, microsecond=0)
        return today - BEFORE, today + timedelta(days=1)
    day = published.astimezone(UTC) if published.tzinfo else published.replace(tzinfo=UTC)
    day = day.replace(hour=0, minute=0, second=0, microsecond=0)
    return day - BEFORE, day + AFTER + timedelta(days=1)


def event_terms(title: str, texts: Sequence[str]) -> tuple[str, ...]:
    """The query terms for an article with this `title` whose claims are `texts`."""
    entities = ranked_entities([title, *texts])
    title_words = words_of(title)
    in_title = [e for e in entities if all(w in title_words for w in e.split())]
    lead_entity = (in_title or entities or [""])[0]
    counts = Counter(t for text in texts for t in content_tokens(text))
    keywords = [
        w
        for w in dict.fromkeys(content_tokens(title))
        if w not in lead_entity.split() and w not in _WEAK_WORDS and len(w) > 3
    ]
    keywords.sort(key=lambda w: -counts[w])
    terms = [t for t in (lead_entity, *keywords[:1]) if t]
    if len(terms) < 2:
        terms += [e for e in entities if e not in terms][: 2 - len(terms)]
    return tuple(terms[:MAX_TERMS])


def event_query(
    title: str, texts: Sequence[str], published: datetime | None, now: datetime | None = None
) -> EventQuery | None:
    """The article's event query, or None when it names nothing to search for."""
    terms = event_terms(title, texts)
    if not terms:
        return None
    since, until = window(published, now)
    return EventQuery(terms, since, until)
