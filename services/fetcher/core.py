"""The fetcher's public API: `Fetcher.fetch` (a URL, fetched safely, then extracted) and
`Fetcher.extract` (HTML or text the caller already holds). Both give the same Article for
the same page and raise only CredenceError. Failures are counted by reason and cached
briefly, so a bad URL cannot be hammered through us."""

from __future__ import annotations

import asyncio
import dataclasses
import logging

import grpc
from credence.v1 import fetcher_pb2
from google.protobuf.message import DecodeError
from google.rpc import status_pb2

from services.common import metrics
from services.common.cache import Cache, MemoryCache
from services.common.config import Settings
from services.common.errors import CredenceError, from_status
from services.common.process_pool import ForkedPool
from services.common.urls import canonical_url, validate_url
from services.fetcher import errors, pagefields
from services.fetcher.extraction import WORKER_DIED, Extraction
from services.fetcher.hostnames import url_host
from services.fetcher.http_getter import SafeHttp
from services.fetcher.policy import FetchPolicy
from services.fetcher.ratelimit import HostRateLimiter
from services.fetcher.resolver import Resolver, StaticResolver, SystemResolver
from services.fetcher.robots import RobotsGuard

__all__ = ["FetchPolicy", "Fetcher", "Resolver", "StaticResolver", "SystemResolver"]

_LOGGER = logging.getLogger(__name__)

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
PAGE_TYPES = HTML_TYPES | {"text/plain"}
_NEGATIVE_PREFIX = "fetcher:failed:v2:"
"""A failed URL's error, kept briefly: a serialized `google.rpc.Status`."""


class Fetcher:
    """Fetches and extracts articles under the settings' limits; with a `pool` (forked by
    `extraction.start_workers`) the extraction runs in its worker processes."""

    def __init__(
        self,
        settings: Settings,
        cache: Cache | None = None,
        *,
        resolver: Resolver | None = None,
        policy: FetchPolicy | None = None,
        pool: ForkedPool | None = None,
    ) -> None:
        self.policy = policy or FetchPolicy.from_settings(settings)
        self._extraction = Extraction(self.policy.max_body_bytes, pool)
        self._cache: Cache = cache if cache is not None else MemoryCache()
        self._resolver: Resolver = resolver or SystemResolver()
        self._robots = RobotsGuard(self.policy, self._cache)
        self._limiter = HostRateLimiter(
            self.policy.per_host_rate, self.policy.per_host_burst, self.policy.per_host_wait_s
        )
        pagefields.warm_up()

    async def fetch(self, request: fetcher_pb2.FetchRequest) -> fetcher_pb2.FetchResponse:
        """Fetches `request.url` safely and extracts its article."""
        url = validate_url(request.url)
        key = _NEGATIVE_PREFIX + canonical_url(url)
        cached = await self._cache.aget(key)
        if cached is not None:
            error = _error_from_bytes(cached)
            metrics.FETCH_ERRORS.labels(error.reason).inc()
            raise error
        try:
            return await self._fetch(url)
        except CredenceError as error:
            metrics.FETCH_ERRORS.labels(error.reason).inc()
            if error.reason != WORKER_DIED:  # a dead worker is no fault of the URL's
                await self._cache.aset(key, _error_to_bytes(error), self.policy.negative_ttl_s)
            raise

    def extract(self, request: fetcher_pb2.ExtractRequest) -> fetcher_pb2.ExtractResponse:
        """Extracts the article from the HTML or text in `request`; nothing is fetched."""
        return self._extraction.extract(request)

    async def aextract(self, request: fetcher_pb2.ExtractRequest) -> fetcher_pb2.ExtractResponse:
        """`extract`, in a worker process when there are some, else without holding up the
        event loop for long (`Extraction.aextract`)."""
        return await self._extraction.aextract(request)

    async def _fetch(self, url: str) -> fetcher_pb2.FetchResponse:
        try:
            async with asyncio.timeout(self.policy.total_timeout_s):
                async with SafeHttp(self.policy, self._resolver) as http:
                    raw = await http.get(
                        url,
                        media_types=PAGE_TYPES,
                        limit=self.policy.max_body_bytes,
                        before_hop=lambda hop: self._before_hop(hop, http),
                    )
        except TimeoutError as error:
            raise errors.timeout("fetching", self.policy.total_timeout_s) from error
        if not 200 <= raw.status < 300:
            raise errors.upstream_status(raw.status, raw.url)
        article = await self._extraction.page_article(url, raw)
        return fetcher_pb2.FetchResponse(
            article=article,
            http_status=raw.status,
            final_url=raw.url,
            content_type=raw.media_type,
        )

    async def _before_hop(self, url: str, http: SafeHttp) -> None:
        """Per hop: the host's rate limit, then its robots.txt."""
        await self._limiter.acquire(url_host(url))
        await self._robots.check(url, http)


def _error_to_bytes(error: CredenceError) -> bytes:
    return bytes(error.to_status().SerializeToString())


def _error_from_bytes(data: bytes) -> CredenceError:
    try:
        error = from_status(status_pb2.Status.FromString(data))
    except DecodeError:
        error = CredenceError(
            grpc.StatusCode.UNAVAILABLE, "FETCH_FAILED_RECENTLY", "this URL failed recently"
        )
    return dataclasses.replace(error, message=error.message + " (cached failure)")
