"""Metrics read from Redis at scrape time: the Celery queue's length (LLEN on the broker)
and the workers alive (their heartbeats). They are registered in the scorer process, which
is up whenever the pipeline is, so a backlog or a dead worker fleet is seen even when no
worker is left to report it."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import redis
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import REGISTRY, Collector, CollectorRegistry

from services.common.config import Settings
from services.pipeline import ops_state
from services.pipeline.queue import QUEUE

_LOGGER = logging.getLogger(__name__)


class PipelineRedisCollector(Collector):
    """credence_celery_queue_length{queue} and credence_celery_workers_up, from Redis."""

    def __init__(self, broker_url: str, state_url: str, queue: str = QUEUE) -> None:
        self._broker = ops_state.connect(broker_url)
        self._state = ops_state.connect(state_url)
        self._queue = queue

    def describe(self) -> Iterator[GaugeMetricFamily]:
        """The metric names, without calling Redis (registration must not)."""
        yield from self._families()

    @staticmethod
    def _families() -> tuple[GaugeMetricFamily, GaugeMetricFamily, GaugeMetricFamily]:
        length = GaugeMetricFamily(
            "credence_celery_queue_length",
            "Tasks waiting in the Celery queue on the broker (LLEN at scrape time).",
            labels=["queue"],
        )
        workers = GaugeMetricFamily(
            "credence_celery_workers_up",
            "Celery workers whose heartbeat in Redis is fresh.",
        )
        redis_up = GaugeMetricFamily(
            "credence_pipeline_redis_up", "1 when the broker and state Redis answered the scrape."
        )
        return length, workers, redis_up

    def collect(self) -> Iterator[GaugeMetricFamily]:
        length, workers, redis_up = self._families()
        try:
            length.add_metric([self._queue], ops_state.queue_length(self._broker, self._queue))
            workers.add_metric([], len(ops_state.live_workers(self._state)))
            redis_up.add_metric([], 1)
        except (redis.RedisError, OSError) as error:
            _LOGGER.warning("pipeline metrics unavailable: %s", error)
            redis_up.add_metric([], 0)
            yield redis_up
            return
        yield length
        yield workers
        yield redis_up


def register_pipeline_collector(
    settings: Settings, registry: CollectorRegistry = REGISTRY
) -> PipelineRedisCollector:
    """Adds the queue-length and workers-up gauges to `registry`."""
    collector = PipelineRedisCollector(settings.broker_url, settings.state_url)
    registry.register(collector)
    return collector
