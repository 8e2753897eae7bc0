"""The asyncio client of ReliabilityService, for partners on asyncio: the same deadlines,
retries (UNAVAILABLE only, exponential backoff with jitter), API key and TLS as the blocking
client, with async iterators for WatchReport and ScoreBatch."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable
from typing import Any, TypeVar

import grpc
from credence.v1 import reliability_pb2, reliability_pb2_grpc, report_pb2

from services.client.base_client import BaseClient, job_outcome
from services.client.options import Tls
from services.client.retry import RetryPolicy
from services.common.channels import async_channel
from services.common.errors import CredenceError, from_rpc_error

R = TypeVar("R")

BatchItems = (
    Iterable[reliability_pb2.ScoreBatchRequest] | AsyncIterable[reliability_pb2.ScoreBatchRequest]
)


async def _streamed(call: Any) -> AsyncIterator[Any]:
    """The messages of a response stream; a failure as CredenceError; cancelled when left."""
    try:
        async for message in call:
            yield message
    except grpc.RpcError as error:
        raise from_rpc_error(error) from None
    finally:
        call.cancel()


class AsyncCredenceClient(BaseClient):
    """Calls a Credence stack at `address`; use `async with`, inside a running loop."""

    def __init__(
        self,
        address: str,
        api_key: str = "",
        timeout_s: float = 30.0,
        tls: Tls | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        super().__init__(api_key, timeout_s, tls, retry)
        self._channel = async_channel(address, self._credentials)
        self._stub = reliability_pb2_grpc.ReliabilityServiceStub(self._channel)

    async def close(self) -> None:
        await self._channel.close()

    async def __aenter__(self) -> AsyncCredenceClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    async def score_url(self, url: str, refresh: bool = False) -> reliability_pb2.ScoreUrlResponse:
        request = self._score_url_request(url, refresh)
        return await self._call(self._stub.ScoreUrl, request)

    async def score_article(
        self, url: str, html: str = "", text: str = ""
    ) -> reliability_pb2.ScoreArticleResponse:
        request = self._score_article_request(url, html, text)
        return await self._call(self._stub.ScoreArticle, request)

    async def get_report(self, job_id: str) -> reliability_pb2.GetReportResponse:
        request = self._get_report_request(job_id)
        return await self._call(self._stub.GetReport, request)

    async def get_source_rating(self, domain: str) -> report_pb2.SourceRating:
        request = self._source_rating_request(domain)
        return (await self._call(self._stub.GetSourceRating, request)).rating

    async def watch_report(
        self, job_id: str, timeout_s: float | None = None
    ) -> AsyncIterator[reliability_pb2.WatchReportResponse]:
        """The job's progress, one message per change, the last one with the report."""
        call = self._stub.WatchReport(
            self._watch_request(job_id),
            **self._options(timeout_s),
        )
        async for update in _streamed(call):
            yield update

    async def wait_report(self, job_id: str, timeout_s: float) -> report_pb2.Report:
        """Follows the job with WatchReport until it finishes; raises its failure."""
        async for update in self.watch_report(job_id, timeout_s):
            report = job_outcome(update)
            if report is not None:
                return report
        raise CredenceError(
            grpc.StatusCode.DEADLINE_EXCEEDED, "JOB_PENDING", f"job {job_id} did not finish"
        )

    async def score_batch(
        self, items: BatchItems, timeout_s: float | None = None
    ) -> AsyncIterator[reliability_pb2.ScoreBatchResponse]:
        """Sends `items` (taken lazily, as the server makes room) and yields each answer as
        it arrives, in any order; a failed item is an answer with error_reason set."""
        call = self._stub.ScoreBatch(_as_async(items), **self._options(timeout_s))
        async for answer in _streamed(call):
            yield answer

    async def _call(self, rpc: Callable[..., Awaitable[R]], request: Any) -> R:
        attempt = 0
        while True:
            attempt += 1
            try:
                return await rpc(request, **self._options())
            except grpc.RpcError as error:
                failure = self._failure(error, attempt)
                if failure is not None:
                    raise failure from None
            await asyncio.sleep(self._backoff_s(attempt))


async def _as_async(
    items: BatchItems,
) -> AsyncIterator[reliability_pb2.ScoreBatchRequest]:
    if isinstance(items, AsyncIterable):
        async for item in items:
            yield item
    else:
        for item in items:
            yield item
