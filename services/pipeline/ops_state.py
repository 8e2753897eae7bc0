"""What operators see of the pipeline that lives in Redis rather than in one process's
metrics: the last reports computed (a capped list) and the Celery workers alive (heartbeat
keys that expire). The worker writes both (`services.pipeline.telemetry`); the scorer's
metrics and the edge's status page read them."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict, dataclass
from typing import Any

import redis
from credence.v1 import report_pb2

from services.common import redis_clients

_LOGGER = logging.getLogger(__name__)

RECENT_REPORTS_KEY = "credence:ops:recent_reports"
RECENT_REPORTS_MAX = 50
WORKER_KEY_PREFIX = "credence:ops:worker:"
HEARTBEAT_INTERVAL_S = 5.0
HEARTBEAT_TTL_S = 20
"""A worker whose heartbeat is older than this is counted down."""

_REDIS_ERRORS = (redis.RedisError, OSError)


def connect(url: str, timeout_s: float = 1.0) -> redis.Redis:
    """A Redis client with short timeouts: operations data must never stall real work."""
    return redis_clients.sync_client(url, timeout_s)


@dataclass(frozen=True)
class ReportSummary:
    """One line of the status page's latest reports."""

    job_id: str
    url: str
    title: str
    domain: str
    score: float
    label: str
    confidence: float
    model_version: str
    finished_at: float
    """Unix time the job finished."""

    @classmethod
    def of(cls, job_id: str, report: report_pb2.Report) -> ReportSummary:
        return cls(
            job_id=job_id,
            url=report.url,
            title=report.title[:200],
            domain=report.domain,
            score=round(report.score, 1),
            label=report_pb2.Label.Name(report.label),
            confidence=round(report.confidence, 3),
            model_version=report.model_version,
            finished_at=time.time(),
        )


def push_report(client: redis.Redis, summary: ReportSummary) -> None:
    """Adds a report summary to the capped list, newest first; a Redis failure is logged."""
    try:
        pipe = client.pipeline()
        pipe.lpush(RECENT_REPORTS_KEY, json.dumps(asdict(summary)))
        pipe.ltrim(RECENT_REPORTS_KEY, 0, RECENT_REPORTS_MAX - 1)
        pipe.execute()
    except _REDIS_ERRORS as error:
        _LOGGER.warning("could not record the report summary: %s", error)


def recent_reports(client: redis.Redis, limit: int = 10) -> list[dict[str, Any]]:
    """The latest report summaries, newest first."""
    raw = client.lrange(RECENT_REPORTS_KEY, 0, max(0, limit - 1))
    out = []
    for item in raw or []:
        try:
            out.append(json.loads(item))
        except (TypeError, ValueError):
            continue
    return out


def beat(client: redis.Redis, hostname: str, info: dict[str, Any]) -> None:
    """Marks the worker `hostname` alive for HEARTBEAT_TTL_S seconds."""
    payload = json.dumps({**info, "hostname": hostname, "at": time.time()})
    client.set(WORKER_KEY_PREFIX + hostname, payload, ex=HEARTBEAT_TTL_S)


def forget(client: redis.Redis, hostname: str) -> None:
    """Removes the heartbeat of a worker that shuts down cleanly."""
    client.delete(WORKER_KEY_PREFIX + hostname)


def live_workers(client: redis.Redis) -> list[dict[str, Any]]:
    """The workers whose heartbeat has not expired."""
    keys = list(client.scan_iter(match=WORKER_KEY_PREFIX + "*", count=100))
    if not keys:
        return []
    out = []
    for raw in client.mget(keys):
        if raw:
            try:
                out.append(json.loads(raw))
            except (TypeError, ValueError):
                continue
    return sorted(out, key=lambda w: str(w.get("hostname", "")))


def queue_length(client: redis.Redis, queue: str) -> int:
    """Messages waiting in a Celery queue on the Redis broker (every priority sub-queue)."""
    # kombu's Redis transport keeps priorities 3, 6 and 9 in "<queue>\x06\x16<priority>".
    names = [queue, *(f"{queue}\x06\x16{p}" for p in (3, 6, 9))]
    pipe = client.pipeline()
    for name in names:
        pipe.llen(name)
    return int(sum(pipe.execute()))
