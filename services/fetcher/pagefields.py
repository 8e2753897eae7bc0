"""The article's descriptive fields (title, byline, dates, site name, language) from what the
page declares (OpenGraph, article:* tags, JSON-LD, the html lang attribute), with a heuristic
where it declares nothing: the page's own headline and byline elements, a date line in the
page's text ("Published on ...", "Publié le ...", `datelines`) or else htmldate for a publish
date, an "Updated ..." line in the text, and language identification of the text.

Reading these directly costs a fraction of trafilatura's metadata pass, which the fetcher
therefore does not run: the extractor is asked for the main text and its links only."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import htmldate
from lxml import etree
from py3langid.langid import MODEL_FILE, LanguageIdentifier

from services.fetcher import datelines
from services.fetcher.citations import DATE_PATTERN, parse_date
from services.fetcher.meta import PageMeta

_LOGGER = logging.getLogger(__name__)

_TITLE_SEPARATORS = re.compile(r"\s+[|\-–—:·»]\s+")
_MAX_TITLE = 300
_MAX_BYLINE = 120
_BYLINE_TEST = (
    "[@rel='author' or @itemprop='author' or contains(@class, 'byline')"
    " or contains(@class, 'author')][not(self::meta)][not(self::link)]"
)
# The article's own byline first; the whole page only when the article element has none.
_BYLINE_SCOPES = (etree.XPath("//article//*" + _BYLINE_TEST), etree.XPath("//*" + _BYLINE_TEST))
# "By", and the same word in French, German, Spanish/Portuguese, Italian and Dutch.
_BY = re.compile(r"^\s*(?:by|written by|words by|par|von|por|di|door)\s*[:\-]?\s+", re.I)
_UPDATED = re.compile(
    rf"^\s*(?:last\s+)?(?:updated|modified)(?:\s+on)?\s*:?\s*(?P<date>{DATE_PATTERN})", re.I | re.M
)
_LANGUAGE_SAMPLE = 3000
_MIN_LANGUAGE_TEXT = 40
_MIN_LANGUAGE_PROBABILITY = 0.5


def title(meta: PageMeta, tree: Any) -> str:
    """og:title, twitter:title or the JSON-LD headline; else the page's h1; else <title>
    without a trailing site name."""
    declared = meta.first("og:title", "twitter:title") or _ld_text(meta, "headline")
    if declared:
        return declared
    for node in tree.iter("h1"):
        text = " ".join(node.text_content().split())
        if 0 < len(text) <= _MAX_TITLE:
            return text
    return _without_site_suffix(meta.title, site_name(meta))


def byline(meta: PageMeta, tree: Any) -> str:
    """The JSON-LD author, an author meta tag, or the text of the page's byline element."""
    declared = _ld_name(meta.ld_value("author")) or _person(meta.first("author", "article:author"))
    if declared:
        return declared
    for scope in _BYLINE_SCOPES:
        for node in scope(tree):
            text = _BY.sub("", " ".join(node.text_content().split()))
            if 2 < len(text) <= _MAX_BYLINE:
                return text
    return ""


def published(meta: PageMeta, tree: Any, url: str, page_text: str) -> datetime | None:
    """The declared publish time; else a date line of the page's text (`page_text`); else
    htmldate's reading of the page (its markup, URL and, as a last resort, the visible
    text)."""
    declared = _time(meta.first("article:published_time", "datepublished")) or _time(
        _ld_text(meta, "datePublished")
    )
    if declared:
        return declared
    written = datelines.published(page_text)
    if written:
        return written
    try:
        found = htmldate.find_date(tree, original_date=True, url=url or None)
    except Exception as error:  # a third-party parser on hostile input: never crash on it
        _LOGGER.warning("htmldate failed: %s", type(error).__name__)
        return None
    return _time(found or "")


def updated(meta: PageMeta, text: str, page_text: str = "") -> datetime | None:
    """The declared modification time, the date on an "Updated ..." line of the text, or
    an update date line anywhere in the page's text ("mis à jour le ...")."""
    declared = _time(
        meta.first("article:modified_time", "og:updated_time", "datemodified")
    ) or _time(_ld_text(meta, "dateModified"))
    if declared:
        return declared
    match = _UPDATED.search(text)
    if match:
        return parse_date(match.group("date"))
    return datelines.updated(page_text or text)


def site_name(meta: PageMeta) -> str:
    """og:site_name, the JSON-LD publisher, or the application name."""
    return (
        meta.first("og:site_name")
        or _ld_name(meta.ld_value("publisher"))
        or meta.first("application-name")
    )


def language(declared: str, text: str) -> str:
    """The declared language, else the language identified from the text (empty when the
    text is too short or too mixed to tell: an article of unknown language is read as
    English, and a wrong guess would keep the English models from reading it)."""
    if declared.strip():
        return declared
    sample = text[:_LANGUAGE_SAMPLE]
    if len(sample.strip()) < _MIN_LANGUAGE_TEXT:
        return ""
    code, probability = _identifier().classify(sample)
    return str(code) if probability >= _MIN_LANGUAGE_PROBABILITY else ""


def warm_up() -> None:
    """Loads the language model (packaged with py3langid; about a second) and the date
    parser's languages now, so the first request does not pay for them."""
    _identifier().classify("warm up")
    datelines.warm_up()


@lru_cache(maxsize=1)
def _identifier() -> LanguageIdentifier:
    """py3langid's packaged model, with probabilities normalised to 0-1."""
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def _without_site_suffix(raw: str, site: str) -> str:
    text = " ".join(raw.split())
    parts = _TITLE_SEPARATORS.split(text)
    if len(parts) < 2:
        return text
    last = parts[-1]
    if (site and last.lower() in site.lower()) or len(last.split()) <= 4 < len(text.split()):
        return text[: text.rfind(last)].rstrip(" |-–—:·»")
    return text


def _person(value: str) -> str:
    """An author meta value, unless it is a URL (article:author often holds a profile link)."""
    value = value.strip()
    return "" if value.lower().startswith(("http://", "https://", "/")) else value


def _ld_text(meta: PageMeta, key: str) -> str:
    value = meta.ld_value(key)
    return value.strip() if isinstance(value, str) else ""


def _ld_name(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(n for n in (_ld_name(v) for v in value[:5]) if n)
    if isinstance(value, dict):
        return str(value.get("name") or "")
    return value if isinstance(value, str) else ""


def _time(value: str) -> datetime | None:
    """An ISO 8601 time; one without a zone is taken as UTC."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
