"""The clients retry UNAVAILABLE only, with backoff: against a local server that fails the
first calls, a retried call succeeds, and any other failure is returned after one call."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import grpc
import pytest
from credence.v1 import reliability_pb2, reliability_pb2_grpc

from services.client import AsyncCredenceClient, CredenceClient, RetryPolicy
from services.common.errors import CredenceError

FAST = RetryPolicy(attempts=4, initial_backoff_s=0.01, max_backoff_s=0.05)


class Flaky(reliability_pb2_grpc.ReliabilityServiceServicer):
    """GetReport fails UNAVAILABLE `failures` times then answers; GetSourceRating is always
    INVALID_ARGUMENT; ScoreUrl always UNAVAILABLE."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls: Counter[str] = Counter()

    def GetReport(self, request, context):  # type: ignore[no-untyped-def]
        self.calls["GetReport"] += 1
        if self.calls["GetReport"] <= self.failures:
            context.abort(grpc.StatusCode.UNAVAILABLE, "warming up")
        return reliability_pb2.GetReportResponse(job=reliability_pb2.Job(id=request.job_id))

    def GetSourceRating(self, request, context):  # type: ignore[no-untyped-def]
        self.calls["GetSourceRating"] += 1
        context.abort(grpc.StatusCode.INVALID_ARGUMENT, "domain: bad")

    def ScoreUrl(self, request, context):  # type: ignore[no-untyped-def]
        self.calls["ScoreUrl"] += 1
        context.abort(grpc.StatusCode.UNAVAILABLE, "down for good")


@pytest.fixture
def flaky() -> Iterator[tuple[str, Flaky]]:
    servicer = Flaky(failures=2)
    server = grpc.server(ThreadPoolExecutor(4))
    reliability_pb2_grpc.add_ReliabilityServiceServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    yield f"127.0.0.1:{port}", servicer
    server.stop(0)


def test_sync_client_retries_unavailable(flaky: tuple[str, Flaky]) -> None:
    address, servicer = flaky
    with CredenceClient(address, timeout_s=5, retry=FAST) as client:
        assert client.get_report("abc").job.id == "abc"
        assert servicer.calls["GetReport"] == 3
        with pytest.raises(CredenceError) as caught:
            client.get_source_rating("x")
        assert caught.value.code == grpc.StatusCode.INVALID_ARGUMENT
        assert servicer.calls["GetSourceRating"] == 1
        with pytest.raises(CredenceError) as caught:
            client.score_url("https://example.com/")
        assert caught.value.code == grpc.StatusCode.UNAVAILABLE
        assert servicer.calls["ScoreUrl"] == FAST.attempts


async def test_async_client_retries_unavailable(flaky: tuple[str, Flaky]) -> None:
    address, servicer = flaky
    async with AsyncCredenceClient(address, timeout_s=5, retry=FAST) as client:
        assert (await client.get_report("abc")).job.id == "abc"
        assert servicer.calls["GetReport"] == 3
        with pytest.raises(CredenceError) as caught:
            await client.get_source_rating("x")
        assert caught.value.code == grpc.StatusCode.INVALID_ARGUMENT
        assert servicer.calls["GetSourceRating"] == 1
        with pytest.raises(CredenceError):
            await client.score_url("https://example.com/")
        assert servicer.calls["ScoreUrl"] == FAST.attempts


def test_backoff_grows_and_is_capped() -> None:
    policy = RetryPolicy(attempts=10, initial_backoff_s=0.1, max_backoff_s=0.4)
    caps = [max(policy.backoff(n) for _ in range(200)) for n in range(5)]
    assert caps[0] <= 0.1 and caps[2] <= 0.4 and caps[4] <= 0.4
    assert caps[2] > 0.1  # jitter spreads up to the grown cap
