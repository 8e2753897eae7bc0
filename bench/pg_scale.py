"""The PostgreSQL wire index beside the embedded tantivy one, at 10k, 100k and 1M stories:
per-claim retrieval p50/p99 (top 10, the matcher's query), the same with two processes
querying at once, ingest stories/s and bytes per story (`pg_total_relation_size`), each as
a ratio to tantivy measured in the same run on the same synthetic corpus and claims.

`python -m bench.pg_scale [--sizes 10000,100000,1000000]` runs it alone; `make bench` runs
it after bench/matcher_scale.py (which builds the tantivy indexes reused here) and merges
its figures into bench/results/latest.json.

Each size has its own database on the local server (`credence_bench_<size>`, reused when
complete). Up to `--bulk-above` stories it is filled through `WireIndex.add` in batches
(the ingest rate reported); larger ones by COPY with the full-text index built afterwards.
The server is the one of CREDENCE_BENCH_PG_URL (default postgres on 127.0.0.1:5432).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
from psycopg import sql

from bench import matcher_scale
from bench.matcher_scale import _claim_sentences, _stories, size_label
from bench.stats import merge_results, percentile
from bench.wire_index import _base_stories
from services.common.config import get_settings
from services.matcher.index import WireIndex, open_index
from services.matcher.outlets import canonical_outlet
from services.matcher.pg_index import PostgresIndex
from services.matcher.stories import StoryRecord

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results" / "latest.json"
SERVER_URL = os.environ.get(
    "CREDENCE_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
DEFAULT_SIZES = matcher_scale.DEFAULT_SIZES
TOP_K = 10
CLAIMS = 50
ROUNDS = 3
_BATCH = 10_000
_COPY_COLUMNS = (
    "id",
    "outlet",
    "outlet_key",
    "source",
    "url",
    "title",
    "body",
    "published_at",
    "content_hash",
)


def database_url(size: int) -> str:
    """The URL of the benchmark database of `size` stories."""
    return urlsplit(SERVER_URL)._replace(path=f"/credence_bench_{size_label(size)}").geturl()


def server_answers() -> bool:
    try:
        with psycopg.connect(SERVER_URL, connect_timeout=5):
            return True
    except psycopg.Error:
        return False


# -- building ------------------------------------------------------------------------------


def _recorded_build(url: str, size: int) -> dict[str, Any] | None:
    """The build figures kept in a complete benchmark database, if it is one."""
    try:
        with psycopg.connect(url, connect_timeout=5) as conn:
            row = conn.execute("SELECT info FROM bench_build").fetchone()
    except psycopg.Error:
        return None
    info = json.loads(row[0]) if row else {}
    return info if info.get("size") == size and info.get("stories") else None


def _fresh_database(url: str) -> None:
    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(SERVER_URL, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _distinct(stories: Iterable[StoryRecord]) -> Iterator[StoryRecord]:
    """The stories whose URL and content hash were not seen before."""
    urls: set[str] = set()
    hashes: set[str] = set()
    for story in stories:
        if (story.url and story.url in urls) or story.content_hash in hashes:
            continue
        urls.add(story.url)
        hashes.add(story.content_hash)
        yield story


def _copy_load(index: PostgresIndex, stories: list[StoryRecord] | Any) -> None:
    """COPY into the table with the full-text indexes dropped, then rebuilt: how a large
    archive is loaded in one go (the ranking statistics are counted by the insert trigger,
    once for the whole COPY). COPY has no ON CONFLICT, so the corpus's repeats (the same
    Reuters story filed twice) are dropped here as `add` would."""
    with psycopg.connect(index.url, autocommit=True) as conn:
        conn.execute("DROP INDEX stories_tsv_idx, stories_title_tsv_idx")
        with conn.cursor() as cur:
            columns = sql.SQL(", ").join(sql.Identifier(c) for c in _COPY_COLUMNS)
            statement = sql.SQL("COPY stories ({}) FROM STDIN").format(columns)
            with cur.copy(statement) as copy:
                for story in _distinct(stories):
                    copy.write_row(
                        (
                            story.id,
                            story.outlet,
                            canonical_outlet(story.outlet).lower(),
                            story.source,
                            story.url,
                            story.title,
                            story.body,
                            story.published_at,
                            story.content_hash,
                        )
                    )
        conn.execute("SET maintenance_work_mem = '512MB'")
        conn.execute("CREATE INDEX stories_tsv_idx ON stories USING gin (tsv)")
        conn.execute(
            "CREATE INDEX stories_title_tsv_idx ON stories"
            " USING gin (to_tsvector('english'::regconfig, title))"
        )
        conn.execute("ANALYZE stories")


def _build(size: int, bulk: bool) -> dict[str, Any]:
    """Fills a fresh credence_bench_<size> (in a child process); returns its figures."""
    url = database_url(size)
    _fresh_database(url)
    base = _base_stories(get_settings().data_dir)  # read before the clock starts
    start = time.perf_counter()
    index = PostgresIndex(url, pool_size=1)
    if bulk:
        _copy_load(index, _stories(base, size))
    else:
        batch: list[StoryRecord] = []
        for story in _stories(base, size):
            batch.append(story)
            if len(batch) >= _BATCH:
                index.add(batch)
                batch = []
        if batch:
            index.add(batch)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("ANALYZE stories")
    seconds = time.perf_counter() - start
    info: dict[str, Any] = {
        "size": size,
        "stories": index.count(),
        "seconds": seconds,
        "bulk": bulk,
        "bytes": index.stats().size_bytes,
    }
    index.close()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE bench_build (info text)")
        conn.execute("INSERT INTO bench_build VALUES (%s)", (json.dumps(info),))
    return info


def ensure_built(size: int, bulk: bool) -> tuple[dict[str, Any], bool]:
    """The build figures of credence_bench_<size>, filling it first unless complete."""
    info = _recorded_build(database_url(size), size)
    if info is not None:
        return info, False
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(_build, (size, bulk)), True


# -- measuring ----------------------------------------------------------------------------


def _open(backend: str, size: int) -> WireIndex:
    if backend == "postgres":
        return open_index(database_url(size), pool_size=1)
    return open_index(matcher_scale.index_dir(size))


def _query(
    backend: str, size: int, claims: list[str], rounds: int, start: Any = None
) -> list[float]:
    """Per-claim retrieval times after a warm-up pass; waits at `start` (a barrier shared
    with the other querying process) before timing."""
    index = _open(backend, size)
    for claim in claims:
        index.search(claim, TOP_K, undated=True)
    if start is not None:
        start.wait()
    times: list[float] = []
    for _ in range(rounds):
        for claim in claims:
            t0 = time.perf_counter()
            index.search(claim, TOP_K, undated=True)
            times.append(time.perf_counter() - t0)
    return times


def _query_into(job: tuple[str, int, list[str], int], start: Any, out: Any) -> None:
    out.put(_query(*job, start=start))


def _two_processes(backend: str, size: int, claims: list[str], rounds: int) -> list[float]:
    """Both processes' retrieval times, querying the same index at once."""
    spawn = multiprocessing.get_context("spawn")
    start, out = spawn.Barrier(2), spawn.Queue()
    workers = [
        spawn.Process(target=_query_into, args=((backend, size, claims, rounds), start, out))
        for _ in range(2)
    ]
    for worker in workers:
        worker.start()
    times = [t for _ in workers for t in out.get(timeout=3600)]
    for worker in workers:
        worker.join(timeout=60)
    return times


