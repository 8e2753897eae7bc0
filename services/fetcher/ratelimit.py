"""A token bucket per host, so that one busy caller (or a loop of redirects) cannot make
Credence hammer a site. A request waits briefly for a token, then is refused."""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict

from services.fetcher import errors

_MAX_HOSTS = 10_000


class HostRateLimiter:
    """`rate` requests per second per host with bursts of `burst`."""

    def __init__(self, rate: float, burst: int, max_wait_s: float) -> None:
        self._rate = rate
        self._burst = float(burst)
        self._max_wait_s = max_wait_s
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def _take(self, host: str) -> float:
        """Takes a token if one is there; else returns the seconds until one will be."""
        now = time.monotonic()
        tokens, stamp = self._buckets.get(host, (self._burst, now))
        tokens = min(self._burst, tokens + (now - stamp) * self._rate)
        if tokens >= 1.0:
            self._buckets[host] = (tokens - 1.0, now)
            self._buckets.move_to_end(host)
            while len(self._buckets) > _MAX_HOSTS:
                self._buckets.popitem(last=False)
            return 0.0
        self._buckets[host] = (tokens, now)
        return (1.0 - tokens) / self._rate

    async def acquire(self, host: str) -> None:
        """Waits for a token for `host` (a bare host name, in the ASCII form of
        services.fetcher.hostnames: never an authority with port, user or query), or raises
        FETCH_RATE_LIMITED."""
        key = host.lower().rstrip(".")
        deadline = time.monotonic() + self._max_wait_s
        while True:
            wait = self._take(key)
            if wait == 0.0:
                return
            if time.monotonic() + wait > deadline:
                raise errors.rate_limited(key, self._rate)
            await asyncio.sleep(wait)
