"""Redis key names, in one place so the front door and the tasks cannot disagree."""

from __future__ import annotations

import hashlib

PREFIX = "credence"


def report_key(model_version: str, canonical_url: str) -> str:
    """The cached report of the article at a canonical URL."""
    digest = hashlib.sha256(canonical_url.encode()).hexdigest()[:32]
    return f"{PREFIX}:report:{model_version}:url:{digest}"


def content_report_key(model_version: str, canonical_url: str, body: str) -> str:
    """The cached report of an article the caller sent (URL plus its HTML or text)."""
    digest = hashlib.sha256(f"{canonical_url}\n{body}".encode()).hexdigest()[:32]
    return f"{PREFIX}:report:{model_version}:content:{digest}"


def lock_key(report_key_: str) -> str:
    """The single-flight lock of a report: holds the id of the job computing it."""
    return f"{report_key_}:lock"


def job_key(job_id: str) -> str:
    """The record of a job (a GetReportResponse)."""
    return f"{PREFIX}:job:{job_id}"


def body_key(job_id: str) -> str:
    """The HTML or text a caller sent for a job, kept out of the broker's messages."""
    return f"{PREFIX}:body:{job_id}"


def job_grant_key(job_id: str, key_id: str) -> str:
    """Present when the API key `key_id` was handed job `job_id` (it may read the job)."""
    return f"{PREFIX}:job:{job_id}:key:{key_id}"


def delivery_key(job_id: str, stage: str, attempt: int) -> str:
    """How many times one attempt of a job's stage was delivered to a worker."""
    return f"{PREFIX}:job:{job_id}:deliveries:{stage}:{attempt}"


JOBS_FINISHED_CHANNEL = f"{PREFIX}:jobs:finished"
"""Where the id of each job that finishes (or whose report is replaced) is published."""
