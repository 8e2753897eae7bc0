"""The blocking client of ReliabilityService: deadlines on every call, retries with backoff
for UNAVAILABLE only, and waiting for a pending job by polling GetReport."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any, TypeVar

import grpc
from credence.v1 import reliability_pb2, reliability_pb2_grpc, report_pb2

from services.common.channels import sync_channel
from services.common.errors import CredenceError, from_rpc_error

R = TypeVar("R")

API_KEY_HEADER = "x-api-key"
_RETRIES = 3


class CredenceClient:
    """Calls a Credence stack at `address` ("host:port")."""

    def __init__(self, address: str, api_key: str = "", timeout_s: float = 30.0) -> None:
        self._channel = sync_channel(address)
        self._stub = reliability_pb2_grpc.ReliabilityServiceStub(self._channel)
        self._metadata = [(API_KEY_HEADER, api_key)] if api_key else []
        self._timeout_s = timeout_s

    def close(self) -> None:
        self._channel.close()

    def __enter__(self) -> CredenceClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def score_url(self, url: str, refresh: bool = False) -> reliability_pb2.ScoreUrlResponse:
        request = reliability_pb2.ScoreUrlRequest(url=url, refresh=refresh)
        return self._call(self._stub.ScoreUrl, request)

    def score_article(
        self, url: str, html: str = "", text: str = ""
    ) -> reliability_pb2.ScoreArticleResponse:
        request = reliability_pb2.ScoreArticleRequest(url=url, html=html, text=text)
        return self._call(self._stub.ScoreArticle, request)

    def get_report(self, job_id: str) -> reliability_pb2.GetReportResponse:
        return self._call(self._stub.GetReport, reliability_pb2.GetReportRequest(job_id=job_id))

    def get_source_rating(self, domain: str) -> report_pb2.SourceRating:
        request = reliability_pb2.GetSourceRatingRequest(domain=domain)
        return self._call(self._stub.GetSourceRating, request).rating

    def wait_report(self, job: reliability_pb2.Job, timeout_s: float) -> report_pb2.Report:
        """Polls GetReport until the job is done; raises its failure as a CredenceError."""
        give_up = time.monotonic() + timeout_s
        delay = 0.1
        while True:
            record = self.get_report(job.id) if job.id else None
            current = record.job if record else job
            if current.state == reliability_pb2.JOB_STATE_DONE and record is not None:
                return record.report
            if current.state == reliability_pb2.JOB_STATE_FAILED:
                raise CredenceError(
                    grpc.StatusCode.FAILED_PRECONDITION,
                    current.error_reason,
                    current.error_message,
                    metadata={"job_id": current.id, "stage": current.stage},
                )
            if time.monotonic() + delay > give_up:
                raise CredenceError(
                    grpc.StatusCode.DEADLINE_EXCEEDED,
                    "JOB_PENDING",
                    f"job {job.id} is still running; poll GetReport later",
                    metadata={"job_id": job.id},
                )
            time.sleep(delay)
            delay = min(delay * 2, 1.0)

    def _call(self, rpc: Callable[..., R], request: Any) -> R:
        for attempt in range(_RETRIES + 1):
            try:
                return rpc(request, timeout=self._timeout_s, metadata=self._metadata)
            except grpc.RpcError as error:
                failure = from_rpc_error(error)
                if failure.code != grpc.StatusCode.UNAVAILABLE or attempt == _RETRIES:
                    raise failure from None
                time.sleep(0.2 * (2**attempt) * random.uniform(0.5, 1.5))
        raise AssertionError("unreachable")
