"""The real gRPC server on loopback: health, Fetch from the local zoo, Extract, and rich
INVALID_ARGUMENT errors whose ErrorInfo reason reaches the client."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
import pytest
from credence.v1 import fetcher_pb2, fetcher_pb2_grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from services.common.config import Settings
from services.common.errors import from_rpc_error
from services.common.server import GrpcServer
from services.fetcher.core import Fetcher
from services.fetcher.service import SERVICE_NAME, service_spec
from tests.fetcher.conftest import tight_policy
from tests.fetcher.zoo import Zoo

pytestmark = pytest.mark.timeout(30)


@pytest.fixture
async def channel() -> AsyncIterator[grpc.aio.Channel]:
    fetcher = Fetcher(Settings(), policy=tight_policy())
    server = GrpcServer("fetcher", [service_spec(fetcher)], "127.0.0.1:0")
    port = await server.start()
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as chan:
        yield chan
    await server.stop(0)


async def test_health_is_serving(channel: grpc.aio.Channel) -> None:
    stub = health_pb2_grpc.HealthStub(channel)
    for name in ("", SERVICE_NAME):
        reply = await stub.Check(health_pb2.HealthCheckRequest(service=name), timeout=5)
        assert reply.status == health_pb2.HealthCheckResponse.SERVING


async def test_fetch_and_extract(channel: grpc.aio.Channel, zoo: Zoo) -> None:
    stub = fetcher_pb2_grpc.FetcherServiceStub(channel)
    fetched = await stub.Fetch(fetcher_pb2.FetchRequest(url=zoo.url("/article")), timeout=10)
    assert fetched.article.title == "Council approves new river bridge"
    assert fetched.final_url == zoo.url("/article")
    extracted = await stub.Extract(
        fetcher_pb2.ExtractRequest(text="A title\n\nThe body, according to Reuters."), timeout=10
    )
    assert extracted.article.title == "A title"
    assert extracted.article.citations[0].outlet == "Reuters"


@pytest.mark.parametrize(
    ("url", "reason"), [("", "URL_EMPTY"), ("http://exa mple.com/", "URL_MALFORMED")]
)
async def test_bad_urls_are_invalid_argument(
    channel: grpc.aio.Channel, url: str, reason: str
) -> None:
    stub = fetcher_pb2_grpc.FetcherServiceStub(channel)
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await stub.Fetch(fetcher_pb2.FetchRequest(url=url), timeout=10)
    error = from_rpc_error(caught.value)
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT
    assert error.reason == reason
    assert error.field_violations[0][0] == "url"


async def test_blocked_fetch_reason_reaches_the_client(channel: grpc.aio.Channel) -> None:
    stub = fetcher_pb2_grpc.FetcherServiceStub(channel)
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await stub.Fetch(fetcher_pb2.FetchRequest(url="http://10.1.2.3/"), timeout=10)
    error = from_rpc_error(caught.value)
    assert error.code == grpc.StatusCode.PERMISSION_DENIED
    assert error.reason == "FETCH_BLOCKED_PRIVATE_ADDRESS"
