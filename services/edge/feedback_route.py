"""`POST /v1/feedback`: a reader's note that a rating looks wrong, from the extension.

The note is checked (size caps, URL), the caller admitted (an API key when the operator
requires keys, as for the Connect API) and rate-limited per client (an API key's id, else
the peer address) with a token bucket in the state Redis, then stored for operators.
Failures are JSON in the Connect error shape, each with an ErrorInfo reason; a client over
its rate gets 429 with Retry-After.
"""

from __future__ import annotations

from dataclasses import dataclass

import grpc
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from services.auth.api_keys import KeyStore, key_id_of, matches
from services.auth.quota import TokenBuckets
from services.common.config import Settings, get_settings
from services.common.errors import ERROR_DOMAIN, CredenceError
from services.common.feedback import (
    MAX_BODY_BYTES,
    FeedbackStore,
    parse_feedback,
    rate_limited,
    too_large,
)
from services.edge.connect_gateway import API_KEY_HEADER

# Per client: a burst of 5 notes, then one a minute.
FEEDBACK_BURST = 5
FEEDBACK_RATE_PER_S = 1 / 60

_HTTP_STATUS = {
    grpc.StatusCode.INVALID_ARGUMENT: 400,
    grpc.StatusCode.UNAUTHENTICATED: 401,
    grpc.StatusCode.PERMISSION_DENIED: 403,
    grpc.StatusCode.RESOURCE_EXHAUSTED: 429,
    grpc.StatusCode.UNAVAILABLE: 503,
}


@dataclass
class FeedbackDesk:
    """What the route needs: the store, the rate limiter and, when keys are required, the
    key store."""

    store: FeedbackStore
    buckets: TokenBuckets
    keys: KeyStore | None

    @classmethod
    def from_settings(cls, settings: Settings) -> FeedbackDesk:
        store = FeedbackStore(settings.state_url)
        keys = None
        if settings.require_api_key:
            keys = KeyStore(settings.api_keys_url or settings.state_url)
        return cls(store, TokenBuckets(store.redis), keys)


def error_response(error: CredenceError) -> JSONResponse:
    """`error` as a Connect-style JSON error (code, message, ErrorInfo detail)."""
    status = _HTTP_STATUS.get(error.code, 500)
    info = {"reason": error.reason, "domain": ERROR_DOMAIN, "metadata": error.metadata}
    body = {
        "code": error.code.name.lower(),
        "message": error.message,
        "reason": error.reason,
        "details": [{"type": "google.rpc.ErrorInfo", "debug": info}],
    }
    headers = {"Cache-Control": "no-store"}
    if status == 429:
        headers["Retry-After"] = error.metadata.get("retry_after_s", "60")
    return JSONResponse(body, status_code=status, headers=headers)


def _desk(request: Request) -> FeedbackDesk:
    desk = getattr(request.app.state, "feedback_desk", None)
    if desk is None:
        desk = FeedbackDesk.from_settings(get_settings())
        request.app.state.feedback_desk = desk
    return desk


async def _client(request: Request, desk: FeedbackDesk) -> str:
    """Who is sending: the API key's id (checked when keys are required), else the peer."""
    key = request.headers.get(API_KEY_HEADER, "")
    if desk.keys is None:
        key_id = key_id_of(key) if key else None
        return f"key:{key_id}" if key_id else f"ip:{request.client.host if request.client else '-'}"
    if not key:
        raise CredenceError(
            grpc.StatusCode.UNAUTHENTICATED,
            "API_KEY_MISSING",
            f"send an API key in {API_KEY_HEADER}",
        )
    key_id = key_id_of(key)
    record = await desk.keys.aget(key_id) if key_id else None
    if record is None or not matches(record, key):
        raise CredenceError(
            grpc.StatusCode.UNAUTHENTICATED,
            "API_KEY_INVALID",
            f"the {API_KEY_HEADER} is not a valid key",
        )
    if record.revoked:
        raise CredenceError(
            grpc.StatusCode.PERMISSION_DENIED,
            "API_KEY_REVOKED",
            f"API key {record.key_id} has been revoked",
        )
    return f"key:{record.key_id}"


async def post_feedback(request: Request) -> Response:
    """Stores one note; 201 with its id."""
    desk = _desk(request)
    try:
        if int(request.headers.get("content-length") or 0) > MAX_BODY_BYTES:
            raise too_large()
        client = await _client(request, desk)
        record = parse_feedback(await request.body(), client)
        take = await desk.buckets.take(f"feedback:{client}", FEEDBACK_RATE_PER_S, FEEDBACK_BURST)
        if not take.allowed:
            raise rate_limited(client, take.retry_after_s)
        await desk.store.add(record)
    except CredenceError as error:
        return error_response(error)
    return JSONResponse({"id": record.id, "received": True}, status_code=201)


FEEDBACK_ROUTE = Route("/v1/feedback", post_feedback, methods=["POST"])
