"""ReliabilityService, the public front door: validates requests, serves cached reports,
starts or joins the one job computing a report (single flight), and waits for it up to the
caller's deadline; past it, the caller gets the job id to poll with GetReport."""

from __future__ import annotations

import asyncio
import logging

import grpc
from credence.v1 import reliability_pb2, reliability_pb2_grpc, report_pb2

from services.common import metrics
from services.common.cache import Cache
from services.common.config import Settings
from services.common.errors import CredenceError, invalid_argument
from services.common.server import ServiceSpec
from services.common.urls import canonical_url, validate_url
from services.pipeline import keys
from services.pipeline.jobs import JobRecords
from services.pipeline.submit import JobInput, start_or_join
from services.scorer.job_waiter import JobWaiter
from services.scorer.report import MODEL_VERSION, Scorer

_LOGGER = logging.getLogger(__name__)

_DEADLINE_MARGIN_S = 0.15
MAX_JOB_ID_LENGTH = 64
MAX_DOMAIN_LENGTH = 2048

JobResult = tuple[reliability_pb2.GetReportResponse, bool]


def _cached_record(raw: bytes) -> reliability_pb2.GetReportResponse:
    report = report_pb2.Report()
    report.ParseFromString(raw)
    return reliability_pb2.GetReportResponse(
        job=reliability_pb2.Job(state=reliability_pb2.JOB_STATE_DONE), report=report
    )


def _validate_article(request: reliability_pb2.ScoreArticleRequest, max_bytes: int) -> str:
    url = validate_url(request.url)
    if bool(request.html) == bool(request.text):
        raise invalid_argument("html", "set exactly one of html and text", "ARTICLE_BODY_MISSING")
    body_field, body = ("html", request.html) if request.html else ("text", request.text)
    if len(body.encode()) > max_bytes:
        raise invalid_argument(body_field, f"larger than {max_bytes} bytes", "BODY_TOO_LARGE")
    return url


class ReliabilityServicer(reliability_pb2_grpc.ReliabilityServiceServicer):
    """The public API."""

    def __init__(
        self, settings: Settings, scorer: Scorer, cache: Cache, records: JobRecords
    ) -> None:
        self._settings = settings
        self._scorer = scorer
        self._cache = cache
        self._records = records
        self._waiter = JobWaiter(records)
        self._starting: dict[str, asyncio.Task[tuple[str, bool]]] = {}

    async def ScoreUrl(
        self, request: reliability_pb2.ScoreUrlRequest, context: grpc.aio.ServicerContext
    ) -> reliability_pb2.ScoreUrlResponse:
        url = validate_url(request.url)
        key = keys.report_key(MODEL_VERSION, canonical_url(url))
        record, cached = await self._score(JobInput(url, key), request.refresh, context)
        return reliability_pb2.ScoreUrlResponse(job=record.job, report=record.report, cached=cached)

    async def ScoreArticle(
        self, request: reliability_pb2.ScoreArticleRequest, context: grpc.aio.ServicerContext
    ) -> reliability_pb2.ScoreArticleResponse:
        url = _validate_article(request, self._settings.max_body_bytes)
        body = request.html or request.text
        key = keys.content_report_key(MODEL_VERSION, canonical_url(url), body)
        job = JobInput(url, key, html=request.html, text=request.text)
        record, cached = await self._score(job, False, context)
        return reliability_pb2.ScoreArticleResponse(
            job=record.job, report=record.report, cached=cached
        )

    async def GetSourceRating(
        self, request: reliability_pb2.GetSourceRatingRequest, context: grpc.aio.ServicerContext
    ) -> reliability_pb2.GetSourceRatingResponse:
        domain = request.domain.strip()
        if not domain:
            raise invalid_argument("domain", "must not be empty", "DOMAIN_EMPTY")
        if len(domain) > MAX_DOMAIN_LENGTH or any(c.isspace() for c in domain):
            raise invalid_argument("domain", "is not a domain name or URL", "DOMAIN_MALFORMED")
        rating = await asyncio.to_thread(self._scorer.source_rating, domain)
        return reliability_pb2.GetSourceRatingResponse(rating=rating)

    async def GetReport(
        self, request: reliability_pb2.GetReportRequest, context: grpc.aio.ServicerContext
    ) -> reliability_pb2.GetReportResponse:
        job_id = request.job_id.strip()
        if not job_id:
            raise invalid_argument("job_id", "must not be empty", "JOB_ID_EMPTY")
        if len(job_id) > MAX_JOB_ID_LENGTH or not job_id.isalnum():
            raise invalid_argument("job_id", "is not a job id", "JOB_ID_MALFORMED")
        record = await self._records.aget(job_id)
        if record is None:
            raise CredenceError(
                grpc.StatusCode.NOT_FOUND,
                "JOB_NOT_FOUND",
                f"no job {job_id!r}; it never existed or has expired",
                metadata={"job_id": job_id},
            )
        return record

    async def _score(
        self, job: JobInput, refresh: bool, context: grpc.aio.ServicerContext
    ) -> JobResult:
        if not refresh:
            raw = await self._cache.aget(job.cache_key)
            if raw is not None:
                metrics.CACHE_REQUESTS.labels("hit").inc()
                return _cached_record(raw), True
        metrics.CACHE_REQUESTS.labels("miss").inc()
        job_id, _ = await self._start_or_join(job)
        record = await self._waiter.wait(job_id, self._wait_budget(context))
        if record is None:
            raise CredenceError(grpc.StatusCode.INTERNAL, "JOB_LOST", "the job record disappeared")
        return record, False

    async def _start_or_join(self, job: JobInput) -> tuple[str, bool]:
        """One start per report key per process, the rest of the process joins it."""
        starting = self._starting.get(job.cache_key)
        if starting is None:
            starting = asyncio.create_task(asyncio.to_thread(start_or_join, job))
            self._starting[job.cache_key] = starting
            starting.add_done_callback(lambda _: self._starting.pop(job.cache_key, None))
        return await asyncio.shield(starting)

    def _wait_budget(self, context: grpc.aio.ServicerContext) -> float:
        remaining = context.time_remaining()
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
