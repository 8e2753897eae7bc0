"""Source adapters: the local corpora on tiny hand-written files (and on the real data when
present), and the remote APIs against a local server replaying their response formats,
errors and 429 rate limits included."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from services.matcher.sources import (
    CheckThatAdapter,
    Fnc1BodiesAdapter,
    GdeltAdapter,
    NytAdapter,
    RateLimitedError,
    ReutersAdapter,
    RssAdapter,
    SourceAdapter,
    SourceError,
)
from tests.matcher.conftest import DATA_DIR, needs_wire
from tests.matcher.replay import ReplayServer, Reply

pytestmark = pytest.mark.timeout(30)


@pytest.fixture
def server() -> Iterator[ReplayServer]:
    replay = ReplayServer().start()
    yield replay
    replay.stop()


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5) as http:
        yield http


SGML = """<!DOCTYPE lewis SYSTEM "lewis.dtd">
<REUTERS TOPICS="YES" LEWISSPLIT="TRAIN" CGISPLIT="TRAINING-SET" OLDID="5544" NEWID="1">
<DATE>26-FEB-1987 15:01:01.79</DATE>
<TOPICS><D>cocoa</D></TOPICS>
<TEXT>&#2;
<TITLE>COCOA EXPORTS &amp; PRICES RISE</TITLE>
<DATELINE>    SALVADOR, Feb 26 - </DATELINE><BODY>Cocoa exports rose &lt;sharply&gt; this week.
 Reuter
&#3;</BODY></TEXT>
</REUTERS>
<REUTERS TOPICS="NO" LEWISSPLIT="TRAIN" CGISPLIT="TRAINING-SET" OLDID="5545" NEWID="2">
<DATE>26-FEB-1987 15:02:20.00</DATE>
<TEXT TYPE="UNPROC">&#2;
no title or body here
&#3;</TEXT>
</REUTERS>
"""


def test_reuters_sgml(tmp_path: Path) -> None:
    (tmp_path / "reut2-000.sgm").write_bytes(SGML.encode("latin-1"))
    stories = list(ReutersAdapter(tmp_path).stories())
    assert len(stories) == 1
    story = stories[0]
    assert story.title == "COCOA EXPORTS & PRICES RISE"
    assert story.body == "Cocoa exports rose <sharply> this week."
    assert story.published_at == datetime(1987, 2, 26, 15, 1, 1, tzinfo=UTC)
    assert (story.outlet, story.source, story.id) == ("Reuters", "reuters21578", "reuters21578-1")
    with pytest.raises(SourceError):
        list(ReutersAdapter(tmp_path / "missing").stories())


def test_fnc1_and_checkthat_files(tmp_path: Path) -> None:
    bodies = tmp_path / "bodies.csv"
    bodies.write_text('Body ID,articleBody\n7,"First line.\nSecond ""quoted"" line."\n8,\n')
    fnc = list(Fnc1BodiesAdapter(bodies).stories())
    assert [(s.id, s.title) for s in fnc] == [("fnc1-7", "First line.")]
    tsv = tmp_path / "vclaims.tsv"
    tsv.write_text('\tvclaim\ttitle\n0\t"A claim\nover two lines."\tA title\n1\tB claim\tB title\n')
    checks = list(CheckThatAdapter(tsv, limit=5).stories())
    assert (checks[0].id, checks[0].outlet, checks[0].body) == (
        "checkthat2020-0",
        "Snopes",
        "A claim\nover two lines.",
    )
    assert len(checks) == 2


@needs_wire
def test_real_corpora_load() -> None:
    adapters: list[SourceAdapter] = [
        ReutersAdapter(DATA_DIR / "wire" / "reuters21578", limit=50),
        Fnc1BodiesAdapter(DATA_DIR / "fnc1" / "train_bodies.csv", limit=50),
        CheckThatAdapter(DATA_DIR / "checkthat2020" / "verified_claims.docs.tsv", limit=50),
    ]
    for adapter in adapters:
        stories = list(adapter.stories())
        assert len(stories) == 50, adapter.name
        assert all(s.body for s in stories)


RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>World News</title><link>https://wire.example/</link>
<item><title>Drones shot down over Kremlin, Russia says</title>
<link>https://wire.example/world/kremlin-drones</link>
<description>&lt;p&gt;Russia said two drones were &lt;b&gt;disabled&lt;/b&gt;.&lt;/p&gt;
</description>
<pubDate>Wed, 03 May 2023 14:05:00 GMT</pubDate></item>
<item><title>Second item</title><link>https://wire.example/world/second</link></item>
</channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Wire</title>
<entry><title>Kremlin blames Washington</title><link href="https://wire.example/a/1"/>
<id>urn:x:1</id><updated>2023-05-04T10:00:00Z</updated>
<summary>Peskov said the U.S. was behind the attack.</summary></entry></feed>"""


