"""Celery instrumentation, connected through Celery's signals (`connect_signals`, called by
the app module) so the tasks stay free of it:
tasks sent, started, succeeded, failed, retried and ignored, their run time and queue wait;
the worker's /metrics endpoint; its heartbeat in Redis; and the capped list of the latest
reports the status page shows.

A prefork worker runs its tasks in pool processes, so its metrics use prometheus_client's
multiprocess mode: start the worker with `PROMETHEUS_MULTIPROC_DIR` set to an own folder
(`make run` and docker-compose do) and `CREDENCE_METRICS_PORT` set; the main process then
serves the sum over all pool processes. Without that variable only the main process's own
metrics are served, which is right only for `--pool=solo` or `--pool=threads`.
"""

from __future__ import annotations

import contextlib
import glob
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import redis
from celery.signals import (
    before_task_publish,
    task_failure,
    task_postrun,
    task_prerun,
    task_retry,
    task_success,
    worker_process_init,
    worker_process_shutdown,
    worker_ready,
    worker_shutdown,
)
from celery.utils.dispatch import Signal
from prometheus_client import CollectorRegistry, multiprocess

from services.common import metrics
from services.common.config import get_settings
from services.common.tracing import setup_tracing
from services.pipeline import ops_state, runtime
from services.pipeline.payload import decode
from services.pipeline.queue import SCORE_TASK
from services.scorer.weights import MODEL_VERSION

_LOGGER = logging.getLogger(__name__)

SENT_AT_HEADER = "credence_sent_at"
"""Message header with the publish time (Unix seconds), for the queue-wait histogram."""

_started: dict[str, float] = {}
_heartbeat_stop = threading.Event()
_worker_name = ""


def _task_name(sender: Any) -> str:
    return str(getattr(sender, "name", sender) or "unknown")


def _on_sent(sender: Any = None, headers: dict[str, Any] | None = None, **_: Any) -> None:
    if headers is not None:
        headers[SENT_AT_HEADER] = time.time()
    metrics.CELERY_TASKS.labels(str(sender or "unknown"), "sent").inc()


def _on_prerun(task_id: str = "", task: Any = None, **_: Any) -> None:
    name = _task_name(task)
    metrics.CELERY_TASKS.labels(name, "started").inc()
    _started[task_id] = time.perf_counter()
    request = getattr(task, "request", None)
    sent_at = getattr(request, SENT_AT_HEADER, None)
    if sent_at is None:
        sent_at = (getattr(request, "headers", None) or {}).get(SENT_AT_HEADER)
    if isinstance(sent_at, int | float) and not getattr(request, "is_eager", False):
        metrics.CELERY_QUEUE_WAIT.labels(name).observe(max(0.0, time.time() - sent_at))


def _on_postrun(task_id: str = "", task: Any = None, state: str | None = None, **_: Any) -> None:
    start = _started.pop(task_id, None)
    name = _task_name(task)
    if start is not None:
        metrics.CELERY_TASK_SECONDS.labels(name).observe(time.perf_counter() - start)
    if state == "IGNORED":
        # The task ended its job on purpose (bad input, deadline) or skipped a redelivery.
        metrics.CELERY_TASKS.labels(name, "ignored").inc()


def _on_success(sender: Any = None, result: Any = None, **_: Any) -> None:
    name = _task_name(sender)
    metrics.CELERY_TASKS.labels(name, "succeeded").inc()
    if name == SCORE_TASK and isinstance(result, str):
        job_id = decode(result).job_id
        if job_id:
            _record_report(job_id)


def _on_failure(sender: Any = None, **_: Any) -> None:
    metrics.CELERY_TASKS.labels(_task_name(sender), "failed").inc()


def _on_retry(sender: Any = None, **_: Any) -> None:
    metrics.CELERY_TASKS.labels(_task_name(sender), "retried").inc()


