"""The operations tests share one stack: every process with its /metrics, the edge with
its status page, tracing to a local OTLP collector, and traffic sent through it once
(scored articles, a cache hit, a failed fetch, wire stories of two sources)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import grpc
import httpx
import pytest
from credence.v1 import (
    evidence_pb2,
    matcher_pb2,
    matcher_pb2_grpc,
    reliability_pb2,
    reliability_pb2_grpc,
)

from tests.conftest import Stack, start_stack, stop_stack
from tests.support.otlp import SpanCollector, otlp_collector
from tests.support.pages import page_server
from tests.support.processes import wait_http_ok

TRACE_REQUEST_ID = "ops-trace-0123456789abcdef"
CONNECT = {"Content-Type": "application/json", "connect-protocol-version": "1"}


@dataclass
class OpsStack:
    """The running stack, its span collector and what the traffic left behind."""

    stack: Stack
    spans: SpanCollector
    job_ids: dict[str, str] = field(default_factory=dict)

    def scrape(self) -> dict[str, str]:
        """The /metrics text of every process, the edge's included."""
        urls = {**self.stack.metrics_urls, "edge": f"{self.stack.edge_url}/metrics"}
        return {name: httpx.get(url, timeout=5).text for name, url in urls.items()}


def _add_wire_stories(matcher_addr: str) -> None:
    now = datetime.now(UTC)
    stories = [
        ("rss", "Reuters", "City council approves new budget", now - timedelta(minutes=20)),
        ("rss", "AP", "Council budget vote draws crowd", now - timedelta(hours=1)),
        (
            "reuters21578",
            "Reuters",
            "Cocoa prices rise on crop fears",
            datetime(1987, 3, 2, tzinfo=UTC),
        ),
    ]
    request = matcher_pb2.AddStoriesRequest()
    for i, (source, outlet, title, when) in enumerate(stories):
        doc = request.stories.add(body=f"{title}. The story body number {i}.")
        doc.story.CopyFrom(
            evidence_pb2.WireStory(
                outlet=outlet, title=title, url=f"https://wire.test/{i}", source=source
            )
        )
        doc.story.published_at.FromDatetime(when)
    with grpc.insecure_channel(matcher_addr) as channel:
        matcher_pb2_grpc.MatcherServiceStub(channel).AddStories(request, timeout=30)


def _send_traffic(ops: OpsStack) -> None:
    stack = ops.stack
    _add_wire_stories(stack.env["CREDENCE_MATCHER_ADDR"])
    with page_server() as (base, _), grpc.insecure_channel(stack.gateway_addr) as channel:
        front = reliability_pb2_grpc.ReliabilityServiceStub(channel)
        # Through the edge, with a request id to follow through every log.
        reply = httpx.post(
            f"{stack.edge_url}/credence.v1.ReliabilityService/ScoreUrl",
            json={"url": f"{base}/news/traced-story"},
            headers={**CONNECT, "x-request-id": TRACE_REQUEST_ID, "connect-timeout-ms": "60000"},
            timeout=70,
        )
        assert reply.status_code == 200, reply.text
        ops.job_ids["traced"] = reply.json()["job"]["id"]
        # Over gRPC: two more articles, one of them twice (a cache hit).
        for path in ("/news/council-budget", "/news/council-budget", "/news/second-story"):
            answer = front.ScoreUrl(reliability_pb2.ScoreUrlRequest(url=base + path), timeout=60)
            assert answer.job.state == reliability_pb2.JOB_STATE_DONE, stack.logs()
        # A page that does not exist: a failed job with a fetch error reason.
        failed = front.ScoreUrl(reliability_pb2.ScoreUrlRequest(url=f"{base}/missing"), timeout=60)
        assert failed.job.state == reliability_pb2.JOB_STATE_FAILED, stack.logs()
        # A server stream, for the streaming gRPC metrics.
        watch = front.WatchReport(
            reliability_pb2.WatchReportRequest(job_id=ops.job_ids["traced"]), timeout=10
        )
        assert list(watch)


@pytest.fixture(scope="package")
def ops_stack(
    redis_port: int, tmp_path_factory: pytest.TempPathFactory, data_dir: Path
) -> Iterator[OpsStack]:
    """The stack with metrics, the edge and tracing on, after its traffic."""
    import redis

    redis.Redis(port=redis_port).flushall()
    with otlp_collector() as (endpoint, collector):
        stack = start_stack(
            redis_port,
            tmp_path_factory.mktemp("ops-stack"),
            edge=True,
            metrics=True,
            extra_env={"CREDENCE_OTEL_ENDPOINT": endpoint, "CREDENCE_OTEL_EXPORT_DELAY_MS": "200"},
        )
        ops = OpsStack(stack, collector)
        try:
            _wait_workers_up(stack)
            _send_traffic(ops)
            yield ops
        finally:
            stop_stack(stack)


def _wait_workers_up(stack: Stack, timeout_s: float = 60) -> None:
    """Until the worker's /metrics answers (it starts after the gRPC services)."""
    try:
        wait_http_ok(stack.metrics_urls["worker0"], timeout_s)
    except TimeoutError:
        raise AssertionError(f"worker metrics never answered:\n{stack.logs()}") from None
