"""HTTP clients for the hosts Credence reads besides article pages (RSS feeds and news APIs,
the status page's /metrics scrapes): bodies capped in size, compressed or not, and no proxy
or credentials taken from the environment (`trust_env=False`), like the fetcher's own client.

A body over its cap raises `ResponseTooLarge`, an `httpx.TransportError`, so callers that
already map httpx errors report it like any other failed request."""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator, Iterator

import httpx

# Only encodings whose decoded size this module can count are accepted.
ACCEPT_ENCODING = "gzip, deflate"
_ZLIB_ANY_HEADER = 47  # zlib or gzip wrapper, detected from the header


class ResponseTooLarge(httpx.TransportError):
    """A response body, raw or decoded, went over the client's cap."""


class _Meter:
    """Counts raw and decoded bytes of one body and raises past the cap."""

    def __init__(self, request: httpx.Request, response: httpx.Response, limit: int) -> None:
        self._limit = limit
        self._url = str(request.url)
        encoding = response.headers.get("content-encoding", "").strip().lower()
        if encoding not in ("", "identity", "gzip", "x-gzip", "deflate"):
            raise ResponseTooLarge(
                f"{self._url}: content encoding {encoding!r} was not asked for",
                request=request,
            )
        self._inflater = zlib.decompressobj(_ZLIB_ANY_HEADER) if encoding else None
        self._raw = 0
        self._decoded = 0
        self._request = request

    def count(self, chunk: bytes) -> None:
        self._raw += len(chunk)
        if self._inflater is not None:
            # Inflate at most one byte past the cap: a small bomb cannot expand in memory.
            spare = self._limit - self._decoded + 1
            self._decoded += len(self._inflater.decompress(chunk, spare))
            if self._inflater.unconsumed_tail:
                self._decoded = self._limit + 1
        else:
            self._decoded = self._raw
        if self._raw > self._limit or self._decoded > self._limit:
            raise ResponseTooLarge(
                f"{self._url}: body larger than {self._limit} bytes", request=self._request
            )


class _CappedSyncStream(httpx.SyncByteStream):
    def __init__(self, inner: httpx.SyncByteStream, meter: _Meter) -> None:
        self._inner = inner
        self._meter = meter

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._inner:
            self._meter.count(chunk)
            yield chunk

    def close(self) -> None:
        self._inner.close()


class _CappedAsyncStream(httpx.AsyncByteStream):
    def __init__(self, inner: httpx.AsyncByteStream, meter: _Meter) -> None:
        self._inner = inner
        self._meter = meter

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._inner:
            self._meter.count(chunk)
            yield chunk

    async def aclose(self) -> None:
        await self._inner.aclose()


class CappedTransport(httpx.BaseTransport):
    """A transport whose response bodies may not exceed `limit` bytes, raw or decoded."""

    def __init__(self, limit: int, inner: httpx.BaseTransport | None = None) -> None:
        self._limit = limit
        self._inner = inner or httpx.HTTPTransport(retries=0)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self._inner.handle_request(request)
        assert isinstance(response.stream, httpx.SyncByteStream)
        meter = _Meter(request, response, self._limit)
        response.stream = _CappedSyncStream(response.stream, meter)
        return response

    def close(self) -> None:
        self._inner.close()


class AsyncCappedTransport(httpx.AsyncBaseTransport):
    """The asyncio form of `CappedTransport`."""

    def __init__(self, limit: int, inner: httpx.AsyncBaseTransport | None = None) -> None:
        self._limit = limit
        self._inner = inner or httpx.AsyncHTTPTransport(retries=0)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        assert isinstance(response.stream, httpx.AsyncByteStream)
        meter = _Meter(request, response, self._limit)
        response.stream = _CappedAsyncStream(response.stream, meter)
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


def _headers(user_agent: str) -> dict[str, str]:
    headers = {"Accept-Encoding": ACCEPT_ENCODING}
    if user_agent:
        headers["User-Agent"] = user_agent
    return headers


def sync_client(
    *,
    max_bytes: int,
    timeout_s: float,
    user_agent: str = "",
    follow_redirects: bool = False,
    transport: httpx.BaseTransport | None = None,
) -> httpx.Client:
    """A blocking client with capped bodies and no environment proxies or .netrc."""
    return httpx.Client(
        transport=CappedTransport(max_bytes, transport),
        timeout=timeout_s,
        headers=_headers(user_agent),
        follow_redirects=follow_redirects,
        max_redirects=5,
        trust_env=False,
    )


def async_client(
    *,
    max_bytes: int,
    timeout_s: float,
    user_agent: str = "",
    follow_redirects: bool = False,
    transport: httpx.AsyncBaseTransport | None = None,
) -> httpx.AsyncClient:
    """An asyncio client with capped bodies and no environment proxies or .netrc."""
    return httpx.AsyncClient(
        transport=AsyncCappedTransport(max_bytes, transport),
        timeout=timeout_s,
        headers=_headers(user_agent),
        follow_redirects=follow_redirects,
        max_redirects=5,
        trust_env=False,
    )
