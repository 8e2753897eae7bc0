"""A worker SIGKILLed in the middle of a job: the job is redelivered to the other worker
and completes there, once."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from credence.v1 import reliability_pb2, reliability_pb2_grpc

from tests.conftest import Stack
from tests.faults.conftest import RedisServer, start_fault_stack, stop_fault_stack
from tests.faults.upstream import upstream
from tests.support.processes import wait_until

pytestmark = [pytest.mark.faults, pytest.mark.timeout(600)]

# Short limits so a dead worker's task is redelivered within half a minute, not minutes,
# yet long enough that a loaded machine never hits them before the test kills the worker;
# the job's own deadline outlasts the redelivery.
_ENV = {
    "CREDENCE_TASK_SOFT_TIME_LIMIT_S": "20",
    "CREDENCE_TASK_TIME_LIMIT_S": "25",
    "CREDENCE_VISIBILITY_TIMEOUT_S": "30",
    "CREDENCE_FETCH_TIMEOUT_S": "20",
    "CREDENCE_JOB_TIMEOUT_S": "240",
}


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    broker = RedisServer().start()
    stack = start_fault_stack(
        tmp_path_factory.mktemp("worker-loss"), broker, workers=2, concurrency=1, env=_ENV
    )
    yield stack
    stop_fault_stack(stack)
    broker.stop()


def _worker_running_fetch(stack: Stack) -> str:
    def running() -> str | None:
        for name in ("worker0", "worker1"):
            lines = stack.processes[name].log().splitlines()
            if any("credence.fetch[" in line and "received" in line for line in lines):
                return name
        return None

    return wait_until(running, "a worker to take the fetch task")


def _done_count(path: Path) -> int:
    return path.read_text(errors="replace").count("job done")


def test_killed_worker_job_completes_once_on_the_other(two_workers: Stack) -> None:
    stack = two_workers
    gate = threading.Event()  # the page answers only once the victim is dead
    with (
        upstream(delay_s=120.0, gate=gate) as (base, counts),
        grpc.insecure_channel(stack.gateway_addr) as channel,
    ):
        front = reliability_pb2_grpc.ReliabilityServiceStub(channel)
        url = f"{base}/slow/worker-loss"

        def submitted() -> reliability_pb2.ScoreUrlResponse | None:
            try:  # the page holds the fetch, so the call returns the pending job
                return front.ScoreUrl(reliability_pb2.ScoreUrlRequest(url=url), timeout=1)
            except grpc.RpcError as error:  # a loaded machine: join the same job again
                assert error.code() == grpc.StatusCode.DEADLINE_EXCEEDED, error
                return None

        first = wait_until(submitted, "the job to be submitted")
        assert first.job.id and first.job.state != reliability_pb2.JOB_STATE_DONE

        victim = _worker_running_fetch(stack)
        # The fetch has reached the page: the job is mid-flight.
        wait_until(lambda: counts["/slow/worker-loss"], "the fetch to reach the page")
        assert counts["/slow/worker-loss"] == 1
        stack.processes[victim].kill_group()
        gate.set()  # the redelivered fetch gets the page at once

        def finished() -> reliability_pb2.GetReportResponse | None:
            record = front.GetReport(
                reliability_pb2.GetReportRequest(job_id=first.job.id), timeout=10
            )
            states = (reliability_pb2.JOB_STATE_DONE, reliability_pb2.JOB_STATE_FAILED)
            return record if record.job.state in states else None

        record = wait_until(finished, "the redelivered job to finish", 180, every_s=0.2)
        assert record.job.state == reliability_pb2.JOB_STATE_DONE, stack.logs()
        assert record.report.title.startswith("City council approves")

        survivor = "worker1" if victim == "worker0" else "worker0"
        assert _done_count(stack.processes[survivor].log_path) == 1
        assert _done_count(stack.processes[victim].log_path) == 0
        # Fetched once by the killed worker and once on redelivery, never more.
        assert counts["/slow/worker-loss"] == 2

        again = front.ScoreUrl(reliability_pb2.ScoreUrlRequest(url=url), timeout=60)
        assert again.cached
        assert again.report == record.report
