"""Wire evidence on demand, measured in this process against the local replay of the
recorded coverage (`python -m bench.wire_search`, also part of `make bench`):

- the extra latency of on-demand search: the sample article matched with the search (an
  empty index and cache each time) against the same matcher with the search off, in the
  same run, alternating; p50/p99 of the difference and of the search alone (query, source,
  pages read through the in-process fetcher, index add);
- the per-query cache: a second article about the same event, and how many of its searches
  were answered without a request (cache or warm index);
- the share of a stream of articles about one event that needed a live search at all;
- the false-support rate: articles scored against Reuters-21578 and FNC-1 stories re-dated
  into their window (`services.matcher.false_support`).

GDELT's one-request-per-five-seconds limit is set aside here (the replay is local) so that
latency, not waiting, is measured; the limiter has its own tests.
"""

from __future__ import annotations

import asyncio
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from credence.v1 import article_pb2, fetcher_pb2, matcher_pb2

from bench.stats import percentile
from services.common.config import Settings
from services.fetcher.core import Fetcher
from services.matcher.claims import CheckWorthinessModel
from services.matcher.core import Matcher
from services.matcher.false_support import fill_index, measure
from services.matcher.index import TantivyIndex
from services.matcher.stance import StanceModel
from services.matcher.wire.pages import reader_over
from services.wire_replay import WireReplay
from services.wire_replay.records import snapshot_folder

SAMPLE = "samples/globalresearch-kremlin-drone-2023.txt"
SAMPLE_URL = "https://www.globalresearch.ca/kremlin-under-drone-attack/5817979"
GDELT_PATH = "/api/v2/doc/doc"
PUBLISHED = datetime(2023, 5, 3, tzinfo=UTC)
FOLLOW_UPS = (
    (
        "Kremlin blames Washington for drone attack",
        "Kremlin spokesman Dmitry Peskov said on Thursday that the United States was behind the"
        " drone attack on the Kremlin.\nWhite House spokesman John Kirby said Peskov was lying.",
    ),
    (
        "Zelensky denies attacking the Kremlin",
        "Ukrainian President Volodymyr Zelensky denied on Wednesday that Ukraine attacked the"
        " Kremlin or Putin with drones.\nRussia said two drones were shot down over the Kremlin.",
    ),
    (
        "Blinken doubts Russian account of Kremlin drone attack",
        "Secretary of State Antony Blinken said he would take Russian claims about the Kremlin"
        " drone attack with a very large shaker of salt.",
    ),
)


def _article(title: str, text: str, url: str) -> matcher_pb2.MatchRequest:
    article = article_pb2.Article(url=url, title=title, text=text)
    article.published_at.FromDatetime(PUBLISHED)
    return matcher_pb2.MatchRequest(article=article)


class _Setup:
    """Models loaded once; a fresh index and cache per matcher."""

    def __init__(self, replay: WireReplay) -> None:
        self.replay = replay
        self.claims = CheckWorthinessModel.load()
        self.stance = StanceModel.load()

    def matcher(self, folder: Path, *, search: bool) -> Matcher:
        settings = Settings(
            state_dir=folder,
            embedded=True,
            allow_loopback=True,
            obey_robots=False,
            wire_search=search,
            gdelt_url=self.replay.gdelt_url,
            wire_page_mirror=self.replay.page_mirror_url,
            gdelt_min_interval_s=0.01,
            wire_search_budget_s=3.0,
        )
        fetcher = Fetcher(settings)
        lock = threading.Lock()

        def fetch(url: str, timeout_s: float) -> article_pb2.Article:
            with lock:
                call = fetcher.fetch(fetcher_pb2.FetchRequest(url=url))
                return asyncio.run(asyncio.wait_for(call, timeout_s)).article

        return Matcher(
            settings,
            TantivyIndex(folder / "index"),
            claims_model=self.claims,
            stance_model=self.stance,
            pages=reader_over(fetch, settings.wire_page_mirror),
        )


