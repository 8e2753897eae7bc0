"""The address rules: every non-public address is refused in every spelling, public ones
pass, and a literal host never reaches the resolver."""

from __future__ import annotations

import ipaddress
import socket

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.fetcher.addresses import allowed, is_public, literal_address

_BLOCKED_V4 = [
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.0.0.0/24",
    "192.168.0.0/16",
    "198.18.0.0/15",
    "224.0.0.0/4",
    "240.0.0.0/4",
]
_BLOCKED_V6 = ["::1/128", "fc00::/7", "fe80::/10", "ff00::/8", "::/128", "2001:db8::/32"]


@st.composite
def private_v4(draw: st.DrawFn) -> ipaddress.IPv4Address:
    network = ipaddress.ip_network(draw(st.sampled_from(_BLOCKED_V4)))
    offset = draw(st.integers(0, network.num_addresses - 1))
    return ipaddress.IPv4Address(int(network.network_address) + offset)


def spellings(address: ipaddress.IPv4Address) -> list[str]:
    """The ways a URL can write an IPv4 address that the C library still understands."""
    value = int(address)
    octets = [int(o) for o in str(address).split(".")]
    return [
        str(address),
        str(value),
        hex(value),
        ".".join(f"0{o:o}" for o in octets),
        ".".join(hex(o) for o in octets),
        f"{octets[0]}.{value & 0xFFFFFF}",
        f"{hex(octets[0])}.{octets[1]}.{value & 0xFFFF}",
        f"[::ffff:{address}]",
        f"[::ffff:{value >> 16:x}:{value & 0xFFFF:x}]",
        f"[2002:{value >> 16:x}:{value & 0xFFFF:x}::1]",
        f"[64:ff9b::{address}]",
        f"[::{address}]",
    ]


@settings(max_examples=300, deadline=None)
@given(private_v4(), st.booleans())
def test_private_ipv4_is_refused_in_every_spelling(
    address: ipaddress.IPv4Address, allow_loopback: bool
) -> None:
    for host in spellings(address):
        decoded = literal_address(host)
        assert decoded is not None, host
        # "[::0.0.0.1]" is the IPv6 loopback address itself.
        if allow_loopback and (address.is_loopback or decoded == ipaddress.IPv6Address("::1")):
            continue
        assert not allowed(decoded, allow_loopback), host


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(_BLOCKED_V6), st.integers(min_value=0))
def test_private_ipv6_is_refused(network: str, offset: int) -> None:
    net = ipaddress.ip_network(network)
    address = ipaddress.IPv6Address(int(net.network_address) + offset % net.num_addresses)
    assert not is_public(address)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_decoding_matches_the_c_library(value: int) -> None:
    text = str(value)
    assert literal_address(text) == ipaddress.IPv4Address(socket.inet_aton(text))


@pytest.mark.parametrize(
    "host", ["93.184.216.34", "8.8.8.8", "[2606:4700::1111]", "1.1.1.1", "0x5db8d822"]
)
def test_public_addresses_pass(host: str) -> None:
    decoded = literal_address(host)
    assert decoded is not None and is_public(decoded)


@pytest.mark.parametrize(
    "host", ["169.254.169.254", "[fd00:ec2::254]", "100.100.100.200", "[::ffff:7f00:1]"]
)
def test_metadata_and_mapped_addresses_are_refused(host: str) -> None:
    decoded = literal_address(host)
    assert decoded is not None and not allowed(decoded, allow_loopback=False)


@pytest.mark.parametrize("host", ["example.com", "news.test", "1.2.3.example", "0x7g.1"])
def test_names_are_not_literals(host: str) -> None:
    assert literal_address(host) is None


def test_loopback_is_allowed_only_by_configuration() -> None:
    address = ipaddress.ip_address("127.0.0.1")
    assert not allowed(address, allow_loopback=False)
    assert allowed(address, allow_loopback=True)
    assert not allowed(ipaddress.ip_address("10.0.0.1"), allow_loopback=True)
