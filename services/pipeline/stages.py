"""How a task reaches a stage. `GrpcStages` calls the services (the stack); `LocalStages`
calls the same service cores in this process (the embedded default). Either way a failure
arrives as a CredenceError carrying the stage's reason."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING, Any, Protocol

import grpc
from credence.v1 import (
    article_pb2,
    fetcher_pb2,
    fetcher_pb2_grpc,
    matcher_pb2,
    matcher_pb2_grpc,
    scoring_pb2,
    scoring_pb2_grpc,
)
from google.protobuf.message import Message

from services.common.channels import sync_channel
from services.common.config import Settings
from services.common.errors import from_rpc_error, unavailable

if TYPE_CHECKING:
    from services.fetcher.core import Fetcher
    from services.matcher.core import Matcher
    from services.scorer.report import Scorer


def score_request(
    article: article_pb2.Article, match: matcher_pb2.MatchResponse | None
) -> scoring_pb2.ScoreRequest:
    """What the score stage is asked: the article, with the match stage's findings when it
    answered (`match`), else marked as scored without them."""
    request = scoring_pb2.ScoreRequest(article=article, match_available=False)
    if match is not None:
        request.claims.extend(match.claims)
        request.citation_checks.extend(match.citation_checks)
        request.searches.extend(match.searches)
        request.coverage.extend(match.coverage)
        request.search_pending = match.search_pending
        request.match_available = True
    return request


class Stages(Protocol):
    """The three stages as the tasks see them; `timeout_s` is the most a call may take."""

    def fetch(
        self, request: fetcher_pb2.FetchRequest, timeout_s: float
    ) -> fetcher_pb2.FetchResponse: ...
    def extract(
        self, request: fetcher_pb2.ExtractRequest, timeout_s: float
    ) -> fetcher_pb2.ExtractResponse: ...
    def match(
        self, request: matcher_pb2.MatchRequest, timeout_s: float
    ) -> matcher_pb2.MatchResponse: ...
    def score(
        self, request: scoring_pb2.ScoreRequest, timeout_s: float
    ) -> scoring_pb2.ScoreResponse: ...


def _call(service: str, rpc: Callable[..., Any], request: Message, timeout: float) -> Any:
    try:
        return rpc(request, timeout=timeout)
    except grpc.RpcError as error:
        failure = from_rpc_error(error)
        if failure.code == grpc.StatusCode.UNAVAILABLE and failure.reason == "UNAVAILABLE":
            # No ErrorInfo: the service itself could not be reached.
            raise unavailable(service, failure.message) from None
        raise failure from None


class GrpcStages:
    """Stages over gRPC; each call carries the deadline the task gives it."""

    def __init__(self, settings: Settings) -> None:
        self._fetcher = fetcher_pb2_grpc.FetcherServiceStub(sync_channel(settings.fetcher_addr))
        self._matcher = matcher_pb2_grpc.MatcherServiceStub(sync_channel(settings.matcher_addr))
        self._scorer = scoring_pb2_grpc.ScoringServiceStub(sync_channel(settings.scorer_addr))

    def fetch(
        self, request: fetcher_pb2.FetchRequest, timeout_s: float
    ) -> fetcher_pb2.FetchResponse:
        return _call("fetcher", self._fetcher.Fetch, request, timeout_s)

    def extract(
        self, request: fetcher_pb2.ExtractRequest, timeout_s: float
    ) -> fetcher_pb2.ExtractResponse:
        return _call("fetcher", self._fetcher.Extract, request, timeout_s)

    def match(
        self, request: matcher_pb2.MatchRequest, timeout_s: float
    ) -> matcher_pb2.MatchResponse:
        return _call("matcher", self._matcher.Match, request, timeout_s)

    def score(
        self, request: scoring_pb2.ScoreRequest, timeout_s: float
    ) -> scoring_pb2.ScoreResponse:
        return _call("scorer", self._scorer.Score, request, timeout_s)


class LocalStages:
    """Stages as direct calls to the service cores, built on first use. In one process the
    calls run to completion (the fetch keeps its own time limit); `timeout_s` is unused."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._page_lock = threading.Lock()

    @cached_property
    def _fetcher(self) -> Fetcher:
        from services.fetcher.core import Fetcher

        return Fetcher(self._settings)

    @cached_property
    def _matcher(self) -> Matcher:
        from services.matcher.core import Matcher
        from services.matcher.wire.pages import reader_over

        return Matcher(
            self._settings,
            pages=reader_over(self._read_page, self._settings.wire_page_mirror),
        )

    def _read_page(self, url: str, timeout_s: float) -> article_pb2.Article:
        """A story's page through the in-process fetcher (one at a time: the fetcher's
        per-host limits are not shared between event loops)."""
        with self._page_lock:
            fetch = self._fetcher.fetch(fetcher_pb2.FetchRequest(url=url))
            return asyncio.run(asyncio.wait_for(fetch, timeout_s)).article

    @cached_property
    def _scorer(self) -> Scorer:
        from services.scorer.ratings import RatingsStore
        from services.scorer.report import Scorer

        return Scorer(RatingsStore.load(self._settings.data_dir))

    def fetch(
        self, request: fetcher_pb2.FetchRequest, timeout_s: float
    ) -> fetcher_pb2.FetchResponse:
        return asyncio.run(self._fetcher.fetch(request))

    def extract(
        self, request: fetcher_pb2.ExtractRequest, timeout_s: float
    ) -> fetcher_pb2.ExtractResponse:
        return self._fetcher.extract(request)

    def match(
        self, request: matcher_pb2.MatchRequest, timeout_s: float
    ) -> matcher_pb2.MatchResponse:
        return self._matcher.match(request)

    def score(
        self, request: scoring_pb2.ScoreRequest, timeout_s: float
    ) -> scoring_pb2.ScoreResponse:
        return self._scorer.score(request)
