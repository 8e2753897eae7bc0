"""A worker SIGKILLed in the middle of a job: the job is redelivered to the other worker
and completes there, once."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from credence.v1 import reliability_pb2, reliability_pb2_grpc

from tests.conftest import Stack
from tests.faults.conftest import RedisServer, start_fault_stack, stop_fault_stack
from tests.faults.upstream import upstream

pytestmark = [pytest.mark.faults, pytest.mark.timeout(120)]

# Short limits so a dead worker's task is redelivered within seconds, not minutes.
_ENV = {
    "CREDENCE_TASK_SOFT_TIME_LIMIT_S": "6",
    "CREDENCE_TASK_TIME_LIMIT_S": "8",
    "CREDENCE_VISIBILITY_TIMEOUT_S": "13",
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


def _worker_running_fetch(stack: Stack, timeout_s: float = 20.0) -> str:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for name in ("worker0", "worker1"):
            log = stack.processes[name].log()
            if "credence.fetch" in log and "received" in log:
                return name
        time.sleep(0.05)
    raise AssertionError(f"no worker took the fetch task:\n{stack.logs()}")


def _done_count(path: Path) -> int:
    return path.read_text(errors="replace").count("job done")


def test_killed_worker_job_completes_once_on_the_other(two_workers: Stack) -> None:
    stack = two_workers
    with (
        upstream(delay_s=3.0) as (base, counts),
        grpc.insecure_channel(stack.gateway_addr) as channel,
    ):
        front = reliability_pb2_grpc.ReliabilityServiceStub(channel)
        url = f"{base}/slow/worker-loss"
        first = front.ScoreUrl(reliability_pb2.ScoreUrlRequest(url=url), timeout=0.5)
        assert first.job.id and first.job.state != reliability_pb2.JOB_STATE_DONE

        victim = _worker_running_fetch(stack)
        for _ in range(100):  # the fetch has reached the page: the job is mid-flight
            if counts["/slow/worker-loss"]:
                break
            time.sleep(0.05)
        assert counts["/slow/worker-loss"] == 1
        stack.processes[victim].kill_group()

        record = first
        for _ in range(300):
            record = front.GetReport(
                reliability_pb2.GetReportRequest(job_id=first.job.id), timeout=5
            )
            if record.job.state in (
                reliability_pb2.JOB_STATE_DONE,
                reliability_pb2.JOB_STATE_FAILED,
            ):
                break
            time.sleep(0.2)
        assert record.job.state == reliability_pb2.JOB_STATE_DONE, stack.logs()
        assert record.report.title.startswith("City council approves")

        survivor = "worker1" if victim == "worker0" else "worker0"
        assert _done_count(stack.processes[survivor].log_path) == 1
        assert _done_count(stack.processes[victim].log_path) == 0
        # Fetched once by the killed worker and once on redelivery, never more.
        assert counts["/slow/worker-loss"] == 2

        again = front.ScoreUrl(reliability_pb2.ScoreUrlRequest(url=url), timeout=10)
        assert again.cached
        assert again.report == record.report