def _one_process(backend: str, size: int, claims: list[str], rounds: int) -> list[float]:
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return list(pool.apply(_query, (backend, size, claims, rounds)))


def _ms(values: list[float], pct: float) -> float:
    return round(percentile(values, pct) * 1000, 2)


def run(sizes: list[int], bulk_above: int = 100_000, rounds: int = ROUNDS) -> dict[str, Any]:
    """Builds (or reuses) both backends at each size, measures them, returns flat figures."""
    results: dict[str, Any] = {}
    builds: dict[str, Any] = {}
    for size in sorted(sizes):
        label = size_label(size)
        tantivy_info, _ = matcher_scale.ensure_built(size, size > bulk_above)
        print(f"postgres {label}: {database_url(size).rsplit('/', 1)[-1]} ...", flush=True)
        info, built = ensure_built(size, size > bulk_above)
        per_s = info["stories"] / info["seconds"]
        kind = "COPY" if info["bulk"] else "WireIndex.add"
        how = "built" if built else "reused, built earlier"
        print(f"  {info['stories']:,} stories, {how} in {info['seconds']:.0f}s via {kind}")
        tantivy_bytes = matcher_scale._dir_bytes(matcher_scale.index_dir(size))
        builds[label] = {
            "seconds": round(info["seconds"], 1),
            "stories_per_s": round(per_s, 1),
            "method": kind,
            "built_this_run": built,
        }
        results[f"pg_ingest_stories_per_s_{label}"] = round(per_s, 1)
        results[f"pg_bytes_per_story_{label}"] = round(info["bytes"] / info["stories"])
        results[f"pg_vs_tantivy_bytes_per_story_ratio_{label}"] = round(
            info["bytes"] / max(tantivy_bytes, 1), 2
        )
        if not info["bulk"] and not tantivy_info.get("bulk") and tantivy_info.get("seconds"):
            tantivy_rate = tantivy_info["stories"] / tantivy_info["seconds"]
            results[f"pg_vs_tantivy_ingest_ratio_{label}"] = round(per_s / tantivy_rate, 2)
    claims = _claim_sentences(CLAIMS)
    print(f"{len(claims)} claims x {rounds} rounds, top {TOP_K}, one then two processes")
    for size in sorted(sizes):
        label = size_label(size)
        for backend, prefix in (("tantivy", "tantivy"), ("postgres", "pg")):
            one = _one_process(backend, size, claims, rounds)
            two = _two_processes(backend, size, claims, rounds)
            results[f"{prefix}_retrieval_p50_ms_{label}"] = _ms(one, 50)
            results[f"{prefix}_retrieval_p99_ms_{label}"] = _ms(one, 99)
            results[f"{prefix}_retrieval_2proc_p50_ms_{label}"] = _ms(two, 50)
            results[f"{prefix}_retrieval_2proc_p99_ms_{label}"] = _ms(two, 99)
            print(
                f"  {label} {backend}: p50 {_ms(one, 50)} ms, p99 {_ms(one, 99)} ms; "
                f"two processes p50 {_ms(two, 50)} ms, p99 {_ms(two, 99)} ms",
                flush=True,
            )
        for stat in ("p50", "p99", "2proc_p50", "2proc_p99"):
            pg = results[f"pg_retrieval_{stat}_ms_{label}"]
            base = results[f"tantivy_retrieval_{stat}_ms_{label}"]
            results[f"pg_vs_tantivy_retrieval_{stat}_ratio_{label}"] = round(pg / base, 2)
    results["pg_scale"] = {
        "claims": len(claims),
        "rounds": rounds,
        "top_k": TOP_K,
        "builds": builds,
    }
    return results


