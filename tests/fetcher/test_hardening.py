"""The fetcher's hardening: IPv6 ranges Python's tables miss are refused, an international
host is resolved, pinned and sent (Host, SNI) in one IDNA 2008 ASCII spelling, the per-host
rate limit keys on the host name alone, and the other HTTP clients (feeds, status page) cap
bodies and ignore proxies from the environment."""

from __future__ import annotations

import gzip
import ipaddress
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from credence.v1 import fetcher_pb2

from services.common import http_clients
from services.common.cache import MemoryCache
from services.common.config import Settings
from services.common.errors import CredenceError
from services.fetcher.addresses import IPAddress, is_public
from services.fetcher.core import Fetcher
from services.fetcher.hostnames import ascii_host, ascii_url, url_host
from services.fetcher.resolver import StaticResolver
from services.fetcher.transport import PinnedTransport
from tests.fetcher.conftest import FAKE_HOST, tight_policy
from tests.fetcher.zoo import Zoo

pytestmark = pytest.mark.timeout(30)


@pytest.mark.parametrize("address", ["fec0::1", "feff:ffff::1", "3fff::1", "3fff:fff:ffff::1"])
def test_site_local_and_new_documentation_ipv6_are_refused(address: str) -> None:
    assert not is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["2606:4700:4700::1111", "2a00:1450:4001::1", "4000::1"])
def test_neighbouring_public_ipv6_still_passes(address: str) -> None:
    assert is_public(ipaddress.ip_address(address)) is (address != "4000::1")


async def test_literal_site_local_host_is_blocked() -> None:
    fetcher = Fetcher(Settings(), MemoryCache(), policy=tight_policy(allow_loopback=False))
    with pytest.raises(CredenceError) as caught:
        await fetcher.fetch(fetcher_pb2.FetchRequest(url="http://[fec0::1]/"))
    assert caught.value.reason == "FETCH_BLOCKED_PRIVATE_ADDRESS"


def test_ascii_host_is_idna_2008() -> None:
    assert ascii_host("Bücher.Example.") == "xn--bcher-kva.example"
    assert ascii_host("faß.de") == "xn--fa-hia.de"  # IDNA 2003 would give fass.de
    assert ascii_host("news.test") == "news.test"
    assert url_host("https://user@Bücher.example:8443/a?b=c") == "xn--bcher-kva.example"
    assert ascii_url("http://faß.de:81/x?y") == "http://xn--fa-hia.de:81/x?y"
    assert ascii_url("http://[::1]:81/x") == "http://[::1]:81/x"
    with pytest.raises(CredenceError) as caught:
        ascii_host("a\u200db.example")  # a joiner where the rules forbid it
    assert caught.value.reason == "URL_MALFORMED"


class _RecordingResolver(StaticResolver):
    def __init__(self, table: dict[str, list[str]]) -> None:
        super().__init__(table)
        self.asked: list[str] = []

    async def resolve(self, host: str, port: int) -> list[IPAddress]:
        self.asked.append(host)
        return await super().resolve(host, port)


async def test_international_host_is_resolved_and_sent_in_one_ascii_form(zoo: Zoo) -> None:
    resolver = _RecordingResolver({"xn--fa-hia.test": ["127.0.0.1"]})
    fetcher = Fetcher(Settings(), MemoryCache(), resolver=resolver, policy=tight_policy())
    response = await fetcher.fetch(fetcher_pb2.FetchRequest(url=zoo.url("/echo-host", "faß.test")))
    assert set(resolver.asked) == {"xn--fa-hia.test"}
    assert zoo.hosts[-1] == f"xn--fa-hia.test:{zoo.port}"
    assert f"Host was xn--fa-hia.test:{zoo.port}" in response.article.text


class _Recorder(httpx.AsyncBaseTransport):
    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(204)


