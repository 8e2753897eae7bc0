"""One safe HTTP GET: resolve once, refuse non-public addresses, pin the checked address,
follow redirects by hand (checking every hop), check the content type before reading, and
read the body while capping both the bytes on the wire and the bytes after decompression."""

from __future__ import annotations

import logging
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urljoin, urlsplit

import httpx

from services.common.errors import CredenceError
from services.common.urls import validate_url
from services.fetcher import errors
from services.fetcher.addresses import IPAddress, allowed, is_loopback, literal_address
from services.fetcher.decoding import ACCEPT_ENCODING, decoder_for
from services.fetcher.hostnames import ascii_host, ascii_url
from services.fetcher.policy import FetchPolicy
from services.fetcher.resolver import Resolver
from services.fetcher.transport import PinnedTransport, UnpinnedHostError

_LOGGER = logging.getLogger(__name__)

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_DEFAULT_PORTS = {"http": 80, "https": 443}

BeforeHop = Callable[[str], Awaitable[None]]


@dataclass(frozen=True)
class RawResponse:
    """A response whose body has been read within the caps."""

    url: str
    status: int
    media_type: str
    charset: str | None
    body: bytes


def parse_content_type(header: str) -> tuple[str, str | None]:
    """`text/html; charset=UTF-8` -> ("text/html", "UTF-8")."""
    media, *params = header.split(";")
    charset = None
    for param in params:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip("'\"") or None
    return media.strip().lower(), charset


@lru_cache(maxsize=1)
def _tls_context() -> ssl.SSLContext:
    """The certificate-verifying TLS context every fetch shares: loading the CA bundle takes
    about 30 ms, longer than fetching a page from a nearby server."""
    return httpx.create_ssl_context()


class SafeHttp:
    """GETs URLs under a policy; use as an async context manager."""

    def __init__(self, policy: FetchPolicy, resolver: Resolver) -> None:
        self._policy = policy
        self._resolver = resolver
        self._transport = PinnedTransport(
            httpx.AsyncHTTPTransport(verify=_tls_context(), retries=0, http2=False)
        )
        self._client = httpx.AsyncClient(
            transport=self._transport,
            follow_redirects=False,
            trust_env=False,
            timeout=httpx.Timeout(
                connect=policy.connect_timeout_s,
                read=policy.read_timeout_s,
                write=policy.read_timeout_s,
                pool=policy.connect_timeout_s,
            ),
            headers={
                "User-Agent": policy.user_agent,
                "Accept": "text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.1",
                "Accept-Encoding": ACCEPT_ENCODING,
            },
        )

    async def __aenter__(self) -> SafeHttp:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self._client.aclose()

    async def get(
        self,
        url: str,
        *,
        media_types: frozenset[str] | None,
        limit: int,
        before_hop: BeforeHop | None = None,
    ) -> RawResponse:
        """GETs `url`, following up to max_redirects redirects, each hop checked anew."""
        current = url
        for _hop in range(self._policy.max_redirects + 1):
            current = ascii_url(validate_url(current))
            await self.check_target(current)
            if before_hop is not None:
                await before_hop(current)
            response = await self._request(current, media_types, limit)
            if isinstance(response, RawResponse):
                return response
            current = response
        raise errors.too_many_redirects(self._policy.max_redirects)

    async def check_target(self, url: str) -> IPAddress:
        """Validates `url`, resolves its host once, refuses anything not allowed, and pins
        the checked address for the connection."""
        url = ascii_url(validate_url(url))
        parts = urlsplit(url)
        host = ascii_host(parts.hostname or "")
        port = parts.port or _DEFAULT_PORTS[parts.scheme.lower()]
        address = await self._resolve(host, port)
        if port not in self._policy.allowed_ports and not (
            self._policy.allow_loopback and is_loopback(address)
        ):
            raise errors.blocked_port(host, port)
        self._transport.pin(host, address)
        return address

    async def _resolve(self, host: str, port: int) -> IPAddress:
        literal = literal_address(host)
        if literal is not None:
            addresses = [literal]
        else:
            try:
                addresses = await self._resolver.resolve(host, port)
            except (OSError, UnicodeError) as error:
                raise errors.dns_failed(host, str(error) or type(error).__name__) from error
            if not addresses:
                raise errors.dns_failed(host, "no addresses")
        for address in addresses:
            if not allowed(address, self._policy.allow_loopback):
                raise errors.blocked_address(host, str(address))
        return addresses[0]

    async def _request(
        self, url: str, media_types: frozenset[str] | None, limit: int
    ) -> RawResponse | str:
        """One hop: a RawResponse, or the absolute URL the server redirects to."""
        host = urlsplit(url).hostname or ""
        try:
            async with self._client.stream("GET", url) as response:
                if response.status_code in _REDIRECTS:
                    return _redirect_target(url, response)
                media, charset = parse_content_type(response.headers.get("content-type", ""))
                if media_types is not None and media and media not in media_types:
                    raise errors.unsupported_content_type(media)
                body = await self._read(response, limit)
                return RawResponse(str(response.url), response.status_code, media, charset, body)
        except httpx.TimeoutException as error:
            raise _timeout(error, self._policy) from error
        except UnpinnedHostError as error:
            raise errors.blocked_address(host, "an unchecked address") from error
        except (httpx.TransportError, httpx.InvalidURL) as error:
            raise errors.connect_failed(host, str(error) or type(error).__name__) from error

    async def _read(self, response: httpx.Response, limit: int) -> bytes:
        """The body, decompressed, refusing as soon as either cap is passed."""
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise errors.body_too_large(limit)
        decompressed_limit = max(limit, self._policy.max_decompressed_bytes)
        decoder = decoder_for(response.headers.get("content-encoding", ""), decompressed_limit)
        raw = 0
        out = bytearray()
        async for chunk in response.aiter_raw():
            raw += len(chunk)
            if raw > limit:
                raise errors.body_too_large(limit)
            out += decoder.feed(chunk)
        out += decoder.flush()
        return bytes(out)


def _redirect_target(url: str, response: httpx.Response) -> str:
    location = response.headers.get("location", "").strip()
    if not location:
        raise errors.bad_redirect("", f"HTTP {response.status_code} without a Location")
    target: str = urljoin(url, location)
    try:
        validate_url(target)
    except CredenceError as error:
        raise errors.bad_redirect(location, error.message) from error
    return target


def _timeout(error: httpx.TimeoutException, policy: FetchPolicy) -> CredenceError:
    if isinstance(error, httpx.ConnectTimeout | httpx.PoolTimeout):
        return errors.timeout("connecting", policy.connect_timeout_s)
    return errors.timeout("reading", policy.read_timeout_s)