def print_table(results: dict[str, Any], sizes: list[int]) -> None:
    labels = [size_label(s) for s in sorted(sizes)]
    print("\nWire index backends (per claim: top 10 stories; ratios are PostgreSQL / tantivy)")
    print(f"  {'':<34}" + "".join(f"{label:>12}" for label in labels))

    def line(name: str, key: str, fmt: str = "{:,.2f}") -> None:
        cells = "".join(f"{fmt.format(results[f'{key}_{label}']):>12}" for label in labels)
        print(f"  {name:<34}{cells}")

    line("tantivy retrieval p50 (ms)", "tantivy_retrieval_p50_ms")
    line("postgres retrieval p50 (ms)", "pg_retrieval_p50_ms")
    line("tantivy retrieval p99 (ms)", "tantivy_retrieval_p99_ms")
    line("postgres retrieval p99 (ms)", "pg_retrieval_p99_ms")
    line("tantivy 2 processes p50 (ms)", "tantivy_retrieval_2proc_p50_ms")
    line("postgres 2 processes p50 (ms)", "pg_retrieval_2proc_p50_ms")
    line("tantivy 2 processes p99 (ms)", "tantivy_retrieval_2proc_p99_ms")
    line("postgres 2 processes p99 (ms)", "pg_retrieval_2proc_p99_ms")
    line("p50 ratio", "pg_vs_tantivy_retrieval_p50_ratio")
    line("2 processes p50 ratio", "pg_vs_tantivy_retrieval_2proc_p50_ratio")
    line("postgres ingest (stories/s)", "pg_ingest_stories_per_s", "{:,.0f}")
    line("postgres bytes per story", "pg_bytes_per_story", "{:,}")
    line("bytes per story ratio", "pg_vs_tantivy_bytes_per_story_ratio")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=",".join(str(s) for s in DEFAULT_SIZES))
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="passes over the claims")
    parser.add_argument("--bulk-above", type=int, default=100_000, help="largest size via add")
    parser.add_argument("--output", type=Path, default=RESULTS, help="JSON to merge into")
    args = parser.parse_args()
    if not server_answers():
        raise SystemExit(f"no PostgreSQL server at {SERVER_URL}; see deploy/README.md")
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    results = run(sizes, args.bulk_above, args.rounds)
    print_table(results, sizes)
    merge_results(results, args.output, REPO)


if __name__ == "__main__":
    main()
