"""DNS resolution behind a small interface, so the fetcher resolves each host exactly once
(the address it checks is the address it connects to) and tests can map names to addresses
without touching the system resolver."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Mapping, Sequence
from typing import Protocol

from services.fetcher.addresses import IPAddress


class Resolver(Protocol):
    """Resolves a host name to its addresses; raises OSError when it cannot."""

    async def resolve(self, host: str, port: int) -> list[IPAddress]: ...


class SystemResolver:
    """The operating system's resolver (getaddrinfo), run off the event loop."""

    async def resolve(self, host: str, port: int) -> list[IPAddress]:
        loop = asyncio.get_running_loop()
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        out: list[IPAddress] = []
        for _family, _type, _proto, _name, sockaddr in infos:
            address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
            if address not in out:
                out.append(address)
        return out


class StaticResolver:
    """Answers from a fixed table first (tests, pinned hosts), then from `fallback`."""

    def __init__(
        self, table: Mapping[str, Sequence[str]], fallback: Resolver | None = None
    ) -> None:
        self._table = {
            name.lower().rstrip("."): [ipaddress.ip_address(a) for a in addresses]
            for name, addresses in table.items()
        }
        self._fallback = fallback

    async def resolve(self, host: str, port: int) -> list[IPAddress]:
        key = host.lower().rstrip(".")
        if key in self._table:
            return list(self._table[key])
        if self._fallback is None:
            raise socket.gaierror(socket.EAI_NONAME, f"{host} is not in the resolver table")
        return await self._fallback.resolve(host, port)
