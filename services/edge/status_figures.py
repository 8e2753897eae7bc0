"""The figures of the operators' status page, gathered by the edge: it scrapes every
process's Prometheus /metrics (addresses from `CREDENCE_STATUS_TARGETS`), reads the
workers' heartbeats, the queue and the latest reports from Redis, and asks the matcher
for its index stats. Rates and percentiles are computed over the window since an earlier
gathering (kept in memory, up to `WINDOW_S` back), the way Prometheus's rate() and
histogram_quantile() would."""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import grpc
import httpx
import redis
from credence.v1 import matcher_pb2, matcher_pb2_grpc, reliability_pb2
from prometheus_client.parser import text_string_to_metric_families

from services.common import http_clients
from services.common.config import Settings
from services.pipeline import ops_state
from services.pipeline.queue import QUEUE

_LOGGER = logging.getLogger(__name__)

WINDOW_S = 300.0
SAMPLE_EVERY_S = 30.0
SCRAPE_TIMEOUT_S = 2.0
FRONT_DOOR = reliability_pb2.DESCRIPTOR.services_by_name["ReliabilityService"].full_name
SCORING_METHODS = ("ScoreUrl", "ScoreArticle")
STAGES = ("fetch", "match", "score")

Labels = tuple[tuple[str, str], ...]
SeriesKey = tuple[str, str, Labels]
"""(service, sample name, sorted labels)."""


@dataclass
class Snapshot:
    """Every sample of every process at one moment."""

    at: float
    series: dict[SeriesKey, float] = field(default_factory=dict)
    up: dict[str, bool] = field(default_factory=dict)
    build: dict[str, dict[str, str]] = field(default_factory=dict)

    def total(self, name: str, where: Callable[[dict[str, str]], bool] = lambda _: True) -> float:
        """The sum of every series called `name` whose labels satisfy `where`."""
        return sum(
            v for (_, n, labels), v in self.series.items() if n == name and where(dict(labels))
        )

    def by_label(
        self,
        name: str,
        label: str,
        where: Callable[[dict[str, str]], bool] = lambda _: True,
        service: str = "",
    ) -> dict[str, float]:
        """Sums of the series called `name` (of one service, when given), by one label."""
        out: dict[str, float] = {}
        for (svc, n, labels), value in self.series.items():
            got = dict(labels)
            if n == name and where(got) and (not service or svc == service):
                out[got.get(label, "")] = out.get(got.get(label, ""), 0.0) + value
        return out


def parse_metrics(service: str, text: str, into: Snapshot) -> None:
    """Adds the samples of one /metrics page to a snapshot."""
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = tuple(sorted(sample.labels.items()))
            if sample.name == "credence_build_info":
                into.build[service] = dict(sample.labels)
            key = (service, sample.name, labels)
            into.series[key] = into.series.get(key, 0.0) + float(sample.value)


def quantile(q: float, buckets: dict[float, float]) -> float | None:
    """histogram_quantile over cumulative bucket counts by upper bound (le)."""
    if not buckets:
        return None
    bounds = sorted(buckets)
    total = buckets[bounds[-1]]
    if total <= 0:
        return None
    rank = q * total
    lower, below = 0.0, 0.0
    for bound in bounds:
        count = buckets[bound]
        if count >= rank:
            if math.isinf(bound):
                return lower
            width = count - below
            return lower + (bound - lower) * ((rank - below) / width if width > 0 else 1.0)
        lower, below = bound, count
    return lower


def _buckets(
    snap: Snapshot, name: str, where: Callable[[dict[str, str]], bool]
) -> dict[float, float]:
    out: dict[float, float] = {}
    for (_, n, labels), value in snap.series.items():
        got = dict(labels)
        if n == f"{name}_bucket" and where(got):
            le = float(got["le"])
            out[le] = out.get(le, 0.0) + value
    return out


def _delta(now: float, before: float) -> float:
    """A counter's increase; a process that restarted counts from zero."""
    return now - before if now >= before else now


@dataclass
class Window:
    """Two snapshots: what changed between them."""

    now: Snapshot
    before: Snapshot | None

    @property
    def seconds(self) -> float:
        return self.now.at - self.before.at if self.before else 0.0

    def increase(
        self, name: str, where: Callable[[dict[str, str]], bool] = lambda _: True
    ) -> float:
        current = self.now.total(name, where)
        return _delta(current, self.before.total(name, where)) if self.before else current

    def rate(self, name: str, where: Callable[[dict[str, str]], bool] = lambda _: True) -> float:
        """Per second over the window (0 without one)."""
        return self.increase(name, where) / self.seconds if self.seconds > 0 else 0.0

    def percentiles(
        self,
        name: str,
        where: Callable[[dict[str, str]], bool],
        qs: Iterable[float] = (0.5, 0.95),
    ) -> dict[str, float | None]:
        """Percentiles (seconds) over the window when it saw observations, else over the
        processes' lifetime."""
        now = _buckets(self.now, name, where)
        use = now
        if self.before is not None:
            before = _buckets(self.before, name, where)
            diff = {le: _delta(c, before.get(le, 0.0)) for le, c in now.items()}
            if diff and max(diff.values()) > 0:
                use = diff
        return {f"p{round(q * 100)}": quantile(q, use) for q in qs}


