"""The article in an HTML page: trafilatura finds the main text and its links, `pagefields`
the title, byline, dates and language, `meta` the page's declarations and all its links. A
page trafilatura cannot read falls back to its baseline extractor; a page with no text at
all is refused."""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import urljoin

import trafilatura
from lxml import etree

from services.fetcher import errors, pagefields
from services.fetcher.article import Draft
from services.fetcher.boilerplate import strip_boilerplate
from services.fetcher.meta import PageMeta, parse_html, read_meta
from services.fetcher.page_signals import link_signals, section_signals, text_signals

_LOGGER = logging.getLogger(__name__)

_MARKDOWN_LINK = re.compile(r"\[([^\[\]\n]*)\]\((?:[^()\s]|\([^()\s]*\))*\)")
_MAX_LINKS = 500
_SPACES = re.compile(r"\s+")
_KEEP_WHITESPACE = frozenset({"pre", "textarea", "code"})
_TEXT_WITH_NEWLINES = etree.XPath('//text()[contains(., "\n")]')
_MAX_SIGNAL_TEXT = 1_000_000


def extract_html(html: str, url: str, base_url: str = "") -> Draft:
    """The draft article of an HTML page published at `url` (final URL `base_url`)."""
    tree = parse_html(html)
    if tree is None:
        raise errors.extraction_failed("the HTML cannot be parsed")
    page_url = base_url or url
    # Read from the whole page, scripts included (JSON-LD), before the extractor prunes it.
    meta = read_meta(tree)
    title = pagefields.title(meta, tree)
    byline = pagefields.byline(meta, tree)
    etree.strip_elements(tree, "script", "style", "noscript", with_tail=False)
    page_text = _page_text(tree)
    published = pagefields.published(meta, tree, page_url, page_text)
    signals = link_signals(meta.link_text) | text_signals(page_text)
    _collapse_whitespace(tree)
    document = _trafilatura(tree, page_url)
    raw_text = _MARKDOWN_LINK.sub(r"\1", getattr(document, "text", None) or "")
    if not raw_text.strip():
        raw_text = _baseline(html)
    cleaned = strip_boilerplate(raw_text)
    if not cleaned.text:
        raise errors.no_article_text()
    section = _section(meta)
    text = _without_title(cleaned.text, title)
    if not text:
        raise errors.no_article_text()
    return Draft(
        url=url,
        base_url=base_url,
        text=text,
        title=title,
        declared_canonical=meta.canonical or meta.first("og:url"),
        byline=byline or cleaned.author,
        published=published,
        updated=pagefields.updated(meta, raw_text, page_text),
        language=pagefields.language(
            meta.language or meta.first("og:locale", "content-language", "language"), text
        ),
        site_name=pagefields.site_name(meta),
        section=section,
        links=_links(document, page_url),
        signals=signals | section_signals(section) | text_signals(raw_text),
    )


def _without_title(text: str, title: str) -> str:
    """The text without a first line that only repeats the headline."""
    first, _, rest = text.partition("\n")
    if title and " ".join(first.split()) == " ".join(title.split()):
        return rest.strip()
    return text


def _collapse_whitespace(tree: Any) -> None:
    """Folds runs of whitespace in text nodes to one space, as a browser renders them, so a
    line break in the HTML source does not split a paragraph of the extracted text."""
    for text in _TEXT_WITH_NEWLINES(tree):
        parent = text.getparent()
        if parent is None or parent.tag in _KEEP_WHITESPACE:
            continue
        if text.is_text:
            parent.text = _SPACES.sub(" ", text)
        elif text.is_tail:
            parent.tail = _SPACES.sub(" ", text)


def _trafilatura(tree: Any, url: str) -> Any:
    """The main text and its links. Fast mode skips the comparison with readability and
    justext but keeps trafilatura's own rescue of pages it under-extracts; metadata comes
    from `pagefields`."""
    try:
        return trafilatura.bare_extraction(
            tree,
            url=url or None,
            fast=True,
            with_metadata=False,
            include_links=True,
            include_comments=False,
            include_tables=True,
            deduplicate=False,
        )
    except Exception as error:  # a third-party parser on hostile input: never crash on it
        _LOGGER.warning("trafilatura failed (%s); using the baseline", type(error).__name__)
        return None


def _baseline(html: str) -> str:
    try:
        _body, text, _length = trafilatura.baseline(html)
    except Exception as error:  # same: hostile input must not crash extraction
        _LOGGER.warning("baseline extraction failed: %s", type(error).__name__)
        return ""
    return str(text or "")


def _page_text(tree: Any) -> str:
    try:
        return str(tree.text_content())[:_MAX_SIGNAL_TEXT]
    except (ValueError, RecursionError):
        return ""


def _section(meta: PageMeta) -> str:
    declared = meta.first("article:section")
    if declared:
        return declared
    ld = meta.ld_value("articleSection")
    if isinstance(ld, list) and ld:
        ld = ld[0]
    if isinstance(ld, str) and ld.strip():
        return ld.strip()
    if any("Opinion" in kind for kind in meta.ld_types()):
        return "Opinion"
    return ""


def _links(document: Any, base: str) -> list[tuple[str, str]]:
    body = getattr(document, "body", None)
    if body is None:
        return []
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    for ref in body.iter("ref"):
        target = urljoin(base, (ref.get("target") or "").strip()) if base else ref.get("target")
        if not target or not target.lower().startswith(("http://", "https://")):
            continue
        if target in seen:
            continue
        seen.add(target)
        out.append((target, "".join(ref.itertext())))
        if len(out) >= _MAX_LINKS:
            break
    return out
