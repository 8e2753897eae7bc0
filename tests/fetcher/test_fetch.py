"""Fetching from the hostile zoo: every trap gets its precise reason, within its time limit."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

import grpc
import pytest
from credence.v1 import fetcher_pb2

from services.common import metrics
from services.common.errors import CredenceError
from services.fetcher.core import Fetcher
from tests.fetcher.conftest import FAKE_HOST
from tests.fetcher.zoo import Zoo

pytestmark = pytest.mark.timeout(15)

MakeFetcher = Callable[..., Fetcher]


async def _fetch(fetcher: Fetcher, url: str) -> fetcher_pb2.FetchResponse:
    return await fetcher.fetch(fetcher_pb2.FetchRequest(url=url))


async def _error(fetcher: Fetcher, url: str) -> CredenceError:
    with pytest.raises(CredenceError) as caught:
        await _fetch(fetcher, url)
    return caught.value


async def test_fetches_an_article(zoo: Zoo, make_fetcher: MakeFetcher) -> None:
    response = await _fetch(make_fetcher(), zoo.url("/article"))
    article = response.article
    assert response.http_status == 200
    assert response.content_type == "text/html"
    assert article.title == "Council approves new river bridge"
    assert article.byline == "Jane Holloway"
    assert article.site_name == "The Riverside Courier"
    assert article.section == "Local news"
    assert article.language == "en"
    assert article.published_at.ToJsonString() == "2024-03-05T09:30:00Z"
    assert article.updated_at.ToJsonString() == "2024-03-06T11:00:00Z"
    assert article.text.startswith("The city council voted on Tuesday")
    assert "The regional funding report put the total at 40 million euros" in article.text
    assert "newsletter" not in article.text
    assert {"about_page", "contact_page", "corrections_policy", "ownership_disclosure"} <= set(
        article.page_signals
    )
    links = {link.url: link for link in article.links}
    assert links["https://www.reuters.com/world/bridge-funding"].domain == "reuters.com"
    outlets = {(c.kind, c.outlet) for c in article.citations}
    assert ("according_to", "Reuters") in outlets
    assert ("told", "the BBC") in outlets
    assert ("parenthetical", "Riverside Gazette") in outlets
    assert ("quote", "Maria Lopez") in outlets
    assert ("link", "reuters.com") in outlets
    assert len(article.content_hash) == 64


async def test_plain_text_pages_are_articles(zoo: Zoo, make_fetcher: MakeFetcher) -> None:
    article = (await _fetch(make_fetcher(), zoo.url("/plain"))).article
    assert article.title == "Harbour reopens after storm"
    assert "share button" not in article.text
    assert any(c.outlet == "the Coastal Times" for c in article.citations)


async def test_fake_name_resolving_to_loopback_is_blocked(
    zoo: Zoo, make_fetcher: MakeFetcher
) -> None:
    error = await _error(make_fetcher(allow_loopback=False), zoo.url("/article", FAKE_HOST))
    assert error.reason == "FETCH_BLOCKED_PRIVATE_ADDRESS"
    assert error.code == grpc.StatusCode.PERMISSION_DENIED
    assert zoo.hits["/article"] >= 0


async def test_pinned_address_keeps_the_host_header(zoo: Zoo, make_fetcher: MakeFetcher) -> None:
    response = await _fetch(make_fetcher(), zoo.url("/echo-host", FAKE_HOST))
    assert f"Host was {FAKE_HOST}:{zoo.port}" in response.article.text
    assert zoo.hosts[-1] == f"{FAKE_HOST}:{zoo.port}"
    assert response.article.domain == ""  # .test is not a public suffix


async def test_any_private_answer_blocks_the_name(make_fetcher: MakeFetcher) -> None:
    error = await _error(make_fetcher(), "http://evil.test/")
    assert error.reason == "FETCH_BLOCKED_PRIVATE_ADDRESS"
    assert error.metadata["address"] == "10.0.0.7"


@pytest.mark.parametrize(
    "target",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/",
        "http://[::ffff:192.168.0.1]/",
        "http://100.64.0.1/",
        "http://0x7f.1/",
        "http://2130706433/",
    ],
)
async def test_redirect_to_private_address_is_blocked(
    zoo: Zoo, make_fetcher: MakeFetcher, target: str
) -> None:
    fetcher = make_fetcher()
    if "0x7f" in target or "2130706433" in target:
        fetcher = make_fetcher(allow_loopback=False)
        error = await _error(fetcher, target)
    else:
        error = await _error(fetcher, zoo.url(f"/redirect?to={target}"))
    assert error.reason == "FETCH_BLOCKED_PRIVATE_ADDRESS"


async def test_redirect_loop_is_capped(zoo: Zoo, make_fetcher: MakeFetcher) -> None:
    error = await _error(make_fetcher(max_redirects=3), zoo.url("/loop/0"))
    assert error.reason == "TOO_MANY_REDIRECTS"
    assert error.code == grpc.StatusCode.FAILED_PRECONDITION


async def test_redirect_to_other_scheme_is_refused(zoo: Zoo, make_fetcher: MakeFetcher) -> None:
    error = await _error(make_fetcher(), zoo.url("/redirect?to=file:///etc/passwd"))
    assert error.reason == "BAD_REDIRECT"


async def test_non_default_port_is_refused_for_public_hosts(make_fetcher: MakeFetcher) -> None:
    error = await _error(make_fetcher(), "http://93.184.216.34:8080/")
    assert error.reason == "FETCH_BLOCKED_PORT"


@pytest.mark.parametrize("path", ["/huge", "/endless", "/gzip-bomb", "/brotli-bomb"])
async def test_oversized_bodies_are_refused(zoo: Zoo, make_fetcher: MakeFetcher, path: str) -> None:
    error = await _error(make_fetcher(), zoo.url(path))
    assert error.reason == "BODY_TOO_LARGE"
    assert error.code == grpc.StatusCode.FAILED_PRECONDITION


@pytest.mark.parametrize("path", ["/image", "/json"])
async def test_wrong_content_types_are_refused(
    zoo: Zoo, make_fetcher: MakeFetcher, path: str
) -> None:
    error = await _error(make_fetcher(), zoo.url(path))
    assert error.reason == "UNSUPPORTED_CONTENT_TYPE"


async def test_wrong_declared_charset_is_sniffed(zoo: Zoo, make_fetcher: MakeFetcher) -> None:
    article = (await _fetch(make_fetcher(), zoo.url("/wrong-charset"))).article
    assert article.title.startswith("Café council")


async def test_meta_charset_is_used(zoo: Zoo, make_fetcher: MakeFetcher) -> None:
    article = (await _fetch(make_fetcher(), zoo.url("/meta-charset"))).article
    assert "Новый мост" in article.text


async def test_unknown_charset_falls_back(zoo: Zoo, make_fetcher: MakeFetcher) -> None:
    article = (await _fetch(make_fetcher(), zoo.url("/bogus-charset"))).article
    assert article.title == "Council approves new river bridge"


@pytest.mark.timeout(8)
async def test_slow_drip_hits_the_total_timeout(zoo: Zoo, make_fetcher: MakeFetcher) -> None:
    error = await _error(make_fetcher(total_timeout_s=1.5), zoo.url("/drip"))
    assert error.reason == "FETCH_TIMEOUT"
    assert error.code == grpc.StatusCode.DEADLINE_EXCEEDED


@pytest.mark.timeout(8)
async def test_stalled_body_hits_the_read_timeout(zoo: Zoo, make_fetcher: MakeFetcher) -> None:
    error = await _error(make_fetcher(read_timeout_s=0.5), zoo.url("/stall"))
    assert error.reason == "FETCH_TIMEOUT"
    assert error.transient


async def test_robots_disallow(zoo: Zoo, make_fetcher: MakeFetcher) -> None:
    error = await _error(make_fetcher(), zoo.url("/private/article"))
    assert error.reason == "ROBOTS_DISALLOWED"
    assert error.code == grpc.StatusCode.PERMISSION_DENIED
    assert (await _fetch(make_fetcher(obey_robots=False), zoo.url("/private/article"))).article


async def test_robots_is_cached_per_site(zoo: Zoo, make_fetcher: MakeFetcher) -> None:
    fetcher = make_fetcher()
    before = zoo.hits["/robots.txt"]
    await _fetch(fetcher, zoo.url("/article"))
    await _fetch(fetcher, zoo.url("/plain"))
    assert zoo.hits["/robots.txt"] == before + 1


@pytest.mark.parametrize(("status", "code"), [(404, "FAILED_PRECONDITION"), (503, "UNAVAILABLE")])
async def test_upstream_status(zoo: Zoo, make_fetcher: MakeFetcher, status: int, code: str) -> None:
    error = await _error(make_fetcher(), zoo.url(f"/status/{status}"))
    assert error.reason == "UPSTREAM_STATUS"
    assert error.metadata["status"] == str(status)
    assert error.code.name == code


async def test_failures_are_cached_and_counted(zoo: Zoo, make_fetcher: MakeFetcher) -> None:
    fetcher = make_fetcher()
    url = zoo.url("/status/500?once")
    counter = metrics.FETCH_ERRORS.labels("UPSTREAM_STATUS")
    before_count, before_hits = counter._value.get(), zoo.hits["/status/500"]
    first = await _error(fetcher, url)
    again = [await _error(fetcher, url) for _ in range(2)]
    assert first.reason == "UPSTREAM_STATUS"
    for error in again:
        assert (error.code, error.reason, error.metadata) == (
            first.code,
            first.reason,
            first.metadata,
        )
        assert error.message == first.message + " (cached failure)"
    assert zoo.hits["/status/500"] == before_hits + 1
    assert counter._value.get() == before_count + 3


async def test_connection_refused_is_transient(make_fetcher: MakeFetcher) -> None:
    error = await _error(make_fetcher(), "http://127.0.0.1:9/")
    assert error.reason == "FETCH_CONNECTION_FAILED"
    assert error.transient


async def test_unknown_name_fails_resolution(make_fetcher: MakeFetcher) -> None:
    error = await _error(make_fetcher(), "http://no-such-name.test/")
    assert error.reason == "DNS_RESOLUTION_FAILED"


async def test_requests_per_host_are_limited(zoo: Zoo, make_fetcher: MakeFetcher) -> None:
    fetcher = make_fetcher(
        per_host_rate=0.5, per_host_burst=2, per_host_wait_s=0.0, obey_robots=False
    )
    await _fetch(fetcher, zoo.url("/article"))
    await _fetch(fetcher, zoo.url("/plain"))
    error = await _error(fetcher, zoo.url("/article?again"))
    assert error.reason == "FETCH_RATE_LIMITED"


async def test_page_without_text_is_refused(zoo: Zoo, make_fetcher: MakeFetcher) -> None:
    error = await _error(make_fetcher(), zoo.url("/empty"))
    assert error.reason == "NO_ARTICLE_TEXT"


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("", "URL_EMPTY"),
        ("ftp://example.com/", "URL_UNSUPPORTED_SCHEME"),
        ("http://a b/", "URL_MALFORMED"),
    ],
)
async def test_bad_urls_are_invalid_arguments(
    make_fetcher: MakeFetcher, url: str, reason: str
) -> None:
    error = await _error(make_fetcher(), url)
    assert error.reason == reason
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT


async def test_cross_site_canonical_is_not_trusted(zoo: Zoo, make_fetcher: MakeFetcher) -> None:
    url = zoo.url("/article?canonical=https://www.reuters.com/fake")
    article = (await _fetch(make_fetcher(), url)).article
    assert urlsplit(article.canonical_url).hostname == "127.0.0.1"
    assert "canonical_other_domain" in article.page_signals
