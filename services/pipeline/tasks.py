"""The pipeline's Celery tasks: fetch → match → score, chained per job.

Tasks are idempotent (a redelivered task recomputes and overwrites the same job record and
cache entry; one for a job that already finished does nothing), acknowledged late, and
retried with exponential backoff and jitter for transient failures only, while the job has
time left. Each task's payload carries the job's deadline; every stage RPC gets the smaller
of the job's remaining time and the stage timeout, and a job past its deadline fails with
JOB_DEADLINE_EXCEEDED. Bad input fails the job at once with its reason. A matcher that
cannot be reached degrades the report instead of failing it.
"""

from __future__ import annotations

import base64
import logging
import random
import time
from collections.abc import Callable
from typing import Any, TypeVar

from celery import Task, shared_task
from celery.exceptions import Ignore, SoftTimeLimitExceeded
from credence.v1 import article_pb2, fetcher_pb2, matcher_pb2, scoring_pb2
from google.protobuf.message import Message

from services.common import metrics
from services.common.config import get_settings
from services.common.errors import CredenceError
from services.common.log import job_id_var, request_id_var
from services.pipeline import runtime
from services.pipeline.queue import FETCH_TASK, MATCH_TASK, SCORE_TASK

_LOGGER = logging.getLogger(__name__)

Payload = dict[str, Any]
M = TypeVar("M", bound=Message)

MAX_RETRIES = 3
MIN_STAGE_S = 0.2
"""A stage is not started (nor retried) with less time than this left to the job."""
SCORE_RESERVE_S = 1.0
"""Time the match stage leaves for scoring, so a slow matcher degrades instead of failing."""
_RETRY = {"max_retries": MAX_RETRIES, "countdown_base": 0.5, "countdown_max": 8.0}


def encode(message: Message) -> str:
    """A proto as base64 text for a JSON task payload."""
    return base64.b64encode(message.SerializeToString()).decode()


def decode(raw: str, message: M) -> M:
    """Parses a proto from `encode`'s output into `message`."""
    message.ParseFromString(base64.b64decode(raw))
    return message


def _enter(payload: Payload, stage: str) -> bool:
    """Sets the log context and marks the job running; False when it already finished."""
    request_id_var.set(payload.get("request_id", ""))
    job_id_var.set(payload["job_id"])
    return runtime.job_records().running(payload["job_id"], stage)


def _retry_delay(retries: int) -> float:
    base: float = _RETRY["countdown_base"] * (2**retries)
    return min(_RETRY["countdown_max"], base) * random.uniform(0.5, 1.5)


def remaining_s(payload: Payload) -> float:
    """Seconds the job has left before its deadline (infinite for payloads without one)."""
    deadline = payload.get("deadline")
    return float("inf") if deadline is None else float(deadline) - time.time()


def stage_timeout_s(payload: Payload, reserve_s: float = 0.0) -> float:
    """The deadline of one stage RPC: the job's remaining time (less `reserve_s` kept for
    later stages), at most the `stage_timeout_s` setting."""
    left = remaining_s(payload) - reserve_s
    return max(MIN_STAGE_S, min(left, get_settings().stage_timeout_s))


def _run_stage(task: Task, payload: Payload, stage: str, work: Callable[[], Payload]) -> Payload:
    """Runs one stage: times it, retries transient failures while the job has time, fails
    the job on bad input or when its deadline has passed."""
    if not _enter(payload, stage):
        _LOGGER.info("job already finished; redelivered %s task skipped", stage)
        raise Ignore()
    if remaining_s(payload) < MIN_STAGE_S:
        _fail(payload, stage, "JOB_DEADLINE_EXCEEDED", f"the job ran out of time before {stage}")
    start = time.perf_counter()
    try:
        return work()
    except CredenceError as error:
        if error.transient and task.request.retries < MAX_RETRIES:
            delay = _retry_delay(task.request.retries)
            if remaining_s(payload) - delay >= MIN_STAGE_S:
                _LOGGER.warning("%s stage transient failure, retrying: %s", stage, error)
                raise task.retry(countdown=delay, exc=error) from None
        if error.reason == "DEADLINE_EXCEEDED" and remaining_s(payload) < MIN_STAGE_S:
            _fail(payload, stage, "JOB_DEADLINE_EXCEEDED", f"the job ran out of time in {stage}")
        _fail(payload, stage, error.reason, error.message)
    except SoftTimeLimitExceeded:
        _fail(payload, stage, "STAGE_TIMEOUT", f"the {stage} stage ran out of time")
    except Exception as error:
        _LOGGER.exception("%s stage crashed", stage)
        _fail(payload, stage, "INTERNAL", f"the {stage} stage failed unexpectedly: {error}")
    finally:
        metrics.STAGE_SECONDS.labels(stage).observe(time.perf_counter() - start)
    raise AssertionError("unreachable")


