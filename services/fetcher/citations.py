"""In-text citations: where an article says its information came from another outlet
("according to Reuters", "Reuters reported", "(Reuters, May 5, 2023)", "Source, MNBC,
May 3, 2023", "told the New York Times") or from a quoted speaker. Each is kept with the
outlet as written, its date when given, the sentence it sits in, and the pattern's kind.

Patterns run per paragraph; the sentence splitter (pysbd) runs only on paragraphs where a
pattern matched, which keeps extraction fast on long articles."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

import pysbd
from dateutil import parser as date_parser

_WORD = r"[A-Z](?:[A-Za-z0-9&'’-]|\.(?=[A-Za-z]))*"
_NAME = rf"(?:[Tt]he\s+)?{_WORD}(?:\s+(?:of\s+|for\s+|and\s+|&\s+|de\s+)?{_WORD}){{0,5}}"
_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_DATE = (
    rf"(?:{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
    rf"|\d{{1,2}}\s+{_MONTH},?\s+\d{{4}}"
    r"|\d{4}-\d{2}-\d{2})"
)

# (kind, pattern, trigger words): a pattern runs only on paragraphs holding one of its
# triggers, a cheap substring test that spares the regex engine most paragraphs.
_PATTERNS: list[tuple[str, re.Pattern[str], tuple[str, ...]]] = [
    (
        "source_line",
        re.compile(
            rf"^\s*(?:Sources?|Via|Credit|Courtesy)\s*[,:]\s*(?P<outlet>{_NAME})"
            rf"(?:\s*,\s*(?P<date>{_DATE}))?",
            re.MULTILINE,
        ),
        ("Source", "Via", "Credit", "Courtesy"),
    ),
    (
        "parenthetical",
        re.compile(rf"\((?:[Ss]ee\s+)?(?P<outlet>{_NAME})\s*,\s*(?P<date>{_DATE})[^()]{{0,80}}\)"),
        ("(",),
    ),
    (
        "parenthetical",
        re.compile(rf"(?<=[.!?”\"’])\s*\((?:[Ss]ee\s+)?(?P<outlet>{_NAME})\)"),
        ("(",),
    ),
    (
        "according_to",
        re.compile(
            r"\b[Aa]ccording to (?:(?:a |an |the )?(?:new |recent )?"
            r"(?:report|article|story|analysis|investigation)s? (?:by|from|in) )?"
            rf"(?P<outlet>{_NAME})"
        ),
        ("ccording to",),
    ),
    (
        "reported",
        re.compile(
            rf"(?P<outlet>{_NAME})\s+(?:has\s+|had\s+|first\s+|also\s+)?"
            r"(?:reported|reports|revealed|said in a report)\b"
        ),
        ("reported", "reports", "revealed", "said in a report"),
    ),
    (
        "told",
        re.compile(rf"\b(?:told|speaking to|in an interview with)\s+(?P<outlet>{_NAME})"),
        ("told", "speaking to", "interview with"),
    ),
    (
        "quote",
        re.compile(
            rf"[”\"]\s*,?\s*(?:said|says|added|stated|declared|wrote)\s+(?P<outlet>{_NAME})"
        ),
        ("”", '"'),
    ),
    (
        "quote",
        re.compile(rf"(?P<outlet>{_NAME})\s+(?:said|says|stated|declared|wrote)\s*[,:]?\s*[“\"]"),
        ("“", '"'),
    ),
]

_STOPWORDS = """a an the he she it they we i you this that these those there his her their
our its some many most officials sources source reports report media see below above us him
them who which what when where while after before in on at but and or so if as also then mr
mrs ms dr one two people experts critics analysts"""
_NOT_OUTLETS = frozenset(_STOPWORDS.split())
_MAX_OUTLET_WORDS = 7


@dataclass(frozen=True)
class FoundCitation:
    """One citation found in the text."""

    outlet: str
    date: datetime | None
    sentence: str
    kind: str


@lru_cache(maxsize=1)
def _segmenter() -> pysbd.Segmenter:
    return pysbd.Segmenter(language="en", clean=False, char_span=True)


def find_citations(text: str, limit: int = 200) -> list[FoundCitation]:
    """Every citation in `text`, in order, each (outlet, kind, sentence) once."""
    found: list[FoundCitation] = []
    seen: set[tuple[str, str, str]] = set()
    for paragraph in text.split("\n"):
        if not paragraph.strip():
            continue
        for citation in _paragraph_citations(paragraph):
            key = (citation.outlet.lower(), citation.kind, citation.sentence)
            if key not in seen:
                seen.add(key)
                found.append(citation)
            if len(found) >= limit:
                return found
    return found


def _paragraph_citations(paragraph: str) -> list[FoundCitation]:
    hits: list[tuple[int, str, str, str]] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern, triggers in _PATTERNS:
        if not any(trigger in paragraph for trigger in triggers):
            continue
        for match in pattern.finditer(paragraph):
            outlet = _clean_outlet(match.group("outlet"))
            span = match.span("outlet")
            if not outlet or any(s < span[1] and span[0] < e for s, e in taken):
                continue
            taken.append(span)
            date = match.groupdict().get("date") or ""
            hits.append((span[0], outlet, date, kind))
    if not hits:
        return []
    spans = _sentences(paragraph)
    out = []
    for start, outlet, date, kind in sorted(hits):
        sentence = _sentence_at(spans, start, paragraph)
        out.append(FoundCitation(outlet, parse_date(date), sentence, kind))
    return out


def _sentence_at(spans: list[tuple[int, int, str]], start: int, paragraph: str) -> str:
    """The sentence holding `start`; a bare "(Source, date)" sentence keeps the sentence
    before it, which is the one it cites for."""
    for index, (begin, end, sentence) in enumerate(spans):
        if begin <= start < end:
            text = sentence.strip()
            if text.startswith("(") and index > 0:
                text = f"{spans[index - 1][2].strip()} {text}"
            return text
    return paragraph.strip()


def _sentences(paragraph: str) -> list[tuple[int, int, str]]:
    try:
        segments = _segmenter().segment(paragraph)
    except (ValueError, IndexError, RecursionError):
        return [(0, len(paragraph), paragraph)]
    return [(s.start, s.end, s.sent) for s in segments]


def _clean_outlet(raw: str) -> str:
    words = raw.strip(" .,'’").split()
    while words and words[-1].lower() in ("and", "of", "for", "&", "de"):
        words.pop()
    if not words or len(words) > _MAX_OUTLET_WORDS:
        return ""
    core = words[1:] if words[0].lower() == "the" else words
    if not core or core[0].lower().strip(".") in _NOT_OUTLETS:
        return ""
    return " ".join(words)


def parse_date(value: str) -> datetime | None:
    """A citation date ("May 5, 2023", "5 May 2023", "2023-05-05") as UTC midnight."""
    if not value:
        return None
    try:
        parsed = date_parser.parse(value.replace(".", " "), fuzzy=True)
    except (ValueError, OverflowError):
        return None
    return datetime(parsed.year, parsed.month, parsed.day, tzinfo=UTC)
