"""WatchReport: follows one job and sends a message each time its state or stage changes,
ending with the report (or the failure). A report whose wire search was still pending is
followed further: each recomputed report is sent, until the search has landed or the watch's
time is up. Job records live in Redis; the watcher polls them (`job_polling`)
with a short backoff and wakes when a finish is announced, so a watch costs a few reads a
second and no worker involvement."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import grpc
from credence.v1 import reliability_pb2

from services.common.errors import CredenceError
from services.gateway.job_polling import JobNotices, poll_job
from services.pipeline.jobs import JobRecords, is_finished

_FIRST_POLL_S = 0.01


def job_not_found(job_id: str) -> CredenceError:
    """JOB_NOT_FOUND: what GetReport and WatchReport answer for an unknown or expired job."""
    return CredenceError(
        grpc.StatusCode.NOT_FOUND,
        "JOB_NOT_FOUND",
        f"no job {job_id!r}; it never existed or has expired",
        metadata={"job_id": job_id},
    )


async def watch_job(
    records: JobRecords, job_id: str, max_s: float, notices: JobNotices | None = None
) -> AsyncIterator[reliability_pb2.WatchReportResponse]:
    """Yields the job as it is, then each change; the last message is the finished job.
    `notices`: wakes the watch when the job's finish or new report is announced."""
    loop = asyncio.get_running_loop()
    give_up = loop.time() + max_s
    last: tuple[int, str, int] | None = None
    async with contextlib.aclosing(
        poll_job(records, job_id, _FIRST_POLL_S, notices=notices)
    ) as polls:
        async for record in polls:
            if record is None:
                raise job_not_found(job_id)
            now = (record.job.state, record.job.stage, record.report.created_at.ToNanoseconds())
            if now != last:
                last = now
                update = reliability_pb2.WatchReportResponse(job=record.job)
                if record.job.state == reliability_pb2.JOB_STATE_DONE:
                    update.report.CopyFrom(record.report)
                yield update
            if is_finished(record) and not record.report.coverage.pending:
                return
            if is_finished(record) and loop.time() > give_up:
                return  # the report stands as it is; its coverage says the search was pending
            if loop.time() > give_up:
                raise CredenceError(
                    grpc.StatusCode.DEADLINE_EXCEEDED,
                    "JOB_STILL_RUNNING",
                    f"job {job_id} still runs after {max_s:g}s of watching; watch it again",
                    metadata={"job_id": job_id},
                )
