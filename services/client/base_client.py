"""What the blocking and the asyncio client share (as httpx's clients share `BaseClient`):
the options of every call, the requests they send, when a failure is retried and how a
finished job's record becomes its report. The two clients only add the I/O."""

from __future__ import annotations

from typing import Any

import grpc
from credence.v1 import reliability_pb2, report_pb2

from services.client.options import Tls, metadata
from services.client.retry import RetryPolicy
from services.common.errors import CredenceError, from_rpc_error


def job_outcome(
    record: reliability_pb2.GetReportResponse | reliability_pb2.WatchReportResponse,
) -> report_pb2.Report | None:
    """The report of a finished job; raises its failure; None while it runs."""
    if record.job.state == reliability_pb2.JOB_STATE_DONE:
        return record.report
    if record.job.state == reliability_pb2.JOB_STATE_FAILED:
        raise CredenceError(
            grpc.StatusCode.FAILED_PRECONDITION,
            record.job.error_reason or "JOB_FAILED",
            record.job.error_message or "the job failed",
            metadata={"job_id": record.job.id, "stage": record.job.stage},
        )
    return None


class BaseClient:
    """The settings of a client and the requests it builds; subclasses open the channel."""

    def __init__(
        self,
        api_key: str = "",
        timeout_s: float = 30.0,
        tls: Tls | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        self._credentials = tls.credentials() if tls is not None else None
        self._metadata = metadata(api_key)
        self._timeout_s = timeout_s
        self._retry = retry or RetryPolicy()

    def _options(self, timeout_s: float | None = None) -> dict[str, Any]:
        """The keyword arguments of every call: its deadline and metadata."""
        return {"timeout": timeout_s or self._timeout_s, "metadata": self._metadata}

    def _failure(self, error: grpc.RpcError, attempt: int) -> CredenceError | None:
        """The failure to raise for `error` after `attempt` tries; None to try again."""
        failure = from_rpc_error(error)
        return None if self._retry.should_retry(failure, attempt) else failure

    def _backoff_s(self, attempt: int) -> float:
        return self._retry.backoff(attempt - 1)

    @staticmethod
    def _score_url_request(url: str, refresh: bool) -> reliability_pb2.ScoreUrlRequest:
        return reliability_pb2.ScoreUrlRequest(url=url, refresh=refresh)

    @staticmethod
    def _score_article_request(
        url: str, html: str, text: str
    ) -> reliability_pb2.ScoreArticleRequest:
        return reliability_pb2.ScoreArticleRequest(url=url, html=html, text=text)

    @staticmethod
    def _get_report_request(job_id: str) -> reliability_pb2.GetReportRequest:
        return reliability_pb2.GetReportRequest(job_id=job_id)

    @staticmethod
    def _source_rating_request(domain: str) -> reliability_pb2.GetSourceRatingRequest:
        return reliability_pb2.GetSourceRatingRequest(domain=domain)

    @staticmethod
    def _watch_request(job_id: str) -> reliability_pb2.WatchReportRequest:
        return reliability_pb2.WatchReportRequest(job_id=job_id)
