"""Wire ingestion through a real Celery worker: a feed task pulls a local RSS feed, the
stories reach the matcher's index through AddStories, and a claim then finds them."""

from __future__ import annotations

import grpc
import pytest
from credence.v1 import article_pb2, matcher_pb2, matcher_pb2_grpc

from services.common.config import Settings
from services.matcher.schedule import beat_schedule
from services.pipeline.celery_app import make_app
from tests.conftest import Stack
from tests.support.pages import page_server
from tests.support.processes import wait_until

pytestmark = pytest.mark.timeout(180)

FEED = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Wire</title><link>https://wire.example/</link>
<item><title>Harbour authority approves dredging of the northern channel</title>
<link>https://wire.example/harbour-dredging</link>
<pubDate>Tue, 02 May 2023 10:00:00 GMT</pubDate>
<description>The harbour authority on Tuesday approved dredging of the northern channel to
let larger container ships dock, at a cost of 40 million dollars, officials said.</description>
</item>
<item><title>Rail union calls off weekend strike after pay offer</title>
<link>https://wire.example/rail-strike</link>
<pubDate>Tue, 02 May 2023 12:00:00 GMT</pubDate>
<description>The rail union called off a planned weekend strike after the operator raised
its pay offer to six percent, the union said in a statement.</description>
</item></channel></rss>"""


def _stats(stub: matcher_pb2_grpc.MatcherServiceStub) -> matcher_pb2.GetIndexStatsResponse:
    return stub.GetIndexStats(matcher_pb2.GetIndexStatsRequest(), timeout=10)


def test_feed_task_fills_the_matcher_index(stack: Stack) -> None:
    settings = Settings(broker_url=stack.env["CREDENCE_BROKER_URL"], embedded=False)
    app = make_app(settings)
    channel = grpc.insecure_channel(stack.env["CREDENCE_MATCHER_ADDR"])
    stub = matcher_pb2_grpc.MatcherServiceStub(channel)
    before = _stats(stub).stories_by_source.get("rss", 0)
    with page_server({"/feed.xml": FEED}) as (base, counts):
        app.send_task("credence.matcher.ingest_rss", args=(f"{base}/feed.xml", "Reuters"))
        wait_until(
            lambda: _stats(stub).stories_by_source.get("rss", 0) >= before + 2,
            "the feed's two stories in the index",
            120,
            every_s=0.2,
        )
    assert _stats(stub).stories_by_source.get("rss", 0) == before + 2, stack.logs()
    assert counts["/feed.xml"] == 1

    article = article_pb2.Article(
        url="https://port-news.example/a",
        title="Channel dredging approved",
        text=(
            "The harbour authority approved dredging of the northern channel on Tuesday, "
            "at a cost of 40 million dollars, so that larger container ships can dock."
        ),
    )
    article.published_at.FromJsonString("2023-05-02T15:00:00Z")
    reply = stub.Match(matcher_pb2.MatchRequest(article=article), timeout=60)
    stories = [e.story for c in reply.claims for e in c.evidence]
    assert any(s.url == "https://wire.example/harbour-dredging" for s in stories), reply
    channel.close()


def test_beat_schedule_has_one_entry_per_feed() -> None:
    settings = Settings(
        wire_feeds=[
            {"url": "https://feeds.example/world.xml", "outlet": "Reuters"},
            {"url": "https://feeds.example/ap.xml", "outlet": "AP"},
        ],
        feed_interval_s=600,
    )
    schedule = beat_schedule(settings)
    assert len(schedule) == 2
    entry = schedule["rss:AP:https://feeds.example/ap.xml"]
    assert entry["task"] == "credence.matcher.ingest_rss"
    assert entry["schedule"] == 600.0


def test_feed_without_outlet_is_refused() -> None:
    with pytest.raises(ValueError, match="needs url and outlet"):
        beat_schedule(Settings(wire_feeds=[{"url": "https://feeds.example/x.xml"}]))
