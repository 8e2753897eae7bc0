"""A job's finish is announced the moment it is recorded, and a poller waiting for that job
wakes on the notice instead of at its next poll: on a real Redis (pub/sub between
processes) and on the in-memory store, with the finish written from another thread as a
Celery task writes it. A lost subscription leaves the pollers polling until it resumes."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator

import pytest
from credence.v1 import reliability_pb2, report_pb2
from redis.asyncio.client import PubSub

from services.common.cache import Cache, MemoryCache, RedisCache
from services.gateway import job_polling
from services.gateway.job_polling import JobNotices, poll_job
from services.pipeline.jobs import JobRecords

pytestmark = pytest.mark.timeout(60)

_FOREVER_S = 3600.0
"""A polling pause no test waits out: only a notice can end it within the test's deadline."""


def _probe(records: JobRecords) -> None:
    """Announces the probe job (a done job whose report is replaced: announced each time)."""
    if not records.refreshed("probe", report_pb2.Report()):
        records.done("probe", report_pb2.Report())


async def _next_id(ids: AsyncIterator[str]) -> str:
    """The next announced id that is not the probe's."""
    while True:
        job_id = await asyncio.wait_for(anext(ids), 10)
        if job_id != "probe":
            return job_id


async def _subscribed(records: JobRecords, ids: AsyncIterator[str]) -> asyncio.Task[str]:
    """Starts reading `ids` once the subscription is live (a probe's notice got through)
    and returns the reader of the next id."""
    first = asyncio.create_task(asyncio.wait_for(anext(ids), 10))
    while not first.done():
        _probe(records)
        await asyncio.sleep(0.01)
    assert first.result() == "probe"
    return asyncio.create_task(_next_id(ids))


async def test_finishing_a_job_announces_its_id_and_running_does_not(store: Cache) -> None:
    records = JobRecords(store, ttl_s=60)
    records.create("job-1")
    ids = records.finished_ids()
    try:
        reader = await _subscribed(records, ids)
        records.running("job-1", "fetch")
        records.done("job-1", report_pb2.Report(score=50))
        assert await reader == "job-1"
        assert not records.done("job-1", report_pb2.Report(score=60))  # refused: no notice
        records.refreshed("job-1", report_pb2.Report(score=70))
        assert await _next_id(ids) == "job-1"
    finally:
        await ids.aclose()  # type: ignore[attr-defined]


async def test_a_poller_wakes_on_the_notice_not_at_its_next_poll(store: Cache) -> None:
    records = JobRecords(store, ttl_s=60)
    records.create("job-2")
    notices = JobNotices(records)
    with notices.wake_for("probe") as probed:  # starts the process's one subscription
        while not probed.is_set():
            _probe(records)
            await asyncio.sleep(0.01)
    polls = poll_job(records, "job-2", first_poll_s=_FOREVER_S, notices=notices)
    async with contextlib.aclosing(polls):
        first = await anext(polls)
        assert first is not None and first.job.state == reliability_pb2.JOB_STATE_PENDING
        finisher = threading.Timer(0.05, records.done, ("job-2", report_pb2.Report(score=42)))
        finisher.start()
        while True:  # each wait ends on a notice, never on the hour-long pause
            record = await asyncio.wait_for(anext(polls), 10)
            if record is not None and record.job.state == reliability_pb2.JOB_STATE_DONE:
                break
        finisher.join()
    assert record.report.score == 42


class _FlakyRecords(JobRecords):
    """Job records whose first subscription fails, as when Redis restarts."""

    def __init__(self, store: Cache) -> None:
        super().__init__(store, ttl_s=60)
        self.subscriptions = 0
        self.renewed = asyncio.Event()

    async def finished_ids(self) -> AsyncIterator[str]:
        self.subscriptions += 1
        if self.subscriptions == 1:
            raise ConnectionError("state store restarting")
        self.renewed.set()
        async for job_id in super().finished_ids():
            yield job_id


async def test_a_lost_subscription_is_renewed_and_polling_goes_on_meanwhile(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(job_polling, "RELISTEN_S", 0.01)
    records = _FlakyRecords(MemoryCache())
    records.create("job-3")
    notices = JobNotices(records)
    polls = poll_job(records, "job-3", first_poll_s=0.01, notices=notices)
    async with contextlib.aclosing(polls):
        await anext(polls)
        records.failed("job-3", "match", "INTERNAL", "boom")
        record = await asyncio.wait_for(anext(polls), 10)  # found by polling
        assert record is not None and record.job.state == reliability_pb2.JOB_STATE_FAILED
        await asyncio.wait_for(records.renewed.wait(), 10)
    assert records.subscriptions >= 2


class _CancelSwallowingRecords(JobRecords):
    """Job records whose subscription turns a cancellation into a timeout error, as a Redis
    client's read can when the cancellation meets its own timeout."""

    def __init__(self) -> None:
        super().__init__(MemoryCache(), ttl_s=60)
        self.listening = asyncio.Event()

    async def finished_ids(self) -> AsyncIterator[str]:
        self.listening.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            raise TimeoutError("read timed out") from None
        yield ""


async def test_the_listener_stops_when_cancelled_even_if_a_read_hides_the_cancellation() -> None:
    records = _CancelSwallowingRecords()
    notices = JobNotices(records)
    with notices.wake_for("job-4"):
        await asyncio.wait_for(records.listening.wait(), 10)
    listener = notices._listener
    assert listener is not None
    listener.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(listener, 10)


async def test_a_redis_listener_stops_when_a_read_swallows_its_cancellation(
    redis_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = PubSub.get_message

    async def swallowing(self: PubSub, *args: object, **kwargs: object) -> object:
        try:
            return await original(self, *args, **kwargs)  # type: ignore[arg-type]
        except asyncio.CancelledError:  # as a read whose own timeout met the cancellation
            return None

    monkeypatch.setattr(PubSub, "get_message", swallowing)
    store = RedisCache(f"redis://127.0.0.1:{redis_port}/3", timeout_s=2.0, degrade=False)
    started = asyncio.Event()

    async def listen() -> None:
        started.set()
        async for _ in store.listen("credence:test:quiet"):
            pass

    listener = asyncio.create_task(listen())
    await asyncio.wait_for(started.wait(), 10)
    await asyncio.sleep(0.05)  # inside a read
    listener.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(listener, 10)
