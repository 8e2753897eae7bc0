"""The broker Redis down and back: while it is down a new job is refused at once with
UNAVAILABLE (never a hang); after it returns, workers reconnect and new jobs run. Job state
and the cache live on another Redis, so the broker path itself is what fails. A broker
SIGKILLed with jobs queued keeps them (append-only file, as deployed): after the restart
every queued job finishes, exactly once."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from pathlib import Path

import grpc
import pytest
import redis
from credence.v1 import reliability_pb2, reliability_pb2_grpc

from services.common.errors import from_rpc_error
from tests.conftest import Stack
from tests.faults.conftest import (
    RedisServer,
    finished,
    start_fault_stack,
    start_worker,
    stop_fault_stack,
)
from tests.faults.upstream import upstream
from tests.support.processes import wait_until

pytestmark = [pytest.mark.faults, pytest.mark.timeout(600)]


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

        before = finished(front, score("before", 60).job)
        assert before.job.state == reliability_pb2.JOB_STATE_DONE, stack.logs()
        # The worker acknowledges the last task just after the job is done: a broker lost
        # during that acknowledgement can crash the worker (a kombu race; its supervisor
        # would restart it), which is not what this test is about.
        acks = redis.Redis(port=broker.port, db=0)
        wait_until(lambda: acks.hlen("unacked") == 0, "the worker to acknowledge its tasks")
        acks.close()

        broker.stop()
        with pytest.raises(grpc.RpcError) as caught:
            score("while-down", 60)
        error = from_rpc_error(caught.value)
        assert error.code == grpc.StatusCode.UNAVAILABLE, error
        assert error.reason == "BROKER_UNAVAILABLE"

        broker.start()

        def score_after_restart() -> reliability_pb2.ScoreUrlResponse | None:
            try:  # the front door and the workers reconnect
                return score("after", 30)
            except grpc.RpcError as failure:
                assert from_rpc_error(failure).code == grpc.StatusCode.UNAVAILABLE
                return None

        accepted = wait_until(score_after_restart, "a job accepted after the broker restart", 180)
        reply = finished(front, accepted.job)
        assert reply.job.state == reliability_pb2.JOB_STATE_DONE, stack.logs()
        assert reply.report.title.startswith("City council approves")


_QUEUED_JOBS = 5


@pytest.fixture(scope="module")
def persistent_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    broker = RedisServer(aof_dir=tmp_path_factory.mktemp("broker-aof")).start()
    yield broker
    broker.stop()


@pytest.fixture(scope="module")
def stack_without_workers(
    persistent_broker: RedisServer,
    redis_pair: tuple[RedisServer, RedisServer],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Stack, Path]]:
    _, other = redis_pair
    state_dir = tmp_path_factory.mktemp("broker-sigkill")
    # The jobs wait in the queue until a worker starts: their deadline must outlast that.
    env = {"CREDENCE_JOB_TIMEOUT_S": "240"}
    running = start_fault_stack(
        state_dir, persistent_broker, cache=other, state=other, workers=0, env=env
    )
    yield running, state_dir
    stop_fault_stack(running)


def test_broker_sigkill_keeps_queued_jobs_and_each_runs_once(
    stack_without_workers: tuple[Stack, Path], persistent_broker: RedisServer
) -> None:
    stack, state_dir = stack_without_workers
    broker = persistent_broker
    queue = redis.Redis(port=broker.port, db=0)
    with upstream() as (base, counts), grpc.insecure_channel(stack.gateway_addr) as channel:
        front = reliability_pb2_grpc.ReliabilityServiceStub(channel)
        paths = [f"/news/queued-{i}" for i in range(_QUEUED_JOBS)]

        def pending(url: str) -> reliability_pb2.ScoreUrlResponse | None:
            try:
                return front.ScoreUrl(reliability_pb2.ScoreUrlRequest(url=url), timeout=2)
            except grpc.RpcError as error:  # a loaded machine: the call joins the same job
                assert error.code() == grpc.StatusCode.DEADLINE_EXCEEDED, error
                return None

        job_ids = []
        for path in paths:  # no worker yet: each call returns its pending job
            reply = wait_until(partial(pending, base + path), f"a pending job for {path}")
            assert reply.job.id and reply.job.state != reliability_pb2.JOB_STATE_DONE
            job_ids.append(reply.job.id)
        assert queue.llen("credence") == _QUEUED_JOBS

        broker.kill()
        broker.start()  # same port, same folder: the append-only file is replayed
        assert queue.llen("credence") == _QUEUED_JOBS

        start_worker(stack, state_dir, "worker0")

        def all_finished() -> list[reliability_pb2.GetReportResponse] | None:
            records = [
                front.GetReport(reliability_pb2.GetReportRequest(job_id=job_id), timeout=10)
                for job_id in job_ids
            ]
            finished = (reliability_pb2.JOB_STATE_DONE, reliability_pb2.JOB_STATE_FAILED)
            return records if all(r.job.state in finished for r in records) else None

        records = wait_until(all_finished, "every queued job to finish", 180, every_s=0.2)
        failures = [r.job for r in records if r.job.state != reliability_pb2.JOB_STATE_DONE]
        assert not failures, f"{failures}\n{stack.logs()}"
        log = stack.processes["worker0"].log()
        assert log.count("job done") == _QUEUED_JOBS, stack.logs()
        assert all(counts[path] == 1 for path in paths), counts
        assert queue.llen("credence") == 0
