"""Transparency: does the page say who wrote it, when, and who stands behind it?

A named author, publication and update dates, and the page's own corrections / ownership /
about signals each add to the sub-score. Wire copy often carries no byline, so its absence
costs less on a news agency's own site.
"""

from __future__ import annotations

import logging

from credence.v1 import article_pb2, report_pb2

from services.scorer.signals.common import make_signal

_LOGGER = logging.getLogger(__name__)

KIND = report_pb2.SIGNAL_KIND_TRANSPARENCY
BASE = 45.0
BYLINE = 20.0
NO_BYLINE = -15.0
NO_BYLINE_WIRE = 0.0
PUBLISHED = 15.0
UPDATED = 5.0
PER_PAGE_SIGNAL = 7.0
MAX_PAGE_SIGNALS = 3
SITE_NAME = 5.0
SECTION = 5.0
WIRE_DOMAINS = frozenset({"reuters.com", "apnews.com", "afp.com", "upi.com", "bloomberg.com"})


def _byline(article: article_pb2.Article, domain: str) -> tuple[float, str]:
    if article.byline.strip():
        return BYLINE, f"Names its author ({article.byline.strip()})."
    if domain in WIRE_DOMAINS:
        return NO_BYLINE_WIRE, "Carries no byline, as is usual for wire copy from a news agency."
    return NO_BYLINE, "Names no author."


def _dates(article: article_pb2.Article) -> list[tuple[float, str]]:
    out: list[tuple[float, str]] = []
    if article.HasField("published_at") and article.published_at.seconds:
        day = article.published_at.ToDatetime().date().isoformat()
        out.append((PUBLISHED, f"Shows when it was published ({day})."))
    else:
        out.append((-10.0, "Shows no publication date."))
    if article.HasField("updated_at") and article.updated_at.seconds:
        day = article.updated_at.ToDatetime().date().isoformat()
        out.append((UPDATED, f"Shows when it was last updated ({day})."))
    return out


def transparency(article: article_pb2.Article, domain: str) -> report_pb2.Signal:
    """The transparency signal from the page's byline, dates and page signals."""
    parts = [_byline(article, domain), *_dates(article)]
    signals = [s.strip() for s in article.page_signals if s.strip()]
    for name in signals[:MAX_PAGE_SIGNALS]:
        parts.append((PER_PAGE_SIGNAL, f"The page shows: {name}."))
    if not signals:
        parts.append((0.0, "The page shows no corrections policy, ownership or about information."))
    if article.site_name.strip():
        parts.append((SITE_NAME, f"Names its publisher ({article.site_name.strip()})."))
    if article.section.strip():
        parts.append((SECTION, f"Labels its section ({article.section.strip()})."))
    score = BASE + sum(delta for delta, _ in parts)
    ordered = sorted(parts, key=lambda p: p[0])
    return make_signal(KIND, score, 0.6, [reason for _, reason in ordered])
