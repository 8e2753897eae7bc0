"""Transparency signals a page shows about itself, as short stable strings the scorer reads:
links to an about, contact, corrections, ethics or ownership page, a corrections notice in
the text, an author bio, a disclaimer, an opinion label."""

from __future__ import annotations

import re

from services.fetcher.hints import HintIndex

# Each with hints: every match contains one of them, so a page without any is not searched.
_LINK_SIGNALS: list[tuple[str, re.Pattern[str], tuple[str, ...]]] = [
    ("corrections_policy", re.compile(r"correction"), ("correction",)),
    (
        "about_page",
        re.compile(r"\babout(?:[\s_-]*us)?\b|who[\s_-]*we[\s_-]*are"),
        ("about", "who"),
    ),
    ("contact_page", re.compile(r"\bcontact"), ("contact",)),
    (
        "ownership_disclosure",
        re.compile(r"owner|funding|funded|financ|who[\s_-]*funds"),
        ("owner", "fund", "financ"),
    ),
    (
        "editorial_policy",
        re.compile(r"ethic|editorial[\s_-]*(?:standards|policy|guidelines)|fact[\s_-]*check"),
        ("ethic", "editorial", "fact"),
    ),
    (
        "masthead",
        re.compile(r"masthead|our[\s_-]*(?:team|staff|journalists)"),
        ("masthead", "team", "staff", "journalists"),
    ),
]

_TEXT_SIGNALS: list[tuple[str, re.Pattern[str]]] = [
    (
        "correction_notice",
        re.compile(
            r"^\s*(?:correction|clarification)s?\s*[:.-]|an earlier version of this"
            r"|this (?:article|story) has been (?:corrected|updated to correct)",
            re.I | re.M,
        ),
    ),
    ("author_bio", re.compile(r"^\s*about the authors?\b", re.I | re.M)),
    ("disclaimer", re.compile(r"^\s*disclaimer\b", re.I | re.M)),
    (
        "contact_info",
        re.compile(r"\b(?:media inquiries|contact us)\b|[\w.+-]+@[\w-]+\.[a-z]{2,}", re.I),
    ),
]


# Every match of a text signal contains one of its hints (lower-cased): a cheap test first.
_TEXT_HINTS = {
    "correction_notice": ("correction", "clarification", "earlier version", "corrected"),
    "author_bio": ("about the author",),
    "disclaimer": ("disclaimer",),
    "contact_info": ("media inquiries", "contact us", "@"),
}


def link_signals(links: str) -> set[str]:
    """Signals from the page's links: their targets and texts, one per line. The patterns
    run on the lower-cased text, which is much faster than a case-insensitive pattern."""
    lowered = links.lower()
    return {
        name
        for name, pattern, hints in _LINK_SIGNALS
        if any(hint in lowered for hint in hints) and pattern.search(lowered)
    }


def text_signals(text: str) -> set[str]:
    """Signals from the page's full text (before boilerplate is removed)."""
    index = HintIndex(text.splitlines())
    return {name for name, pattern in _TEXT_SIGNALS if index.search(pattern, _TEXT_HINTS[name])}


def section_signals(section: str) -> set[str]:
    """An opinion label, when the page files the article under opinion or commentary."""
    if re.search(r"opinion|commentary|editorial|column|analysis", section, re.I):
        return {"opinion_label"}
    return set()
