"""An httpx transport that connects only to addresses the fetcher has already checked.

httpx would otherwise resolve the host again when it connects, and a DNS server under an
attacker's control could answer differently the second time (DNS rebinding). This transport
rewrites each request to the pinned IP address while keeping the Host header and the TLS
server name (SNI, and so certificate checks) of the original host, both in the ASCII form
the host was pinned under (services.fetcher.hostnames). A request to a host that has no pin
is refused, so nothing can connect unchecked.
"""

from __future__ import annotations

import httpx

from services.fetcher.addresses import IPAddress


class UnpinnedHostError(httpx.TransportError):
    """A request reached the transport for a host nobody checked."""


class PinnedTransport(httpx.AsyncBaseTransport):
    """Sends each request to the address pinned for its host."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self._inner = inner
        self._pins: dict[str, IPAddress] = {}

    def pin(self, host: str, address: IPAddress) -> None:
        """Connect to `address` whenever a request names `host` (its ASCII form)."""
        self._pins[host.lower()] = address

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        host = request.url.raw_host.decode("ascii").lower()
        address = self._pins.get(host)
        if address is None:
            raise UnpinnedHostError(f"no checked address for {host}", request=request)
        name = f"[{host}]" if ":" in host else host
        port = request.url.port
        request.headers["Host"] = name if port is None else f"{name}:{port}"
        if request.url.scheme == "https":
            request.extensions = {**request.extensions, "sni_hostname": host}
        request.url = request.url.copy_with(host=str(address))
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()
