"""Page metadata the main-text extractor does not give us, read from the HTML head:
OpenGraph and article:* meta tags, JSON-LD (schema.org Article/NewsArticle), the html lang
attribute, and the links of the whole page (for transparency signals such as an about or
corrections page, which live in navigation, not in the article)."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from lxml import html as lxml_html

_MAX_JSON_LD_CHARS = 200_000
_MAX_PAGE_LINKS = 2000
_PARSERS = threading.local()
# Characters XML cannot hold, as UTF-8: the control characters but tab and the line breaks
# are single bytes (which never occur inside a longer sequence), U+FFFE and U+FFFF three.
_NOT_XML_BYTES = bytes([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])
_NOT_XML_SEQUENCES = ("\ufffe".encode(), "\uffff".encode())
_TITLES = etree.XPath("//title")
_LINKS_WITH_REL = etree.XPath("//link[@rel]")
# Plain strings: a "smart" string keeps its parent element, whose proxy lxml.html makes
# through a Python class lookup, once per link text.
_LINK_TARGETS = etree.XPath("//a/@href", smart_strings=False)
_LINK_TEXTS = etree.XPath("//a[@href]//text()", smart_strings=False)
_JSON_LD_SCRIPTS = etree.XPath('//script[@type="application/ld+json"]')


@dataclass
class PageMeta:
    """What the page declares about itself."""

    meta: dict[str, str] = field(default_factory=dict)
    json_ld: list[dict[str, Any]] = field(default_factory=list)
    language: str = ""
    title: str = ""
    canonical: str = ""
    link_text: str = ""

    def first(self, *names: str) -> str:
        """The first non-empty meta value among `names` (lower-case property/name)."""
        for name in names:
            value = self.meta.get(name, "").strip()
            if value:
                return value
        return ""

    def ld_value(self, *keys: str) -> Any:
        """The first value of `keys` in an article-like JSON-LD object."""
        for item in self.json_ld:
            for key in keys:
                value = item.get(key)
                if value:
                    return value
        return None

    def ld_types(self) -> list[str]:
        """The @type of every JSON-LD object."""
        out: list[str] = []
        for item in self.json_ld:
            kind = item.get("@type")
            out.extend(kind if isinstance(kind, list) else [kind] if kind else [])
        return [str(k) for k in out]


def read_meta(tree: Any) -> PageMeta:
    """Reads the metadata from a parsed lxml.html tree (None gives empty metadata)."""
    page = PageMeta()
    if tree is None:
        return page
    for node in tree.iter("meta"):
        name = (node.get("property") or node.get("name") or node.get("itemprop") or "").lower()
        content = node.get("content")
        if name and content and name not in page.meta:
            page.meta[name] = content.strip()
    root = tree.getroottree().getroot()
    page.language = (root.get("lang") or root.get("xml:lang") or "").strip()
    titles = _TITLES(tree)
    if titles:
        page.title = (titles[0].text_content() or "").strip()
    for node in _LINKS_WITH_REL(tree):
        if "canonical" in (node.get("rel") or "").lower().split() and node.get("href"):
            page.canonical = node.get("href").strip()
            break
    page.json_ld = _json_ld(tree)
    page.link_text = _link_text(tree)
    return page


def parse_html(text: str) -> Any:
    """An lxml.html tree of `text` without the characters XML cannot hold (lxml refuses to
    store them back into a tree), or None when lxml cannot make one."""
    try:
        return lxml_html.document_fromstring(_xml_safe_utf8(text), parser=_parser())
    except (ValueError, TypeError, RecursionError, lxml_html.etree.ParserError):
        return None


def _xml_safe_utf8(text: str) -> bytes:
    """`text` in UTF-8 without the characters XML cannot hold: removed from the bytes, in C,
    which is several times faster than a regular expression over the text."""
    data = text.encode("utf-8", errors="replace").translate(None, _NOT_XML_BYTES)
    for encoded in _NOT_XML_SEQUENCES:
        if encoded in data:
            data = data.replace(encoded, b"")
    return data


def _parser() -> lxml_html.HTMLParser:
    """This thread's parser (lxml parsers must not be shared between threads). The text is
    already decoded, so the parser is told UTF-8: a <meta charset> must not re-decode it."""
    parser = getattr(_PARSERS, "parser", None)
    if parser is None:
        parser = _PARSERS.parser = lxml_html.HTMLParser(encoding="utf-8")
    return parser


def _json_ld(tree: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for node in _JSON_LD_SCRIPTS(tree):
        raw = (node.text or "")[:_MAX_JSON_LD_CHARS]
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError):
            continue
        out.extend(_flatten(data))
    return out


def _flatten(data: Any, depth: int = 0) -> list[dict[str, Any]]:
    """JSON-LD objects from a document, a list, or an @graph, article-like ones first."""
    if depth > 4:
        return []
    items: list[dict[str, Any]] = []
    if isinstance(data, list):
        for entry in data:
            items.extend(_flatten(entry, depth + 1))
    elif isinstance(data, dict):
        if "@graph" in data:
            items.extend(_flatten(data["@graph"], depth + 1))
        items.append(data)
    return sorted(items, key=lambda item: "Article" not in str(item.get("@type", "")))


def _link_text(tree: Any) -> str:
    """The targets and then the texts of the page's links, one per line."""
    targets = _LINK_TARGETS(tree)[:_MAX_PAGE_LINKS]
    texts = _LINK_TEXTS(tree)[: _MAX_PAGE_LINKS * 4]
    return "\n".join([*targets, *texts])
