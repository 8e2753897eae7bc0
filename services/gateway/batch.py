"""ScoreBatch: many items over one bidirectional stream, each answered as soon as its report
is ready, in any order, tagged with the caller's item id.

Flow control: a stream holds at most `max_in_flight` items that were read but whose answer
is not yet written. The next item is read only when a slot is free, and a slot is freed only
once an answer's write has completed, so a slow reader stalls the writes (gRPC's flow control
makes each write wait), which stalls the reads, which stalls the sender: neither side
buffers without bound. A bad item gets its own error answer and the stream goes on.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import grpc
from credence.v1 import reliability_pb2
from prometheus_client import Gauge

from services.common.errors import CredenceError
from services.gateway import validation

_LOGGER = logging.getLogger(__name__)

BATCH_IN_FLIGHT = Gauge(
    "credence_batch_items_in_flight",
    "ScoreBatch items read but not yet answered, over all streams of this process.",
)

ScoreItem = Callable[
    [reliability_pb2.ScoreBatchRequest], Awaitable[reliability_pb2.ScoreBatchResponse]
]
Pace = Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class BatchLimits:
    """How much one stream may send in all, and hold unanswered at once."""

    max_items: int
    max_in_flight: int


class BatchStats:
    """Items in flight in one stream and the most there ever were (a test and ops hook)."""

    def __init__(self) -> None:
        self.in_flight = 0
        self.peak = 0

    def enter(self) -> None:
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        BATCH_IN_FLIGHT.inc()

    def leave(self) -> None:
        self.in_flight -= 1
        BATCH_IN_FLIGHT.dec()


def item_error(item_id: str, error: CredenceError) -> reliability_pb2.ScoreBatchResponse:
    """The answer for an item that failed."""
    return reliability_pb2.ScoreBatchResponse(
        item_id=item_id, error_reason=error.reason, error_message=error.message
    )


def _too_large(max_items: int) -> CredenceError:
    return CredenceError(
        grpc.StatusCode.INVALID_ARGUMENT,
        "BATCH_TOO_LARGE",
        f"a ScoreBatch stream may send at most {max_items} items; the answers for those"
        " already sent were delivered, send the rest on a new stream",
        metadata={"max_items": str(max_items)},
        field_violations=[("requests", f"more than {max_items} items in one stream")],
    )


_Out = reliability_pb2.ScoreBatchResponse | BaseException | None


class _Batch:
    """One stream's reader, its item tasks and its queue of answers to write."""

    def __init__(
        self, score: ScoreItem, limits: BatchLimits, stats: BatchStats, pace: Pace | None
    ) -> None:
        self._score = score
        self._limits = limits
        self._stats = stats
        self._pace = pace
        self._slots = asyncio.Semaphore(limits.max_in_flight)
        self.answers: asyncio.Queue[_Out] = asyncio.Queue()
        self.work: set[asyncio.Task[None]] = set()

    def written(self) -> None:
        """An answer's write completed: its slot is free for the next item."""
        self._stats.leave()
        self._slots.release()

    async def read(self, requests: AsyncIterator[reliability_pb2.ScoreBatchRequest]) -> None:
        """Reads items while slots are free; ends the answers with None or the failure."""
        try:
            ending = await self._read_items(requests)
            if self.work:
                await asyncio.gather(*self.work)
            self.answers.put_nowait(ending)
        except asyncio.CancelledError:
            raise
        except BaseException as error:  # the request stream broke: end the call with it
            self.answers.put_nowait(error)

    async def _read_items(
        self, requests: AsyncIterator[reliability_pb2.ScoreBatchRequest]
    ) -> CredenceError | None:
        seen: set[str] = set()
        count = 0
        iterator = aiter(requests)
        while True:
            await self._slots.acquire()
            try:
                request = await anext(iterator)
            except StopAsyncIteration:
                self._slots.release()
                return None
            count += 1
            if count > self._limits.max_items:
                self._slots.release()
                return _too_large(self._limits.max_items)
            self._stats.enter()
            problem = validation.item_id(request.item_id, seen)
            if problem is not None:
                self.answers.put_nowait(item_error(request.item_id, problem))
                continue
            seen.add(request.item_id)
            if self._pace is not None:
                try:
                    await self._pace()
                except CredenceError as error:
                    self.answers.put_nowait(item_error(request.item_id, error))
                    continue
            task = asyncio.create_task(self._answer(request))
            self.work.add(task)
            task.add_done_callback(self.work.discard)

    async def _answer(self, request: reliability_pb2.ScoreBatchRequest) -> None:
        try:
            response = await self._score(request)
        except CredenceError as error:
            response = item_error(request.item_id, error)
        except Exception:
            _LOGGER.exception("batch item %r crashed", request.item_id)
            response = item_error(
                request.item_id,
                CredenceError(grpc.StatusCode.INTERNAL, "INTERNAL", "internal error"),
            )
        self.answers.put_nowait(response)


async def run_batch(
    requests: AsyncIterator[reliability_pb2.ScoreBatchRequest],
    score: ScoreItem,
    limits: BatchLimits,
    stats: BatchStats,
    pace: Pace | None = None,
) -> AsyncIterator[reliability_pb2.ScoreBatchResponse]:
    """Yields each item's answer as soon as it is ready. `pace` (the caller's quota) is
    awaited before each item is started."""
    batch = _Batch(score, limits, stats, pace)
    reader = asyncio.create_task(batch.read(requests))
    try:
        while True:
            answer = await batch.answers.get()
            if answer is None:
                return
            if isinstance(answer, BaseException):
                raise answer
            yield answer
            batch.written()
    finally:
        reader.cancel()
        for task in list(batch.work):
            task.cancel()
        while stats.in_flight > 0:
            stats.leave()
