"""Jobs whose task died without a word: a task killed at the hard time limit, or whose
worker process was lost, cannot mark its own job. Celery reports a time limit (and a loss it
does not redeliver) in the worker's main process through `task_failure`; this handler marks
the job FAILED with a reason (TASK_TIME_LIMIT, WORKER_LOST) and releases the job's
single-flight lock, so callers get an answer instead of waiting on a job that will never
finish, and the next request for the same report starts afresh.

A task acknowledged late is redelivered each time its worker dies, and Celery sets no limit:
an article that kills its worker (out of memory, a native crash) would loop forever. Each
delivery of a stage attempt is counted in the state store (`count_delivery`), and the task
fails its job with WORKER_LOST past `MAX_DELIVERIES`."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from billiard.exceptions import WorkerLostError
from celery.exceptions import TimeLimitExceeded
from celery.signals import task_failure
from google.protobuf.message import DecodeError

from services.common.cache import Cache
from services.common.errors import CredenceError
from services.pipeline.jobs import release_lock
from services.pipeline.keys import delivery_key
from services.pipeline.payload import decode

_LOGGER = logging.getLogger(__name__)

MAX_DELIVERIES = 3
"""Deliveries of one stage attempt (the first and two after lost workers) before the job fails."""
_DELIVERY_TTL_S = 3600

_REASONS: dict[type[BaseException], tuple[str, str]] = {
    TimeLimitExceeded: ("TASK_TIME_LIMIT", "the {stage} stage was killed at its time limit"),
    WorkerLostError: ("WORKER_LOST", "the worker running the {stage} stage was lost"),
}


def _reason(exception: BaseException | None) -> tuple[str, str] | None:
    for kind, reason in _REASONS.items():
        if isinstance(exception, kind):
            return reason
    return None


def _job_of(args: Sequence[Any] | None) -> tuple[str, str] | None:
    """(job id, lock key) from a pipeline task's state; None for other tasks."""
    payload = args[0] if args else None
    if not isinstance(payload, str):
        return None
    try:
        state = decode(payload)
    except (ValueError, DecodeError):  # not a pipeline state (another task's argument)
        return None
    if not state.job_id or not state.lock_key:
        return None
    return state.job_id, state.lock_key


def fail_killed_job(task_name: str, exception: BaseException | None, args: Any) -> bool:
    """Marks the job of a killed pipeline task FAILED and releases its lock; True if it did."""
    reason = _reason(exception)
    job = _job_of(args)
    if reason is None or job is None:
        return False
    job_id, lock = job
    stage = task_name.rsplit(".", 1)[-1]
    code, template = reason
    from services.pipeline import runtime

    try:
        runtime.job_records().failed(job_id, stage, code, template.format(stage=stage))
        release_lock(runtime.state_store(), lock, job_id)
    except CredenceError as error:  # the state store is down: the record's TTL ends it
        _LOGGER.warning("could not fail job %s after %s: %s", job_id, code, error)
        return False
    _LOGGER.warning("job %s failed in %s: %s", job_id, stage, code)
    return True


def count_delivery(store: Cache, job_id: str, stage: str, attempt: int) -> int:
    """Counts one more delivery of a stage attempt and returns the count (1 the first time)."""
    return store.incr(delivery_key(job_id, stage, attempt), _DELIVERY_TTL_S)


def lost_too_often(store: Cache, job_id: str, stage: str, attempt: int) -> str | None:
    """The failure message when this delivery is one too many; None when it may run."""
    if count_delivery(store, job_id, stage, attempt) <= MAX_DELIVERIES:
        return None
    return f"the worker running the {stage} stage was lost {MAX_DELIVERIES} times"


def _on_task_failure(
    sender: Any = None, exception: BaseException | None = None, args: Any = None, **_: Any
) -> None:
    fail_killed_job(str(getattr(sender, "name", "") or ""), exception, args)


def connect_signals() -> None:
    """Connects the handler to Celery's task_failure; connecting twice changes nothing."""
    task_failure.connect(_on_task_failure, weak=False)
