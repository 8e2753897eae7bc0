"""Starting a pipeline job: the single-flight lock, the job record and the Celery chain.

The lock holds the id of the job computing a report, so concurrent callers for the same
article join that job instead of starting another; the score task (or a failure) releases it.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from celery import chain
from kombu.exceptions import OperationalError

from services.common import metrics
from services.common.config import get_settings
from services.common.errors import unavailable
from services.common.log import request_id_var
from services.pipeline import runtime
from services.pipeline.keys import lock_key
from services.pipeline.tasks import fetch_stage, match_stage, score_stage

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobInput:
    """What a job computes: the article at `url`, or the HTML/text the caller sent."""

    url: str
    cache_key: str
    html: str = ""
    text: str = ""


def enqueue(job_id: str, job: JobInput) -> None:
    """Sends the chain fetch → match → score for a job to the broker (or runs it, eager)."""
    payload = {
        "job_id": job_id,
        "request_id": request_id_var.get(),
        "url": job.url,
        "html": job.html,
        "text": job.text,
        "cache_key": job.cache_key,
        "lock_key": lock_key(job.cache_key),
    }
    workflow = chain(fetch_stage.s(payload), match_stage.s(), score_stage.s())
    try:
        workflow.apply_async()
    except OperationalError as error:
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
    except Exception:
        store.delete(key)
        raise
    return job_id, True
