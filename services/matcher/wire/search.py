"""One article's wire search: every configured source at once, inside a time budget.

Each source's answer to a query is cached per (query, window) with a TTL, so the next article
about the same event costs no request. A source is asked only when its shared rate limit
gives a token in time; one that cannot answer in the budget is reported, not waited for:
`unavailable` (down, garbage, an error), `rate limited`, or `pending` (still running; its
answer lands in the cache and the index when it arrives, and the report is recomputed). The
pages of new stories are then read, as far as the budget allows, and everything found is
added to the index.
"""

from __future__ import annotations

import concurrent.futures as cf
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from credence.v1 import matcher_pb2

from services.common import metrics
from services.common.cache import Cache
from services.matcher.sources.base import RateLimitedError, SourceError
from services.matcher.stories import StoryRecord
from services.matcher.wire.limits import Bucket, RateLimiter, acquire
from services.matcher.wire.pages import PageReader, with_page
from services.matcher.wire.query import EventQuery

_LOGGER = logging.getLogger(__name__)

MAX_PAGES = 12
"""Pages read per article at most (the newest stories first)."""
_POOL = cf.ThreadPoolExecutor(max_workers=8, thread_name_prefix="wire-search")


class WireSource(Protocol):
    """A searchable wire source: its name, its rate-limit buckets and its search."""

    name: str
    buckets: tuple[Bucket, ...]

    def search(self, query: EventQuery, timeout_s: float) -> list[StoryRecord]:
        """The stories the source finds for `query`; raises SourceError."""
        ...


@dataclass(frozen=True)
class SourceOutcome:
    """What one source did for one query."""

    source: str
    state: matcher_pb2.SearchState.ValueType
    detail: str = ""
    stories: tuple[StoryRecord, ...] = ()
    cached: bool = False

    def to_proto(self) -> matcher_pb2.SourceSearch:
        return matcher_pb2.SourceSearch(
            source=self.source,
            state=self.state,
            detail=self.detail,
            stories=len(self.stories),
            cached_queries=int(self.cached),
            queries=1,
        )


@dataclass(frozen=True)
class SearchResult:
    """Every source's outcome and the stories found (read pages where possible)."""

    outcomes: tuple[SourceOutcome, ...]
    stories: tuple[StoryRecord, ...] = field(default=())

    @property
    def searched(self) -> bool:
        """True when at least one source answered, so absence of coverage means something."""
        return any(o.state == matcher_pb2.SEARCH_STATE_SEARCHED for o in self.outcomes)

    @property
    def pending(self) -> bool:
        return any(
            o.state in (matcher_pb2.SEARCH_STATE_PENDING, matcher_pb2.SEARCH_STATE_RATE_LIMITED)
            for o in self.outcomes
        )


def encode_stories(stories: Sequence[StoryRecord]) -> bytes:
    """Stories as cache bytes (an AddStoriesRequest: one typed serializer)."""
    request = matcher_pb2.AddStoriesRequest()
    for story in stories:
        request.stories.add(story=story.to_proto(), body=story.body)
    return request.SerializeToString()


def decode_stories(raw: bytes) -> list[StoryRecord]:
    request = matcher_pb2.AddStoriesRequest()
    request.ParseFromString(raw)
    return [StoryRecord.from_proto(doc) for doc in request.stories]


