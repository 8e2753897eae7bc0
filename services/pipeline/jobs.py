"""Job records: a job's state, stage, failure reason and report, kept in the state Redis as
a serialized GetReportResponse so GetReport, the waiting front door and the tasks share one
truth."""

from __future__ import annotations

from credence.v1 import reliability_pb2, report_pb2
from google.protobuf.timestamp_pb2 import Timestamp

from services.common.cache import Cache
from services.pipeline.keys import job_key

JobState = reliability_pb2.JobState


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

    def get(self, job_id: str) -> reliability_pb2.GetReportResponse | None:
        return _parse(self._store.get(job_key(job_id)))

    async def aget(self, job_id: str) -> reliability_pb2.GetReportResponse | None:
        return _parse(await self._store.aget(job_key(job_id)))

    def running(self, job_id: str, stage: str) -> bool:
        """Marks the job running in `stage`; False (and no change) when it already finished."""
        record = self.get(job_id) or self.create(job_id)
        if is_finished(record):
            return False
        record.job.state = reliability_pb2.JOB_STATE_RUNNING
        record.job.stage = stage
        self._write(record)
        return True

    def done(self, job_id: str, report: report_pb2.Report) -> None:
        record = self.get(job_id) or self.create(job_id)
        record.job.state = reliability_pb2.JOB_STATE_DONE
        record.job.finished_at.CopyFrom(_now())
        record.job.error_reason = ""
        record.job.error_message = ""
        record.report.CopyFrom(report)
        self._write(record)

    def refreshed(self, job_id: str, report: report_pb2.Report) -> None:
        """Replaces the report of a finished job with a newer one (a pending wire search
        landed); a job that has expired or failed is left as it is."""
        record = self.get(job_id)
        if record is None or record.job.state != reliability_pb2.JOB_STATE_DONE:
            return
        record.report.CopyFrom(report)
        self._write(record)

    def failed(self, job_id: str, stage: str, reason: str, message: str) -> None:
        record = self.get(job_id) or self.create(job_id)
        record.job.state = reliability_pb2.JOB_STATE_FAILED
        record.job.stage = stage
        record.job.error_reason = reason
        record.job.error_message = message
        record.job.finished_at.CopyFrom(_now())
        self._write(record)

    def _write(self, record: reliability_pb2.GetReportResponse) -> None:
        self._store.set(job_key(record.job.id), record.SerializeToString(), self._ttl_s)


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
