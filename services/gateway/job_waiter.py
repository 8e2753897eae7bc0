"""Waiting for jobs in the front door: one poller per job per process, however many callers
wait for it, so a thousand callers for one article cost one Redis read every few ms; the
poller wakes as soon as the job's finish is announced (`job_polling.JobNotices`)."""

from __future__ import annotations

import asyncio
import contextlib
import time

from credence.v1 import reliability_pb2

from services.common import metrics
from services.gateway.job_polling import JobNotices, poll_job
from services.pipeline.jobs import JobRecords, is_finished

_FIRST_POLL_S = 0.005
_MAX_POLLER_LIFETIME_S = 300.0


class JobWaiter:
    """Waits for job records to finish, sharing one poller per job."""

    def __init__(self, records: JobRecords, notices: JobNotices | None = None) -> None:
        self._records = records
        self._notices = notices
        self._pollers: dict[str, asyncio.Task[reliability_pb2.GetReportResponse | None]] = {}

    async def wait(self, job_id: str, timeout_s: float) -> reliability_pb2.GetReportResponse | None:
        """The job's record when it finishes within `timeout_s`, else its current record."""
        start = time.perf_counter()
        record = await self._wait(job_id, timeout_s)
        metrics.FRONT_DOOR_WAIT.labels(_outcome(record)).observe(time.perf_counter() - start)
        return record

    async def _wait(
        self, job_id: str, timeout_s: float
    ) -> reliability_pb2.GetReportResponse | None:
        poller = self._pollers.get(job_id)
        if poller is None:
            poller = asyncio.create_task(self._poll(job_id))
            self._pollers[job_id] = poller
            poller.add_done_callback(lambda _: self._pollers.pop(job_id, None))
        with contextlib.suppress(TimeoutError):
            return await asyncio.wait_for(asyncio.shield(poller), max(timeout_s, 0.0))
        return await self._records.aget(job_id)

    async def _poll(self, job_id: str) -> reliability_pb2.GetReportResponse | None:
        polls = poll_job(
            self._records, job_id, _FIRST_POLL_S, _MAX_POLLER_LIFETIME_S, self._notices
        )
        async with contextlib.aclosing(polls):
            async for record in polls:
                if record is None or is_finished(record):
                    return record
        return await self._records.aget(job_id)


def _outcome(record: reliability_pb2.GetReportResponse | None) -> str:
    """How a wait ended: done, failed, pending (the caller's time ran out) or missing."""
    if record is None:
        return "missing"
    if record.job.state == reliability_pb2.JOB_STATE_DONE:
        return "done"
    if record.job.state == reliability_pb2.JOB_STATE_FAILED:
        return "failed"
    return "pending"
