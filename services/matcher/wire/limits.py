"""Rate limits of the wire sources, shared by every process that searches them.

GDELT's DOC API allows about one request per five seconds per client; the NYT Article
Search API five a minute and five hundred a day. Every matcher replica and worker draws from
one token bucket per limit kept in Redis (an atomic Lua script, Redis's own clock), so that
together they stay within the source's limit. The embedded mode, with no Redis, keeps the
buckets in the process.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Protocol

import redis

from services.common.redis_clients import sync_client

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class Bucket:
    """`capacity` requests, refilled at `capacity` per `period_s`."""

    name: str
    capacity: int
    period_s: float

    @property
    def refill_per_s(self) -> float:
        return self.capacity / self.period_s


class RateLimiter(Protocol):
    """Takes one token from every bucket, or says how long until that is possible."""

    def try_acquire(self, buckets: tuple[Bucket, ...]) -> float:
        """0 when a token was taken from each bucket; else seconds to wait (nothing taken)."""
        ...


# KEYS: one per bucket. ARGV: capacity, refill per second, ... (two per bucket).
# All-or-nothing: tokens are taken only when every bucket has one.
_TOKEN_BUCKET = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) + tonumber(now_parts[2]) / 1e6
local wait = 0
local levels = {}
for i, key in ipairs(KEYS) do
  local capacity = tonumber(ARGV[2 * i - 1])
  local rate = tonumber(ARGV[2 * i])
  local state = redis.call('HMGET', key, 'tokens', 'at')
  local tokens = tonumber(state[1]) or capacity
  local at = tonumber(state[2]) or now
  tokens = math.min(capacity, tokens + (now - at) * rate)
  levels[i] = tokens
  if tokens < 1 then
    wait = math.max(wait, (1 - tokens) / rate)
  end
end
if wait > 0 then
  return tostring(wait)
end
for i, key in ipairs(KEYS) do
  local capacity = tonumber(ARGV[2 * i - 1])
  local rate = tonumber(ARGV[2 * i])
  redis.call('HSET', key, 'tokens', levels[i] - 1, 'at', now)
  redis.call('EXPIRE', key, math.ceil(capacity / rate) + 60)
end
return '0'
"""


class RedisRateLimiter:
    """Token buckets in Redis, shared by every process using the same Redis."""

    def __init__(self, url: str, prefix: str = "credence:ratelimit:") -> None:
        self._client = sync_client(url, timeout_s=1.0)
        self._script = self._client.register_script(_TOKEN_BUCKET)
        self._prefix = prefix

    def try_acquire(self, buckets: tuple[Bucket, ...]) -> float:
        keys = [self._prefix + b.name for b in buckets]
        args: list[float] = []
        for bucket in buckets:
            args += [bucket.capacity, bucket.refill_per_s]
        try:
            return float(self._script(keys=keys, args=args))
        except redis.RedisError as error:
            # Without the shared buckets no process can know the others' use: wait a period.
            _LOGGER.warning("rate-limit store unavailable: %s", error)
            return max(b.period_s / b.capacity for b in buckets)


class LocalRateLimiter:
    """The same buckets in this process (the embedded mode)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._levels: dict[str, tuple[float, float]] = {}

    def try_acquire(self, buckets: tuple[Bucket, ...]) -> float:
        with self._lock:
            now = time.monotonic()
            levels = {}
            wait = 0.0
            for bucket in buckets:
                tokens, at = self._levels.get(bucket.name, (float(bucket.capacity), now))
                tokens = min(bucket.capacity, tokens + (now - at) * bucket.refill_per_s)
                levels[bucket.name] = tokens
                if tokens < 1:
                    wait = max(wait, (1 - tokens) / bucket.refill_per_s)
            if wait > 0:
                return wait
            for name, tokens in levels.items():
                self._levels[name] = (tokens - 1, now)
            return 0.0


def acquire(limiter: RateLimiter, buckets: tuple[Bucket, ...], deadline: float) -> bool:
    """Waits for a token of every bucket until `deadline` (monotonic); False past it."""
    while True:
        wait = limiter.try_acquire(buckets)
        if wait <= 0:
            return True
        if time.monotonic() + wait > deadline:
            return False
        time.sleep(wait)
