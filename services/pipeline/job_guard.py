"""Jobs whose task died without a word: a task killed at the hard time limit, or whose
worker process was lost once no redelivery is left, cannot mark its own job. Celery reports
both in the worker's main process through `task_failure`; this handler marks the job FAILED
with a reason (TASK_TIME_LIMIT, WORKER_LOST) and releases the job's single-flight lock, so
callers get an answer instead of waiting on a job that will never finish, and the next
request for the same report starts afresh."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from billiard.exceptions import WorkerLostError
from celery.exceptions import TimeLimitExceeded
from celery.signals import task_failure
from google.protobuf.message import DecodeError

from services.common.errors import CredenceError
from services.pipeline.jobs import release_lock
from services.pipeline.payload import decode

_LOGGER = logging.getLogger(__name__)

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


def _on_task_failure(
    sender: Any = None, exception: BaseException | None = None, args: Any = None, **_: Any
) -> None:
    fail_killed_job(str(getattr(sender, "name", "") or ""), exception, args)


def connect_signals() -> None:
    """Connects the handler to Celery's task_failure; connecting twice changes nothing."""
    task_failure.connect(_on_task_failure, weak=False)
