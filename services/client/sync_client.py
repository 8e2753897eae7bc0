"""The blocking client of ReliabilityService: deadlines on every call, retries with
exponential backoff and jitter for UNAVAILABLE only, an API key on every call, TLS, waiting
for a pending job, and the WatchReport and ScoreBatch streams."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

import grpc
from credence.v1 import reliability_pb2, reliability_pb2_grpc, report_pb2

from services.client.base_client import BaseClient, job_outcome
from services.client.options import API_KEY_HEADER, Tls
from services.client.retry import RetryPolicy
from services.common.channels import sync_channel
from services.common.errors import CredenceError, from_rpc_error

R = TypeVar("R")

__all__ = ["API_KEY_HEADER", "CredenceClient", "Tls"]


def _streamed(stream: Any) -> Iterator[Any]:
    """The messages of a response stream; a failure as CredenceError; cancelled when left."""
    try:
        yield from stream
    except grpc.RpcError as error:
        raise from_rpc_error(error) from None
    finally:
        stream.cancel()


class CredenceClient(BaseClient):
    """Calls a Credence stack at `address` ("host:port"); plaintext unless `tls` is given."""

    def __init__(
        self,
        address: str,
        api_key: str = "",
        timeout_s: float = 30.0,
        tls: Tls | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        super().__init__(api_key, timeout_s, tls, retry)
        self._channel = sync_channel(address, self._credentials)
        self._stub = reliability_pb2_grpc.ReliabilityServiceStub(self._channel)

    def close(self) -> None:
        self._channel.close()

    def __enter__(self) -> CredenceClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def score_url(self, url: str, refresh: bool = False) -> reliability_pb2.ScoreUrlResponse:
        request = self._score_url_request(url, refresh)
        return self._call(self._stub.ScoreUrl, request)

    def score_article(
        self, url: str, html: str = "", text: str = ""
    ) -> reliability_pb2.ScoreArticleResponse:
        request = self._score_article_request(url, html, text)
        return self._call(self._stub.ScoreArticle, request)

    def get_report(self, job_id: str) -> reliability_pb2.GetReportResponse:
        return self._call(self._stub.GetReport, self._get_report_request(job_id))

    def get_source_rating(self, domain: str) -> report_pb2.SourceRating:
        request = self._source_rating_request(domain)
        return self._call(self._stub.GetSourceRating, request).rating

    def watch_report(
        self, job_id: str, timeout_s: float | None = None
    ) -> Iterator[reliability_pb2.WatchReportResponse]:
        """The job's progress, one message per change, the last one with the report."""
        request = self._watch_request(job_id)
        stream = self._stub.WatchReport(request, **self._options(timeout_s))
        yield from _streamed(stream)

    def score_batch(
        self, items: Iterable[reliability_pb2.ScoreBatchRequest], timeout_s: float | None = None
    ) -> Iterator[reliability_pb2.ScoreBatchResponse]:
        """Sends `items` (read lazily, as the server makes room) and yields each answer as it
        arrives, in any order; a failed item is an answer with error_reason set."""
        stream = self._stub.ScoreBatch(iter(items), **self._options(timeout_s))
        yield from _streamed(stream)

    def wait_report(self, job: reliability_pb2.Job, timeout_s: float) -> report_pb2.Report:
        """Polls GetReport until the job is done; raises its failure as a CredenceError."""
        give_up = time.monotonic() + timeout_s
        delay = 0.1
        while True:
            record = self.get_report(job.id) if job.id else None
            report = job_outcome(record or reliability_pb2.GetReportResponse(job=job))
            if report is not None:
                return report
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
        attempt = 0
        while True:
            attempt += 1
            try:
                return rpc(request, **self._options())
            except grpc.RpcError as error:
                failure = self._failure(error, attempt)
                if failure is not None:
                    raise failure from None
            time.sleep(self._backoff_s(attempt))
