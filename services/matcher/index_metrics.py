"""The wire index's size and freshness per source as Prometheus gauges, read from the
index's own stats at scrape time (cached briefly, since they aggregate over every story):
how many stories each source adapter has added, how old its newest story is, and the bytes
on disk. A wire source whose newest story keeps ageing has stopped ingesting."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import REGISTRY, Collector, CollectorRegistry

from services.matcher.index import WireIndex
from services.matcher.stories import IndexStats

_LOGGER = logging.getLogger(__name__)

STATS_MAX_AGE_S = 5.0


class IndexStatsCollector(Collector):
    """credence_index_source_stories, credence_index_source_newest_timestamp_seconds,
    credence_index_source_age_seconds and credence_index_size_bytes."""

    def __init__(self, index: WireIndex, max_age_s: float = STATS_MAX_AGE_S) -> None:
        self._index = index
        self._max_age_s = max_age_s
        self._lock = threading.Lock()
        self._stats: IndexStats | None = None
        self._read_at = 0.0

    def _current(self) -> IndexStats:
        with self._lock:
            now = time.monotonic()
            if self._stats is None or now - self._read_at > self._max_age_s:
                self._stats = self._index.stats()
                self._read_at = now
            return self._stats

    def describe(self) -> Iterator[GaugeMetricFamily]:
        """The metric names, without reading the index (registration must not)."""
        yield from self._families(IndexStats(stories=0, by_source={}, size_bytes=0))

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            stats = self._current()
        except Exception as error:  # a scrape must never fail the process
            _LOGGER.warning("index stats unavailable: %s", error)
            return
        yield from self._families(stats)

    @staticmethod
    def _families(stats: IndexStats) -> Iterator[GaugeMetricFamily]:
        stories = GaugeMetricFamily(
            "credence_index_source_stories",
            "Stories in the wire index, by source adapter.",
            labels=["source"],
        )
        for source, count in sorted(stats.by_source.items()):
            stories.add_metric([source], count)
        newest = GaugeMetricFamily(
            "credence_index_source_newest_timestamp_seconds",
            "Publication time (Unix seconds) of the newest story of each source.",
            labels=["source"],
        )
        age = GaugeMetricFamily(
            "credence_index_source_age_seconds",
            "Age of the newest story of each source (ingest lag), at scrape time.",
            labels=["source"],
        )
        now = time.time()
        for source, when in sorted(stats.newest_by_source.items()):
            newest.add_metric([source], when.timestamp())
            age.add_metric([source], max(0.0, now - when.timestamp()))
        size = GaugeMetricFamily("credence_index_size_bytes", "Wire index size on disk.")
        size.add_metric([], stats.size_bytes)
        yield stories
        yield newest
        yield age
        yield size


def register_index_collector(
    index: WireIndex, registry: CollectorRegistry = REGISTRY
) -> IndexStatsCollector:
    """Adds the index gauges to `registry`."""
    collector = IndexStatsCollector(index)
    registry.register(collector)
    return collector
