"""The fetcher's public API: `Fetcher.fetch` (a URL, fetched safely, then extracted) and
`Fetcher.extract` (HTML or text the caller already holds). Both give the same Article for
the same page and raise only CredenceError. Failures are counted by reason and cached
briefly, so a bad URL cannot be hammered through us."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable

import grpc
from credence.v1 import fetcher_pb2

from services.common import metrics
from services.common.cache import Cache, MemoryCache
from services.common.config import Settings
from services.common.errors import CredenceError, invalid_argument
from services.common.urls import canonical_url, validate_url
from services.fetcher import errors, pagefields
from services.fetcher.article import Draft, build_article
from services.fetcher.decoding import decode_body
from services.fetcher.hostnames import url_host
from services.fetcher.htmlpage import extract_html
from services.fetcher.http_getter import RawResponse, SafeHttp
from services.fetcher.plaintext import extract_text
from services.fetcher.policy import FetchPolicy
from services.fetcher.ratelimit import HostRateLimiter
from services.fetcher.resolver import Resolver, StaticResolver, SystemResolver
from services.fetcher.robots import RobotsGuard

__all__ = ["FetchPolicy", "Fetcher", "Resolver", "StaticResolver", "SystemResolver"]

_LOGGER = logging.getLogger(__name__)

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
PAGE_TYPES = HTML_TYPES | {"text/plain"}
_NEGATIVE_PREFIX = "fetcher:failed:v1:"


class Fetcher:
    """Fetches and extracts articles under the settings' limits."""

    def __init__(
        self,
        settings: Settings,
        cache: Cache | None = None,
        *,
        resolver: Resolver | None = None,
        policy: FetchPolicy | None = None,
    ) -> None:
        self.policy = policy or FetchPolicy.from_settings(settings)
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
            await self._cache.aset(key, _error_to_bytes(error), self.policy.negative_ttl_s)
            raise

    def extract(self, request: fetcher_pb2.ExtractRequest) -> fetcher_pb2.ExtractResponse:
        """Extracts the article from the HTML or text in `request`; nothing is fetched."""
        url = validate_url(request.url) if request.url.strip() else ""
        html, text = request.html, request.text
        if html and text:
            raise invalid_argument(
                "text",
                "must be empty when html is set (set exactly one)",
                "EXTRACT_INPUT_AMBIGUOUS",
            )
        if not html.strip() and not text.strip():
            raise invalid_argument(
                "html", "one of html or text must be set and non-blank", "EXTRACT_INPUT_MISSING"
            )
        field, value = ("html", html) if html else ("text", text)
        if len(value) > self.policy.max_body_bytes:
            raise invalid_argument(
                field, f"longer than {self.policy.max_body_bytes} characters", "INPUT_TOO_LARGE"
            )
        draft = _guard(lambda: extract_html(html, url) if html else extract_text(text, url))
        return fetcher_pb2.ExtractResponse(article=build_article(draft))

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
        draft = await asyncio.to_thread(_guard, lambda: _draft_of(url, raw))
        return fetcher_pb2.FetchResponse(
            article=build_article(draft),
            http_status=raw.status,
            final_url=raw.url,
            content_type=raw.media_type,
        )

    async def _before_hop(self, url: str, http: SafeHttp) -> None:
        """Per hop: the host's rate limit, then its robots.txt."""
        await self._limiter.acquire(url_host(url))
        await self._robots.check(url, http)


def _draft_of(url: str, raw: RawResponse) -> Draft:
    text, _encoding = decode_body(raw.body, raw.charset)
    if raw.media_type == "text/plain" or (not raw.media_type and not _looks_like_html(text)):
        draft = extract_text(text, url)
        draft.base_url = raw.url
        return draft
    return extract_html(text, url, base_url=raw.url)


def _looks_like_html(text: str) -> bool:
    head = text[:1024].lstrip().lower()
    return head.startswith(("<!doctype html", "<html", "<?xml")) or "<body" in head


def _guard(work: Callable[[], Draft]) -> Draft:
    """Runs an extraction, turning any parser failure on hostile input into a CredenceError."""
    try:
        return work()
    except CredenceError:
        raise
    except RecursionError as error:
        raise errors.extraction_failed("the page is nested too deeply") from error
    except Exception as error:  # third-party parsers on arbitrary input: never crash
        _LOGGER.warning("extraction failed: %s", error, exc_info=True)
        raise errors.extraction_failed(type(error).__name__) from error


def _error_to_bytes(error: CredenceError) -> bytes:
    return json.dumps(
        {
            "code": error.code.name,
            "reason": error.reason,
            "message": error.message,
            "metadata": error.metadata,
        }
    ).encode("utf-8")


def _error_from_bytes(data: bytes) -> CredenceError:
    try:
        item = json.loads(data)
        return CredenceError(
            grpc.StatusCode[item["code"]],
            item["reason"],
            item["message"] + " (cached failure)",
            {str(k): str(v) for k, v in item.get("metadata", {}).items()},
        )
    except (ValueError, KeyError, TypeError):
        return CredenceError(
            grpc.StatusCode.UNAVAILABLE, "FETCH_FAILED_RECENTLY", "this URL failed recently"
        )
