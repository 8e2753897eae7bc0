"""MatcherService over gRPC: validates requests, then runs the synchronous `Matcher` in a
worker thread so the event loop stays free for health checks and other calls."""

from __future__ import annotations

import asyncio
import logging

import grpc
from credence.v1 import matcher_pb2, matcher_pb2_grpc

from services.common.errors import invalid_argument
from services.common.server import ServiceSpec
from services.matcher.core import MAX_CLAIMS, MAX_TOP_K, Matcher

_LOGGER = logging.getLogger(__name__)

SERVICE_NAME = matcher_pb2.DESCRIPTOR.services_by_name["MatcherService"].full_name
MAX_TEXT_CHARS = 1_000_000
MAX_STORIES_PER_CALL = 5_000


def validate_match(request: matcher_pb2.MatchRequest) -> None:
    """Raises INVALID_ARGUMENT naming the first bad field."""
    if not request.HasField("article"):
        raise invalid_argument("article", "is required")
    if not request.article.text.strip():
        raise invalid_argument("article.text", "must not be empty")
    if len(request.article.text) > MAX_TEXT_CHARS:
        raise invalid_argument("article.text", f"is longer than {MAX_TEXT_CHARS} characters")
    if not 0 <= request.top_k <= MAX_TOP_K:
        raise invalid_argument("top_k", f"must be between 0 and {MAX_TOP_K}")
    if not 0 <= request.max_claims <= MAX_CLAIMS:
        raise invalid_argument("max_claims", f"must be between 0 and {MAX_CLAIMS}")


def validate_add(request: matcher_pb2.AddStoriesRequest) -> None:
    """Raises INVALID_ARGUMENT naming the first bad story field."""
    if len(request.stories) > MAX_STORIES_PER_CALL:
        raise invalid_argument("stories", f"at most {MAX_STORIES_PER_CALL} stories per call")
    for i, doc in enumerate(request.stories):
        if not doc.body.strip() and not doc.story.title.strip():
            raise invalid_argument(f"stories[{i}].body", "a story needs a body or a title")
        if not doc.story.outlet.strip():
            raise invalid_argument(f"stories[{i}].story.outlet", "must not be empty")


class MatcherServicer(matcher_pb2_grpc.MatcherServiceServicer):
    """The gRPC face of `Matcher`."""

    def __init__(self, matcher: Matcher) -> None:
        self._matcher = matcher

    async def Match(
        self, request: matcher_pb2.MatchRequest, context: grpc.aio.ServicerContext
    ) -> matcher_pb2.MatchResponse:
        validate_match(request)
        return await asyncio.to_thread(self._matcher.match, request)

    async def AddStories(
        self, request: matcher_pb2.AddStoriesRequest, context: grpc.aio.ServicerContext
    ) -> matcher_pb2.AddStoriesResponse:
        validate_add(request)
        return await asyncio.to_thread(self._matcher.add_stories, request)

    async def GetIndexStats(
        self, request: matcher_pb2.GetIndexStatsRequest, context: grpc.aio.ServicerContext
    ) -> matcher_pb2.GetIndexStatsResponse:
        return await asyncio.to_thread(self._matcher.stats)


def service_spec(matcher: Matcher) -> ServiceSpec:
    """MatcherService, ready for `GrpcServer`."""
    servicer = MatcherServicer(matcher)
    return ServiceSpec(
        full_name=SERVICE_NAME,
        register=lambda server: matcher_pb2_grpc.add_MatcherServiceServicer_to_server(
            servicer, server
        ),
    )
