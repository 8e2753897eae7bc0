"""With API keys, a job is read (GetReport, WatchReport) only by a key that was handed its
id (the one that started it, or one that joined it) or by an operator's key; callers past
the waiting bound are handed the job at once."""

from __future__ import annotations

import asyncio

import grpc
import pytest
from credence.v1 import reliability_pb2, report_pb2

from services.auth.api_keys import new_key
from services.client import AsyncCredenceClient, RetryPolicy
from services.common.errors import CredenceError
from services.gateway import front_door
from tests.api.conftest import FrontDoor, StartFrontDoor

NO_RETRY = RetryPolicy(attempts=1)


def _operator_key(door: FrontDoor) -> str:
    key, record = new_key("ops", 100.0, 100, operator=True)
    door.keys.put(record)
    return key


async def _read(address: str, key: str, job_id: str) -> reliability_pb2.GetReportResponse:
    async with AsyncCredenceClient(address, api_key=key, timeout_s=10, retry=NO_RETRY) as client:
        return await client.get_report(job_id)


async def _refused(address: str, key: str, job_id: str) -> CredenceError:
    with pytest.raises(CredenceError) as caught:
        await _read(address, key, job_id)
    return caught.value


@pytest.mark.usefixtures("clean_redis")
async def test_only_the_keys_handed_a_job_may_read_it(
    start_front_door: StartFrontDoor, monkeypatch: pytest.MonkeyPatch
) -> None:
    door = await start_front_door(require_api_key=True)
    owner, other, joiner = door.create_key(), door.create_key(), door.create_key()
    operator = _operator_key(door)
    job_id = "a" * 32
    records = door.servicer._records
    records.create(job_id)
    records.done(job_id, report_pb2.Report(title="Council approves budget"))
    # The pipeline is not running here: every ScoreUrl starts or joins the job above.
    monkeypatch.setattr(front_door, "start_or_join", lambda job: (job_id, True))

    for key in (owner, joiner):
        async with AsyncCredenceClient(door.address, api_key=key, retry=NO_RETRY) as client:
            reply = await client.score_url("https://gazette.example/news/budget")
        assert reply.job.id == job_id

    for key in (owner, joiner, operator):
        assert (await _read(door.address, key, job_id)).report.title == "Council approves budget"
    error = await _refused(door.address, other, job_id)
    assert error.code == grpc.StatusCode.PERMISSION_DENIED
    assert error.reason == "JOB_OF_ANOTHER_KEY"
    assert (await _refused(door.address, other, "b" * 32)).reason == "JOB_NOT_FOUND"

    async with AsyncCredenceClient(door.address, api_key=other, retry=NO_RETRY) as client:
        with pytest.raises(CredenceError) as caught:
            async for _ in client.watch_report(job_id):
                pass
    assert caught.value.reason == "JOB_OF_ANOTHER_KEY"


@pytest.mark.usefixtures("clean_redis")
async def test_without_keys_every_caller_reads_every_job(start_front_door: StartFrontDoor) -> None:
    door = await start_front_door(require_api_key=False)
    door.servicer._records.create("c" * 32)
    record = await _read(door.address, "", "c" * 32)
    assert record.job.id == "c" * 32


@pytest.mark.usefixtures("clean_redis")
async def test_callers_past_the_waiting_bound_get_the_job_at_once(
    start_front_door: StartFrontDoor, monkeypatch: pytest.MonkeyPatch
) -> None:
    door = await start_front_door(uncached_max_waiting=1)
    job_id = "c" * 32
    door.servicer._records.create(job_id)  # queued, never finished: the pipeline is not running
    monkeypatch.setattr(front_door, "start_or_join", lambda job: (job_id, True))
    urls = [f"https://gazette.example/news/{n}" for n in range(3)]
    async with AsyncCredenceClient(door.address, timeout_s=1.0, retry=NO_RETRY) as client:
        replies = await asyncio.gather(*(client.score_url(url) for url in urls))
    assert all(
        r.job.id == job_id and r.job.state != reliability_pb2.JOB_STATE_DONE for r in replies
    )
    assert door.servicer.answered_without_waiting == 2
