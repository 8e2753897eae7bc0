"""The wire index as the ingestion tasks see it in the stack: stories go to the matcher
service through AddStories, so only the matcher process ever writes its index (tantivy
allows one writer) and its searches see new stories at once."""

from __future__ import annotations

from collections.abc import Iterable

import grpc
from credence.v1 import matcher_pb2, matcher_pb2_grpc

from services.common.channels import sync_channel
from services.common.errors import from_rpc_error
from services.matcher.stories import StoryRecord

_TIMEOUT_S = 60.0


class MatcherServiceIndex:
    """Adds stories through MatcherService; the part of WireIndex that ingestion uses."""

    def __init__(self, address: str, timeout_s: float = _TIMEOUT_S) -> None:
        self._stub = matcher_pb2_grpc.MatcherServiceStub(sync_channel(address))
        self._timeout_s = timeout_s

    def add(self, documents: Iterable[StoryRecord]) -> tuple[int, int]:
        request = matcher_pb2.AddStoriesRequest(
            stories=[matcher_pb2.StoryDocument(story=d.to_proto(), body=d.body) for d in documents]
        )
        try:
            reply = self._stub.AddStories(request, timeout=self._timeout_s)
        except grpc.RpcError as error:
            raise from_rpc_error(error) from None
        return reply.added, reply.skipped

    def commit(self) -> None:
        """AddStories commits before it answers."""

    def count(self) -> int:
        try:
            reply = self._stub.GetIndexStats(
                matcher_pb2.GetIndexStatsRequest(), timeout=self._timeout_s
            )
        except grpc.RpcError as error:
            raise from_rpc_error(error) from None
        return int(reply.stories)
