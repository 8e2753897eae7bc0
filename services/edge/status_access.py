"""Who may see what on the status page: its figures are for everyone the edge serves, but
the latest reports' URLs, titles and job ids (what callers looked at) only for an operator.
When API keys are required (a deployed stack), `/status.json` shows them only to a request
with an operator's key in `x-api-key` (`credence keys create --operator`); without keys (a
stack on loopback) everything is shown. `/metrics` holds no URL, title or job id at all: its
labels are bounded (routes, methods, stages, reasons)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from starlette.requests import Request

from services.auth.api_keys import KeyStore, key_id_of, matches
from services.auth.interceptor import API_KEY_HEADER
from services.common.config import Settings
from services.common.errors import CredenceError

# What identifies a caller's reading; the rest of a report line (domain, score, label) stays.
PRIVATE_REPORT_FIELDS = ("job_id", "url", "title")


@lru_cache(maxsize=4)
def _key_store(url: str) -> KeyStore:
    return KeyStore(url)


async def is_operator(request: Request, settings: Settings) -> bool:
    """True when the request carries a valid, unrevoked operator's key."""
    key = request.headers.get(API_KEY_HEADER, "")
    key_id = key_id_of(key)
    if key_id is None:
        return False
    try:
        record = await _key_store(settings.api_keys_url or settings.state_url).aget(key_id)
    except CredenceError:  # the key store is down: no details, the figures still show
        return False
    return record is not None and not record.revoked and record.operator and matches(record, key)


def redact(figures: dict[str, Any]) -> dict[str, Any]:
    """The figures without the latest reports' URLs, titles and job ids."""
    reports = [
        {k: v for k, v in line.items() if k not in PRIVATE_REPORT_FIELDS}
        for line in figures.get("recent_reports", [])
    ]
    return {**figures, "recent_reports": reports}


async def visible_figures(
    request: Request, settings: Settings, figures: dict[str, Any]
) -> dict[str, Any]:
    """The figures this request may see."""
    if not settings.require_api_key or await is_operator(request, settings):
        return figures
    return redact(figures)
