"""ReliabilityService, the public front door: validates requests, serves cached reports,
starts or joins the one job computing a report (single flight), and waits for it up to the
caller's deadline; past it, the caller gets the job id to poll with GetReport. At most
`uncached_max_waiting` callers wait at once; the others get the job id at once."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import AsyncIterator

import grpc
from credence.v1 import reliability_pb2, reliability_pb2_grpc, report_pb2

from services.auth.interceptor import caller_var
from services.common import metrics
from services.common.cache import Cache
from services.common.config import Settings
from services.common.errors import CredenceError
from services.common.server import ServiceSpec
from services.common.urls import canonical_url
from services.gateway import validation
from services.gateway.batch import BatchLimits, BatchStats, run_batch
from services.gateway.job_polling import JobNotices
from services.gateway.job_waiter import JobWaiter
from services.gateway.watch import job_not_found, watch_job
from services.pipeline import keys
from services.pipeline.jobs import JobRecords
from services.pipeline.submit import JobInput, start_or_join
from services.scorer.ratings import RatingsStore
from services.scorer.weights import MODEL_VERSION

_LOGGER = logging.getLogger(__name__)

_DEADLINE_MARGIN_S = 0.15
_CACHE_HITS = metrics.CACHE_REQUESTS.labels("hit")
_CACHE_MISSES = metrics.CACHE_REQUESTS.labels("miss")
BatchResponse = reliability_pb2.ScoreBatchResponse


@dataclasses.dataclass(frozen=True)
class _Outcome:
    """What a scoring call found: a cached report's bytes, parsed once straight into the
    answer (the cache hit builds no intermediate record), or the job's record."""

    record: reliability_pb2.GetReportResponse | None = None
    cached_report: bytes = b""

    @property
    def cached(self) -> bool:
        return self.record is None

    @property
    def state(self) -> reliability_pb2.JobState.ValueType:
        return reliability_pb2.JOB_STATE_DONE if self.record is None else self.record.job.state

    def fill(self, job: reliability_pb2.Job, report: report_pb2.Report | None) -> None:
        """Writes the job, and the report when `report` is given, into an answer's fields."""
        if self.record is None:
            job.state = reliability_pb2.JOB_STATE_DONE
            if report is not None:
                report.ParseFromString(self.cached_report)
            return
        job.CopyFrom(self.record.job)
        if report is not None:
            report.CopyFrom(self.record.report)


def job_input(url: str, html: str = "", text: str = "") -> JobInput:
    """The job for an article: keyed by URL, or by URL and content when the caller sent it."""
    body = html or text
    canonical = canonical_url(url)
    if body:
        key = keys.content_report_key(MODEL_VERSION, canonical, body)
    else:
        key = keys.report_key(MODEL_VERSION, canonical)
    return JobInput(url, key, html=html, text=text)