def _label_is(name: str, value: str) -> Callable[[dict[str, str]], bool]:
    return lambda labels: labels.get(name) == value


def _front_door(labels: dict[str, str]) -> bool:
    return labels.get("grpc_service") == FRONT_DOOR


def _scoring(labels: dict[str, str]) -> bool:
    return _front_door(labels) and labels.get("grpc_method") in SCORING_METHODS


def summarize(window: Window) -> dict[str, Any]:
    """The status page's figures from a window of snapshots."""
    now = window.now
    hits = window.increase("credence_cache_requests_total", lambda x: x.get("result") == "hit")
    misses = window.increase("credence_cache_requests_total", lambda x: x.get("result") == "miss")
    life_hits = now.total("credence_cache_requests_total", lambda x: x.get("result") == "hit")
    life_all = now.total("credence_cache_requests_total")
    if hits + misses > 0:
        hit_rate: float | None = hits / (hits + misses)
    else:
        hit_rate = life_hits / life_all if life_all else None
    errors = {
        code: count
        for code, count in now.by_label(
            "grpc_server_handled_total", "grpc_code", lambda x: x.get("grpc_code") != "OK"
        ).items()
        if count
    }
    stages = {
        stage: window.percentiles("credence_pipeline_stage_seconds", _label_is("stage", stage))
        for stage in STAGES
    }
    return {
        "window_s": round(window.seconds, 1),
        "throughput": {
            "requests_per_s": round(window.rate("grpc_server_handled_total", _front_door), 3),
            "jobs_per_min": round(
                60 * window.rate("credence_jobs_total", lambda x: x.get("outcome") == "done"), 2
            ),
            "requests_total": now.total("grpc_server_handled_total", _front_door),
            "jobs_done_total": now.total(
                "credence_jobs_total", lambda x: x.get("outcome") == "done"
            ),
            "jobs_failed_total": now.total(
                "credence_jobs_total", lambda x: x.get("outcome") == "failed"
            ),
            "tasks": now.by_label("credence_celery_tasks_total", "state"),
        },
        "latency_s": window.percentiles(
            "grpc_server_handling_seconds", _scoring, (0.5, 0.95, 0.99)
        ),
        "stage_latency_s": stages,
        "cache": {
            "hit_rate": None if hit_rate is None else round(hit_rate, 4),
            "hits_total": life_hits,
            "lookups_total": life_all,
        },
        "single_flight": now.by_label("credence_single_flight_total", "role"),
        "errors": {
            "grpc_by_code": errors,
            # The fetcher counts every failed fetch; the worker counts jobs failed in fetch.
            "fetch_by_reason": {
                r: c
                for r, c in now.by_label(
                    "credence_fetch_errors_total", "reason", service="fetcher"
                ).items()
                if c
            },
            "error_rate": round(
                window.rate(
                    "grpc_server_handled_total",
                    lambda x: _front_door(x) and x.get("grpc_code") != "OK",
                ),
                4,
            ),
        },
        "scores": {
            "count": now.total("credence_report_score_count"),
            "mean": (
                round(now.total("credence_report_score_sum") / c, 1)
                if (c := now.total("credence_report_score_count"))
                else None
            ),
        },
        "services": {
            name: {"up": up, **now.build.get(name, {})} for name, up in sorted(now.up.items())
        },
    }


