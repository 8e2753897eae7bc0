"""Prometheus metrics shared by every process: gRPC server metrics with the usual names,
cache, pipeline and Celery metrics, and the build info. Each process exposes them on its own
port (`CREDENCE_METRICS_PORT`).

A Celery worker forks pool processes, so it runs prometheus_client's multiprocess mode:
start it with `PROMETHEUS_MULTIPROC_DIR` set to a folder of its own, and its main process
serves the sum of every pool process's metrics (see `services.pipeline.telemetry`). The
folder must exist before the first metric is made, so this module creates it on import."""

from __future__ import annotations

import logging
import os

_MULTIPROC_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")
if _MULTIPROC_DIR:
    os.makedirs(_MULTIPROC_DIR, exist_ok=True)

from prometheus_client import (  # noqa: E402  (after the multiprocess folder exists)
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    Info,
    start_http_server,
)

_LOGGER = logging.getLogger(__name__)

_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)

GRPC_STARTED = Counter(
    "grpc_server_started_total",
    "RPCs started on the server.",
    ["grpc_type", "grpc_service", "grpc_method"],
)
GRPC_HANDLED = Counter(
    "grpc_server_handled_total",
    "RPCs completed on the server, by status code.",
    ["grpc_type", "grpc_service", "grpc_method", "grpc_code"],
)
GRPC_HANDLING = Histogram(
    "grpc_server_handling_seconds",
    "Time to handle an RPC on the server.",
    ["grpc_type", "grpc_service", "grpc_method"],
    buckets=_LATENCY_BUCKETS,
)
GRPC_MSG_RECEIVED = Counter(
    "grpc_server_msg_received_total",
    "Messages received on the server (one per unary request, one per streamed message).",
    ["grpc_type", "grpc_service", "grpc_method"],
)
GRPC_MSG_SENT = Counter(
    "grpc_server_msg_sent_total",
    "Messages sent by the server (one per unary reply, one per streamed message).",
    ["grpc_type", "grpc_service", "grpc_method"],
)
CACHE_REQUESTS = Counter("credence_cache_requests_total", "Report cache look-ups.", ["result"])
CACHE_ERRORS = Counter(
    "credence_cache_errors_total", "Cache operations that failed (cache degraded)."
)
STAGE_SECONDS = Histogram(
    "credence_pipeline_stage_seconds",
    "Time spent in one pipeline stage.",
    ["stage"],
    buckets=_LATENCY_BUCKETS,
)
SINGLE_FLIGHT = Counter(
    "credence_single_flight_total",
    "ScoreUrl misses by whether they started the job or joined one already running.",
    ["role"],
)
JOBS = Counter("credence_jobs_total", "Pipeline jobs by outcome.", ["outcome"])
FETCH_ERRORS = Counter("credence_fetch_errors_total", "Fetch failures by reason.", ["reason"])
REPORT_SCORE = Histogram(
    "credence_report_score",
    "Distribution of report scores.",
    buckets=(10, 20, 30, 40, 50, 60, 70, 80, 90, 100),
)
INDEX_STORIES = Gauge(
    "credence_index_stories", "Stories in the wire index.", multiprocess_mode="livemax"
)
WIRE_SEARCHES = Counter(
    "credence_wire_searches_total",
    "On-demand wire searches by source and outcome (SEARCH_STATE_*).",
    ["source", "state"],
)
BUILD_INFO = Info("credence_build", "Build and model version.")

FRONT_DOOR_WAIT = Histogram(
    "credence_front_door_wait_seconds",
    "Time a front-door call waited for the job computing its report (single flight: every"
    " caller of one article waits on one job), by how the wait ended.",
    ["outcome"],
    buckets=_LATENCY_BUCKETS,
)
CELERY_TASKS = Counter(
    "credence_celery_tasks_total",
    "Celery tasks by name and event: sent, started, succeeded, failed, retried.",
    ["task", "state"],
)
CELERY_TASK_SECONDS = Histogram(
    "credence_celery_task_seconds",
    "Run time of a Celery task in a worker.",
    ["task"],
    buckets=_LATENCY_BUCKETS,
)
CELERY_QUEUE_WAIT = Histogram(
    "credence_celery_queue_wait_seconds",
    "Time a Celery task waited in the queue, from publish to start in a worker.",
    ["task"],
    buckets=_LATENCY_BUCKETS,
)


def start_metrics_server(port: int, registry: CollectorRegistry | None = None) -> None:
    """Serves /metrics on `port` (0 leaves it off), from `registry` or the default one."""
    if port:
        if registry is None:
            start_http_server(port)
        else:
            start_http_server(port, registry=registry)
        _LOGGER.info("metrics on :%d/metrics", port)
