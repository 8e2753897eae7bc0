"""Celery tasks that keep the wire index fresh: periodic pulls of RSS feeds, the NYT and
GDELT APIs, and one-off loads of local corpora.

The tasks are shared tasks (the pipeline's Celery app lists this module in its `include`),
so importing this module builds no app and needs no broker. Tasks are idempotent (the index
skips held stories), acknowledged late, and retried with backoff and jitter on transient
errors only; a rate limit waits as long as the source asked.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

import httpx
from celery import Task, shared_task

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
    """The shared database index when configured (any process writes to it directly);
    else the local folder when embedded, or the matcher service, the folder's one writer."""
    settings = get_settings()
    if settings.index_url or settings.embedded:
        return open_index(settings.index_location, settings.index_pool_size)
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


_TASK_OPTIONS: dict[str, Any] = {"bind": True, "acks_late": True, "max_retries": 5}


@shared_task(name="credence.matcher.ingest_rss", **_TASK_OPTIONS)
def ingest_rss_task(self: Task, url: str, outlet: str) -> dict[str, int]:
    """Pulls one feed."""
    return _retrying(self, ingest_rss, url, outlet)


@shared_task(name="credence.matcher.ingest_nyt", **_TASK_OPTIONS)
def ingest_nyt_task(self: Task, query: str, days: int = 3) -> dict[str, int]:
    """Pulls NYT articles of the last `days` days matching `query`."""
    return _retrying(self, ingest_nyt, query, days)


@shared_task(name="credence.matcher.ingest_gdelt", **_TASK_OPTIONS)
def ingest_gdelt_task(self: Task, query: str, hours: int = 24) -> dict[str, int]:
    """Pulls wire-domain articles GDELT saw in the last `hours` hours matching `query`."""
    return _retrying(self, ingest_gdelt, query, hours)


@shared_task(name="credence.matcher.ingest_local", **_TASK_OPTIONS)
def ingest_local_task(self: Task, source: str, limit: int | None = None) -> dict[str, int]:
    """Loads a corpus of the data folder."""
    return _retrying(self, ingest_local, source, limit)