def _fail(payload: Payload, stage: str, reason: str, message: str) -> None:
    _LOGGER.info("job failed in %s: %s %s", stage, reason, message)
    runtime.job_records().failed(payload["job_id"], stage, reason, message)
    runtime.state_store().delete(payload["lock_key"])
    metrics.JOBS.labels("failed").inc()
    if stage == "fetch":
        metrics.FETCH_ERRORS.labels(reason).inc()
    raise Ignore()


@shared_task(bind=True, name=FETCH_TASK, acks_late=True)
def fetch_stage(self: Task, payload: Payload) -> Payload:
    """Fetches the URL, or extracts the HTML/text the caller sent."""

    def work() -> Payload:
        stages = runtime.stages()
        if payload.get("html") or payload.get("text"):
            response = stages.extract(
                fetcher_pb2.ExtractRequest(
                    url=payload["url"], html=payload.get("html", ""), text=payload.get("text", "")
                ),
                stage_timeout_s(payload),
            )
            article = response.article
        else:
            article = stages.fetch(
                fetcher_pb2.FetchRequest(url=payload["url"]), stage_timeout_s(payload)
            ).article
        return {**payload, "html": "", "text": "", "article": encode(article)}

    return _run_stage(self, payload, "fetch", work)


@shared_task(bind=True, name=MATCH_TASK, acks_late=True)
def match_stage(self: Task, payload: Payload) -> Payload:
    """Finds claims and wire evidence; an unreachable matcher degrades the report."""

    def work() -> Payload:
        article = decode(payload["article"], article_pb2.Article())
        try:
            response = runtime.stages().match(
                matcher_pb2.MatchRequest(article=article),
                stage_timeout_s(payload, reserve_s=SCORE_RESERVE_S),
            )
        except CredenceError as error:
            if not error.transient:
                raise
            _LOGGER.warning("matcher unavailable, corroboration degraded: %s", error)
            return {**payload, "match": None}
        return {**payload, "match": encode(response)}

    return _run_stage(self, payload, "match", work)


@shared_task(bind=True, name=SCORE_TASK, acks_late=True)
def score_stage(self: Task, payload: Payload) -> Payload:
    """Scores the article, caches the report and completes the job."""

    def work() -> Payload:
        article = decode(payload["article"], article_pb2.Article())
        request = scoring_pb2.ScoreRequest(article=article, match_available=False)
        if payload.get("match"):
            match = decode(payload["match"], matcher_pb2.MatchResponse())
            request.claims.extend(match.claims)
            request.citation_checks.extend(match.citation_checks)
            request.match_available = True
        report = runtime.stages().score(request, stage_timeout_s(payload)).report
        if payload.get("url") and not report.url:
            report.url = payload["url"]
        runtime.report_cache().set(
            payload["cache_key"], report.SerializeToString(), get_settings().report_ttl_s
        )
        runtime.job_records().done(payload["job_id"], report)
        runtime.state_store().delete(payload["lock_key"])
        metrics.JOBS.labels("done").inc()
        metrics.REPORT_SCORE.observe(report.score)
        _LOGGER.info("job done: score %.1f", report.score)
        return {"job_id": payload["job_id"], "score": report.score}

    return _run_stage(self, payload, "score", work)
