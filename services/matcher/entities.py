"""Key entities of a text: the people, places, organisations and numbers it names.

Two texts are about the same event only when they share such entities, so the matcher uses
them to build wire-search queries and to keep stories about other events out of the
evidence. A rule-based extractor is enough for that (and needs no model): runs of
capitalised words that are not sentence-initial function words, acronyms, and numbers with
their unit. Demonyms map to their country ("Russian" → "russia") so that "Russian drones"
and "drones over Russia" share an entity.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

from services.matcher.textutil import STOPWORDS

_WORD = r"(?:[A-Z]\.){2,}|[A-Z][\w'’\-]*\w|[A-Z]"
_RUN = re.compile(
    rf"(?:{_WORD})(?:\s+(?:(?:of|the|for|and|de|al|von|van|bin)\s+)?(?:{_WORD}))*", re.UNICODE
)
_NUMBER = re.compile(r"\b\d+(?:[,.]\d+)*(?:\s*(?:%|percent|million|billion|mln|bln))?")
_YEAR_OR_DAY = re.compile(r"^(?:1[89]\d\d|20\d\d|[0-3]?\d)$")
_TOKEN = re.compile(r"[\w'’.]+")
_POSSESSIVE = re.compile(r"['’]s?$")

DEMONYMS = {
    "russian": "russia",
    "russians": "russia",
    "ukrainian": "ukraine",
    "ukrainians": "ukraine",
    "american": "us",
    "americans": "us",
    "u.s": "us",
    "u.s.": "us",
    "united states": "us",
    "america": "us",
    "washington": "us",
    "british": "uk",
    "britain": "uk",
    "united kingdom": "uk",
    "chinese": "china",
    "french": "france",
    "german": "germany",
    "israeli": "israel",
    "iranian": "iran",
    "kyiv": "ukraine",
    "kiev": "ukraine",
    "moscow": "russia",
    "zelenskyy": "zelensky",
    "zelenskiy": "zelensky",
}

# Capitalised words that start sentences or headlines without naming anything.
_NOT_NAMES = frozenset(
    {
        *STOPWORDS,
        "mr",
        "mrs",
        "ms",
        "dr",
        "president",
        "minister",
        "prime",
        "spokesman",
        "spokeswoman",
        "official",
        "officials",
        "according",
        "however",
        "meanwhile",
        "also",
        "yet",
        "still",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "last",
        "first",
        "new",
        "said",
        "says",
        "read",
        "see",
        "source",
        "updated",
        "published",
        "q",
        "a",
        "i",
    }
)

# Last words of multi-word names that name nothing alone ("White House" is not "house").
_GENERIC = frozenset(
    [
        "house",
        "office",
        "ministry",
        "department",
        "council",
        "party",
        "agency",
        "service",
        "services",
        "court",
        "union",
        "committee",
        "army",
        "forces",
        "group",
        "institute",
        "university",
        "news",
        "times",
        "post",
        "press",
    ]
)


_MULTIWORD_DEMONYMS = tuple((s, t) for s, t in DEMONYMS.items() if " " in s)


@lru_cache(maxsize=1 << 16)
def normalise_entity(name: str) -> str:
    """The comparable form of an entity: lower case, no possessive, demonyms as countries.
    Kept for the last 65,536 words (a few MB): a story's words are mostly common ones."""
    text = _POSSESSIVE.sub("", name.strip().lower()).strip(" .")
    return DEMONYMS.get(text, text)


def _names(text: str) -> Iterable[str]:
    for match in _RUN.finditer(text):
        words = [w for w in match.group(0).split() if normalise_entity(w) not in _NOT_NAMES]
        if not words:
            continue
        whole = normalise_entity(" ".join(words))
        yield whole
        last = normalise_entity(words[-1])
        if len(words) > 1 and last not in _GENERIC:
            # "Dmitry Peskov" also matches a later "Peskov".
            yield last


def _title_case(text: str) -> bool:
    """True for headlines in title case or capitals, where capitals name nothing."""
    words = [w for w in text.split() if w[:1].isalpha()]
    capital = sum(w[0].isupper() for w in words)
    return len(words) >= 4 and capital / len(words) > 0.6


def numbers(text: str) -> set[str]:
    """Numbers that can identify an event (counts, amounts), not days or years."""
    found = {m.group(0).replace(",", "").lower() for m in _NUMBER.finditer(text)}
    return {n for n in found if not _YEAR_OR_DAY.match(n)}


def entities(text: str) -> set[str]:
    """The entities named in `text`, normalised. Headlines in title case or capitals name
    none this way (every word is capitalised); match them with `mentioned` instead."""
    if _title_case(text):
        return numbers(text)
    return {e for e in _names(text) if len(e) > 1} | numbers(text)


@lru_cache(maxsize=2048)
def words_of(text: str) -> frozenset[str]:
    """The normalised words of `text`, demonyms as countries, for `mentioned`. Kept for the
    last 2,048 texts (about 40 MB), as many stories as the stance model keeps the story side
    of: an article's claims, and the next articles on the same event, are judged against the
    same stories."""
    out = {normalise_entity(raw) for raw in set(_TOKEN.findall(text))}
    lowered = text.lower()
    out.update(target for source, target in _MULTIWORD_DEMONYMS if source in lowered)
    return frozenset(out)


def mentioned(names: set[str], words: frozenset[str]) -> set[str]:
    """The entities of `names` that a text with the words `words` mentions: every word of a
    multi-word entity must appear."""
    return {name for name in names if all(normalise_entity(w) in words for w in name.split())}


def ranked_entities(texts: Iterable[str]) -> list[str]:
    """Single-word and multi-word entities over `texts`, most frequent first (ties by first
    appearance)."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(e for e in _names(text) if len(e) > 1)
    return [name for name, _ in counts.most_common()]
