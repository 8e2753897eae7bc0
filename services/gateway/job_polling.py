"""Reading a job's record from Redis again and again: the one polling loop behind waiting for
a job (`job_waiter`) and watching it (`watch`). Between reads it waits for the job's finish to
be announced (`JobNotices`, one subscription per process), or at most a pause that doubles,
so a caller learns of the finish within a Redis round trip and a lost notice costs at most
one pause."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator, Iterator

from credence.v1 import reliability_pb2

from services.common.cache import stop_if_cancelled
from services.pipeline.jobs import JobRecords

_LOGGER = logging.getLogger(__name__)

MAX_POLL_S = 0.1
RELISTEN_S = 1.0
"""Pause before subscribing again after the store was lost (the pollers go on meanwhile)."""


class JobNotices:
    """Wakes the pollers of a job when its finish is announced: one subscription to the
    finished-jobs channel per process, started with the first poller."""

    def __init__(self, records: JobRecords) -> None:
        self._records = records
        self._waiting: dict[str, set[asyncio.Event]] = {}
        self._listener: asyncio.Task[None] | None = None

    @contextlib.contextmanager
    def wake_for(self, job_id: str) -> Iterator[asyncio.Event]:
        """An event set each time `job_id`'s finish (or new report) is announced."""
        if self._listener is None or self._listener.done():
            self._listener = asyncio.create_task(self._listen())
        event = asyncio.Event()
        self._waiting.setdefault(job_id, set()).add(event)
        try:
            yield event
        finally:
            waiting = self._waiting.get(job_id, set())
            waiting.discard(event)
            if not waiting:
                self._waiting.pop(job_id, None)

    async def _listen(self) -> None:
        while True:
            try:
                async for job_id in self._records.finished_ids():
                    for event in self._waiting.get(job_id, ()):
                        event.set()
            except Exception as error:  # the pollers still find the finish; listen again
                stop_if_cancelled()
                _LOGGER.warning("job notices lost, polling only until they resume: %s", error)
            await asyncio.sleep(RELISTEN_S)


async def poll_job(
    records: JobRecords,
    job_id: str,
    first_poll_s: float,
    lifetime_s: float | None = None,
    notices: JobNotices | None = None,
) -> AsyncGenerator[reliability_pb2.GetReportResponse | None, None]:
    """Yields the job's record (None when there is none), then again when `notices`
    announce its finish or after a pause that doubles from `first_poll_s` up to
    `MAX_POLL_S`, until the caller stops or, with `lifetime_s`, until that many seconds have
    passed."""
    loop = asyncio.get_running_loop()
    give_up = None if lifetime_s is None else loop.time() + lifetime_s
    delay = first_poll_s
    with contextlib.ExitStack() as stack:
        wake = stack.enter_context(notices.wake_for(job_id)) if notices else asyncio.Event()
        while give_up is None or loop.time() < give_up:
            yield await records.aget(job_id)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), delay)
            wake.clear()
            delay = min(delay * 2, MAX_POLL_S)
