"""Job records: a job's state, stage, failure reason and report, kept in the state Redis as
a serialized GetReportResponse so GetReport, the waiting front door and the tasks share one
truth.

Every change is a compare-and-set on the stored bytes (a Lua script on the server), retried
on conflict, so two writers (a stage finishing and a worker-loss handler failing the job)
cannot overwrite each other: the first terminal state (DONE or FAILED) wins and later
changes are refused. Each job that finishes, and each report replaced, is announced on
`keys.JOBS_FINISHED_CHANNEL` (`finished_ids`), so a waiter wakes at once rather than at its
next poll. The single-flight lock of a report holds the id of the job computing
it, and only that job may release it (`release_lock`)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from credence.v1 import reliability_pb2, report_pb2
from google.protobuf.timestamp_pb2 import Timestamp

from services.common.cache import Cache
from services.pipeline.keys import JOBS_FINISHED_CHANNEL, job_grant_key, job_key

JobState = reliability_pb2.JobState
Record = reliability_pb2.GetReportResponse

# Conflicting writers of one job are a handful of tasks at most; past this many lost races
# something is wrong, and the error says so.
_MAX_CAS_ATTEMPTS = 50


class JobConflictError(RuntimeError):
    """A job record kept changing under a writer (more races than any real job has)."""


def _now() -> Timestamp:
    stamp = Timestamp()
    stamp.GetCurrentTime()
    return stamp


class JobRecords:
    """Reads and writes job records in a store (Redis, or memory when embedded)."""

    def __init__(self, store: Cache, ttl_s: int) -> None:
        self._store = store
        self._ttl_s = ttl_s

    def create(self, job_id: str) -> reliability_pb2.GetReportResponse:
        record = _new_record(job_id)
        self._write(record)
        return record

    def grants(self) -> JobGrants:
        """Which API keys may read these jobs, kept in the same store as long."""
        return JobGrants(self._store, self._ttl_s)

    def get(self, job_id: str) -> reliability_pb2.GetReportResponse | None:
        return _parse(self._store.get(job_key(job_id)))

    async def aget(self, job_id: str) -> reliability_pb2.GetReportResponse | None:
        return _parse(await self._store.aget(job_key(job_id)))

    def running(self, job_id: str, stage: str) -> bool:
        """Marks the job running in `stage`; False (and no change) when it already finished."""

        def change(record: Record) -> bool:
            if is_finished(record):
                return False
            record.job.state = reliability_pb2.JOB_STATE_RUNNING
            record.job.stage = stage
            return True

        return self._update(job_id, change)

    def done(self, job_id: str, report: report_pb2.Report) -> bool:
        """Marks the job done with `report`; False when it had already finished."""

        def change(record: Record) -> bool:
            if is_finished(record):
                return False
            record.job.state = reliability_pb2.JOB_STATE_DONE
            record.job.finished_at.CopyFrom(_now())
            record.job.error_reason = ""
            record.job.error_message = ""
            record.report.CopyFrom(report)
            return True

        return self._announced(job_id, self._update(job_id, change))

    def refreshed(self, job_id: str, report: report_pb2.Report) -> bool:
        """Replaces the report of a finished job with a newer one (a pending wire search
        landed); a job that has expired or failed is left as it is."""

        def change(record: Record) -> bool:
            if record.job.state != reliability_pb2.JOB_STATE_DONE:
                return False
            record.report.CopyFrom(report)
            return True

        return self._announced(job_id, self._update(job_id, change))

    def failed(self, job_id: str, stage: str, reason: str, message: str) -> bool:
        """Marks the job failed with a reason; False when it had already finished."""

        def change(record: Record) -> bool:
            if is_finished(record):
                return False
            record.job.state = reliability_pb2.JOB_STATE_FAILED
            record.job.stage = stage or record.job.stage
            record.job.error_reason = reason
            record.job.error_message = message
            record.job.finished_at.CopyFrom(_now())
            return True

        return self._announced(job_id, self._update(job_id, change))

    async def finished_ids(self) -> AsyncIterator[str]:
        """The ids of jobs that finish, or whose report is replaced, from now on (notices are
        best-effort: a waiter also polls). Raises UNAVAILABLE when the store is lost."""
        async for message in self._store.listen(JOBS_FINISHED_CHANNEL):
            yield message.decode(errors="replace")

    def _announced(self, job_id: str, changed: bool) -> bool:
        """Announces `job_id` on the finished-jobs channel when `changed`; returns it."""
        if changed:
            self._store.publish(JOBS_FINISHED_CHANNEL, job_id.encode())
        return changed

    def _update(self, job_id: str, change: Callable[[Record], bool]) -> bool:
        """Applies `change` to the current record by compare-and-set, re-reading and
        re-applying it after a lost race; False when `change` declines."""
        key = job_key(job_id)
        for _ in range(_MAX_CAS_ATTEMPTS):
            raw = self._store.get(key)
            record = _parse(raw) or _new_record(job_id)
            if not change(record):
                return False
            if self._store.compare_and_set(key, raw, record.SerializeToString(), self._ttl_s):
                return True
        raise JobConflictError(f"job {job_id}: record changed {_MAX_CAS_ATTEMPTS} times in a row")

    def _write(self, record: reliability_pb2.GetReportResponse) -> None:
        self._store.set(job_key(record.job.id), record.SerializeToString(), self._ttl_s)


class JobGrants:
    """Which API keys may read a job: the key that started it and every key that joined it
    (a single-flight caller is handed the same job id). Kept beside the job record, as long."""

    def __init__(self, store: Cache, ttl_s: int) -> None:
        self._store = store
        self._ttl_s = ttl_s

    async def grant(self, job_id: str, key_id: str) -> None:
        """Lets `key_id` read job `job_id`."""
        await self._store.aset(job_grant_key(job_id, key_id), b"1", self._ttl_s)

    async def allowed(self, job_id: str, key_id: str) -> bool:
        """True when `key_id` was handed job `job_id`."""
        return await self._store.aget(job_grant_key(job_id, key_id)) is not None


def release_lock(store: Cache, key: str, job_id: str) -> bool:
    """Releases the single-flight lock `key` if `job_id` holds it (atomically checked on the
    server); a lock since taken over by another job is left alone. True when released."""
    return store.delete_if(key, job_id.encode())


def _new_record(job_id: str) -> reliability_pb2.GetReportResponse:
    return reliability_pb2.GetReportResponse(
        job=reliability_pb2.Job(
            id=job_id, state=reliability_pb2.JOB_STATE_PENDING, created_at=_now()
        )
    )


def _parse(raw: bytes | None) -> reliability_pb2.GetReportResponse | None:
    if raw is None:
        return None
    record = reliability_pb2.GetReportResponse()
    record.ParseFromString(raw)
    return record


def is_finished(record: reliability_pb2.GetReportResponse) -> bool:
    """True when the job is done or failed."""
    return record.job.state in (reliability_pb2.JOB_STATE_DONE, reliability_pb2.JOB_STATE_FAILED)
