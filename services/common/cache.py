"""Byte caches with a TTL: Redis for the stack, memory for the embedded default.

Each cache offers the same calls synchronously (Celery tasks) and asynchronously (grpc.aio
servers). A cache that is down degrades to a miss: reads return None and writes are dropped,
both counted in `credence_cache_errors_total`, so a report is served uncached, never failed.

A cache also carries short notices between processes (`publish`, `listen`: Redis pub/sub),
which let a waiter wake as soon as what it waits for has happened instead of at its next
poll. Notices are best-effort: one published while nobody listens, or while Redis is down,
is lost, so whoever waits on them also polls.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import AsyncIterator
from typing import Protocol

import redis

from services.common import metrics, redis_clients
from services.common.errors import unavailable

_LOGGER = logging.getLogger(__name__)

_REDIS_ERRORS = (redis.RedisError, OSError)


def stop_if_cancelled() -> None:
    """Raises CancelledError when the running task was asked to stop. A Redis client's read
    can turn a cancellation that meets its own timeout into a timeout (redis-py's pub/sub
    then answers "no message"), which must not keep a listening loop alive."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


class Cache(Protocol):
    """A byte cache keyed by strings."""

    def get(self, key: str) -> bytes | None: ...
    def set(self, key: str, value: bytes, ttl_s: int) -> None: ...
    def delete(self, key: str) -> None: ...
    def add(self, key: str, value: bytes, ttl_s: int) -> bool: ...
    def compare_and_set(
        self, key: str, expected: bytes | None, value: bytes, ttl_s: int
    ) -> bool: ...
    def delete_if(self, key: str, value: bytes) -> bool: ...
    def incr(self, key: str, ttl_s: int) -> int: ...
    async def aget(self, key: str) -> bytes | None: ...
    async def aset(self, key: str, value: bytes, ttl_s: int) -> None: ...
    def publish(self, channel: str, message: bytes) -> None: ...
    def listen(self, channel: str) -> AsyncIterator[bytes]: ...


class MemoryCache:
    """A process-local cache for the embedded default and tests."""

    def __init__(self) -> None:
        self._items: dict[str, tuple[float, bytes]] = {}
        self._lock = threading.Lock()
        self._listeners: list[tuple[str, asyncio.AbstractEventLoop, asyncio.Queue[bytes]]] = []

    def get(self, key: str) -> bytes | None:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            expires, value = item
            if expires < time.monotonic():
                del self._items[key]
                return None
            return value

    def set(self, key: str, value: bytes, ttl_s: int) -> None:
        with self._lock:
            self._items[key] = (time.monotonic() + ttl_s, value)

    def delete(self, key: str) -> None:
        with self._lock:
            self._items.pop(key, None)

    def add(self, key: str, value: bytes, ttl_s: int) -> bool:
        """Sets `key` only when it is absent; True when it was set."""
        with self._lock:
            item = self._items.get(key)
            if item is not None and item[0] >= time.monotonic():
                return False
            self._items[key] = (time.monotonic() + ttl_s, value)
            return True

    def compare_and_set(self, key: str, expected: bytes | None, value: bytes, ttl_s: int) -> bool:
        """Sets `key` to `value` only if it still holds `expected` (None: absent)."""
        with self._lock:
            item = self._items.get(key)
            current = item[1] if item is not None and item[0] >= time.monotonic() else None
            if current != expected:
                return False
            self._items[key] = (time.monotonic() + ttl_s, value)
            return True

    def delete_if(self, key: str, value: bytes) -> bool:
        """Deletes `key` only if it holds `value` (a lock released by its holder only)."""
        with self._lock:
            item = self._items.get(key)
            if item is None or item[1] != value or item[0] < time.monotonic():
                return False
            del self._items[key]
            return True

    def incr(self, key: str, ttl_s: int) -> int:
        """Adds one to the counter at `key` (0 when absent) and returns it; the counter
        lives `ttl_s` seconds from its last count."""
        with self._lock:
            item = self._items.get(key)
            current = item[1] if item is not None and item[0] >= time.monotonic() else b"0"
            count = int(current) + 1
            self._items[key] = (time.monotonic() + ttl_s, str(count).encode())
            return count

    async def aget(self, key: str) -> bytes | None:
        return self.get(key)

    async def aset(self, key: str, value: bytes, ttl_s: int) -> None:
        self.set(key, value, ttl_s)

    def publish(self, channel: str, message: bytes) -> None:
        """Hands `message` to this process's listeners of `channel` (from any thread)."""
        with self._lock:
            listeners = [(loop, queue) for name, loop, queue in self._listeners if name == channel]
        for loop, queue in listeners:
            if not loop.is_closed():
                loop.call_soon_threadsafe(queue.put_nowait, message)

    async def listen(self, channel: str) -> AsyncIterator[bytes]:
        """The messages published on `channel` from now on, until the caller stops."""
        queue: asyncio.Queue[bytes] = asyncio.Queue()
        entry = (channel, asyncio.get_running_loop(), queue)
        with self._lock:
            self._listeners.append(entry)
        try:
            while True:
                yield await queue.get()
        finally:
            with self._lock:
                self._listeners.remove(entry)


