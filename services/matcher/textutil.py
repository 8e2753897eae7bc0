"""Small text helpers shared by the claim, stance and retrieval code.

They live in one place so that training and serving tokenise text exactly the same way:
a model trained on one tokenisation and served with another silently loses accuracy.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pysbd

_TOKEN_RE = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_SENT_RE = re.compile(r"(?<=[.!?])[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9])")

STOPWORDS = frozenset(
    (
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "me",
        "more",
        "most",
        "my",
        "myself",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
        "said",
        "says",
        "say",
        "would",
        "also",
    )
)


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens."""
    return _TOKEN_RE.findall(text.lower())


def content_tokens(text: str) -> list[str]:
    """Word tokens without stop words."""
    return [t for t in tokens(text) if t not in STOPWORDS]


def quick_sentences(text: str) -> list[str]:
    """A fast regex sentence split, good enough for scoring passages of wire stories."""
    parts: list[str] = []
    for paragraph in text.split("\n"):
        parts.extend(s.strip() for s in _SENT_RE.split(paragraph))
    return [p for p in parts if p]


@lru_cache(maxsize=1)
def _segmenter() -> pysbd.Segmenter:
    return pysbd.Segmenter(language="en", clean=False)


_INNER_END = re.compile(r"[.!?…][\"'”’)\]]*\s")
"""A sentence end with more text after it. A paragraph without one is a single sentence."""


def sentences(text: str) -> list[str]:
    """The sentences of an article, paragraph by paragraph, with pysbd's rules
    (abbreviations, quotes, initials) so that claims come out whole. A paragraph with no
    sentence end before its last is one sentence, and pysbd (most of the CPU an article's
    reading takes) is not run on it; pysbd would mostly agree, and where it does not it cuts
    a closing quotation mark off as a sentence of its own."""
    out: list[str] = []
    for raw in re.split(r"\n\s*\n|\n", text):
        paragraph = raw.strip()
        if not paragraph:
            continue
        if not _INNER_END.search(paragraph):
            out.append(paragraph)
            continue
        out.extend(s.strip() for s in _segmenter().segment(paragraph) if s.strip())
    return out