class WireSearch:
    """Searches the sources for an article's event query within a budget."""

    def __init__(
        self,
        sources: Sequence[WireSource],
        cache: Cache,
        limiter: RateLimiter,
        *,
        store: Callable[[Sequence[StoryRecord]], None],
        known: Callable[[str], StoryRecord | None],
        pages: PageReader | None = None,
        ttl_s: int = 6 * 3600,
    ) -> None:
        """`store` adds stories to the index; `known` returns the index's copy of a story
        id (which may already have its page read)."""
        self.sources = tuple(sources)
        self.cache, self.limiter, self.pages, self.ttl_s = cache, limiter, pages, ttl_s
        self.store, self.known = store, known

    def search(self, query: EventQuery, budget_s: float) -> SearchResult:
        """Every source's answer to `query` that arrives within `budget_s` seconds."""
        deadline = time.monotonic() + budget_s
        futures = {
            source.name: _POOL.submit(self._one_source, source, query, deadline)
            for source in self.sources
        }
        outcomes: list[SourceOutcome] = []
        for name, future in futures.items():
            try:
                outcomes.append(future.result(timeout=max(0.0, deadline - time.monotonic())))
            except cf.TimeoutError:
                outcomes.append(
                    SourceOutcome(
                        name,
                        matcher_pb2.SEARCH_STATE_PENDING,
                        "did not answer within the time budget; still searching",
                    )
                )
        for outcome in outcomes:
            metrics.WIRE_SEARCHES.labels(
                outcome.source, matcher_pb2.SearchState.Name(outcome.state)
            ).inc()
        stories = self._with_pages(
            [s for o in outcomes for s in o.stories], max(0.0, deadline - time.monotonic())
        )
        return SearchResult(tuple(outcomes), tuple(stories))

    def _one_source(self, source: WireSource, query: EventQuery, deadline: float) -> SourceOutcome:
        key = query.key(source.name)
        raw = self.cache.get(key)
        if raw is not None:
            return SourceOutcome(
                source.name, matcher_pb2.SEARCH_STATE_SEARCHED, "", tuple(decode_stories(raw)), True
            )
        if not acquire(self.limiter, source.buckets, deadline):
            return SourceOutcome(
                source.name,
                matcher_pb2.SEARCH_STATE_RATE_LIMITED,
                "its rate limit left no request free within the time budget",
            )
        try:
            found = source.search(query, max(0.5, deadline - time.monotonic()))
        except RateLimitedError as error:
            return SourceOutcome(
                source.name, matcher_pb2.SEARCH_STATE_RATE_LIMITED, f"rate limited: {error.detail}"
            )
        except SourceError as error:
            _LOGGER.warning("wire source %s failed: %s", source.name, error)
            return SourceOutcome(source.name, matcher_pb2.SEARCH_STATE_UNAVAILABLE, error.detail)
        self.cache.set(key, encode_stories(found), self.ttl_s)
        if time.monotonic() > deadline:
            # Arrived late: kept for the next article and the recomputed report.
            self.store(found)
        return SourceOutcome(source.name, matcher_pb2.SEARCH_STATE_SEARCHED, "", tuple(found))

    def _with_pages(self, stories: list[StoryRecord], budget_s: float) -> list[StoryRecord]:
        """The stories, the index's copies where it has them, new ones with their pages read
        as far as the budget allows; all of them stored."""
        unique = list({s.id: s for s in stories}.values())
        held = {s.id: copy for s in unique if (copy := self.known(s.id)) is not None}
        fresh = [s for s in unique if s.id not in held]
        reader = self.pages
        if reader is not None and fresh and budget_s > 0.2:
            fresh.sort(key=lambda s: s.published_at.timestamp() if s.published_at else 0.0)
            fresh.reverse()
            deadline = time.monotonic() + budget_s
            jobs = {s.id: _POOL.submit(reader, s.url, budget_s) for s in fresh[:MAX_PAGES] if s.url}
            read: dict[str, StoryRecord] = {}
            for story_id, job in jobs.items():
                try:
                    article = job.result(timeout=max(0.0, deadline - time.monotonic()))
                except cf.TimeoutError:
                    continue
                if article is not None:
                    story = next(s for s in fresh if s.id == story_id)
                    read[story_id] = with_page(story, article)
            fresh = [read.get(s.id, s) for s in fresh]
        if fresh:
            self.store(fresh)
        by_id = {s.id: s for s in fresh}
        return [held.get(s.id) or by_id[s.id] for s in unique]
