"""Which addresses the fetcher may connect to.

Everything that is not plainly on the public internet is refused: loopback, private,
link-local (incl. the cloud metadata address), CGNAT, multicast, reserved, unspecified, and
IPv6 forms that embed such an IPv4 address (IPv4-mapped, IPv4-compatible, 6to4, Teredo,
NAT64). Host names written as numbers in legacy encodings (`2130706433`, `0x7f.1`,
`0177.0.0.1`) are decoded the way the C library would, so they cannot hide an address.
"""

from __future__ import annotations

import ipaddress
import socket

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
# Not relying on the Python version's idea of "global" for these (its tables miss some,
# such as fec0::/10 and 3fff::/20): refused outright.
_ALWAYS_BLOCKED = tuple(
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8",
        "100.64.0.0/10",  # CGNAT (also the Alibaba Cloud metadata address)
        "192.0.0.0/24",  # IETF protocol assignments
        "192.0.2.0/24",
        "192.88.99.0/24",  # 6to4 relay anycast
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "240.0.0.0/4",
        "fec0::/10",  # IPv6 site-local (deprecated, still routed inside some networks)
        "3fff::/20",  # IPv6 documentation (RFC 9637)
    )
)


def literal_address(host: str) -> IPAddress | None:
    """The address a host written as an IP literal denotes, in any encoding; None for names."""
    value = host.strip().strip("[]").rstrip(".")
    if "%" in value:  # IPv6 zone id: never public
        value = value.split("%", 1)[0]
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        pass
    if value and all(part for part in value.split(".")) and _looks_numeric(value):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(value))
        except OSError:
            return None
    return None


def _looks_numeric(value: str) -> bool:
    """True for dotted parts that inet_aton would read as numbers (decimal, octal, hex)."""
    for part in value.split("."):
        lowered = part.lower()
        digits = lowered[2:] if lowered.startswith("0x") else lowered
        if not digits or not all(c in "0123456789abcdef" for c in digits):
            return False
        if not lowered.startswith("0x") and not digits.isdigit():
            return False
    return True


def embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, compatible, 6to4, Teredo, NAT64)."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in _NAT64 or address in _IPV4_COMPATIBLE:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_public(address: IPAddress) -> bool:
    """True only for unicast addresses routed on the public internet."""
    if isinstance(address, ipaddress.IPv6Address):
        if address in _NAT64_LOCAL:
            return False
        inner = embedded_ipv4(address)
        if inner is not None:
            return is_public(inner)
    if any(address in network for network in _ALWAYS_BLOCKED if network.version == address.version):
        return False
    return bool(
        address.is_global
        and not address.is_multicast
        and not address.is_reserved
        and not address.is_link_local
        and not address.is_loopback
        and not address.is_unspecified
        and not address.is_private
    )


def is_loopback(address: IPAddress) -> bool:
    """True for 127.0.0.0/8 and ::1, also when written as IPv4-mapped IPv6."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


def allowed(address: IPAddress, allow_loopback: bool) -> bool:
    """The fetcher's rule: public addresses, plus loopback when configured for tests."""
    return is_public(address) or (allow_loopback and is_loopback(address))
