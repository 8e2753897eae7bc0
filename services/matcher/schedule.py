"""The periodic ingestion schedule (Celery beat), built from settings: one entry per
configured feed and NYT query, so operators add sources by configuration, not code."""

from __future__ import annotations

from typing import Any

from services.common.config import Settings

NYT_INTERVAL_S = 3600


def beat_schedule(settings: Settings) -> dict[str, dict[str, Any]]:
    """Celery beat entries for every configured wire source."""
    schedule: dict[str, dict[str, Any]] = {}
    for feed in settings.wire_feeds:
        url, outlet = feed.get("url", ""), feed.get("outlet", "")
        if not url or not outlet:
            raise ValueError(f"CREDENCE_WIRE_FEEDS entry needs url and outlet: {feed!r}")
        schedule[f"rss:{outlet}:{url}"] = {
            "task": "credence.matcher.ingest_rss",
            "schedule": float(settings.feed_interval_s),
            "args": (url, outlet),
        }
    if settings.nyt_api_key:
        for query in settings.nyt_queries:
            schedule[f"nyt:{query}"] = {
                "task": "credence.matcher.ingest_nyt",
                "schedule": float(NYT_INTERVAL_S),
                "args": (query,),
            }
    return schedule
