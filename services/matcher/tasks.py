"""Celery tasks that keep the wire index fresh: periodic pulls of RSS feeds, the NYT and
GDELT APIs, and one-off loads of local corpora.

The Celery app is not created here: `register_tasks(app)` adds the tasks to the app it is
given, and `register_default()` imports the pipeline's app lazily, so importing this module
never needs a broker. Tasks are idempotent (the index skips held stories), acknowledged
late, and retried with backoff and jitter on transient errors only; a rate limit waits as
long as the source asked.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

import httpx

from services.common import http_clients
from services.common.config import get_settings
from services.matcher.index import open_index
from services.matcher.ingest import StorySink, ingest, local_adapter
from services.matcher.remote_index import MatcherServiceIndex
from services.matcher.sources.base import RateLimitedError, SourceAdapter, SourceError
from services.matcher.sources.remote import GdeltAdapter, NytAdapter, RssAdapter

_LOGGER = logging.getLogger(__name__)

HTTP_TIMEOUT_S = 20.0


@lru_cache(maxsize=1)
def _index() -> StorySink:
    """The matcher service in the stack; the local index when embedded."""
    settings = get_settings()
    if settings.embedded:
        return open_index(settings.resolved_index_dir)
    return MatcherServiceIndex(settings.matcher_addr)


def _client() -> httpx.Client:
    """Feeds and news APIs: bodies capped like fetched pages, no proxies from the env."""
    settings = get_settings()
    return http_clients.sync_client(
        max_bytes=settings.max_body_bytes,
        timeout_s=HTTP_TIMEOUT_S,
        user_agent=settings.user_agent,
        follow_redirects=True,
    )


def run_adapter(adapter: SourceAdapter) -> dict[str, int]:
    """Ingests one adapter into the process's index."""
    added, skipped = ingest(adapter, _index())
    return {"added": added, "skipped": skipped}


def ingest_rss(url: str, outlet: str) -> dict[str, int]:
    """Pulls one feed."""
    with _client() as client:
        return run_adapter(RssAdapter(client, url, outlet))


def ingest_nyt(query: str, days: int = 3) -> dict[str, int]:
    """Pulls NYT articles of the last `days` days matching `query`."""
    end = datetime.now(UTC)
    key = get_settings().nyt_api_key
    with _client() as client:
        return run_adapter(NytAdapter(client, key, query, end - timedelta(days=days), end))


def ingest_gdelt(query: str, hours: int = 24) -> dict[str, int]:
    """Pulls wire-domain articles GDELT saw in the last `hours` hours matching `query`."""
    end = datetime.now(UTC)
    with _client() as client:
        return run_adapter(GdeltAdapter(client, query, end - timedelta(hours=hours), end))


def ingest_local(source: str, limit: int | None = None) -> dict[str, int]:
    """Loads a corpus of the data folder."""
    return run_adapter(local_adapter(source, get_settings().data_dir, limit))


def _retrying(task: Any, func: Any, *args: Any, **kwargs: Any) -> dict[str, int]:
    try:
        return dict(func(*args, **kwargs))
    except RateLimitedError as error:
        raise task.retry(exc=error, countdown=error.retry_after_s) from error
    except SourceError as error:
        if error.transient:
            countdown = min(600, 2**task.request.retries * 10)
            raise task.retry(exc=error, countdown=countdown) from error
        _LOGGER.warning("ingestion failed, not retrying: %s", error)
        raise


def register_tasks(app: Any) -> dict[str, Any]:
    """Defines the ingestion tasks on `app`; returns them by short name."""
    options: dict[str, Any] = {"bind": True, "acks_late": True, "max_retries": 5}
    funcs = {
        "rss": ingest_rss,
        "nyt": ingest_nyt,
        "gdelt": ingest_gdelt,
        "local": ingest_local,
    }
    tasks: dict[str, Any] = {}
    for short, func in funcs.items():

        def body(self: Any, *args: Any, _func: Any = func, **kwargs: Any) -> dict[str, int]:
            return _retrying(self, _func, *args, **kwargs)

        body.__name__ = func.__name__
        body.__doc__ = func.__doc__
        tasks[short] = app.task(name=f"credence.matcher.{func.__name__}", **options)(body)
    return tasks


def register_default() -> dict[str, Any]:
    """Defines the tasks on the pipeline's Celery app (imported only when called)."""
    from services.pipeline.celery_app import app

    return register_tasks(app)