class StatusGatherer:
    """Gathers snapshots and the Redis and matcher figures, keeping a window of history."""

    def __init__(self, settings: Settings, own_metrics: Callable[[], str]) -> None:
        self._settings = settings
        self._own_metrics = own_metrics
        self._history: deque[Snapshot] = deque(maxlen=512)
        self._lock = asyncio.Lock()
        self._http: httpx.AsyncClient | None = None
        self._matcher: grpc.aio.Channel | None = None
        self._state = ops_state.connect(settings.state_url)
        self._broker = ops_state.connect(settings.broker_url)

    async def close(self) -> None:
        if self._http is not None:
            await self._http.aclose()
        if self._matcher is not None:
            await self._matcher.close()

    async def _scrape(self, name: str, url: str, into: Snapshot) -> None:
        if self._http is None:
            self._http = http_clients.async_client(
                max_bytes=self._settings.max_body_bytes, timeout_s=SCRAPE_TIMEOUT_S
            )
        try:
            response = await self._http.get(url)
            response.raise_for_status()
        except httpx.HTTPError as error:
            _LOGGER.debug("scrape of %s (%s) failed: %s", name, url, error)
            into.up[name] = False
            return
        try:
            parse_metrics(name, response.text, into)
        except ValueError as error:
            _LOGGER.warning("%s (%s) did not answer Prometheus text: %s", name, url, error)
            into.up[name] = False
            return
        into.up[name] = True

    async def snapshot(self) -> Snapshot:
        """Scrapes every target and this process now."""
        snap = Snapshot(at=time.time())
        targets = self._settings.status_targets
        await asyncio.gather(*(self._scrape(n, u, snap) for n, u in targets.items()))
        snap.up["edge"] = True
        parse_metrics("edge", self._own_metrics(), snap)
        return snap

    def _baseline(self, now: Snapshot) -> Snapshot | None:
        earlier = [s for s in self._history if s.at < now.at]
        if not earlier:
            return None
        recent = [s for s in earlier if now.at - s.at <= WINDOW_S]
        return recent[0] if recent else earlier[-1]

    async def _redis_figures(self) -> dict[str, Any]:
        def read() -> dict[str, Any]:
            out: dict[str, Any] = {"redis_up": True}
            try:
                out["queue_depth"] = ops_state.queue_length(self._broker, QUEUE)
                workers = ops_state.live_workers(self._state)
                out["workers"] = [
                    {"hostname": w.get("hostname"), "seen_s_ago": round(time.time() - w["at"], 1)}
                    for w in workers
                    if isinstance(w.get("at"), int | float)
                ]
                out["workers_up"] = len(out["workers"])
                out["recent_reports"] = ops_state.recent_reports(
                    self._state, self._settings.status_recent_reports
                )
            except (redis.RedisError, OSError) as error:
                _LOGGER.warning("status: Redis unavailable: %s", error)
                out = {"redis_up": False, "queue_depth": None, "workers_up": 0, "workers": []}
                out["recent_reports"] = []
            return out

        return await asyncio.to_thread(read)

    async def _ingest(self) -> dict[str, Any]:
        if self._matcher is None:
            from services.common.channels import async_channel

            self._matcher = async_channel(self._settings.matcher_addr)
        stub = matcher_pb2_grpc.MatcherServiceStub(self._matcher)
        try:
            stats = await stub.GetIndexStats(
                matcher_pb2.GetIndexStatsRequest(), timeout=SCRAPE_TIMEOUT_S
            )
        except grpc.aio.AioRpcError as error:
            return {"available": False, "error": error.code().name, "sources": []}
        now = time.time()
        sources = []
        for source, count in sorted(stats.stories_by_source.items()):
            newest_s: float | None = None
            if source in stats.newest_by_source:
                stamp = stats.newest_by_source[source]
                newest_s = stamp.seconds + stamp.nanos / 1e9
            sources.append(
                {
                    "source": source,
                    "stories": count,
                    "newest": newest_s,
                    "age_s": None if newest_s is None else round(max(0.0, now - newest_s)),
                }
            )
        return {
            "available": True,
            "stories": stats.stories,
            "size_bytes": stats.size_bytes,
            "sources": sources,
        }

    async def sample(self) -> None:
        """Keeps a snapshot for later windows (taken at start and every SAMPLE_EVERY_S)."""
        async with self._lock:
            self._history.append(await self.snapshot())

    async def run_sampler(self, every_s: float = SAMPLE_EVERY_S) -> None:
        """Samples until cancelled, so rates always have a recent baseline."""
        while True:
            try:
                await self.sample()
            except Exception as error:  # a failed sample must not end the sampler
                _LOGGER.warning("status sample failed: %s", error)
            await asyncio.sleep(every_s)

    async def gather(self) -> dict[str, Any]:
        """Every figure of the status page, now."""
        async with self._lock:
            snap, redis_figures, ingest = await asyncio.gather(
                self.snapshot(), self._redis_figures(), self._ingest()
            )
            window = Window(snap, self._baseline(snap))
            self._history.append(snap)
        figures = summarize(window)
        figures.update(
            generated_at=snap.at,
            queue={"depth": redis_figures.get("queue_depth"), "name": QUEUE},
            workers={
                "up": redis_figures.get("workers_up", 0),
                "list": redis_figures.get("workers", []),
            },
            redis_up=redis_figures.get("redis_up", False),
            ingest=ingest,
            recent_reports=redis_figures.get("recent_reports", []),
        )
        return figures
