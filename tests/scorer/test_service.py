"""ScoringService over gRPC on loopback: health, Score, and INVALID_ARGUMENT with its reason."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
import pytest
from credence.v1 import article_pb2, scoring_pb2, scoring_pb2_grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from services.common.errors import from_rpc_error
from services.common.server import GrpcServer
from services.scorer.report import Scorer
from services.scorer.scoring_service import SERVICE_NAME, service_spec
from services.scorer.weights import MODEL_VERSION


@pytest.fixture
async def channel(scorer: Scorer) -> AsyncIterator[grpc.aio.Channel]:
    server = GrpcServer("scorer-test", [service_spec(scorer)], "127.0.0.1:0")
    port = await server.start()
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as chan:
        yield chan
    await server.stop(0.5)


async def test_health_serving(channel: grpc.aio.Channel) -> None:
    stub = health_pb2_grpc.HealthStub(channel)
    reply = await stub.Check(health_pb2.HealthCheckRequest(service=SERVICE_NAME))
    assert reply.status == health_pb2.HealthCheckResponse.SERVING


async def test_score(channel: grpc.aio.Channel, sample_article: article_pb2.Article) -> None:
    stub = scoring_pb2_grpc.ScoringServiceStub(channel)
    reply = await stub.Score(scoring_pb2.ScoreRequest(article=sample_article), timeout=10)
    assert reply.report.model_version == MODEL_VERSION
    assert reply.report.score < 40 and reply.report.domain == "globalresearch.ca"


async def test_invalid_argument(channel: grpc.aio.Channel) -> None:
    stub = scoring_pb2_grpc.ScoringServiceStub(channel)
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await stub.Score(scoring_pb2.ScoreRequest(), timeout=10)
    error = from_rpc_error(caught.value)
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT
    assert error.reason == "INVALID_ARGUMENT"
    assert error.metadata.get("field") == "article"
