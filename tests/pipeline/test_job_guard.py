"""A pipeline task that died without a word (killed at its hard time limit, or its worker
lost with no redelivery left) fails its job with a reason and frees its lock; other tasks'
failures and other exceptions are left to the task's own handling. A stage redelivered past
its limit fails its job instead of running again."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from billiard.exceptions import WorkerLostError
from celery.exceptions import Ignore, TimeLimitExceeded
from credence.v1 import reliability_pb2

from services.common.cache import MemoryCache
from services.pipeline import job_guard, runtime, tasks
from services.pipeline.jobs import JobRecords
from services.pipeline.payload import PipelineState, encode, set_deadline

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


def test_deliveries_are_counted_per_stage_attempt() -> None:
    store = MemoryCache()
    assert [job_guard.count_delivery(store, "job-3", "match", 0) for _ in range(3)] == [1, 2, 3]
    assert job_guard.count_delivery(store, "job-3", "match", 1) == 1
    assert job_guard.count_delivery(store, "job-3", "score", 0) == 1


def test_a_stage_whose_worker_keeps_dying_fails_its_job_instead_of_looping(
    records: JobRecords,
) -> None:
    """Celery redelivers a late-acknowledged task each time its worker is lost; the delivery
    past MAX_DELIVERIES fails the job (WORKER_LOST) and frees its lock instead of running."""
    records.create("job-4")
    store = runtime.state_store()
    assert store.add(LOCK, b"job-4", 60)
    state = PipelineState(job_id="job-4", lock_key=LOCK, url="https://a.example/")
    set_deadline(state, 60)
    ran: list[int] = []
    task = SimpleNamespace(request=SimpleNamespace(retries=0))

    def work() -> PipelineState:
        ran.append(1)
        raise _WorkerDied()

    for _ in range(job_guard.MAX_DELIVERIES):
        with pytest.raises(_WorkerDied):
            tasks._run_stage(task, state, "match", work)  # type: ignore[arg-type]
    with pytest.raises(Ignore):
        tasks._run_stage(task, state, "match", work)  # type: ignore[arg-type]
    assert len(ran) == job_guard.MAX_DELIVERIES
    record = records.get("job-4")
    assert record is not None
    assert record.job.state == reliability_pb2.JOB_STATE_FAILED
    assert (record.job.error_reason, record.job.stage) == ("WORKER_LOST", "match")
    assert "lost 3 times" in record.job.error_message
    assert store.get(LOCK) is None


class _WorkerDied(BaseException):
    """Stands for the worker process dying mid-task: nothing in the task catches it."""
