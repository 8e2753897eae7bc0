"""Reading a job's record from Redis again and again with a doubling pause: the one polling
loop behind waiting for a job (`job_waiter`) and watching it (`watch`)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator

from credence.v1 import reliability_pb2

from services.pipeline.jobs import JobRecords

MAX_POLL_S = 0.1


async def poll_job(
    records: JobRecords, job_id: str, first_poll_s: float, lifetime_s: float | None = None
) -> AsyncGenerator[reliability_pb2.GetReportResponse | None, None]:
    """Yields the job's record (None when there is none), then again after a pause that
    doubles from `first_poll_s` up to `MAX_POLL_S`, until the caller stops or, with
    `lifetime_s`, until that many seconds have passed."""
    loop = asyncio.get_running_loop()
    give_up = None if lifetime_s is None else loop.time() + lifetime_s
    delay = first_poll_s
    while give_up is None or loop.time() < give_up:
        yield await records.aget(job_id)
        await asyncio.sleep(delay)
        delay = min(delay * 2, MAX_POLL_S)
