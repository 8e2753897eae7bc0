"""In-text citations: where an article says its information came from another outlet
("according to Reuters", "Reuters reported", "(Reuters, May 5, 2023)", "Source, MNBC,
May 3, 2023", "told the New York Times") or from a quoted speaker. Each is kept with the
outlet as written, its date when given, the sentence it sits in, and the pattern's kind.

Patterns run per paragraph, and only on paragraphs holding one of their trigger words. The
sentence around a hit is found by a rule-based boundary scan (terminal punctuation before a
capital, except after a known abbreviation or an initial): a full segmenter costs more than
the rest of the extraction, and only the sentences holding citations are needed."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from dateutil import parser as date_parser

_WORD = r"[A-Z](?:[A-Za-z0-9&'’-]|\.(?=[A-Za-z]))*"
_NAME = rf"(?:[Tt]he\s+)?{_WORD}(?:\s+(?:of\s+|for\s+|and\s+|&\s+|de\s+)?{_WORD}){{0,5}}"
_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
DATE_PATTERN = (
    rf"(?:{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
    rf"|\d{{1,2}}\s+{_MONTH},?\s+\d{{4}}"
    r"|\d{4}-\d{2}-\d{2})"
)
_ORDINAL = re.compile(r"(\d)(?:st|nd|rd|th)\b")
# The layouts DATE_PATTERN matches, after dots and commas become spaces; others go to dateutil.
_DATE_LAYOUTS = ("%B %d %Y", "%b %d %Y", "%d %B %Y", "%d %b %Y", "%Y-%m-%d")

# (kind, pattern, trigger words): a pattern runs only on paragraphs holding one of its
# triggers, a cheap substring test that spares the regex engine most paragraphs.
_PATTERNS: list[tuple[str, re.Pattern[str], tuple[str, ...]]] = [
    (
        "source_line",
        re.compile(
            rf"^\s*(?:Sources?|Via|Credit|Courtesy)\s*[,:]\s*(?P<outlet>{_NAME})"
            rf"(?:\s*,\s*(?P<date>{DATE_PATTERN}))?",
            re.MULTILINE,
        ),
        ("Source", "Via", "Credit", "Courtesy"),
    ),
    (
        "parenthetical",
        re.compile(
            rf"\((?:[Ss]ee\s+)?(?P<outlet>{_NAME})\s*,\s*(?P<date>{DATE_PATTERN})[^()]{{0,80}}\)"
        ),
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

# Terminal punctuation (with closing quotes or brackets) then space then what can start a
# sentence; `word` is the token before the stop, to skip "Mr." and "U.S.".
_BOUNDARY = re.compile(r"(?P<word>[\w.'’-]*)(?P<stop>[.!?]+[\"”’)\]]*)\s+(?=[\"“‘(\[]?[A-Z0-9])")
_INITIALS = re.compile(r"(?:[A-Za-z]\.)*[A-Za-z]")
_ABBREVIATION_WORDS = """mr mrs ms dr prof sen rep gov gen col lt sgt capt cmdr adm st jr sr
rev hon pres supt insp det inc corp co ltd llc bros no nos vs etc approx dept est fig jan
feb mar apr jun
jul aug sep sept oct nov dec a.m p.m"""
_ABBREVIATIONS = frozenset(_ABBREVIATION_WORDS.split())
_TRIGGERS = frozenset(trigger for _, _, triggers in _PATTERNS for trigger in triggers)

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


def find_citations(text: str, limit: int = 200) -> list[FoundCitation]:
    """Every citation in `text`, in order, each (outlet, kind, sentence) once."""
    patterns = _patterns_for(text)
    if not patterns:
        return []
    found: list[FoundCitation] = []
    seen: set[tuple[str, str, str]] = set()
    for paragraph in text.split("\n"):
        if not paragraph.strip():
            continue
        for citation in _paragraph_citations(paragraph, patterns):
            key = (citation.outlet.lower(), citation.kind, citation.sentence)
            if key not in seen:
                seen.add(key)
                found.append(citation)
            if len(found) >= limit:
                return found
    return found


def _patterns_for(text: str) -> list[tuple[str, re.Pattern[str], tuple[str, ...]]]:
    """The patterns whose trigger words occur in `text`, each with those of its triggers."""
    present = {trigger for trigger in _TRIGGERS if trigger in text}
    active = []
    for kind, pattern, triggers in _PATTERNS:
        here = tuple(trigger for trigger in triggers if trigger in present)
        if here:
            active.append((kind, pattern, here))
    return active


def _paragraph_citations(
    paragraph: str, patterns: list[tuple[str, re.Pattern[str], tuple[str, ...]]]
) -> list[FoundCitation]:
    hits: list[tuple[int, str, str, str]] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern, triggers in patterns:
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
    """(start, end, text) of each sentence in the paragraph."""
    spans: list[tuple[int, int, str]] = []
    start = 0
    for boundary in _BOUNDARY.finditer(paragraph):
        word = boundary.group("word")
        if word.lower() in _ABBREVIATIONS or _INITIALS.fullmatch(word):
            continue
        end = boundary.end("stop")
        spans.append((start, boundary.end(), paragraph[start:end]))
        start = boundary.end()
    if start < len(paragraph):
        spans.append((start, len(paragraph), paragraph[start:]))
    return spans


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
    plain = " ".join(_ORDINAL.sub(r"\1", value.replace(".", " ").replace(",", " ")).split())
    for layout in _DATE_LAYOUTS:
        try:
            return datetime.strptime(plain, layout).replace(tzinfo=UTC)
        except ValueError:
            continue
    try:
        parsed = date_parser.parse(value.replace(".", " "), fuzzy=True)
    except (ValueError, OverflowError):
        return None
    return datetime(parsed.year, parsed.month, parsed.day, tzinfo=UTC)
