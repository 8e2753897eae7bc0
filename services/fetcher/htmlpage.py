"""The article in an HTML page: trafilatura finds the main text, title, author and date;
the page's own metadata (OpenGraph, JSON-LD, lang) fills in the rest. A page trafilatura
cannot read falls back to its baseline extractor; a page with no text at all is refused."""

from __future__ import annotations

import logging
import re
from datetime import datetime
from typing import Any
from urllib.parse import urljoin

import trafilatura

from services.fetcher import errors
from services.fetcher.article import Draft
from services.fetcher.boilerplate import strip_boilerplate
from services.fetcher.meta import PageMeta, parse_html, read_meta
from services.fetcher.signals import link_signals, section_signals, text_signals

_LOGGER = logging.getLogger(__name__)

_MARKDOWN_LINK = re.compile(r"\[([^\[\]\n]*)\]\((?:[^()\s]|\([^()\s]*\))*\)")
_MAX_LINKS = 500
_SPACES = re.compile(r"\s+")
# Characters XML cannot hold: lxml refuses to store them back into a tree.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_KEEP_WHITESPACE = frozenset({"pre", "textarea", "code"})
_MAX_SIGNAL_TEXT = 1_000_000


def extract_html(html: str, url: str, base_url: str = "") -> Draft:
    """The draft article of an HTML page published at `url` (final URL `base_url`)."""
    tree = parse_html(_NOT_XML.sub("", html))
    if tree is None:
        raise errors.extraction_failed("the HTML cannot be parsed")
    meta = read_meta(tree)
    signals = link_signals(meta.page_links) | text_signals(_page_text(tree))
    _collapse_whitespace(tree)
    document = _trafilatura(tree, base_url or url)
    raw_text = _MARKDOWN_LINK.sub(r"\1", getattr(document, "text", None) or "")
    if not raw_text.strip():
        raw_text = _baseline(html)
    cleaned = strip_boilerplate(raw_text)
    if not cleaned.text:
        raise errors.no_article_text()
    section = _section(meta, document)
    title = _str(document, "title") or meta.first("og:title", "twitter:title") or meta.title
    text = _without_title(cleaned.text, title)
    if not text:
        raise errors.no_article_text()
    return Draft(
        url=url,
        base_url=base_url,
        text=text,
        title=title,
        declared_canonical=_str(document, "url") or meta.canonical or meta.first("og:url"),
        byline=_str(document, "author")
        or _ld_author(meta)
        or meta.first("author")
        or cleaned.author,
        published=_time(meta.first("article:published_time", "datepublished"))
        or _time(_ld_str(meta, "datePublished"))
        or _time(_str(document, "date")),
        updated=_time(meta.first("article:modified_time", "og:updated_time", "datemodified"))
        or _time(_ld_str(meta, "dateModified")),
        language=meta.language or meta.first("og:locale", "content-language", "language"),
        site_name=meta.first("og:site_name")
        or _str(document, "sitename")
        or _ld_name(meta.ld_value("publisher")),
        section=section,
        links=_links(document, base_url or url),
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
    for node in tree.iter():
        if node.tag in _KEEP_WHITESPACE:
            continue
        if node.text and "\n" in node.text:
            node.text = _SPACES.sub(" ", node.text)
        if node.tail and "\n" in node.tail:
            node.tail = _SPACES.sub(" ", node.tail)


def _trafilatura(tree: Any, url: str) -> Any:
    try:
        return trafilatura.bare_extraction(
            tree,
            url=url or None,
            with_metadata=True,
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


def _str(document: Any, name: str) -> str:
    value = getattr(document, name, None) if document is not None else None
    return value.strip() if isinstance(value, str) else ""


def _ld_str(meta: PageMeta, key: str) -> str:
    value = meta.ld_value(key)
    return value if isinstance(value, str) else ""


def _ld_name(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(n for n in (_ld_name(v) for v in value[:5]) if n)
    if isinstance(value, dict):
        return str(value.get("name") or "")
    return value if isinstance(value, str) else ""


def _ld_author(meta: PageMeta) -> str:
    return _ld_name(meta.ld_value("author"))


def _section(meta: PageMeta, document: Any) -> str:
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


def _time(value: str) -> datetime | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


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