def test_rss_and_atom(server: ReplayServer, client: httpx.Client) -> None:
    server.queue("/rss", Reply(body=RSS, content_type="application/rss+xml"))
    server.queue("/atom", Reply(body=ATOM, content_type="application/atom+xml"))
    rss = list(RssAdapter(client, server.url("/rss"), "Reuters").stories())
    assert [s.url for s in rss] == [
        "https://wire.example/world/kremlin-drones",
        "https://wire.example/world/second",
    ]
    assert rss[0].body == "Russia said two drones were disabled ."
    assert rss[0].published_at == datetime(2023, 5, 3, 14, 5, tzinfo=UTC)
    assert rss[1].body == "Second item" and rss[1].published_at is None
    atom = list(RssAdapter(client, server.url("/atom"), "AP").stories())
    assert atom[0].outlet == "AP" and atom[0].published_at == datetime(2023, 5, 4, 10, tzinfo=UTC)


def test_rss_errors(server: ReplayServer, client: httpx.Client) -> None:
    server.queue("/gone", Reply(404, "not here", "text/plain"))
    server.queue("/busy", Reply(503, "busy", "text/plain"))
    server.queue("/limit", Reply(429, "slow down", "text/plain", {"Retry-After": "7"}))
    server.queue("/html", Reply(200, "<html><body>not a feed", "text/html"))
    with pytest.raises(SourceError) as gone:
        list(RssAdapter(client, server.url("/gone"), "X").stories())
    assert not gone.value.transient
    with pytest.raises(SourceError) as busy:
        list(RssAdapter(client, server.url("/busy"), "X").stories())
    assert busy.value.transient
    with pytest.raises(RateLimitedError) as limit:
        list(RssAdapter(client, server.url("/limit"), "X").stories())
    assert limit.value.retry_after_s == 7.0
    with pytest.raises(SourceError):
        list(RssAdapter(client, server.url("/html"), "X").stories())


def _nyt_doc(i: int) -> dict[str, object]:
    return {
        "abstract": f"Abstract {i} about the drone attack.",
        "web_url": f"https://www.nytimes.com/2023/05/03/world/europe/story-{i}.html",
        "snippet": f"Snippet {i}.",
        "lead_paragraph": f"Lead paragraph {i} about the Kremlin.",
        "source": "The New York Times",
        "headline": {"main": f"Headline {i}", "kicker": None, "print_headline": ""},
        "pub_date": "2023-05-03T14:30:12+0000",
        "document_type": "article",
        "section_name": "World",
        "_id": f"nyt://article/{i}",
        "uri": f"nyt://article/{i}",
    }


def _nyt_page(docs: list[dict[str, object]]) -> str:
    return json.dumps(
        {
            "status": "OK",
            "copyright": "Copyright (c) 2023 The New York Times Company. All Rights Reserved.",
            "response": {"docs": docs, "meta": {"hits": 12, "offset": 0, "time": 21}},
        }
    )


def _nyt(client: httpx.Client, server: ReplayServer, key: str = "k") -> NytAdapter:
    begin, end = datetime(2023, 5, 1, tzinfo=UTC), datetime(2023, 5, 6, tzinfo=UTC)
    return NytAdapter(client, key, "Kremlin drone", begin, end, base_url=server.url("/nyt"))


def test_nyt_pages(server: ReplayServer, client: httpx.Client) -> None:
    server.queue(
        "/nyt",
        Reply(body=_nyt_page([_nyt_doc(i) for i in range(10)])),
        Reply(body=_nyt_page([_nyt_doc(10), _nyt_doc(11)])),
    )
    stories = list(_nyt(client, server).stories())
    assert len(stories) == 12
    assert stories[0].title == "Headline 0" and stories[0].outlet == "NYT"
    assert (
        stories[0].body == "Abstract 0 about the drone attack. Lead paragraph 0 about the Kremlin."
    )
    assert stories[0].published_at == datetime(2023, 5, 3, 14, 30, 12, tzinfo=UTC)
    (_, first), (_, second) = server.requests
    assert first["begin_date"] == ["20230501"] and first["end_date"] == ["20230506"]
    assert first["api-key"] == ["k"] and first["page"] == ["0"] and second["page"] == ["1"]


