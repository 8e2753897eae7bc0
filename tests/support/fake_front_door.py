"""A stand-in ReliabilityService for the extension tests: it answers with fixture reports, so
the popup can be checked on a report that holds coverage (first with the search still
running, then complete) without running the pipeline."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent import futures
from contextlib import contextmanager
from dataclasses import dataclass, field

import grpc
from credence.v1 import reliability_pb2, reliability_pb2_grpc, report_pb2
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

JOB_ID = "fixture-job-1"


@dataclass
class FixtureReports:
    """The report before its coverage search finished, and after; GetReport answers the
    first `pending_polls` times with the former."""

    pending: report_pb2.Report
    final: report_pb2.Report
    pending_polls: int = 2
    sources: dict[str, report_pb2.SourceRating] = field(default_factory=dict)
    polls: int = 0


class _Reliability(reliability_pb2_grpc.ReliabilityServiceServicer):
    def __init__(self, reports: FixtureReports) -> None:
        self._reports = reports

    def ScoreArticle(
        self, request: reliability_pb2.ScoreArticleRequest, context: grpc.ServicerContext
    ) -> reliability_pb2.ScoreArticleResponse:
        job = reliability_pb2.Job(id=JOB_ID, state=reliability_pb2.JOB_STATE_RUNNING, stage="match")
        return reliability_pb2.ScoreArticleResponse(job=job)

    def GetReport(
        self, request: reliability_pb2.GetReportRequest, context: grpc.ServicerContext
    ) -> reliability_pb2.GetReportResponse:
        self._reports.polls += 1
        pending = self._reports.polls <= self._reports.pending_polls
        job = reliability_pb2.Job(id=request.job_id, state=reliability_pb2.JOB_STATE_DONE)
        report = self._reports.pending if pending else self._reports.final
        return reliability_pb2.GetReportResponse(job=job, report=report)

    def GetSourceRating(
        self, request: reliability_pb2.GetSourceRatingRequest, context: grpc.ServicerContext
    ) -> reliability_pb2.GetSourceRatingResponse:
        domain = request.domain.removeprefix("www.")
        rating = self._reports.sources.get(domain, report_pb2.SourceRating(domain=domain))
        return reliability_pb2.GetSourceRatingResponse(rating=rating)


@contextmanager
def fake_front_door(address: str, reports: FixtureReports) -> Iterator[None]:
    """Serves the fixture ReliabilityService (and a SERVING health check) on `address`."""
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    reliability_pb2_grpc.add_ReliabilityServiceServicer_to_server(_Reliability(reports), server)
    checker = health.HealthServicer()
    checker.set("", health_pb2.HealthCheckResponse.SERVING)
    health_pb2_grpc.add_HealthServicer_to_server(checker, server)
    server.add_insecure_port(address)
    server.start()
    try:
        yield
    finally:
        server.stop(grace=None)
