"""What the article's own words show, read once per article by the learned text models and
a few patterns: how clickbait its headline reads, how much of the writer's own voice (the
sentences that quote or attribute nothing) is opinion (subjective sentences) and which of
those sentences use propaganda techniques (with the spans found), who it names
as its sources against how much it rests on anonymous ones, its direct quotes and links,
and whether the body backs the headline's terms.

The presentation and sourcing signals turn these readings into sub-scores; the weight
fitting reads the same values, so the report and the fit cannot drift apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from services.scorer.signals.common import lexicon_pattern
from services.scorer.textmodels.store import (
    CLICKBAIT,
    PROPAGANDA,
    SPANS,
    SUBJECTIVITY,
    TECHNIQUES,
    model,
)

MAX_SENTENCES = 300
MIN_WORDS = 4
PROPAGANDA_THRESHOLD = 0.5
SUBJECTIVE_THRESHOLD = 0.5
MAX_SPAN_SENTENCES = 4
SPAN_WINDOWS = (2, 3, 5, 8)
_SENTENCE_END = re.compile(
    r"(?:(?<=[.!?])|(?<=[.!?][\"\u201d\u2019)]))\s+(?=[\"\u201c\u2018(]?[A-Z0-9])"
)
_QUOTE = re.compile(r"[\"\u201c]([^\"\u201c\u201d\n]{12,600})[\"\u201d]")
_REPORTED = re.compile(
    r"[\"\u201c\u201d]|\b(?:said|says|told|according to|wrote|tweeted|stated|reported)\b"
)
_URL = re.compile(r"https?://[^\s)\]>\"]+")
_NAME = r"(?:[A-Z][a-z]+\.?|[A-Z]\.)(?:[ \-](?:[A-Z][a-z'\u2019]+|[A-Z]\.|de|van|von|al|bin)){0,3}"
_SAID = (
    r"(?:said|says|told|stated|added|explained|noted|wrote|argued|testified|tweeted"
    r"|announced|confirmed|warned)"
)
_NAMED = (
    re.compile(rf"\baccording to (?:the )?(?P<name>{_NAME})"),
    re.compile(rf"(?P<name>{_NAME}),? (?:{_SAID})\b"),
    re.compile(rf"\b(?:{_SAID}) (?:[a-z]+ ){{0,3}}(?P<name>{_NAME})[,.]"),
    re.compile(rf"(?P<name>{_NAME}), (?:a|an|the) [a-z][^,.;]{{3,80}}, (?:{_SAID})\b"),
)
_NOT_NAME_WORDS = (
    "He She It They We I You This That These Those There Here The A An But And Or So "
    "Then When While If As Police Officials Sources Experts Critics Reports Some Many "
    "Others People Witnesses Authorities Scientists Researchers Analysts Observers "
    "Insiders Residents Democrats Republicans Everyone Nobody Somebody"
)
_NOT_NAMES = frozenset(_NOT_NAME_WORDS.split())
_STOPWORD_LIST = (
    "the a an and or but of to in on at for with from by as is are was were be been has "
    "have had this that these those it its their his her they them who what which why how "
    "when will would could should can may might not no yes just now new says said after "
    "before over under into about than more most very all any some out up down off here "
    "there you your our we us he she him i my me do does did get got"
)
_STOPWORDS = frozenset(_STOPWORD_LIST.split())


@dataclass(frozen=True)
class Flagged:
    """A sentence a model flagged, its probability, and (for propaganda) the span of words
    that carries the technique and the technique's name."""

    sentence: str
    probability: float
    span: str = ""
    technique: str = ""


@dataclass(frozen=True)
class Reading:
    """Everything the text models and patterns found in one article."""

    sentences: int
    own_sentences: int
    clickbait: float
    subjective_mean: float
    subjective: tuple[Flagged, ...]
    propaganda_mean: float
    propaganda: tuple[Flagged, ...]
    named_sources: tuple[str, ...]
    named_attributions: int
    anonymous: tuple[str, ...]
    quotes: int
    links: int
    headline_terms: tuple[str, ...]
    headline_missing: tuple[str, ...]