def _latency(setup: _Setup, request: matcher_pb2.MatchRequest, rounds: int) -> dict[str, float]:
    with_search: list[float] = []
    without: list[float] = []
    search_only: list[float] = []
    for _ in range(rounds):
        off = setup.matcher(Path(tempfile.mkdtemp()), search=False)
        start = time.perf_counter()
        off.match(request)
        without.append(time.perf_counter() - start)
        on = setup.matcher(Path(tempfile.mkdtemp()), search=True)
        start = time.perf_counter()
        on.match(request)
        with_search.append(time.perf_counter() - start)
        fresh = setup.matcher(Path(tempfile.mkdtemp()), search=True)
        article = request.article
        start = time.perf_counter()
        fresh.coverage(article.title, [article.title], PUBLISHED)
        search_only.append(time.perf_counter() - start)
    extra = sorted(w - o for w, o in zip(with_search, without, strict=True))
    return {
        "wire_search_extra_p50_ms": round(percentile(extra, 50) * 1000, 1),
        "wire_search_extra_p99_ms": round(percentile(extra, 99) * 1000, 1),
        "wire_search_p50_ms": round(percentile(sorted(search_only), 50) * 1000, 1),
        "wire_search_p99_ms": round(percentile(sorted(search_only), 99) * 1000, 1),
        "match_without_search_p50_ms": round(percentile(sorted(without), 50) * 1000, 1),
    }


def _reuse(setup: _Setup, request: matcher_pb2.MatchRequest) -> dict[str, float]:
    matcher = setup.matcher(Path(tempfile.mkdtemp()), search=True)
    matcher.match(request)
    before = setup.replay.count(GDELT_PATH)
    live = 0
    outcomes = 0
    for title, text in FOLLOW_UPS:
        response = matcher.match(_article(title, text, f"https://example.com/{title[:8]}"))
        for search in response.searches:
            outcomes += 1
            if search.state == matcher_pb2.SEARCH_STATE_SEARCHED and not search.cached_queries:
                live += 1
    requests = setup.replay.count(GDELT_PATH) - before
    return {
        "wire_follow_up_articles": len(FOLLOW_UPS),
        "wire_follow_up_requests": requests,
        "wire_cache_hit_rate_follow_ups": round(1 - live / outcomes, 3) if outcomes else 0.0,
        "wire_live_search_share": round((1 + live) / (1 + len(FOLLOW_UPS)), 3),
    }


def _false_support(setup: _Setup, data_dir: Path, per_source: int) -> dict[str, float]:
    folder = Path(tempfile.mkdtemp())
    index = TantivyIndex(folder / "index")
    stories = fill_index(index, data_dir, per_source)
    settings = Settings(state_dir=folder, wire_search=False)
    matcher = Matcher(settings, index, claims_model=setup.claims, stance_model=setup.stance)
    result = measure(matcher)
    return {
        "false_support_index_stories": stories,
        "false_support_claims": result.claims,
        "false_support_rate": round(result.rate, 4),
        "false_discussed_rate": round(result.discussed / result.claims, 4) if result.claims else 0,
    }


def run(rounds: int = 5, per_source: int = 3000) -> dict[str, Any]:
    """The figures above, as a dict for bench/results/latest.json."""
    data_dir = Settings().data_dir
    text = (data_dir / SAMPLE).read_text(encoding="utf-8")
    request = _article(text.split("\n", 1)[0], text, SAMPLE_URL)
    with WireReplay(snapshot_folder(data_dir)) as replay:
        setup = _Setup(replay)
        results = _latency(setup, request, rounds)
        results.update(_reuse(setup, request))
        results.update(_false_support(setup, data_dir, per_source))
    results["wire_search_rounds"] = rounds
    return results


def print_table(results: dict[str, Any]) -> None:
    rows = (
        ("on-demand search: extra match time p50", "wire_search_extra_p50_ms", "ms"),
        ("on-demand search: extra match time p99", "wire_search_extra_p99_ms", "ms"),
        ("on-demand search alone p50", "wire_search_p50_ms", "ms"),
        ("on-demand search alone p99", "wire_search_p99_ms", "ms"),
        ("match without search p50 (baseline)", "match_without_search_p50_ms", "ms"),
        (
            "follow-up articles: searches answered without a request",
            "wire_cache_hit_rate_follow_ups",
            "",
        ),
        ("articles that needed a live search", "wire_live_search_share", ""),
        ("false-support rate (unrelated index)", "false_support_rate", ""),
    )
    for name, key, unit in rows:
        print(f"  {name:<58} {results[key]:>10} {unit}")


if __name__ == "__main__":
    figures = run()
    print_table(figures)