async def test_host_header_and_sni_are_the_pinned_ascii_name() -> None:
    recorder = _Recorder()
    transport = PinnedTransport(recorder)
    transport.pin("xn--bcher-kva.example", ipaddress.ip_address("93.184.216.34"))
    async with httpx.AsyncClient(transport=transport) as client:
        await client.get("https://xn--bcher-kva.example/a")
        await client.get("https://bücher.example:8443/b")  # httpx spells it the same way
    first, second = recorder.requests
    assert first.headers["Host"] == "xn--bcher-kva.example"
    assert first.extensions["sni_hostname"] == "xn--bcher-kva.example"
    assert first.url.host == "93.184.216.34"
    assert second.headers["Host"] == "xn--bcher-kva.example:8443"
    assert second.extensions["sni_hostname"] == "xn--bcher-kva.example"


async def test_rate_limit_keys_on_the_host_not_the_authority_with_query(zoo: Zoo) -> None:
    resolver = StaticResolver({FAKE_HOST: ["127.0.0.1"]})
    policy = tight_policy(per_host_rate=0.01, per_host_burst=1, per_host_wait_s=0.0)
    fetcher = Fetcher(Settings(), MemoryCache(), resolver=resolver, policy=policy)
    first = f"http://{FAKE_HOST}:{zoo.port}?a=1"  # no path: the query follows the authority
    try:
        await fetcher.fetch(fetcher_pb2.FetchRequest(url=first))
    except CredenceError as error:  # whatever the page is, the token was taken
        assert error.reason != "FETCH_RATE_LIMITED"
    for again in (f"http://{FAKE_HOST}:{zoo.port}?a=2", f"http://NEWS.test.:{zoo.port}/article"):
        with pytest.raises(CredenceError) as caught:
            await fetcher.fetch(fetcher_pb2.FetchRequest(url=again))
        assert caught.value.reason == "FETCH_RATE_LIMITED", again
        assert caught.value.metadata.get("host", FAKE_HOST) == FAKE_HOST


_BOMB = gzip.compress(b"a" * 5_000_000)


class _Feeds(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/bomb":
            body, encoding = _BOMB, "gzip"
        elif self.path == "/big":
            body, encoding = b"<rss>" + b"x" * 20_000 + b"</rss>", ""
        else:
            body, encoding = gzip.compress(b"<rss></rss>"), "gzip"
        self.send_response(200)
        if encoding:
            self.send_header("Content-Encoding", encoding)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture(scope="module")
def feeds() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Feeds)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_sync_client_caps_raw_and_decompressed_bodies(feeds: str) -> None:
    with http_clients.sync_client(max_bytes=10_000, timeout_s=10) as client:
        assert client.get(f"{feeds}/ok").text == "<rss></rss>"
        for path in ("/big", "/bomb"):
            with pytest.raises(http_clients.ResponseTooLarge):
                client.get(f"{feeds}{path}")


async def test_async_client_caps_bodies_and_ignores_env_proxies(
    feeds: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # would fail every request
    monkeypatch.setenv("ALL_PROXY", "http://127.0.0.1:9")
    async with http_clients.async_client(max_bytes=10_000, timeout_s=10) as client:
        assert not client.trust_env
        assert (await client.get(f"{feeds}/ok")).text == "<rss></rss>"
        with pytest.raises(http_clients.ResponseTooLarge):
            await client.get(f"{feeds}/bomb")


def test_feed_client_has_the_fetchers_caps(monkeypatch: pytest.MonkeyPatch) -> None:
    from services.matcher import tasks

    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    with tasks._client() as client:
        assert not client.trust_env
        assert isinstance(client._transport, http_clients.CappedTransport)
        assert client._transport._limit == Settings().max_body_bytes


async def test_status_page_scrapes_with_capped_client(feeds: str) -> None:
    from services.edge.status_figures import StatusGatherer

    gatherer = StatusGatherer(Settings(status_targets={"big": f"{feeds}/bomb"}), lambda: "")
    try:
        snap = await gatherer.snapshot()
        client = gatherer._http
        assert client is not None and not client.trust_env
        assert isinstance(client._transport, http_clients.AsyncCappedTransport)
    finally:
        await gatherer.close()
    assert snap.up["big"] is False
