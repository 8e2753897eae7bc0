"""The wire sources searched on demand, each with its rate limits, and the factory that
builds an article's `WireSearch` from settings."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import httpx

from services.common.cache import Cache, MemoryCache, RedisCache
from services.common.config import Settings
from services.matcher.sources.remote import GdeltAdapter, NytAdapter
from services.matcher.stories import StoryRecord
from services.matcher.wire.limits import (
    Bucket,
    LocalRateLimiter,
    RateLimiter,
    RedisRateLimiter,
)
from services.matcher.wire.pages import PageReader
from services.matcher.wire.query import EventQuery
from services.matcher.wire.search import WireSearch, WireSource

MAX_RECORDS = 75


def http_client(settings: Settings) -> httpx.Client:
    """The client the sources share: the project's User-Agent (GDELT expects one), no proxy
    settings from the environment, bounded connection time."""
    return httpx.Client(
        headers={"User-Agent": settings.user_agent},
        timeout=httpx.Timeout(10.0, connect=2.0),
        trust_env=False,
        follow_redirects=False,
    )


class GdeltSource:
    """GDELT DOC 2.0 `artlist`: keyless, about one request per five seconds per client."""

    name = "gdelt"

    def __init__(self, client: httpx.Client, settings: Settings) -> None:
        self.client, self.url, self.domains = client, settings.gdelt_url, settings.gdelt_domains
        self.buckets: tuple[Bucket, ...] = (Bucket("gdelt", 1, settings.gdelt_min_interval_s),)

    def search(self, query: EventQuery, timeout_s: float) -> list[StoryRecord]:
        adapter = GdeltAdapter(
            self.client,
            query.text,
            query.since,
            query.until,
            domains=self.domains,
            max_records=MAX_RECORDS,
            base_url=self.url,
            timeout_s=timeout_s,
        )
        return list(adapter.stories())


class NytSource:
    """NYT Article Search with `begin_date`/`end_date`: five requests a minute, 500 a day."""

    name = "nyt"

    def __init__(self, client: httpx.Client, settings: Settings) -> None:
        self.client, self.url, self.key = client, settings.nyt_url, settings.nyt_api_key
        self.buckets: tuple[Bucket, ...] = (
            Bucket("nyt-minute", settings.nyt_per_minute, 60.0),
            Bucket("nyt-day", settings.nyt_per_day, 86400.0),
        )

    def search(self, query: EventQuery, timeout_s: float) -> list[StoryRecord]:
        adapter = NytAdapter(
            self.client,
            self.key,
            query.text,
            query.since,
            query.until,
            max_pages=1,
            base_url=self.url,
            timeout_s=timeout_s,
        )
        return list(adapter.stories())


def configured_sources(settings: Settings, client: httpx.Client) -> list[WireSource]:
    """GDELT always (keyless); NYT when a key is set."""
    sources: list[WireSource] = [GdeltSource(client, settings)]
    if settings.nyt_api_key:
        sources.append(NytSource(client, settings))
    return sources


def build_wire_search(
    settings: Settings,
    *,
    store: Callable[[Sequence[StoryRecord]], None],
    known: Callable[[str], StoryRecord | None],
    pages: PageReader | None,
) -> WireSearch:
    """The article wire search of this process: shared cache and rate limits in Redis for
    the stack, in memory for the embedded mode."""
    cache: Cache
    limiter: RateLimiter
    if settings.embedded:
        cache, limiter = MemoryCache(), LocalRateLimiter()
    else:
        cache, limiter = RedisCache(settings.cache_url), RedisRateLimiter(settings.state_url)
    client = http_client(settings)
    return WireSearch(
        configured_sources(settings, client),
        cache,
        limiter,
        store=store,
        known=known,
        pages=pages if settings.wire_fetch_pages else None,
        ttl_s=settings.wire_search_cache_ttl_s,
    )
