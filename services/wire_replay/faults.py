"""Failures the replay can be switched into, each in the shape the real source answers."""

from __future__ import annotations

import enum

from services.wire_replay import nyt
from services.wire_replay.replies import HTML_TYPE, JSON_TYPE, Reply

GDELT_RATE_LIMIT = (
    "Please limit requests to one every 5 seconds or contact kalev.leetaru5@gmail.com"
    " for larger queries."
)
# An upstream error page cut off mid-way, sent as if it were the JSON answer.
GARBAGE_BODY = (
    b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n"
    b"<body><h1>Bad Gateway</h1><p>The proxy server received an invalid response from an up"
)
SERVER_ERROR_BODY = (
    b"<html><head><title>503 Service Unavailable</title></head>"
    b"<body><h1>Service Unavailable</h1></body></html>\n"
)


class Fault(enum.Enum):
    """What the replay answers instead of the recorded coverage."""

    RATE_LIMITED = "rate_limited"
    """HTTP 429: GDELT's plain-text request to slow down; NYT's QuotaViolation fault."""
    RATE_LIMITED_200 = "rate_limited_200"
    """GDELT's older answer: the same sentence with HTTP 200 (NYT: as RATE_LIMITED)."""
    GARBAGE = "garbage"
    """HTTP 200, Content-Type application/json, a truncated HTML error page as body."""
    SERVER_ERROR = "server_error"
    """HTTP 503 with an HTML error page."""
    SLOW = "slow"
    """The normal answer after a delay (cut short, unanswered, when the replay stops)."""


class Endpoint(enum.Enum):
    """The endpoints a fault can apply to."""

    GDELT = "gdelt"
    NYT = "nyt"
    PAGE = "page"


SEARCH_ENDPOINTS = frozenset({Endpoint.GDELT, Endpoint.NYT})


def fault_reply(kind: Fault, endpoint: Endpoint, api_key: str = "") -> Reply:
    """The answer `kind` gives in place of the endpoint's own (SLOW has none of its own)."""
    if kind in (Fault.RATE_LIMITED, Fault.RATE_LIMITED_200):
        if endpoint is Endpoint.NYT:
            return nyt.rate_limited(api_key)
        if kind is Fault.RATE_LIMITED_200:
            return Reply.text(GDELT_RATE_LIMIT, 200, content_type=HTML_TYPE)
        return Reply.text(GDELT_RATE_LIMIT, 429)
    if kind is Fault.GARBAGE:
        return Reply(200, JSON_TYPE, GARBAGE_BODY)
    if kind is Fault.SERVER_ERROR:
        return Reply(503, HTML_TYPE, SERVER_ERROR_BODY)
    raise ValueError(f"{kind} has no answer of its own")