class ReliabilityServicer(reliability_pb2_grpc.ReliabilityServiceServicer):
    """The public API."""

    def __init__(
        self, settings: Settings, ratings: RatingsStore, cache: Cache, records: JobRecords
    ) -> None:
        self._settings = settings
        self._ratings = ratings
        self._cache = cache
        self._records = records
        self._grants = records.grants()
        self._notices = JobNotices(records)
        self._waiter = JobWaiter(records, self._notices)
        self._starting: dict[str, asyncio.Task[tuple[str, bool]]] = {}
        self._batch_limits = BatchLimits(settings.batch_max_items, settings.batch_max_in_flight)
        self._waiting = 0
        self.answered_without_waiting = 0
        """Uncached calls answered at once because `uncached_max_waiting` callers waited."""
        self.batch_peak = 0
        """The most items any ScoreBatch stream of this servicer held in flight."""

    async def ScoreUrl(
        self, request: reliability_pb2.ScoreUrlRequest, context: grpc.aio.ServicerContext
    ) -> reliability_pb2.ScoreUrlResponse:
        url = validation.score_url(request)
        outcome = await self._score(job_input(url), request.refresh, context)
        response = reliability_pb2.ScoreUrlResponse(cached=outcome.cached)
        outcome.fill(response.job, response.report)
        return response

    async def ScoreArticle(
        self, request: reliability_pb2.ScoreArticleRequest, context: grpc.aio.ServicerContext
    ) -> reliability_pb2.ScoreArticleResponse:
        url = validation.score_article(request, self._settings.max_body_bytes)
        job = job_input(url, request.html, request.text)
        outcome = await self._score(job, False, context)
        response = reliability_pb2.ScoreArticleResponse(cached=outcome.cached)
        outcome.fill(response.job, response.report)
        return response

    async def GetSourceRating(
        self, request: reliability_pb2.GetSourceRatingRequest, context: grpc.aio.ServicerContext
    ) -> reliability_pb2.GetSourceRatingResponse:
        domain = validation.domain(request.domain)
        rating = await asyncio.to_thread(self._ratings.rate, domain)
        return reliability_pb2.GetSourceRatingResponse(rating=rating)

    async def GetReport(
        self, request: reliability_pb2.GetReportRequest, context: grpc.aio.ServicerContext
    ) -> reliability_pb2.GetReportResponse:
        job_id = validation.job_id(request.job_id)
        record = await self._records.aget(job_id)
        if record is None:
            raise job_not_found(job_id)
        await self._check_access(job_id)
        return record

    async def WatchReport(
        self, request: reliability_pb2.WatchReportRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[reliability_pb2.WatchReportResponse]:
        job_id = validation.job_id(request.job_id)
        if await self._records.aget(job_id) is not None:  # a missing job: NOT_FOUND below
            await self._check_access(job_id)
        async for update in watch_job(
            self._records, job_id, self._settings.watch_max_s, self._notices
        ):
            yield update

    async def ScoreBatch(
        self,
        request_iterator: AsyncIterator[reliability_pb2.ScoreBatchRequest],
        context: grpc.aio.ServicerContext,
    ) -> AsyncIterator[reliability_pb2.ScoreBatchResponse]:
        caller = caller_var.get()
        stats = BatchStats()

        async def score(item: reliability_pb2.ScoreBatchRequest) -> BatchResponse:
            return await self._score_item(item, context)

        try:
            async for answer in run_batch(
                request_iterator,
                score,
                self._batch_limits,
                stats,
                caller.pace if caller is not None else None,
            ):
                yield answer
        finally:
            self.batch_peak = max(self.batch_peak, stats.peak)

    async def _score_item(
        self, item: reliability_pb2.ScoreBatchRequest, context: grpc.aio.ServicerContext
    ) -> BatchResponse:
        url = validation.batch_item(item, self._settings.max_body_bytes)
        outcome = await self._score(job_input(url, item.html, item.text), False, context)
        answer = BatchResponse(item_id=item.item_id, cached=outcome.cached)
        done = outcome.state == reliability_pb2.JOB_STATE_DONE
        outcome.fill(answer.job, answer.report if done else None)
        if answer.job.state == reliability_pb2.JOB_STATE_FAILED:
            answer.error_reason = answer.job.error_reason or "JOB_FAILED"
            answer.error_message = answer.job.error_message
        return answer

    async def _score(
        self, job: JobInput, refresh: bool, context: grpc.aio.ServicerContext
    ) -> _Outcome:
        if not refresh:
            raw = await self._cache.aget(job.cache_key)
            if raw is not None:
                _CACHE_HITS.inc()
                return _Outcome(cached_report=raw)
        _CACHE_MISSES.inc()
        remaining = context.time_remaining() or 0.0
        job = dataclasses.replace(job, timeout_s=max(self._settings.job_timeout_s, remaining))
        job_id, _ = await self._start_or_join(job)
        caller = caller_var.get()
        if caller is not None:  # this key may now read the job (GetReport, WatchReport)
            await self._grants.grant(job_id, caller.record.key_id)
        if self._waiting >= self._settings.uncached_max_waiting:
            self.answered_without_waiting += 1
            record = await self._records.aget(job_id)
        else:
            self._waiting += 1
            try:
                record = await self._waiter.wait(job_id, self._wait_budget(context))
            finally:
                self._waiting -= 1
        if record is None:
            raise CredenceError(grpc.StatusCode.INTERNAL, "JOB_LOST", "the job record disappeared")
        return _Outcome(record)

    async def _start_or_join(self, job: JobInput) -> tuple[str, bool]:
        """One start per report key per process, the rest of the process joins it."""
        starting = self._starting.get(job.cache_key)
        if starting is None:
            starting = asyncio.create_task(asyncio.to_thread(start_or_join, job))
            self._starting[job.cache_key] = starting
            starting.add_done_callback(lambda _: self._starting.pop(job.cache_key, None))
        return await asyncio.shield(starting)

    async def _check_access(self, job_id: str) -> None:
        """With API keys, a job is read only by a key that was handed it, or an operator's."""
        caller = caller_var.get()
        if caller is None or caller.record.operator:
            return
        if not await self._grants.allowed(job_id, caller.record.key_id):
            raise CredenceError(
                grpc.StatusCode.PERMISSION_DENIED,
                "JOB_OF_ANOTHER_KEY",
                f"job {job_id} was started for another API key; only that key (or an"
                " operator's) may read it",
                metadata={"job_id": job_id, "key_id": caller.record.key_id},
            )

    def _wait_budget(self, context: grpc.aio.ServicerContext) -> float:
        remaining: float | None = context.time_remaining()
        if remaining is None:
            return self._settings.default_wait_s
        return max(0.0, min(remaining - _DEADLINE_MARGIN_S, self._settings.default_wait_s))


def service_spec(servicer: ReliabilityServicer) -> ServiceSpec:
    """ReliabilityService for the server bootstrap."""
    return ServiceSpec(
        reliability_pb2.DESCRIPTOR.services_by_name["ReliabilityService"].full_name,
        lambda server: reliability_pb2_grpc.add_ReliabilityServiceServicer_to_server(
            servicer, server
        ),
    )
