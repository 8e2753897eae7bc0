"""The state store the pipeline's tests run on: a real Redis (the deployed store, database 3
of the suite's server, emptied first) and the in-memory store (the embedded default)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis

from services.common.cache import Cache, MemoryCache, RedisCache


@pytest.fixture(params=["redis", "memory"])
def store(request: pytest.FixtureRequest, redis_port: int) -> Iterator[Cache]:
    if request.param == "memory":
        yield MemoryCache()
        return
    redis.Redis(port=redis_port, db=3).flushdb()
    yield RedisCache(f"redis://127.0.0.1:{redis_port}/3", timeout_s=5.0, degrade=False)
