"""A task killed at its hard time limit (it ignored, or never reached, the soft one): its job
is marked FAILED with a reason, its single-flight lock is released, and the next request for
the same page starts a new job instead of joining the dead one."""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
import redis
from credence.v1 import reliability_pb2, reliability_pb2_grpc

from tests.conftest import Stack
from tests.faults.conftest import RedisServer, finished, start_fault_stack, stop_fault_stack
from tests.faults.upstream import upstream
from tests.support.processes import wait_until

pytestmark = [pytest.mark.faults, pytest.mark.timeout(300)]

# The fetch waits on a page that answers after 60 s, and the test freezes the pool process
# running it (SIGSTOP) so that it cannot act on the soft limit: only the hard limit ends it.
# Celery needs soft <= hard; with both equal the soft signal stays pending in the frozen
# process and the kill decides, whatever the machine's load.
_LIMIT_S = "20"
_ENV = {
    "CREDENCE_TASK_TIME_LIMIT_S": _LIMIT_S,
    "CREDENCE_TASK_SOFT_TIME_LIMIT_S": _LIMIT_S,
    "CREDENCE_FETCH_TIMEOUT_S": "60",
    "CREDENCE_STAGE_TIMEOUT_S": "60",
    "CREDENCE_JOB_TIMEOUT_S": "100",
}


@pytest.fixture(scope="module")
def broker() -> Iterator[RedisServer]:
    server = RedisServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def stack(broker: RedisServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = start_fault_stack(
        tmp_path_factory.mktemp("time-limit"), broker, concurrency=1, env=_ENV
    )
    yield running
    stop_fault_stack(running)


def _children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (a Celery worker's pool)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    stat = Path(f"/proc/{pid}/stat")
    with contextlib.suppress(OSError):
        return stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"
    return False


def test_task_killed_at_hard_limit_fails_its_job_and_frees_its_lock(
    stack: Stack, broker: RedisServer
) -> None:
    state = redis.Redis(port=broker.port, db=2)
    with (
        upstream(delay_s=60.0) as (base, counts),
        grpc.insecure_channel(stack.gateway_addr) as channel,
    ):
        front = reliability_pb2_grpc.ReliabilityServiceStub(channel)
        url = f"{base}/slow/time-limit"

        def submitted() -> reliability_pb2.ScoreUrlResponse | None:
            try:
                return front.ScoreUrl(reliability_pb2.ScoreUrlRequest(url=url), timeout=2)
            except grpc.RpcError as error:  # a loaded machine: join the same job again
                assert error.code() == grpc.StatusCode.DEADLINE_EXCEEDED, stack.logs()
                return None

        first = wait_until(submitted, "the job to be submitted")
        assert first.job.state != reliability_pb2.JOB_STATE_DONE
        assert state.keys("*:lock"), "the job holds its single-flight lock"
        wait_until(lambda: counts["/slow/time-limit"], "the fetch to reach the page")
        (pool,) = _children(stack.processes["worker0"].proc.pid)
        os.kill(pool, signal.SIGSTOP)

        record = finished(front, first.job)
        assert record.job.state == reliability_pb2.JOB_STATE_FAILED, stack.logs()
        assert record.job.error_reason == "TASK_TIME_LIMIT", record.job
        assert record.job.stage == "fetch"
        assert "time limit" in record.job.error_message
        assert "Hard time limit" in stack.processes["worker0"].log()
        wait_until(lambda: not _alive(pool), "the frozen pool process to be killed")
        wait_until(lambda: not state.keys("*:lock"), "the lock to be released")

        second = wait_until(submitted, "a new job for the same page")
        assert second.job.id != first.job.id  # a new job, not the dead one joined
        assert counts["/slow/time-limit"] >= 1
