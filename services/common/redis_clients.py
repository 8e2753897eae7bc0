"""Redis clients from URLs, one place for every process. Besides `redis://` URLs this
understands `sentinel://[:PASSWORD@]host:26379[,host2:26379]/DB?master=NAME`, so the job
state and keys follow the broker's master through a Sentinel fail-over (deploy/k8s uses it);
the password, when given, is the master's (`requirepass`), as in a `redis://` URL."""

from __future__ import annotations

from urllib.parse import parse_qs, unquote, urlsplit

import redis
import redis.asyncio as aioredis
from redis.asyncio.sentinel import Sentinel as AsyncSentinel
from redis.sentinel import Sentinel

SENTINEL_SCHEME = "sentinel"


def _sentinel_parts(url: str) -> tuple[list[tuple[str, int]], int, str, str | None]:
    parts = urlsplit(url)
    userinfo, _, netloc = parts.netloc.rpartition("@")
    password = unquote(userinfo.partition(":")[2]) or None
    hosts = []
    for item in netloc.split(","):
        host, _, port = item.rpartition(":")
        hosts.append((host or item, int(port) if host else 26379))
    db = int(parts.path.strip("/") or 0)
    master = parse_qs(parts.query).get("master", [""])[0]
    if not master:
        raise ValueError(f"{url!r}: a sentinel:// URL needs ?master=NAME")
    return hosts, db, master, password


def sync_client(url: str, timeout_s: float) -> redis.Redis:
    """A blocking client for `url`."""
    if urlsplit(url).scheme == SENTINEL_SCHEME:
        hosts, db, master, password = _sentinel_parts(url)
        sentinel = Sentinel(hosts, socket_timeout=timeout_s)
        client: redis.Redis = sentinel.master_for(
            master,
            db=db,
            password=password,
            socket_timeout=timeout_s,
            socket_connect_timeout=timeout_s,
        )
        return client
    return redis.Redis.from_url(url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s)


def async_client(url: str, timeout_s: float) -> aioredis.Redis:
    """An asyncio client for `url`."""
    if urlsplit(url).scheme == SENTINEL_SCHEME:
        hosts, db, master, password = _sentinel_parts(url)
        sentinel = AsyncSentinel(hosts, socket_timeout=timeout_s)
        async_redis: aioredis.Redis = sentinel.master_for(
            master,
            db=db,
            password=password,
            socket_timeout=timeout_s,
            socket_connect_timeout=timeout_s,
        )
        return async_redis
    return aioredis.Redis.from_url(url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s)
