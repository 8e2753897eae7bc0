"""The full path through real processes: gRPC front door, Redis, a Celery worker, and the
fetcher, matcher and scorer services, against a local news site."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import grpc
import pytest
from credence.v1 import reliability_pb2, reliability_pb2_grpc

from services.common.errors import from_rpc_error
from tests.conftest import Stack
from tests.support.pages import page_server
from tests.support.processes import wait_until

pytestmark = pytest.mark.timeout(180)


@pytest.fixture
def front(stack: Stack) -> reliability_pb2_grpc.ReliabilityServiceStub:
    channel = grpc.insecure_channel(stack.gateway_addr)
    yield reliability_pb2_grpc.ReliabilityServiceStub(channel)
    channel.close()


def test_score_url_computes_then_serves_from_cache(front, stack: Stack) -> None:
    with page_server() as (base, counts):
        url = f"{base}/news/council-budget"
        first = front.ScoreUrl(reliability_pb2.ScoreUrlRequest(url=url), timeout=60)
        assert first.job.state == reliability_pb2.JOB_STATE_DONE, stack.logs()
        assert not first.cached
        assert 0 <= first.report.score <= 100
        assert first.report.title.startswith("City council approves")
        assert first.report.model_version
        assert len(first.report.signals) >= 3

        second = front.ScoreUrl(reliability_pb2.ScoreUrlRequest(url=url), timeout=10)
        assert second.cached
        assert second.report == first.report
        assert counts["/news/council-budget"] == 1


def test_twenty_concurrent_callers_run_the_pipeline_once(front, stack: Stack) -> None:
    with page_server() as (base, counts):
        url = f"{base}/news/concurrent-story"

        def call(_: int) -> reliability_pb2.ScoreUrlResponse:
            return front.ScoreUrl(reliability_pb2.ScoreUrlRequest(url=url), timeout=60)

        with ThreadPoolExecutor(20) as pool:
            replies = list(pool.map(call, range(20)))
        assert all(r.job.state == reliability_pb2.JOB_STATE_DONE for r in replies), stack.logs()
        assert counts["/news/concurrent-story"] == 1
        assert len({r.report.SerializeToString() for r in replies}) == 1
        assert len({r.job.id for r in replies if r.job.id}) == 1


def test_short_deadline_returns_a_job_to_poll(front) -> None:
    with page_server() as (base, _):
        url = f"{base}/news/slow-caller"
        try:
            reply = front.ScoreUrl(reliability_pb2.ScoreUrlRequest(url=url), timeout=0.3)
        except grpc.RpcError as error:
            pytest.fail(f"expected a pending job, got {error.code()}")
        if reply.job.state != reliability_pb2.JOB_STATE_DONE:
            assert reply.job.id

            def finished() -> reliability_pb2.GetReportResponse | None:
                request = reliability_pb2.GetReportRequest(job_id=reply.job.id)
                record = front.GetReport(request, timeout=10)
                states = (reliability_pb2.JOB_STATE_DONE, reliability_pb2.JOB_STATE_FAILED)
                return record if record.job.state in states else None

            record = wait_until(finished, "the polled job to finish", 120, every_s=0.2)
            assert record.job.state == reliability_pb2.JOB_STATE_DONE
            assert 0 <= record.report.score <= 100


def test_score_article_scores_html_without_fetching(front) -> None:
    from tests.support.pages import ARTICLE_HTML

    reply = front.ScoreArticle(
        reliability_pb2.ScoreArticleRequest(
            url="https://gazette.invalid/news/budget", html=ARTICLE_HTML
        ),
        timeout=60,
    )
    assert reply.job.state == reliability_pb2.JOB_STATE_DONE
    assert reply.report.title.startswith("City council approves")


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("", "URL_EMPTY"),
        ("not a url", "URL_MALFORMED"),
        ("ftp://x.org/a", "URL_UNSUPPORTED_SCHEME"),
    ],
)
def test_bad_url_is_invalid_argument_naming_the_field(front, url: str, reason: str) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        front.ScoreUrl(reliability_pb2.ScoreUrlRequest(url=url), timeout=10)
    error = from_rpc_error(caught.value)
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT
    assert error.reason == reason
    assert error.field_violations[0][0] == "url"


def test_fetch_failure_fails_the_job_with_its_reason(front) -> None:
    with page_server() as (base, _):
        reply = front.ScoreUrl(
            reliability_pb2.ScoreUrlRequest(url=f"{base}/missing-page"), timeout=60
        )
    assert reply.job.state == reliability_pb2.JOB_STATE_FAILED
    assert reply.job.error_reason == "UPSTREAM_STATUS"
    assert reply.job.stage == "fetch"


def test_unknown_job_is_not_found(front) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        front.GetReport(reliability_pb2.GetReportRequest(job_id="abc123"), timeout=5)
    assert from_rpc_error(caught.value).reason == "JOB_NOT_FOUND"


def test_source_rating(front, data_dir) -> None:
    reply = front.GetSourceRating(
        reliability_pb2.GetSourceRatingRequest(domain="www.reuters.com"), timeout=10
    )
    assert reply.rating.domain == "reuters.com"
    assert reply.rating.known
    assert reply.rating.score >= 60


def test_cli_scores_through_a_running_stack(stack: Stack) -> None:
    import json
    import subprocess
    import sys

    with page_server() as (base, _):
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "services.cli",
                "--server",
                stack.gateway_addr,
                "score",
                f"{base}/news/cli-story",
                "--json",
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["title"].startswith("City council approves")
    assert 0 <= report["score"] <= 100
