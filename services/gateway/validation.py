"""Request validation for every field of every ReliabilityService RPC. Each check raises
INVALID_ARGUMENT with a BadRequest field violation naming the field, and an ErrorInfo reason
a program can branch on (URL_EMPTY, BODY_TOO_LARGE, JOB_ID_MALFORMED, ...)."""

from __future__ import annotations

from credence.v1 import reliability_pb2

from services.common.errors import CredenceError, invalid_argument
from services.common.urls import validate_url

MAX_JOB_ID_LENGTH = 64
MAX_DOMAIN_LENGTH = 2048
MAX_ITEM_ID_LENGTH = 256


def job_id(value: str, field: str = "job_id") -> str:
    """A job id as ScoreUrl and ScoreArticle hand them out (letters and digits)."""
    value = value.strip()
    if not value:
        raise invalid_argument(field, "must not be empty", "JOB_ID_EMPTY")
    if len(value) > MAX_JOB_ID_LENGTH or not value.isascii() or not value.isalnum():
        raise invalid_argument(field, "is not a job id", "JOB_ID_MALFORMED")
    return value


def domain(value: str, field: str = "domain") -> str:
    """A domain name or URL for GetSourceRating."""
    value = value.strip()
    if not value:
        raise invalid_argument(field, "must not be empty", "DOMAIN_EMPTY")
    if len(value) > MAX_DOMAIN_LENGTH or any(c.isspace() or ord(c) < 32 for c in value):
        raise invalid_argument(field, "is not a domain name or URL", "DOMAIN_MALFORMED")
    return value


def body(html: str, text: str, max_bytes: int, required: bool) -> None:
    """At most one (exactly one when `required`) of html and text, within `max_bytes`."""
    if html and text:
        raise invalid_argument("text", "set only one of html and text", "ARTICLE_BODY_AMBIGUOUS")
    if required and not (html or text):
        raise invalid_argument("html", "set exactly one of html and text", "ARTICLE_BODY_MISSING")
    field, value = ("html", html) if html else ("text", text)
    if value and not value.strip():
        raise invalid_argument(field, "must not be only whitespace", "ARTICLE_BODY_EMPTY")
    if len(value.encode()) > max_bytes:
        raise invalid_argument(field, f"larger than {max_bytes} bytes", "BODY_TOO_LARGE")


def score_url(request: reliability_pb2.ScoreUrlRequest) -> str:
    """The URL of a ScoreUrl request (refresh is a plain bool, always valid)."""
    return validate_url(request.url)


def score_article(request: reliability_pb2.ScoreArticleRequest, max_bytes: int) -> str:
    """The URL of a ScoreArticle request, whose body is checked too."""
    url = validate_url(request.url)
    body(request.html, request.text, max_bytes, required=True)
    return url


def batch_item(request: reliability_pb2.ScoreBatchRequest, max_bytes: int) -> str:
    """The URL of one ScoreBatch item (item_id is checked by the batch runner)."""
    url = validate_url(request.url)
    body(request.html, request.text, max_bytes, required=False)
    return url


def item_id(value: str, seen: set[str]) -> CredenceError | None:
    """What is wrong with a batch item id, or None; ids must be unique within a stream."""
    if not value:
        return invalid_argument("item_id", "must not be empty", "ITEM_ID_EMPTY")
    if len(value) > MAX_ITEM_ID_LENGTH:
        return invalid_argument(
            "item_id", f"longer than {MAX_ITEM_ID_LENGTH} characters", "ITEM_ID_TOO_LONG"
        )
    if any(ord(c) < 32 for c in value):
        return invalid_argument("item_id", "contains control characters", "ITEM_ID_MALFORMED")
    if value in seen:
        return invalid_argument(
            "item_id", f"{value!r} was already sent in this stream", "ITEM_ID_DUPLICATE"
        )
    return None
