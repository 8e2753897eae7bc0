"""Reading the pages of stories found, for their lead and body.

A search answer often holds only the headline. Where the outlet allows it (the fetcher obeys
robots.txt, its address guards and per-host rate limits), the page is fetched and extracted,
and the story keeps its title, lead and body; otherwise it keeps what the search gave. Which
one it had is recorded (`text_basis`).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from typing import Protocol
from urllib.parse import quote

from credence.v1 import article_pb2, evidence_pb2

from services.matcher.stories import StoryRecord
from services.matcher.wire_origin import wire_origin

_LOGGER = logging.getLogger(__name__)

MAX_BODY_CHARS = 4000
LEAD_ONLY_CHARS = 600
"""A page whose text is no longer than this holds a lead, not a full story."""


class PageReader(Protocol):
    """Fetches and extracts one page; None when it cannot (blocked, down, not an article)."""

    def __call__(self, url: str, timeout_s: float) -> article_pb2.Article | None: ...


def mirrored(url: str, mirror: str) -> str:
    """The address to fetch `url` from: through `mirror` (a page archive) when one is set."""
    return f"{mirror}{quote(url, safe='')}" if mirror else url


def with_page(story: StoryRecord, article: article_pb2.Article) -> StoryRecord:
    """The story with the page's text and its wire origin."""
    text = article.text.strip()
    if not text:
        return story
    if article.title and text.startswith(article.title):
        text = text[len(article.title) :].strip()
    origin = wire_origin(story.url, text, article.byline) or story.wire_origin
    basis = (
        evidence_pb2.TEXT_BASIS_TITLE_AND_LEAD
        if len(text) <= LEAD_ONLY_CHARS
        else evidence_pb2.TEXT_BASIS_FULL_TEXT
    )
    own_site = (
        story.outlet == origin
        and not story.wire_origin
        and story.publisher_domain
        in (
            "reuters.com",
            "apnews.com",
        )
    )
    return dataclasses.replace(
        story,
        title=story.title or article.title,
        body=text[:MAX_BODY_CHARS],
        outlet=origin or story.outlet,
        wire_origin="" if own_site else origin,
        text_basis=basis,
        content_hash="",
    )


def reader_over(
    fetch: Callable[[str, float], article_pb2.Article | None], mirror: str
) -> PageReader:
    """A PageReader that fetches through `fetch`, from `mirror` when one is set, and never
    raises: a page that cannot be read leaves its story as it was."""

    def read(url: str, timeout_s: float) -> article_pb2.Article | None:
        try:
            return fetch(mirrored(url, mirror), timeout_s)
        except Exception as error:  # any failure of an optional enrichment
            _LOGGER.info("story page not read: %s: %s", url, error)
            return None

    return read


def grpc_page_reader(fetcher_addr: str, mirror: str) -> PageReader:
    """Pages read through FetcherService (the stack): its guards and limits apply."""
    from credence.v1 import fetcher_pb2, fetcher_pb2_grpc

    from services.common.channels import sync_channel

    stub = fetcher_pb2_grpc.FetcherServiceStub(sync_channel(fetcher_addr))

    def fetch(url: str, timeout_s: float) -> article_pb2.Article:
        response: fetcher_pb2.FetchResponse = stub.Fetch(
            fetcher_pb2.FetchRequest(url=url), timeout=timeout_s
        )
        return response.article

    return reader_over(fetch, mirror)
