"""The broker Redis down and back: while it is down a new job is refused at once with
UNAVAILABLE (never a hang); after it returns, workers reconnect and new jobs run. Job state
and the cache live on another Redis, so the broker path itself is what fails."""

from __future__ import annotations

import time
from collections.abc import Iterator

import grpc
import pytest
from credence.v1 import reliability_pb2, reliability_pb2_grpc

from services.common.errors import from_rpc_error
from tests.conftest import Stack
from tests.faults.conftest import RedisServer, start_fault_stack, stop_fault_stack
from tests.faults.upstream import upstream

pytestmark = [pytest.mark.faults, pytest.mark.timeout(120)]


@pytest.fixture(scope="module")
def redis_pair() -> Iterator[tuple[RedisServer, RedisServer]]:
    broker, other = RedisServer().start(), RedisServer().start()
    yield broker, other
    broker.stop()
    other.stop()


@pytest.fixture(scope="module")
def stack(
    redis_pair: tuple[RedisServer, RedisServer], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    broker, other = redis_pair
    running = start_fault_stack(
        tmp_path_factory.mktemp("broker-restart"), broker, cache=other, state=other
    )
    yield running
    stop_fault_stack(running)


def test_broker_down_is_unavailable_and_jobs_resume_after_restart(
    stack: Stack, redis_pair: tuple[RedisServer, RedisServer]
) -> None:
    broker, _ = redis_pair
    with upstream() as (base, _), grpc.insecure_channel(stack.gateway_addr) as channel:
        front = reliability_pb2_grpc.ReliabilityServiceStub(channel)

        def score(name: str, timeout: float) -> reliability_pb2.ScoreUrlResponse:
            request = reliability_pb2.ScoreUrlRequest(url=f"{base}/news/{name}")
            return front.ScoreUrl(request, timeout=timeout)

        assert score("before", 30).job.state == reliability_pb2.JOB_STATE_DONE, stack.logs()

        broker.stop()
        with pytest.raises(grpc.RpcError) as caught:
            score("while-down", 15)
        error = from_rpc_error(caught.value)
        assert error.code == grpc.StatusCode.UNAVAILABLE, error
        assert error.reason == "BROKER_UNAVAILABLE"

        broker.start()
        reply = None
        for attempt in range(60):  # the front door and the workers reconnect
            try:
                reply = score(f"after-{attempt}", 15)
            except grpc.RpcError as failure:
                assert from_rpc_error(failure).code == grpc.StatusCode.UNAVAILABLE
                time.sleep(0.5)
                continue
            break
        assert reply is not None, stack.logs()
        assert reply.job.state == reliability_pb2.JOB_STATE_DONE, stack.logs()
        assert reply.report.title.startswith("City council approves")
