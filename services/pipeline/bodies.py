"""Large job inputs stay out of broker messages: the HTML or text a caller sends (up to
max_body_bytes, 5 MiB) is stored in the state Redis under the job's own key with a TTL,
and the tasks carry only that key. Broker messages stay small (the broker keeps every queued
message in memory and in its append-only file), and a body is read only by the stage that
needs it."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

import grpc

from services.common.cache import Cache
from services.common.errors import CredenceError
from services.pipeline.keys import body_key


@dataclass(frozen=True)
class JobBody:
    """What the caller sent instead of a URL to fetch (either may be empty)."""

    html: str = ""
    text: str = ""

    @property
    def empty(self) -> bool:
        return not self.html and not self.text


def put_body(store: Cache, job_id: str, body: JobBody, ttl_s: int) -> str:
    """Stores `body` for `job_id` for `ttl_s` seconds; returns the key the tasks carry, or ""
    when there is nothing to store."""
    if body.empty:
        return ""
    key = body_key(job_id)
    store.set(key, json.dumps(asdict(body)).encode(), ttl_s)
    return key


def take_body(store: Cache, key: str) -> JobBody:
    """The body stored under `key` ("" means none); a body gone (its TTL ran out before the
    job got to it) fails the job clearly instead of scoring nothing."""
    if not key:
        return JobBody()
    raw = store.get(key)
    if raw is None:
        raise CredenceError(
            grpc.StatusCode.DEADLINE_EXCEEDED,
            "JOB_INPUT_EXPIRED",
            "the article the caller sent expired before the job could read it",
        )
    return JobBody(**json.loads(raw))


def drop_body(store: Cache, key: str) -> None:
    """Deletes a stored body once its job has finished with it."""
    if key:
        store.delete(key)
