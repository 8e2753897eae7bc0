"""A pipeline task that died without a word (killed at its hard time limit, or its worker
lost with no redelivery left) fails its job with a reason and frees its lock; other tasks'
failures and other exceptions are left to the task's own handling."""

from __future__ import annotations

import pytest
from billiard.exceptions import WorkerLostError
from celery.exceptions import TimeLimitExceeded
from credence.v1 import reliability_pb2

from services.common.cache import MemoryCache
from services.pipeline import job_guard, runtime
from services.pipeline.jobs import JobRecords
from services.pipeline.payload import PipelineState, encode

LOCK = "credence:report:test:lock"


@pytest.fixture
def records(monkeypatch: pytest.MonkeyPatch) -> JobRecords:
    store = MemoryCache()
    records = JobRecords(store, 60)
    monkeypatch.setattr(runtime, "state_store", lambda: store)
    monkeypatch.setattr(runtime, "job_records", lambda: records)
    return records


def _args(job_id: str) -> tuple[str]:
    return (encode(PipelineState(job_id=job_id, lock_key=LOCK, url="https://a.example/")),)


@pytest.mark.parametrize(
    ("exception", "reason"),
    [(TimeLimitExceeded(90), "TASK_TIME_LIMIT"), (WorkerLostError("gone"), "WORKER_LOST")],
)
def test_killed_task_fails_its_job_and_frees_its_lock(
    records: JobRecords, exception: BaseException, reason: str
) -> None:
    records.create("job-1")
    store = runtime.state_store()
    assert store.add(LOCK, b"job-1", 60)
    assert job_guard.fail_killed_job("credence.match", exception, _args("job-1"))
    record = records.get("job-1")
    assert record is not None
    assert record.job.state == reliability_pb2.JOB_STATE_FAILED
    assert (record.job.error_reason, record.job.stage) == (reason, "match")
    assert store.get(LOCK) is None


def test_a_lock_held_by_a_newer_job_is_kept(records: JobRecords) -> None:
    records.create("job-old")
    store = runtime.state_store()
    assert store.add(LOCK, b"job-new", 60)
    assert job_guard.fail_killed_job("credence.fetch", TimeLimitExceeded(90), _args("job-old"))
    assert store.get(LOCK) == b"job-new"


def test_other_failures_and_other_tasks_are_left_alone(records: JobRecords) -> None:
    records.create("job-2")
    assert not job_guard.fail_killed_job("credence.fetch", ValueError("x"), _args("job-2"))
    assert not job_guard.fail_killed_job(
        "credence.matcher.ingest_rss", TimeLimitExceeded(90), ("https://feed.example/rss", "AP")
    )
    record = records.get("job-2")
    assert record is not None and record.job.state == reliability_pb2.JOB_STATE_PENDING
