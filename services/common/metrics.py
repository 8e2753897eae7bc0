"""Prometheus metrics shared by every process: gRPC server metrics with the usual names,
cache and pipeline metrics, and the build info. Each process exposes them on its own port."""

from __future__ import annotations

import logging

from prometheus_client import Counter, Gauge, Histogram, Info, start_http_server

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
INDEX_STORIES = Gauge("credence_index_stories", "Stories in the wire index.")
BUILD_INFO = Info("credence_build", "Build and model version.")


def start_metrics_server(port: int) -> None:
    """Serves /metrics on `port` (0 leaves it off)."""
    if port:
        start_http_server(port)
        _LOGGER.info("metrics on :%d/metrics", port)