def _record_report(job_id: str) -> None:
    """Adds the finished job's report to the status page's latest reports."""
    settings = get_settings()
    if settings.embedded:
        return
    try:
        record = runtime.job_records().get(job_id)
    except Exception as error:  # the job is done; its summary is only nice to have
        _LOGGER.warning("could not read job %s for the latest reports: %s", job_id, error)
        return
    if record is None or not record.report.model_version:
        return
    ops_state.push_report(_state_client(), ops_state.ReportSummary.of(job_id, record.report))


_client: redis.Redis | None = None


def _state_client() -> redis.Redis:
    global _client  # noqa: PLW0603  (one client per process, made on first use)
    if _client is None:
        _client = ops_state.connect(get_settings().state_url)
    return _client


# -- the worker process ------------------------------------------------------------------


def _clean_multiproc_dir(path: str) -> None:
    """Removes the metric files of processes that no longer run (a previous worker's)."""
    for file in glob.glob(os.path.join(path, "*.db")):
        pid = file.rsplit("_", 1)[-1].removesuffix(".db")
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            with contextlib.suppress(OSError):
                os.remove(file)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def worker_registry() -> CollectorRegistry | None:
    """The registry the worker serves: every pool process's metrics summed (multiprocess
    mode), plus the build info; None without PROMETHEUS_MULTIPROC_DIR (the default one)."""
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")
    if not path:
        return None
    _clean_multiproc_dir(path)
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=path)
    registry.register(metrics.BUILD_INFO)
    return registry


def _on_worker_ready(sender: Any = None, **_: Any) -> None:
    global _worker_name  # noqa: PLW0603  (the worker's name, for its shutdown)
    settings = get_settings()
    metrics.BUILD_INFO.info({"service": "worker", "model_version": MODEL_VERSION})
    if settings.metrics_port:
        registry = worker_registry()
        if registry is None:
            _LOGGER.warning(
                "PROMETHEUS_MULTIPROC_DIR is not set: /metrics shows only the worker's main"
                " process, not its pool processes"
            )
        metrics.start_metrics_server(settings.metrics_port, registry)
    if settings.embedded:
        return
    _worker_name = str(getattr(sender, "hostname", "") or socket.gethostname())
    _heartbeat_stop.clear()
    threading.Thread(
        target=_heartbeat, args=(_worker_name, settings.state_url), daemon=True, name="heartbeat"
    ).start()


def _heartbeat(hostname: str, state_url: str) -> None:
    client = ops_state.connect(state_url)
    info = {"pid": os.getpid()}
    while not _heartbeat_stop.is_set():
        try:
            ops_state.beat(client, hostname, info)
        except (redis.RedisError, OSError) as error:
            _LOGGER.warning("worker heartbeat failed: %s", error)
        _heartbeat_stop.wait(ops_state.HEARTBEAT_INTERVAL_S)


def _on_worker_shutdown(**_: Any) -> None:
    _heartbeat_stop.set()
    if _worker_name and not get_settings().embedded:
        with contextlib.suppress(redis.RedisError, OSError):
            ops_state.forget(ops_state.connect(get_settings().state_url), _worker_name)


def _on_pool_process_init(**_: Any) -> None:
    _started.clear()
    setup_tracing("worker", celery=True)


def _on_pool_process_shutdown(pid: int | None = None, **_: Any) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(pid or os.getpid())


_HANDLERS: tuple[tuple[Signal, Callable[..., None]], ...] = (
    (before_task_publish, _on_sent),
    (task_prerun, _on_prerun),
    (task_postrun, _on_postrun),
    (task_success, _on_success),
    (task_failure, _on_failure),
    (task_retry, _on_retry),
    (worker_ready, _on_worker_ready),
    (worker_shutdown, _on_worker_shutdown),
    (worker_process_init, _on_pool_process_init),
    (worker_process_shutdown, _on_pool_process_shutdown),
)


def connect_signals() -> None:
    """Connects the handlers above to Celery's signals; connecting twice changes nothing."""
    for signal, handler in _HANDLERS:
        signal.connect(handler, weak=False)
