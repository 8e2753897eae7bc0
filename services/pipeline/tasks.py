"""The pipeline's Celery tasks: fetch → match → score, chained per job.

Tasks are idempotent (a redelivered task recomputes and overwrites the same job record and
cache entry; one for a job that already finished does nothing), acknowledged late, and
retried with exponential backoff and jitter for transient failures only, while the job has
time left. Each task's payload carries the job's deadline; every stage RPC gets the smaller
of the job's remaining time and the stage timeout, and a job past its deadline fails with
JOB_DEADLINE_EXCEEDED. Bad input fails the job at once with its reason. A matcher that
cannot be reached degrades the report instead of failing it. What a stage hands the next is
a PipelineState (`services.pipeline.payload` serializes it).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable

from celery import Task, shared_task
from celery.exceptions import Ignore, SoftTimeLimitExceeded
from credence.v1 import fetcher_pb2, matcher_pb2, report_pb2

from services.common import metrics
from services.common.config import get_settings
from services.common.errors import CredenceError
from services.common.log import job_id_var, request_id_var
from services.pipeline import runtime
from services.pipeline.bodies import drop_body, take_body
from services.pipeline.job_guard import lost_too_often
from services.pipeline.jobs import release_lock
from services.pipeline.payload import (
    PipelineState,
    decode,
    encode,
    remaining_s,
    set_deadline,
)
from services.pipeline.queue import FETCH_TASK, MATCH_TASK, REFRESH_TASK, SCORE_TASK
from services.pipeline.stages import score_request

_LOGGER = logging.getLogger(__name__)

MAX_RETRIES = 3
MIN_STAGE_S = 0.2
"""A stage is not started (nor retried) with less time than this left to the job."""
SCORE_RESERVE_S = 1.0
"""Time the match stage leaves for scoring, so a slow matcher degrades instead of failing."""
MAX_REFRESHES = 2
"""Times a report is recomputed for a wire search that was still pending."""
REFRESH_DELAY_S = 6.0
"""Wait before recomputing: GDELT answers one request per five seconds."""
_RETRY = {"max_retries": MAX_RETRIES, "countdown_base": 0.5, "countdown_max": 8.0}


def _enter(state: PipelineState, stage: str) -> bool:
    """Sets the log context and marks the job running; False when it already finished."""
    request_id_var.set(state.request_id)
    job_id_var.set(state.job_id)
    return runtime.job_records().running(state.job_id, stage)


def _retry_delay(retries: int) -> float:
    base: float = _RETRY["countdown_base"] * (2**retries)
    return min(_RETRY["countdown_max"], base) * random.uniform(0.5, 1.5)


def stage_timeout_s(state: PipelineState, reserve_s: float = 0.0) -> float:
    """The deadline of one stage RPC: the job's remaining time (less `reserve_s` kept for
    later stages), at most the `stage_timeout_s` setting."""
    left = remaining_s(state) - reserve_s
    return max(MIN_STAGE_S, min(left, get_settings().stage_timeout_s))


def _run_stage(
    task: Task, state: PipelineState, stage: str, work: Callable[[], PipelineState]
) -> str:
    """Runs one stage: times it, retries transient failures while the job has time, fails
    the job on bad input or when its deadline has passed."""
    if not _enter(state, stage):
        _LOGGER.info("job already finished; redelivered %s task skipped", stage)
        raise Ignore()
    lost = lost_too_often(runtime.state_store(), state.job_id, stage, task.request.retries)
    if lost is not None:
        _fail(state, stage, "WORKER_LOST", lost)
    if remaining_s(state) < MIN_STAGE_S:
        _fail(state, stage, "JOB_DEADLINE_EXCEEDED", f"the job ran out of time before {stage}")
    start = time.perf_counter()
    try:
        return encode(work())
    except CredenceError as error:
        if error.transient and task.request.retries < MAX_RETRIES:
            delay = _retry_delay(task.request.retries)
            if remaining_s(state) - delay >= MIN_STAGE_S:
                _LOGGER.warning("%s stage transient failure, retrying: %s", stage, error)
                raise task.retry(countdown=delay, exc=error) from None
        if error.reason == "DEADLINE_EXCEEDED" and remaining_s(state) < MIN_STAGE_S:
            _fail(state, stage, "JOB_DEADLINE_EXCEEDED", f"the job ran out of time in {stage}")
        _fail(state, stage, error.reason, error.message)
    except SoftTimeLimitExceeded:
        _fail(state, stage, "STAGE_TIMEOUT", f"the {stage} stage ran out of time")
    except Exception as error:
        _LOGGER.exception("%s stage crashed", stage)
        _fail(state, stage, "INTERNAL", f"the {stage} stage failed unexpectedly: {error}")
    finally:
        metrics.STAGE_SECONDS.labels(stage).observe(time.perf_counter() - start)
    raise AssertionError("unreachable")


def _fail(state: PipelineState, stage: str, reason: str, message: str) -> None:
    _LOGGER.info("job failed in %s: %s %s", stage, reason, message)
    runtime.job_records().failed(state.job_id, stage, reason, message)
    release_lock(runtime.state_store(), state.lock_key, state.job_id)
    drop_body(runtime.state_store(), state.body_key)
    metrics.JOBS.labels("failed").inc()
    if stage == "fetch":
        metrics.FETCH_ERRORS.labels(reason).inc()
    raise Ignore()


@shared_task(bind=True, name=FETCH_TASK, acks_late=True)
def fetch_stage(self: Task, payload: str) -> str:
    """Fetches the URL, or extracts the HTML/text the caller sent."""
    state = decode(payload)

    def work() -> PipelineState:
        stages = runtime.stages()
        if state.body_key:
            body = take_body(runtime.state_store(), state.body_key)
            request = fetcher_pb2.ExtractRequest(url=state.url, html=body.html, text=body.text)
            article = stages.extract(request, stage_timeout_s(state)).article
        else:
            article = stages.fetch(
                fetcher_pb2.FetchRequest(url=state.url), stage_timeout_s(state)
            ).article
        done = PipelineState()
        done.CopyFrom(state)
        done.article.CopyFrom(article)
        return done

    return _run_stage(self, state, "fetch", work)


@shared_task(bind=True, name=MATCH_TASK, acks_late=True)
def match_stage(self: Task, payload: str) -> str:
    """Finds claims and wire evidence; an unreachable matcher degrades the report."""
    state = decode(payload)

    def work() -> PipelineState:
        done = PipelineState()
        done.CopyFrom(state)
        try:
            response = runtime.stages().match(
                matcher_pb2.MatchRequest(article=state.article),
                stage_timeout_s(state, reserve_s=SCORE_RESERVE_S),
            )
        except CredenceError as error:
            if not error.transient:
                raise
            _LOGGER.warning("matcher unavailable, corroboration degraded: %s", error)
            return done
        # An empty answer counts as none (corroboration unavailable), as it always has.
        if response.ByteSize():
            done.match.CopyFrom(response)
            done.match_available = True
        return done

    return _run_stage(self, state, "match", work)


@shared_task(bind=True, name=SCORE_TASK, acks_late=True)
def score_stage(self: Task, payload: str) -> str:
    """Scores the article, caches the report and completes the job; hands on the job id."""
    state = decode(payload)

    def work() -> PipelineState:
        report = _score(state)
        runtime.job_records().done(state.job_id, report)
        release_lock(runtime.state_store(), state.lock_key, state.job_id)
        drop_body(runtime.state_store(), state.body_key)
        metrics.JOBS.labels("done").inc()
        metrics.REPORT_SCORE.observe(report.score)
        _LOGGER.info("job done: score %.1f", report.score)
        _refresh_later(state)
        return PipelineState(job_id=state.job_id, request_id=state.request_id)

    return _run_stage(self, state, "score", work)


def _score(state: PipelineState) -> report_pb2.Report:
    """Scores the state's article with its match, and caches the report."""
    request = score_request(state.article, state.match if state.match_available else None)
    report = runtime.stages().score(request, stage_timeout_s(state)).report
    if state.url and not report.url:
        report.url = state.url
    runtime.report_cache().set(
        state.cache_key, report.SerializeToString(), get_settings().report_ttl_s
    )
    return report


