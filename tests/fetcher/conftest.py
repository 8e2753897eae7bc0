"""Fixtures for the fetcher tests: the hostile server, and fetchers with tight limits."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from services.common.cache import MemoryCache
from services.common.config import Settings
from services.fetcher.core import Fetcher, FetchPolicy, StaticResolver
from tests.fetcher.zoo import Zoo

FAKE_HOST = "news.test"


@pytest.fixture(scope="session")
def zoo() -> Iterator[Zoo]:
    server = Zoo().start()
    yield server
    server.stop()


def tight_policy(**overrides: Any) -> FetchPolicy:
    """Tight limits so every refusal comes quickly."""
    values: dict[str, Any] = {
        "user_agent": "CredenceTest/1.0 (+tests)",
        "allow_loopback": True,
        "obey_robots": True,
        "max_body_bytes": 1024 * 1024,
        "max_decompressed_bytes": 1024 * 1024,
        "total_timeout_s": 3.0,
        "connect_timeout_s": 1.0,
        "read_timeout_s": 1.0,
        "per_host_rate": 1000.0,
        "per_host_burst": 1000,
    }
    values.update(overrides)
    return FetchPolicy(**values)


@pytest.fixture
def make_fetcher() -> Callable[..., Fetcher]:
    """Builds a Fetcher whose resolver maps news.test to 127.0.0.1."""

    def build(**overrides: Any) -> Fetcher:
        resolver = StaticResolver(
            {FAKE_HOST: ["127.0.0.1"], "evil.test": ["93.184.216.34", "10.0.0.7"]}
        )
        return Fetcher(
            Settings(), MemoryCache(), resolver=resolver, policy=tight_policy(**overrides)
        )

    return build