def test_nyt_errors(server: ReplayServer, client: httpx.Client) -> None:
    with pytest.raises(SourceError, match="API key"):
        _nyt(client, server, key="")
    fault = {
        "fault": {
            "faultstring": "Invalid ApiKey",
            "detail": {"errorcode": "oauth.v2.InvalidApiKey"},
        }
    }
    server.queue("/nyt", Reply(401, json.dumps(fault)))
    with pytest.raises(SourceError, match="Invalid ApiKey") as bad_key:
        list(_nyt(client, server).stories())
    assert not bad_key.value.transient
    quota = {
        "fault": {
            "faultstring": "Rate limit quota violation. Quota limit  exceeded. ",
            "detail": {"errorcode": "policies.ratelimit.QuotaViolation"},
        }
    }
    server.queue("/nyt", Reply(429, json.dumps(quota)))
    with pytest.raises(RateLimitedError, match="quota") as limited:
        list(_nyt(client, server).stories())
    assert limited.value.retry_after_s == 60.0


def _gdelt(client: httpx.Client, server: ReplayServer) -> GdeltAdapter:
    start, end = datetime(2023, 5, 3), datetime(2023, 5, 5)
    return GdeltAdapter(client, '"Kremlin" drone', start, end, base_url=server.url("/gdelt"))


GDELT_ARTLIST = {
    "articles": [
        {
            "url": "https://www.reuters.com/world/europe/kremlin-drones-2023-05-03/",
            "url_mobile": "",
            "title": "Russia says Ukraine tried to kill Putin with drones",
            "seendate": "20230503T123000Z",
            "socialimage": "",
            "domain": "reuters.com",
            "language": "English",
            "sourcecountry": "United Kingdom",
        },
        {
            "url": "https://apnews.com/article/kremlin-drone-1",
            "url_mobile": "",
            "title": "Kremlin says drones shot down",
            "seendate": "20230503T090000Z",
            "socialimage": "",
            "domain": "apnews.com",
            "language": "English",
            "sourcecountry": "United States",
        },
        {
            "url": "https://www.globalresearch.ca/kremlin/1",
            "url_mobile": "",
            "title": "Not a wire",
            "seendate": "20230503T090000Z",
            "socialimage": "",
            "domain": "globalresearch.ca",
            "language": "English",
            "sourcecountry": "Canada",
        },
        {
            "url": "https://www.reuters.com/old",
            "url_mobile": "",
            "title": "Too old",
            "seendate": "20230401T090000Z",
            "socialimage": "",
            "domain": "reuters.com",
            "language": "English",
            "sourcecountry": "United Kingdom",
        },
    ]
}


def test_gdelt_artlist(server: ReplayServer, client: httpx.Client) -> None:
    server.queue("/gdelt", Reply(body=json.dumps(GDELT_ARTLIST)))
    stories = list(_gdelt(client, server).stories())
    assert [(s.outlet, s.title) for s in stories] == [
        ("Reuters", "Russia says Ukraine tried to kill Putin with drones"),
        ("AP", "Kremlin says drones shot down"),
    ]
    assert stories[0].published_at == datetime(2023, 5, 3, 12, 30, tzinfo=UTC)
    ((_, params),) = server.requests
    assert params["mode"] == ["artlist"] and params["format"] == ["json"]
    assert params["startdatetime"] == ["20230503000000"]
    assert "domain:reuters.com" in params["query"][0]


def test_gdelt_empty_and_errors(server: ReplayServer, client: httpx.Client) -> None:
    server.queue("/gdelt", Reply(body="{}"))
    assert list(_gdelt(client, server).stories()) == []
    text = "Please limit requests to one every 5 seconds or contact us for larger queries."
    server.queue("/gdelt", Reply(200, text, "text/html"))
    with pytest.raises(RateLimitedError) as limited:
        list(_gdelt(client, server).stories())
    assert limited.value.retry_after_s == 5.0
    server.queue("/gdelt", Reply(429, text, "text/html"))
    with pytest.raises(RateLimitedError):
        list(_gdelt(client, server).stories())
    server.queue("/gdelt", Reply(200, "The specified phrase is too short.", "text/html"))
    with pytest.raises(SourceError, match="too short") as bad:
        list(_gdelt(client, server).stories())
    assert not bad.value.transient