def _refresh_later(state: PipelineState) -> None:
    """When a wire search did not fit the job's budget, recomputes the report once it may
    have landed (after the source's rate-limit interval): the job's report is replaced and
    WatchReport callers get the new one. The embedded mode answers once, with what it had."""
    settings = get_settings()
    if settings.embedded or not state.match.search_pending or state.refreshes >= MAX_REFRESHES:
        return
    later = PipelineState()
    later.CopyFrom(state)
    later.refreshes += 1
    timeout_s = settings.wire_search_refresh_budget_s + settings.stage_timeout_s
    set_deadline(later, REFRESH_DELAY_S + timeout_s)
    refresh_stage.apply_async((encode(later),), countdown=REFRESH_DELAY_S)


@shared_task(bind=True, name=REFRESH_TASK, acks_late=True)
def refresh_stage(self: Task, payload: str) -> str:
    """Searches again with a longer budget, rescores and replaces the job's report. A
    failure leaves the report the job already has."""
    state = decode(payload)
    request_id_var.set(state.request_id)
    job_id_var.set(state.job_id)
    lost = lost_too_often(runtime.state_store(), state.job_id, "refresh", state.refreshes)
    if lost is not None:
        _LOGGER.warning("report refresh given up, the job keeps its report: %s", lost)
        return encode(PipelineState(job_id=state.job_id))
    settings = get_settings()
    try:
        response = runtime.stages().match(
            matcher_pb2.MatchRequest(
                article=state.article, search_budget_s=settings.wire_search_refresh_budget_s
            ),
            stage_timeout_s(state, reserve_s=SCORE_RESERVE_S),
        )
        state.match.CopyFrom(response)
        state.match_available = True
        report = _score(state)
    except CredenceError as error:
        _LOGGER.warning("report refresh failed, the job keeps its report: %s", error)
        return encode(PipelineState(job_id=state.job_id))
    runtime.job_records().refreshed(state.job_id, report)
    _LOGGER.info("report refreshed (pending search landed: %s)", not response.search_pending)
    _refresh_later(state)
    return encode(PipelineState(job_id=state.job_id))