def sentences(text: str) -> list[str]:
    """The body's sentences (one paragraph per line in, split at sentence ends)."""
    out: list[str] = []
    for paragraph in text.splitlines():
        for sentence in _SENTENCE_END.split(paragraph.strip()):
            if len(sentence.split()) >= MIN_WORDS:
                out.append(sentence.strip())
            if len(out) >= MAX_SENTENCES:
                return out
    return out


def _technique_span(sentence: str) -> tuple[str, str]:
    """The word window of `sentence` that reads most like a propaganda span, and the
    technique it most likely uses."""
    words = sentence.split()
    windows = [
        " ".join(words[i : i + size])
        for size in SPAN_WINDOWS
        if size <= len(words)
        for i in range(len(words) - size + 1)
    ] or [sentence]
    best = windows[int(np.argmax(model(SPANS).decision(windows)))]
    technique = model(TECHNIQUES).best_class([best])[0]
    return best.strip(" ,;:"), technique.replace("_", " ").replace(",", ", ")


def _flag(
    found: list[str], probabilities: np.ndarray, threshold: float, limit: int
) -> list[tuple[str, float]]:
    order = np.argsort(-probabilities)
    return [
        (found[i], float(probabilities[i])) for i in order[:limit] if probabilities[i] >= threshold
    ]


def attributions(text: str) -> tuple[list[str], int]:
    """The distinct names the article attributes statements to, and how many attributions."""
    names: list[str] = []
    count = 0
    for pattern in _NAMED:
        for match in pattern.finditer(text):
            name = match.group("name").strip()
            if name.split()[0] in _NOT_NAMES:
                continue
            count += 1
            names.append(name)
    distinct = {n.split()[-1].lower(): n for n in names}
    return list(distinct.values()), count


def anonymous(text: str) -> list[str]:
    """Each attribution to an unnamed source ("sources said", "officials who declined to be
    named"), in order."""
    return [m.group(0) for m in lexicon_pattern("anonymous_attribution").finditer(text)]


def _stem(word: str) -> str:
    return word[:5]


def headline_terms(title: str, body: str) -> tuple[list[str], list[str]]:
    """The headline's content words and those of them the body never uses."""
    terms = list(
        dict.fromkeys(
            w for w in re.findall(r"[a-z][a-z'\-]{3,}", title.lower()) if w not in _STOPWORDS
        )
    )
    body_stems = {_stem(w) for w in re.findall(r"[a-z][a-z'\-]{2,}", body.lower())}
    return terms, [t for t in terms if _stem(t) not in body_stems]


def own_voice(found: list[str]) -> list[str]:
    """The sentences in the writer's own voice: no quotation, no attribution ("said",
    "according to"). Opinion or propaganda quoted from someone else is reporting."""
    return [s for s in found if not _REPORTED.search(s)]


@lru_cache(maxsize=16)
def read(title: str, text: str, links: int = 0) -> Reading:
    """The article's reading (cached: the report and the evaluation share it)."""
    every = sentences(text)
    found = own_voice(every)
    subj = model(SUBJECTIVITY).probability(found) if found else np.zeros(0)
    prop = model(PROPAGANDA).probability(found) if found else np.zeros(0)
    clickbait = float(model(CLICKBAIT).probability([title])[0]) if title.strip() else 0.0
    flagged_propaganda = [
        Flagged(sentence, p, *_technique_span(sentence))
        for sentence, p in _flag(found, prop, PROPAGANDA_THRESHOLD, MAX_SPAN_SENTENCES)
    ]
    names, count = attributions(text)
    terms, missing = headline_terms(title, text)
    quotes = [q for q in _QUOTE.findall(text) if len(q.split()) >= MIN_WORDS]
    return Reading(
        sentences=len(every),
        own_sentences=len(found),
        clickbait=clickbait,
        subjective_mean=float(subj.mean()) if len(found) else 0.0,
        subjective=tuple(
            Flagged(s, p) for s, p in _flag(found, subj, SUBJECTIVE_THRESHOLD, MAX_SPAN_SENTENCES)
        ),
        propaganda_mean=float(prop.mean()) if len(found) else 0.0,
        propaganda=tuple(flagged_propaganda),
        named_sources=tuple(names),
        named_attributions=count,
        anonymous=tuple(anonymous(text)),
        quotes=len(quotes),
        links=links + len(set(_URL.findall(text))),
        headline_terms=tuple(terms),
        headline_missing=tuple(missing),
    )
