"""robots.txt, read with protego and cached per site (scheme, host and port) in the shared
cache, so a fleet of workers reads each site's rules once an hour, not once per article.

Following RFC 9309: a missing robots.txt (4xx) allows everything; a server error or an
unreachable robots.txt means "do not crawl for now" (a transient refusal)."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit, urlunsplit

from protego import Protego

from services.common.cache import Cache
from services.common.errors import CredenceError
from services.fetcher import errors
from services.fetcher.http_getter import SafeHttp
from services.fetcher.policy import FetchPolicy

_LOGGER = logging.getLogger(__name__)

_CACHE_PREFIX = "fetcher:robots:v1:"
_ALLOW_ALL = b""
_MAX_PARSED_CHARS = 500_000


def robots_url(url: str) -> str:
    """The robots.txt URL of the site `url` belongs to."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), "/robots.txt", "", ""))


class RobotsGuard:
    """Refuses URLs the site's robots.txt disallows for our User-Agent."""

    def __init__(self, policy: FetchPolicy, cache: Cache) -> None:
        self._policy = policy
        self._cache = cache

    async def check(self, url: str, http: SafeHttp) -> None:
        """Raises ROBOTS_DISALLOWED (or ROBOTS_UNAVAILABLE) unless `url` may be fetched."""
        if not self._policy.obey_robots:
            return
        rules = await self._rules(robots_url(url), http)
        if not rules:
            return
        parser = Protego.parse(rules.decode("utf-8", errors="replace")[:_MAX_PARSED_CHARS])
        if not parser.can_fetch(url, self._policy.robots_token):
            raise errors.robots_disallowed(url)

    async def _rules(self, url: str, http: SafeHttp) -> bytes:
        key = _CACHE_PREFIX + url
        cached = await self._cache.aget(key)
        if cached is not None:
            return cached
        rules = await self._download(url, http)
        await self._cache.aset(key, rules, self._policy.robots_ttl_s)
        return rules

    async def _download(self, url: str, http: SafeHttp) -> bytes:
        try:
            response = await http.get(url, media_types=None, limit=self._policy.robots_max_bytes)
        except CredenceError as error:
            if error.reason == "BODY_TOO_LARGE":
                return _ALLOW_ALL
            if error.transient:
                raise  # the site itself is unreachable: report that, not robots.txt
            _LOGGER.info("robots.txt at %s unusable (%s); allowing", url, error.reason)
            return _ALLOW_ALL
        if response.status >= 500 or response.status == 429:
            raise errors.robots_unavailable(url, f"HTTP {response.status}")
        if response.status >= 400:
            return _ALLOW_ALL
        if response.media_type.startswith("text/html"):
            return _ALLOW_ALL
        return response.body
