"""Assembles the Article message from what the HTML or plain-text extractor found: the one
place that decides the domain, the canonical URL, citations, signals and the content hash,
so a fetched page and the same page sent to Extract give the same Article."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

from credence.v1 import article_pb2

from services.common.domains import registrable_domain
from services.common.errors import CredenceError
from services.common.urls import canonical_url, validate_url
from services.fetcher.citations import find_citations

_MAX_LINK_CITATIONS = 50


@dataclass
class Draft:
    """What an extractor found on a page, before it becomes an Article."""

    url: str
    text: str
    base_url: str = ""
    title: str = ""
    declared_canonical: str = ""
    byline: str = ""
    published: datetime | None = None
    updated: datetime | None = None
    language: str = ""
    site_name: str = ""
    section: str = ""
    links: list[tuple[str, str]] = field(default_factory=list)
    signals: set[str] = field(default_factory=set)


def content_hash(text: str) -> str:
    """SHA-256 hex of the text after NFKC normalisation and whitespace folding."""
    normal = " ".join(unicodedata.normalize("NFKC", text).split())
    return hashlib.sha256(normal.encode("utf-8")).hexdigest()


def build_article(draft: Draft) -> article_pb2.Article:
    """The Article for a draft."""
    canonical, signals = _canonical(draft)
    page_url = draft.base_url or draft.url
    domain = registrable_domain(page_url or canonical) if (page_url or canonical) else ""
    article = article_pb2.Article(
        url=draft.url,
        canonical_url=canonical,
        domain=domain,
        title=_one_line(draft.title),
        text=draft.text,
        byline=_one_line(draft.byline)[:300],
        language=_language(draft.language),
        site_name=_one_line(draft.site_name)[:200],
        section=_one_line(draft.section)[:100],
        content_hash=content_hash(draft.text),
    )
    _set_time(article.published_at, draft.published)
    updated = draft.updated
    if updated and draft.published and updated < draft.published:
        updated = None
    _set_time(article.updated_at, updated)
    for url, anchor in draft.links:
        article.links.add(url=url, anchor_text=_one_line(anchor)[:300], domain=_domain(url))
    _add_citations(article)
    article.page_signals.extend(sorted(draft.signals | signals))
    return article


def _canonical(draft: Draft) -> tuple[str, set[str]]:
    """The declared canonical URL when it is valid and on the page's own site; a page cannot
    borrow another site's reputation by declaring its URL as canonical."""
    page_url = draft.base_url or draft.url
    fallback = canonical_url(page_url) if page_url else ""
    declared = draft.declared_canonical.strip()
    if not declared:
        return fallback, set()
    try:
        declared = canonical_url(validate_url(declared))
    except (CredenceError, KeyError, ValueError):
        return fallback, set()
    if page_url and registrable_domain(declared) != registrable_domain(page_url):
        return fallback, {"canonical_other_domain"}
    return declared, set()


def _add_citations(article: article_pb2.Article) -> None:
    for found in find_citations(article.text):
        citation = article.citations.add(
            outlet=found.outlet, sentence=found.sentence[:1000], kind=found.kind
        )
        _set_time(citation.date, found.date)
    own = article.domain
    added = 0
    paragraphs = article.text.split("\n")
    for link in article.links:
        if not link.domain or link.domain == own or not link.anchor_text:
            continue
        article.citations.add(
            outlet=link.domain,
            sentence=_sentence_with(paragraphs, link.anchor_text),
            kind="link",
            url=link.url,
        )
        added += 1
        if added >= _MAX_LINK_CITATIONS:
            break


def _sentence_with(paragraphs: list[str], anchor: str) -> str:
    for paragraph in paragraphs:
        if anchor in paragraph:
            return paragraph.strip()[:1000]
    return anchor


def _set_time(target: object, value: datetime | None) -> None:
    if value is None:
        return
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    target.FromDatetime(value.astimezone(UTC))  # type: ignore[attr-defined]


def _domain(url: str) -> str:
    try:
        return registrable_domain(urlsplit(url).hostname or "")
    except ValueError:
        return ""


def _language(value: str) -> str:
    match = re.match(r"\s*([A-Za-z]{2,3})(?:[-_]|$)", value)
    return match.group(1).lower() if match else ""


def _one_line(value: str) -> str:
    return " ".join(value.split())
