"""Readers' "this rating looks wrong" notes, kept for operators.

The extension sends a note only when the reader presses Send. Each note is validated (size
caps, an http(s) URL), stored as one JSON line in a capped Redis list in the state Redis
(newest first, the oldest dropped past `MAX_STORED`), and listed by `credence feedback list`.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import asdict, dataclass
from typing import Any

import grpc
import redis
import redis.asyncio as aioredis
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from services.common.errors import CredenceError, invalid_argument, unavailable
from services.common.redis_clients import async_client, sync_client
from services.common.urls import validate_url

FEEDBACK_KEY = "credence:feedback"
MAX_STORED = 10_000
MAX_BODY_BYTES = 8 * 1024
MAX_NOTE_CHARS = 2000
MAX_URL_CHARS = 2048
REDIS_TIMEOUT_S = 2.0


class FeedbackRequest(BaseModel):
    """What the extension sends (proto3-JSON style camelCase names)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    url: str = Field(max_length=MAX_URL_CHARS)
    note: str = Field(default="", max_length=MAX_NOTE_CHARS)
    score: float | None = Field(default=None, ge=0, le=100)
    model_version: str = Field(default="", max_length=64, alias="modelVersion")


@dataclass(frozen=True)
class FeedbackRecord:
    """One stored note."""

    id: str
    received_at: float
    client: str
    url: str
    note: str
    score: float | None
    model_version: str

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: bytes | str) -> FeedbackRecord:
        return cls(**json.loads(raw))


def _violation(error: ValidationError) -> CredenceError:
    first = error.errors()[0]
    field = ".".join(str(part) for part in first["loc"]) or "body"
    reason = "FEEDBACK_FIELD_UNKNOWN" if first["type"] == "extra_forbidden" else "FEEDBACK_INVALID"
    if first["type"] == "string_too_long":
        reason = "FEEDBACK_TOO_LONG"
    return invalid_argument(field, str(first["msg"]), reason)


def too_large() -> CredenceError:
    """INVALID_ARGUMENT for a body past the cap."""
    return invalid_argument("body", f"larger than {MAX_BODY_BYTES} bytes", "FEEDBACK_TOO_LARGE")


def parse_feedback(body: bytes, client: str, now: float | None = None) -> FeedbackRecord:
    """The record of a request body, or INVALID_ARGUMENT naming what was wrong."""
    if len(body) > MAX_BODY_BYTES:
        raise too_large()
    try:
        document: Any = json.loads(body or b"null")
    except (ValueError, UnicodeDecodeError) as error:
        raise invalid_argument("body", f"is not JSON ({error})", "FEEDBACK_NOT_JSON") from None
    if not isinstance(document, dict):
        raise invalid_argument("body", "must be a JSON object", "FEEDBACK_NOT_JSON")
    try:
        request = FeedbackRequest.model_validate(document)
    except ValidationError as error:
        raise _violation(error) from None
    url = validate_url(request.url)
    return FeedbackRecord(
        id=uuid.uuid4().hex,
        received_at=time.time() if now is None else now,
        client=client,
        url=url,
        note=request.note.strip(),
        score=request.score,
        model_version=request.model_version,
    )


class FeedbackStore:
    """The capped list of notes in Redis: async `add` for the edge, sync `latest` for the CLI."""

    def __init__(self, url: str, cap: int = MAX_STORED) -> None:
        self._url = url
        self._cap = cap
        self._async: aioredis.Redis | None = None

    @property
    def redis(self) -> aioredis.Redis:
        if self._async is None:
            self._async = async_client(self._url, REDIS_TIMEOUT_S)
        return self._async

    async def add(self, record: FeedbackRecord) -> None:
        """Stores `record` first in the list and drops what is past the cap."""
        try:
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.lpush(FEEDBACK_KEY, record.to_json())
                pipe.ltrim(FEEDBACK_KEY, 0, self._cap - 1)
                await pipe.execute()
        except (redis.RedisError, OSError) as error:
            raise unavailable("feedback store", str(error)) from error

    def latest(self, limit: int) -> list[FeedbackRecord]:
        """The newest `limit` notes, newest first."""
        try:
            raw = sync_client(self._url, REDIS_TIMEOUT_S).lrange(FEEDBACK_KEY, 0, limit - 1)
        except (redis.RedisError, OSError) as error:
            raise unavailable("feedback store", str(error)) from error
        return [FeedbackRecord.from_json(item) for item in raw]


def rate_limited(client: str, retry_after_s: float) -> CredenceError:
    """RESOURCE_EXHAUSTED for a client that sent too many notes."""
    return CredenceError(
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        "FEEDBACK_RATE_LIMITED",
        f"too many feedback notes from this client; try again in {max(retry_after_s, 1):.0f} s",
        metadata={"client": client, "retry_after_s": f"{max(retry_after_s, 0):.0f}"},
    )
