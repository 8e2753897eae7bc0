"""MatcherService on loopback: health, Match, AddStories, GetIndexStats, and
INVALID_ARGUMENT errors whose ErrorInfo reason and field reach the client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import grpc
import pytest
from credence.v1 import article_pb2, evidence_pb2, matcher_pb2, matcher_pb2_grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from services.common.errors import from_rpc_error
from services.common.server import GrpcServer
from services.matcher.core import Matcher
from services.matcher.service import SERVICE_NAME, service_spec
from tests.matcher.conftest import KREMLIN_STORIES

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
async def stub(matcher: Matcher) -> AsyncIterator[matcher_pb2_grpc.MatcherServiceStub]:
    server = GrpcServer("matcher", [service_spec(matcher)], "127.0.0.1:0")
    port = await server.start()
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        health = health_pb2_grpc.HealthStub(channel)
        for name in ("", SERVICE_NAME):
            reply = await health.Check(health_pb2.HealthCheckRequest(service=name), timeout=5)
            assert reply.status == health_pb2.HealthCheckResponse.SERVING
        yield matcher_pb2_grpc.MatcherServiceStub(channel)
    await server.stop(0)


async def test_match(stub: matcher_pb2_grpc.MatcherServiceStub) -> None:
    text = (
        "Russia said two drones targeting the Kremlin overnight were disabled by radar systems "
        "and that it was an attempt to assassinate President Vladimir Putin."
    )
    article = article_pb2.Article(text=text)
    article.published_at.FromDatetime(datetime(2023, 5, 3, tzinfo=UTC))
    request = matcher_pb2.MatchRequest(article=article, top_k=3)
    reply = await stub.Match(request, timeout=30)
    assert reply.sentence_count == 1
    assert reply.claims and reply.claims[0].evidence
    assert reply.claims[0].evidence[0].story.outlet == "Reuters"


async def test_add_stories_and_stats(stub: matcher_pb2_grpc.MatcherServiceStub) -> None:
    before = await stub.GetIndexStats(matcher_pb2.GetIndexStatsRequest(), timeout=10)
    assert before.stories == len(KREMLIN_STORIES)
    assert before.stories_by_source["handwritten"] == len(KREMLIN_STORIES)
    doc = matcher_pb2.StoryDocument(
        story=evidence_pb2.WireStory(outlet="AP", url="https://wire.example/ap/x", title="X"),
        body="Body of a new story.",
    )
    reply = await stub.AddStories(matcher_pb2.AddStoriesRequest(stories=[doc, doc]), timeout=10)
    assert (reply.added, reply.skipped) == (1, 1)
    after = await stub.GetIndexStats(matcher_pb2.GetIndexStatsRequest(), timeout=10)
    assert after.stories == before.stories + 1


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        (matcher_pb2.MatchRequest(), "article"),
        (matcher_pb2.MatchRequest(article=article_pb2.Article(text="  ")), "article.text"),
        (matcher_pb2.MatchRequest(article=article_pb2.Article(text="x"), top_k=51), "top_k"),
        (matcher_pb2.MatchRequest(article=article_pb2.Article(text="x"), top_k=-1), "top_k"),
        (
            matcher_pb2.MatchRequest(article=article_pb2.Article(text="x"), max_claims=101),
            "max_claims",
        ),
    ],
)
async def test_bad_match_requests(
    stub: matcher_pb2_grpc.MatcherServiceStub, request_: matcher_pb2.MatchRequest, field: str
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await stub.Match(request_, timeout=10)
    error = from_rpc_error(caught.value)
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT
    assert error.reason == "INVALID_ARGUMENT"
    assert error.metadata["field"] == field
    assert field in error.message


async def test_bad_story_is_invalid_argument(stub: matcher_pb2_grpc.MatcherServiceStub) -> None:
    doc = matcher_pb2.StoryDocument(story=evidence_pb2.WireStory(title="T"), body="B")
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await stub.AddStories(matcher_pb2.AddStoriesRequest(stories=[doc]), timeout=10)
    error = from_rpc_error(caught.value)
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT
    assert error.field_violations == [("stories[0].story.outlet", "must not be empty")]
