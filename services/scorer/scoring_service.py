"""The gRPC ScoringService: the pipeline's score stage. Scoring is CPU work, so each call
runs in a worker thread (asyncio.to_thread) and the event loop stays free for other calls."""

from __future__ import annotations

import asyncio
import logging

import grpc
from credence.v1 import scoring_pb2, scoring_pb2_grpc

from services.common.server import ServiceSpec
from services.scorer.report import Scorer

_LOGGER = logging.getLogger(__name__)

SERVICE_NAME = scoring_pb2.DESCRIPTOR.services_by_name["ScoringService"].full_name


class ScoringServicer(scoring_pb2_grpc.ScoringServiceServicer):
    """Computes reports; errors are CredenceError, mapped to rich statuses by the server."""

    def __init__(self, scorer: Scorer) -> None:
        self._scorer = scorer

    async def Score(
        self, request: scoring_pb2.ScoreRequest, context: grpc.aio.ServicerContext
    ) -> scoring_pb2.ScoreResponse:
        """Scores one article."""
        return await asyncio.to_thread(self._scorer.score, request)


def service_spec(scorer: Scorer) -> ServiceSpec:
    """The ScoringService for `GrpcServer`."""
    servicer = ScoringServicer(scorer)

    def register(server: grpc.aio.Server) -> None:
        scoring_pb2_grpc.add_ScoringServiceServicer_to_server(servicer, server)

    return ServiceSpec(full_name=SERVICE_NAME, register=register)
