"""Job records change by compare-and-set and single-flight locks are released only by the
job that holds them: on a real Redis (the deployed state store) and on the in-memory store
(the embedded default), with contenders racing in threads; counters count every increment."""

from __future__ import annotations

import threading

import pytest
from credence.v1 import reliability_pb2, report_pb2

from services.common.cache import Cache
from services.pipeline.jobs import JobRecords, release_lock
from services.pipeline.keys import job_key

pytestmark = pytest.mark.timeout(60)


def test_lock_is_released_only_by_its_holder(store: Cache) -> None:
    key = "credence:report:test:lock"
    assert store.add(key, b"job-a", 60)
    assert not store.add(key, b"job-b", 60)  # the second contender joins job-a instead
    assert not release_lock(store, key, "job-b")
    assert store.get(key) == b"job-a"
    assert release_lock(store, key, "job-a")
    assert store.get(key) is None
    assert not release_lock(store, key, "job-a")  # releasing twice is harmless


def test_a_lock_taken_over_after_expiry_is_not_released_by_the_old_holder(store: Cache) -> None:
    key = "credence:report:expired:lock"
    assert store.add(key, b"job-old", 60)
    store.delete(key)  # the lock's TTL ran out while job-old was still running
    assert store.add(key, b"job-new", 60)
    assert not release_lock(store, key, "job-old")  # job-old finishing late
    assert store.get(key) == b"job-new"


def test_two_contenders_racing_for_one_lock(store: Cache) -> None:
    key = "credence:report:race:lock"
    barrier = threading.Barrier(2)
    won: dict[str, bool] = {}

    def contend(job_id: str) -> None:
        barrier.wait()
        won[job_id] = store.add(key, job_id.encode(), 60)
        barrier.wait()
        release_lock(store, key, job_id)  # each tries to release when it is done

    threads = [threading.Thread(target=contend, args=(j,)) for j in ("job-a", "job-b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(won.values()) == [False, True]
    assert store.get(key) is None  # released by its holder, and only once


def test_first_terminal_state_wins(store: Cache) -> None:
    records = JobRecords(store, ttl_s=60)
    records.create("j1")
    assert records.running("j1", "fetch")
    assert records.failed("j1", "fetch", "TASK_TIME_LIMIT", "the fetch stage was killed")
    assert not records.done("j1", report_pb2.Report(title="late"))
    assert not records.running("j1", "score")
    record = records.get("j1")
    assert record is not None
    assert record.job.state == reliability_pb2.JOB_STATE_FAILED
    assert record.job.error_reason == "TASK_TIME_LIMIT"
    assert not record.report.title


def test_a_write_between_read_and_set_is_not_lost(store: Cache) -> None:
    """A writer that read the record before another writer changed it must not overwrite
    that change: its compare-and-set fails and it re-applies its change to the new record."""
    records = JobRecords(store, ttl_s=60)
    records.create("j2")
    original_get = store.get
    interfered = []

    def get_then_interfere(key: str) -> bytes | None:
        raw = original_get(key)
        if key == job_key("j2") and not interfered:
            interfered.append(True)  # another worker fails the job right after our read
            JobRecords(store, ttl_s=60).failed("j2", "match", "WORKER_LOST", "worker died")
        return raw

    store.get = get_then_interfere  # type: ignore[method-assign]
    try:
        assert not records.done("j2", report_pb2.Report(title="stale"))
    finally:
        store.get = original_get  # type: ignore[method-assign]
    record = records.get("j2")
    assert record is not None and record.job.error_reason == "WORKER_LOST"


def test_many_concurrent_finishers_leave_exactly_one_outcome(store: Cache) -> None:
    records = JobRecords(store, ttl_s=60)
    records.create("j3")
    barrier = threading.Barrier(8)
    results: list[tuple[str, bool]] = []
    lock = threading.Lock()

    def finish(index: int) -> None:
        barrier.wait()
        if index % 2:
            ok = records.done("j3", report_pb2.Report(title=f"report-{index}"))
            outcome = f"done-{index}"
        else:
            ok = records.failed("j3", "score", f"REASON_{index}", "failed")
            outcome = f"failed-{index}"
        with lock:
            results.append((outcome, ok))

    threads = [threading.Thread(target=finish, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    winners = [outcome for outcome, ok in results if ok]
    assert len(winners) == 1, results
    record = records.get("j3")
    assert record is not None
    winner = winners[0]
    if winner.startswith("done"):
        assert record.job.state == reliability_pb2.JOB_STATE_DONE
        assert record.report.title == f"report-{winner.split('-')[1]}"
    else:
        assert record.job.state == reliability_pb2.JOB_STATE_FAILED
        assert record.job.error_reason == f"REASON_{winner.split('-')[1]}"


def test_counters_count_every_increment_once_across_threads(store: Cache) -> None:
    """Deliveries of a stage are counted with `incr`: concurrent counts are never lost."""
    barrier = threading.Barrier(8)
    seen: list[int] = []
    lock = threading.Lock()

    def count() -> None:
        barrier.wait()
        for _ in range(5):
            value = store.incr("credence:test:counter", 60)
            with lock:
                seen.append(value)

    threads = [threading.Thread(target=count) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(seen) == list(range(1, 41))
    assert store.incr("credence:test:other", 60) == 1
