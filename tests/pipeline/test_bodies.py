"""Bodies callers send are stored beside the job (state store, with a TTL) and only their
key travels in broker messages; the job-length cap keeps every job inside its lock."""

from __future__ import annotations

import pytest

from services.common.cache import MemoryCache
from services.common.config import Settings
from services.common.errors import CredenceError
from services.pipeline.bodies import JobBody, drop_body, put_body, take_body


def test_body_round_trip_and_its_key_is_small() -> None:
    store = MemoryCache()
    html = "<html><body>" + "<p>paragraph</p>" * 300_000 + "</body></html>"  # ~5 MiB
    key = put_body(store, "job-1", JobBody(html=html), ttl_s=60)
    assert key == "credence:body:job-1" and len(key) < 64
    assert take_body(store, key) == JobBody(html=html)
    drop_body(store, key)
    with pytest.raises(CredenceError) as caught:
        take_body(store, key)
    assert caught.value.reason == "JOB_INPUT_EXPIRED"


def test_no_body_stores_nothing() -> None:
    store = MemoryCache()
    assert put_body(store, "job-2", JobBody(), ttl_s=60) == ""
    assert take_body(store, "") == JobBody()


def test_caller_deadline_is_capped_below_the_lock() -> None:
    settings = Settings(job_timeout_s=60, max_job_s=110, lock_ttl_s=120)
    assert settings.job_budget_s(0) == 60
    assert settings.job_budget_s(3600) == 110
    with pytest.raises(ValueError, match="lock_ttl_s"):
        Settings(max_job_s=120, lock_ttl_s=120)
