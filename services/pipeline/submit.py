"""Starting a pipeline job: the single-flight lock, the job record and the Celery chain.

The lock holds the id of the job computing a report, so concurrent callers for the same
article join that job instead of starting another; the score task (or a failure) releases it.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from dataclasses import dataclass

from celery import chain
from kombu.exceptions import OperationalError

from services.common import metrics
from services.common.config import get_settings
from services.common.errors import CredenceError, unavailable
from services.common.log import request_id_var
from services.pipeline import runtime
from services.pipeline.bodies import JobBody, put_body
from services.pipeline.celery_app import app
from services.pipeline.jobs import release_lock
from services.pipeline.keys import lock_key
from services.pipeline.payload import PipelineState, encode, set_deadline
from services.pipeline.queue import FETCH_TASK, MATCH_TASK, PUBLISH_RETRY_POLICY, SCORE_TASK

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobInput:
    """What a job computes: the article at `url`, or the HTML/text the caller sent."""

    url: str
    cache_key: str
    html: str = ""
    text: str = ""
    timeout_s: float = 0.0
    """How long the job may run (the caller's deadline): at least the `job_timeout_s`
    setting, at most `max_job_s`."""


def enqueue(job_id: str, job: JobInput) -> None:
    """Sends the chain fetch → match → score for a job to the broker (or runs it, eager).

    The state carries the job's deadline (the caller's, capped by max_job_s so the job ends
    before its lock) so every task and every stage RPC gets only the time the job has left;
    a body the caller sent is stored beside the job and only its key is sent."""
    settings = get_settings()
    budget_s = settings.job_budget_s(job.timeout_s)
    state = PipelineState(
        job_id=job_id,
        request_id=request_id_var.get(),
        url=job.url,
        cache_key=job.cache_key,
        lock_key=lock_key(job.cache_key),
        # The body waits beside the job a while past its deadline, then expires.
        body_key=put_body(
            runtime.state_store(),
            job_id,
            JobBody(html=job.html, text=job.text),
            int(budget_s) + settings.lock_ttl_s,
        ),
    )
    set_deadline(state, budget_s)
    workflow = chain(
        app.signature(FETCH_TASK, (encode(state),)),
        app.signature(MATCH_TASK),
        app.signature(SCORE_TASK),
    )
    try:
        workflow.apply_async(retry=True, retry_policy=PUBLISH_RETRY_POLICY)
    except (OperationalError, OSError) as error:
        raise unavailable("broker", str(error)) from error


def start_or_join(job: JobInput) -> tuple[str, bool]:
    """Returns (job id, started): a new job for `job`, or the one already computing it."""
    settings = get_settings()
    store = runtime.state_store()
    job_id = uuid.uuid4().hex
    key = lock_key(job.cache_key)
    if not store.add(key, job_id.encode(), settings.lock_ttl_s):
        current = store.get(key)
        if current:
            metrics.SINGLE_FLIGHT.labels("joined").inc()
            return current.decode(), False
        store.set(key, job_id.encode(), settings.lock_ttl_s)
    metrics.SINGLE_FLIGHT.labels("started").inc()
    runtime.job_records().create(job_id)
    try:
        enqueue(job_id, job)
    except CredenceError as error:
        release_lock(store, key, job_id)
        with contextlib.suppress(CredenceError):  # the record says why, if it can be written
            runtime.job_records().failed(job_id, "submit", error.reason, error.message)
        raise
    except Exception:
        release_lock(store, key, job_id)
        raise
    return job_id, True