# Compare-and-set in one step on the server: KEYS[1]; ARGV: "1" when the key must be absent,
# the expected value, the new value, the TTL in seconds.
_CAS_SCRIPT = """
local current = redis.call('GET', KEYS[1])
if ARGV[1] == '1' then
  if current then return 0 end
elseif current ~= ARGV[2] then
  return 0
end
redis.call('SET', KEYS[1], ARGV[3], 'EX', ARGV[4])
return 1
"""
# Delete only when the key holds ARGV[1] (the holder's own id).
_DELETE_IF_SCRIPT = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class RedisCache:
    """A Redis-backed cache. With `degrade` (report caches) an unreachable Redis is a miss;
    without it (job state, locks) the failure is raised as UNAVAILABLE."""

    def __init__(self, url: str, timeout_s: float = 0.5, degrade: bool = True) -> None:
        self._degrade = degrade
        self._listen_poll_s = timeout_s / 2  # a listener's read blocks less than the socket may
        self._name = "cache" if degrade else "state store"
        self._sync = redis_clients.sync_client(url, timeout_s)
        self._async = redis_clients.async_client(url, timeout_s)
        self._cas = self._sync.register_script(_CAS_SCRIPT)
        self._delete_if = self._sync.register_script(_DELETE_IF_SCRIPT)

    def get(self, key: str) -> bytes | None:
        try:
            value = self._sync.get(key)
            return value if isinstance(value, bytes) else None
        except _REDIS_ERRORS as error:
            self._failed("get", error)
            return None

    def set(self, key: str, value: bytes, ttl_s: int) -> None:
        try:
            self._sync.set(key, value, ex=ttl_s)
        except _REDIS_ERRORS as error:
            self._failed("set", error)

    def delete(self, key: str) -> None:
        try:
            self._sync.delete(key)
        except _REDIS_ERRORS as error:
            self._failed("delete", error)

    async def aget(self, key: str) -> bytes | None:
        try:
            value = await self._async.get(key)
            return value if isinstance(value, bytes) else None
        except _REDIS_ERRORS as error:
            self._failed("get", error)
            return None

    async def aset(self, key: str, value: bytes, ttl_s: int) -> None:
        try:
            await self._async.set(key, value, ex=ttl_s)
        except _REDIS_ERRORS as error:
            self._failed("set", error)

    def add(self, key: str, value: bytes, ttl_s: int) -> bool:
        try:
            return bool(self._sync.set(key, value, ex=ttl_s, nx=True))
        except _REDIS_ERRORS as error:
            self._failed("add", error)
            return True

    def compare_and_set(self, key: str, expected: bytes | None, value: bytes, ttl_s: int) -> bool:
        """Sets `key` to `value` only if it still holds `expected` (None: absent), atomically
        on the server. A degraded cache that is down answers False (nothing was set)."""
        absent = b"1" if expected is None else b"0"
        try:
            return bool(self._cas(keys=[key], args=[absent, expected or b"", value, ttl_s]))
        except _REDIS_ERRORS as error:
            self._failed("compare-and-set", error)
            return False

    def delete_if(self, key: str, value: bytes) -> bool:
        """Deletes `key` only if it holds `value`, atomically on the server."""
        try:
            return bool(self._delete_if(keys=[key], args=[value]))
        except _REDIS_ERRORS as error:
            self._failed("delete-if", error)
            return False

    def incr(self, key: str, ttl_s: int) -> int:
        """Adds one to the counter at `key` and returns it, atomically on the server; the
        counter lives `ttl_s` seconds from its last count. A degraded cache that is down
        counts nothing: 1."""
        try:
            pipe = self._sync.pipeline()
            pipe.incr(key)
            pipe.expire(key, ttl_s)
            count, _ = pipe.execute()
            return int(count)
        except _REDIS_ERRORS as error:
            self._failed("incr", error)
            return 1

    def publish(self, channel: str, message: bytes) -> None:
        """Publishes `message` on `channel`; with Redis down the notice is dropped (and
        counted), whoever waits for it finds out by polling."""
        try:
            self._sync.publish(channel, message)
        except _REDIS_ERRORS as error:
            _dropped(f"publish on {channel}", error, "listeners will poll")

    async def listen(self, channel: str) -> AsyncIterator[bytes]:
        """The messages published on `channel` from now on, until the caller stops; raises
        UNAVAILABLE when the connection fails (the caller decides whether to listen again)."""
        pubsub = self._async.pubsub(ignore_subscribe_messages=True)
        try:
            await pubsub.subscribe(channel)
            while True:
                message = await pubsub.get_message(timeout=self._listen_poll_s)
                stop_if_cancelled()
                if message is not None and isinstance(message.get("data"), bytes):
                    yield message["data"]
        except _REDIS_ERRORS as error:
            stop_if_cancelled()  # a cancellation the read turned into a timeout error
            raise unavailable(self._name, f"listen on {channel} failed: {error}") from error
        finally:
            await pubsub.aclose()

    def _failed(self, operation: str, error: Exception) -> None:
        if not self._degrade:
            raise unavailable(self._name, f"{operation} failed: {error}") from error
        _dropped(operation, error, "serving uncached")


def _dropped(operation: str, error: Exception, instead: str) -> None:
    """Counts and logs a cache operation given up on; `instead`: what happens without it."""
    metrics.CACHE_ERRORS.inc()
    _LOGGER.warning("cache %s failed, %s: %s", operation, instead, error)
