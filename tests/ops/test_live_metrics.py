"""Every process of a live stack exports the metrics operators need, with the usual
names and labels, after real traffic: gRPC server metrics (unary and streaming), pipeline
stages, cache, single flight, Celery tasks from the prefork worker's pool processes, the
queue, workers, fetch errors, index freshness per source and the build info."""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.ops.conftest import OpsStack

pytestmark = [pytest.mark.timeout(300), pytest.mark.slow]


def samples(text: str) -> list[tuple[str, dict[str, str], float]]:
    return [
        (s.name, dict(s.labels), s.value)
        for family in text_string_to_metric_families(text)
        for s in family.samples
    ]


def total(text: str, name: str, **labels: str) -> float:
    return sum(
        v
        for n, got, v in samples(text)
        if n == name and all(got.get(k) == x for k, x in labels.items())
    )


def test_every_process_exports_its_build_info(ops_stack: OpsStack) -> None:
    pages = ops_stack.scrape()
    assert set(pages) == {"fetcher", "matcher", "scorer", "gateway", "worker0", "edge"}
    for name, text in pages.items():
        services = {got.get("service") for n, got, _ in samples(text) if n == "credence_build_info"}
        assert services == {name.rstrip("0")}, name


def test_grpc_server_metrics_count_unary_and_streaming_calls(ops_stack: OpsStack) -> None:
    pages = ops_stack.scrape()
    gateway, scorer = pages["gateway"], pages["scorer"]
    fetcher, matcher = pages["fetcher"], pages["matcher"]
    front = {"grpc_service": "credence.v1.ReliabilityService"}
    assert (
        total(
            gateway, "grpc_server_started_total", grpc_method="ScoreUrl", grpc_type="unary", **front
        )
        >= 4
    )
    assert (
        total(gateway, "grpc_server_handled_total", grpc_method="ScoreUrl", grpc_code="OK", **front)
        >= 4
    )
    assert (
        total(gateway, "grpc_server_handling_seconds_count", grpc_method="ScoreUrl", **front) >= 4
    )
    watch = {"grpc_method": "WatchReport", "grpc_type": "server_stream", **front}
    assert total(gateway, "grpc_server_handled_total", grpc_code="OK", **watch) >= 1
    assert total(gateway, "grpc_server_msg_sent_total", **watch) >= 1
    assert (
        total(
            fetcher,
            "grpc_server_handled_total",
            grpc_service="credence.v1.FetcherService",
            grpc_method="Fetch",
        )
        >= 3
    )
    assert total(fetcher, "grpc_server_handled_total", grpc_method="Fetch", grpc_code="OK") >= 2
    assert total(matcher, "grpc_server_handled_total", grpc_method="Match", grpc_code="OK") >= 2
    assert (
        total(
            scorer,
            "grpc_server_handled_total",
            grpc_service="credence.v1.ScoringService",
            grpc_code="OK",
        )
        >= 3
    )
    # Health checks are not counted as API calls.
    for page in (gateway, scorer):
        assert total(page, "grpc_server_started_total", grpc_service="grpc.health.v1.Health") == 0


def test_front_door_counts_cache_single_flight_and_waits(ops_stack: OpsStack) -> None:
    gateway = ops_stack.scrape()["gateway"]
    assert total(gateway, "credence_cache_requests_total", result="hit") >= 1
    assert total(gateway, "credence_cache_requests_total", result="miss") >= 4
    assert total(gateway, "credence_single_flight_total", role="started") >= 4
    assert total(gateway, "credence_front_door_wait_seconds_count", outcome="done") >= 3
    assert total(gateway, "credence_front_door_wait_seconds_count", outcome="failed") >= 1


def test_worker_serves_the_pool_processes_celery_and_pipeline_metrics(ops_stack: OpsStack) -> None:
    worker = ops_stack.scrape()["worker0"]
    for task in ("credence.fetch", "credence.match", "credence.score"):
        assert total(worker, "credence_celery_tasks_total", task=task, state="started") >= 3, task
        assert total(worker, "credence_celery_task_seconds_count", task=task) >= 3, task
        assert total(worker, "credence_celery_queue_wait_seconds_count", task=task) >= 3, task
    # The chain's later tasks are sent from the pool processes.
    assert total(worker, "credence_celery_tasks_total", task="credence.match", state="sent") >= 3
    assert (
        total(worker, "credence_celery_tasks_total", task="credence.score", state="succeeded") >= 3
    )
    assert total(worker, "credence_celery_tasks_total", task="credence.fetch", state="ignored") >= 1
    for stage in ("fetch", "match", "score"):
        assert total(worker, "credence_pipeline_stage_seconds_count", stage=stage) >= 3, stage
    assert total(worker, "credence_jobs_total", outcome="done") >= 3
    assert total(worker, "credence_jobs_total", outcome="failed") >= 1
    assert total(worker, "credence_report_score_count") >= 3
    reasons = {
        got["reason"] for n, got, v in samples(worker) if n == "credence_fetch_errors_total" and v
    }
    assert reasons and all(r.isupper() for r in reasons), reasons
    # The front door publishes the first task of each chain.
    gateway = ops_stack.scrape()["gateway"]
    assert total(gateway, "credence_celery_tasks_total", task="credence.fetch", state="sent") >= 4


def test_gateway_reports_queue_length_and_live_workers(ops_stack: OpsStack) -> None:
    gateway = ops_stack.scrape()["gateway"]
    assert total(gateway, "credence_celery_workers_up") == 1
    assert [got for n, got, _ in samples(gateway) if n == "credence_celery_queue_length"] == [
        {"queue": "credence"}
    ]
    assert total(gateway, "credence_pipeline_redis_up") == 1


def test_matcher_reports_index_size_and_freshness_per_source(ops_stack: OpsStack) -> None:
    matcher = ops_stack.scrape()["matcher"]
    assert total(matcher, "credence_index_stories") == 3
    assert total(matcher, "credence_index_source_stories", source="rss") == 2
    assert total(matcher, "credence_index_source_stories", source="reuters21578") == 1
    rss_age = total(matcher, "credence_index_source_age_seconds", source="rss")
    assert 60 <= rss_age < 3 * 3600
    assert (
        total(matcher, "credence_index_source_age_seconds", source="reuters21578")
        > 30 * 365 * 86400
    )
    assert total(matcher, "credence_index_size_bytes") > 0


def test_edge_counts_its_http_requests(ops_stack: OpsStack) -> None:
    edge = ops_stack.scrape()["edge"]
    route = "/credence.v1.ReliabilityService/ScoreUrl"
    assert total(edge, "credence_http_requests_total", route=route, method="POST", code="200") >= 1
    assert total(edge, "credence_http_request_seconds_count", route=route) >= 1
