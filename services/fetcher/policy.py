"""The fetcher's limits in one frozen value, derived from the process settings, so that
tests and the benchmark can tighten them without touching the environment."""

from __future__ import annotations

from dataclasses import dataclass, field

from services.common.config import Settings

DEFAULT_PORTS = frozenset({80, 443})


@dataclass(frozen=True)
class FetchPolicy:
    """How far the fetcher goes for one URL."""

    user_agent: str
    allow_loopback: bool = False
    obey_robots: bool = True
    max_body_bytes: int = 5 * 1024 * 1024
    max_decompressed_bytes: int = 5 * 1024 * 1024
    total_timeout_s: float = 10.0
    connect_timeout_s: float = 5.0
    read_timeout_s: float = 5.0
    max_redirects: int = 5
    allowed_ports: frozenset[int] = field(default=DEFAULT_PORTS)
    per_host_rate: float = 5.0
    per_host_burst: int = 10
    per_host_wait_s: float = 2.0
    robots_ttl_s: int = 3600
    robots_max_bytes: int = 512 * 1024
    negative_ttl_s: int = 60

    @classmethod
    def from_settings(cls, settings: Settings) -> FetchPolicy:
        """The policy the settings describe; step timeouts never exceed the total."""
        total = settings.fetch_timeout_s
        return cls(
            user_agent=settings.user_agent,
            allow_loopback=settings.allow_loopback,
            obey_robots=settings.obey_robots,
            max_body_bytes=settings.max_body_bytes,
            max_decompressed_bytes=settings.max_body_bytes,
            total_timeout_s=total,
            connect_timeout_s=min(5.0, total),
            read_timeout_s=min(5.0, total),
        )

    @property
    def robots_token(self) -> str:
        """The product token robots.txt rules name, e.g. `CredenceBot`."""
        return self.user_agent.split("/", 1)[0].split()[0] if self.user_agent else "*"
