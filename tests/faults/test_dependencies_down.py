"""Stages that cannot be reached: a stopped matcher degrades the report (corroboration
unavailable, lower confidence); a stopped fetcher fails the job with FETCHER_UNAVAILABLE;
an upstream that drips bytes fails the job with FETCH_TIMEOUT within the caller's deadline."""

from __future__ import annotations

from collections.abc import Iterator

import grpc
import pytest
from credence.v1 import reliability_pb2, reliability_pb2_grpc, report_pb2

from services.wire_replay import WireReplay
from tests.conftest import Stack
from tests.faults.conftest import RedisServer, finished, start_fault_stack, stop_fault_stack
from tests.faults.upstream import upstream
from tests.support.pages import ARTICLE_HTML

pytestmark = [pytest.mark.faults, pytest.mark.timeout(300)]

_ENV = {"CREDENCE_FETCH_TIMEOUT_S": "2", "CREDENCE_JOB_TIMEOUT_S": "6"}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, wire_replay: WireReplay) -> Iterator[Stack]:
    broker = RedisServer().start()
    # The healthy matcher searches wire coverage (the replay) and finds none for the article:
    # its claims are "not reported", so corroboration is available.
    env = {**_ENV, "CREDENCE_WIRE_SEARCH": "true", "CREDENCE_GDELT_URL": wire_replay.gdelt_url}
    running = start_fault_stack(tmp_path_factory.mktemp("deps"), broker, env=env)
    yield running
    stop_fault_stack(running)
    broker.stop()


@pytest.fixture
def front(stack: Stack) -> Iterator[reliability_pb2_grpc.ReliabilityServiceStub]:
    with grpc.insecure_channel(stack.gateway_addr) as channel:
        yield reliability_pb2_grpc.ReliabilityServiceStub(channel)


def _corroboration(report: report_pb2.Report) -> report_pb2.Signal:
    return next(s for s in report.signals if s.kind == report_pb2.SIGNAL_KIND_CORROBORATION)


def test_dripping_upstream_fails_with_fetch_timeout_within_deadline(front, stack) -> None:
    with upstream() as (base, _):
        reply = front.ScoreUrl(
            reliability_pb2.ScoreUrlRequest(url=f"{base}/drip/endless"), timeout=60
        )
        record = finished(front, reply.job)
    assert record.job.state == reliability_pb2.JOB_STATE_FAILED, stack.logs()
    assert record.job.error_reason == "FETCH_TIMEOUT"
    assert record.job.stage == "fetch"


def test_stopped_matcher_degrades_the_report(front, stack: Stack) -> None:
    def score(url: str) -> reliability_pb2.GetReportResponse:
        request = reliability_pb2.ScoreArticleRequest(url=url, html=ARTICLE_HTML)
        return finished(front, front.ScoreArticle(request, timeout=60).job)

    healthy = score("https://gazette.invalid/news/matcher-up")
    assert healthy.job.state == reliability_pb2.JOB_STATE_DONE, stack.logs()
    assert _corroboration(healthy.report).available, healthy.report

    stack.processes["matcher"].stop()
    degraded = score("https://gazette.invalid/news/matcher-down")
    assert degraded.job.state == reliability_pb2.JOB_STATE_DONE, stack.logs()
    signal = _corroboration(degraded.report)
    assert not signal.available
    assert any("matcher unavailable" in reason for reason in signal.reasons)
    assert degraded.report.confidence < healthy.report.confidence
    assert degraded.report.title == healthy.report.title


def test_stopped_fetcher_fails_the_job_clearly(front, stack: Stack) -> None:
    stack.processes["fetcher"].stop()
    with upstream() as (base, _):
        reply = front.ScoreUrl(
            reliability_pb2.ScoreUrlRequest(url=f"{base}/news/fetcher-down"), timeout=60
        )
        record = finished(front, reply.job)
    assert record.job.state == reliability_pb2.JOB_STATE_FAILED, stack.logs()
    assert record.job.error_reason == "FETCHER_UNAVAILABLE"
    assert "fetcher is unavailable" in record.job.error_message
