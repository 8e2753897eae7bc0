"""Per-key quotas: a token bucket per API key in Redis, taken atomically by one Lua script so
every front-door process shares one bucket per key (rate tokens per second, up to burst).

The script reads Redis's own clock, so the processes' clocks never disagree about refills.
"""

from __future__ import annotations

from dataclasses import dataclass

import redis
import redis.asyncio as aioredis

from services.common.errors import unavailable

BUCKET_PREFIX = "credence:quota:"
_MAX_TTL_S = 86_400

# KEYS[1] bucket; ARGV rate (tokens/s), burst, cost, max ttl.
# Returns {allowed 0|1, seconds until `cost` tokens are there (-1: never), tokens left}.
_TAKE = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then
  tokens = burst
  ts = now
end
tokens = math.min(burst, tokens + math.max(0, now - ts) * rate)
local allowed = 0
local wait = 0
if tokens >= cost then
  tokens = tokens - cost
  allowed = 1
elseif rate > 0 then
  wait = (cost - tokens) / rate
else
  wait = -1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
local ttl = tonumber(ARGV[4])
if rate > 0 then
  ttl = math.min(ttl, math.ceil(burst / rate) + 1)
end
redis.call('EXPIRE', KEYS[1], ttl)
return {allowed, tostring(wait), tostring(tokens)}
"""


@dataclass(frozen=True)
class Take:
    """The outcome of taking tokens: allowed, or how long until they would be."""

    allowed: bool
    retry_after_s: float
    remaining: float


class TokenBuckets:
    """Token buckets in Redis, one per key id."""

    def __init__(self, client: aioredis.Redis) -> None:
        self._script = client.register_script(_TAKE)

    async def take(self, key_id: str, rate: float, burst: int, cost: int = 1) -> Take:
        """Takes `cost` tokens from the key's bucket when it holds them."""
        try:
            allowed, wait, left = await self._script(
                keys=[BUCKET_PREFIX + key_id], args=[rate, burst, cost, _MAX_TTL_S]
            )
        except (redis.RedisError, OSError) as error:
            raise unavailable("quota store", str(error)) from error
        return Take(bool(int(allowed)), float(wait), float(left))
