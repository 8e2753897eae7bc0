"""`make bench` (`python -m bench`): one run on this machine, loopback only, stops by itself.

It starts the stack (a private Redis, the three services, Celery workers) against a
synthetic 100,000-story wire index and measures:

- the floor: an empty gRPC call (health Check) plus a Redis GET of a report's size;
- cached ScoreUrl p50/p99, and their ratio to the floor's (the two alternate call by call);
- the uncached pipeline for the sample article (ScoreArticle with its text, a distinct URL
  each time so nothing is cached): p50/p99 one at a time, and articles per second with one
  and with two workers under concurrent load;
- the share of pipeline time spent in orchestration (queueing, Celery and gRPC hops, the
  front door's wait) rather than in the stages' own work (server-side RPC time);
- CPU milliseconds per uncached article, summed over every process of the stack (psutil)
  and by process, steadier than wall time on a shared machine, and the resident memory of
  each process;
- a bounded load run (bench/load.py: 100 users thinking 1 s on average between requests,
  5% uncached, 20 s): cached p50/p99 under that load and how many uncached requests
  finished within their 10 s deadline; then the front door's capacity (the same clients
  back to back, 10 s): cached requests per second and the latency of that queue.

Then, in one process, the Match stage's CPU per uncached article with the check-worthiness
encoder float32 and as served (int8), alternating (bench/match_cpu.py); `--pipeline-only`
stops there and merges its figures into the results file.

Then, in-process and without the stack, the matcher's scaling (bench/matcher_scale.py):
per-claim match latency at 10k, 100k and 1M indexed stories, ingest rate, index bytes per
story and resident memory; then, when PostgreSQL answers, the same sizes on the PostgreSQL
backend beside tantivy (bench/pg_scale.py) and both backends' retrieval quality
(bench/index_quality.py).

Then wire evidence on demand against the replay of recorded coverage (bench/wire_search.py):
the extra latency of the search, the per-query cache on follow-up articles, the share of
articles that needed a live search, and the false-support rate.

Then the fetcher in its own process (bench/bench_extract.py): Extract pages per second
against calling trafilatura directly on the same pages, and Fetch p50/p99 from a local
server.

It prints a table and writes bench/results/latest.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import time
import uuid
from pathlib import Path
from typing import Any

import grpc
import redis.asyncio as aioredis
from credence.v1 import reliability_pb2, reliability_pb2_grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from bench import bench_extract, index_quality, match_cpu, matcher_scale, pg_scale, wire_search
from bench.load import run_load
from bench.stack import MATCHER_PROCESSES, BenchStack, bench_stack
from bench.stats import merge_results, percentile, summary_ms
from bench.wire_index import ensure_index
from services.common.config import get_settings
from tests.support.pages import page_server

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results" / "latest.json"
SAMPLE = "samples/globalresearch-kremlin-drone-2023.txt"
SAMPLE_HOST = "https://www.globalresearch.ca"
DONE = reliability_pb2.JOB_STATE_DONE


def _sample_html(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    paragraphs = "".join(f"<p>{line}</p>" for line in lines[1:])
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{lines[0]}</title></head>"
        f"<body><article><h1>{lines[0]}</h1>{paragraphs}</article></body></html>"
    )


async def measure_cached_and_floor(
    stack: BenchStack, url: str, count: int
) -> tuple[list[float], list[float]]:
    """Cached ScoreUrl and the floor (health Check + Redis GET of the report's bytes),
    alternating call by call `count` times each after 50 of each to warm up, so both see
    the same machine: (cached, floor) latencies."""
    client = aioredis.Redis(port=stack.redis_port, db=1)
    async with grpc.aio.insecure_channel(stack.gateway_addr) as channel:
        front = reliability_pb2_grpc.ReliabilityServiceStub(channel)
        health = health_pb2_grpc.HealthStub(channel)
        request = reliability_pb2.ScoreUrlRequest(url=url)
        first = await front.ScoreUrl(request, timeout=120)
        if first.job.state != DONE:
            raise RuntimeError(f"warm-up ScoreUrl failed: {first.job}")
        await client.set("bench:floor", first.report.SerializeToString())
        check = health_pb2.HealthCheckRequest()
        cached: list[float] = []
        floor: list[float] = []
        for i in range(count + 50):
            start = time.perf_counter()
            await health.Check(check, timeout=5)
            await client.get("bench:floor")
            middle = time.perf_counter()
            reply = await front.ScoreUrl(request, timeout=10)
            end = time.perf_counter()
            if not reply.cached:
                raise RuntimeError("cached ScoreUrl was not served from the cache")
            if i >= 50:
                floor.append(middle - start)
                cached.append(end - middle)
    await client.aclose()
    return cached, floor


async def _score_article(front: Any, text: str, run: str, index: int) -> float:
    url = f"{SAMPLE_HOST}/bench/{run}/{index}"
    request = reliability_pb2.ScoreArticleRequest(url=url, text=text)
    start = time.perf_counter()
    reply = await front.ScoreArticle(request, timeout=120)
    elapsed = time.perf_counter() - start
    if reply.job.state != DONE or reply.cached:
        raise RuntimeError(f"pipeline run failed: {reply.job}")
    return elapsed


async def measure_pipeline(stack: BenchStack, text: str, count: int) -> list[float]:
    """Uncached ScoreArticle one at a time."""
    run = uuid.uuid4().hex[:8]
    async with grpc.aio.insecure_channel(stack.gateway_addr) as channel:
        front = reliability_pb2_grpc.ReliabilityServiceStub(channel)
        return [await _score_article(front, text, run, i) for i in range(count)]


async def warm_up(stack: BenchStack, text: str, count: int = 2) -> None:
    """Runs a few articles first: models, index readers and connections get loaded."""
    async with grpc.aio.insecure_channel(stack.gateway_addr) as channel:
        front = reliability_pb2_grpc.ReliabilityServiceStub(channel)
        run = uuid.uuid4().hex[:8]
        for i in range(count):
            await _score_article(front, text, f"warm{run}", i)


async def measure_throughput(stack: BenchStack, text: str, count: int, clients: int) -> float:
    """Articles per second through the pipeline with `clients` concurrent callers."""
    run = uuid.uuid4().hex[:8]
    async with grpc.aio.insecure_channel(stack.gateway_addr) as channel:
        front = reliability_pb2_grpc.ReliabilityServiceStub(channel)
        queue = list(range(count))

        async def client() -> None:
            while queue:
                await _score_article(front, text, run, queue.pop())

        start = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(clients)))
        return count / (time.perf_counter() - start)


async def measure_load(stack: BenchStack, text: str, args: argparse.Namespace) -> dict[str, Any]:
    """The bounded load run (users who think between requests), then the front door's
    capacity (the same clients back to back)."""
    print(f"bounded load: {args.load_clients} users, mixed ...", flush=True)
    users = await run_load(
        stack.gateway_addr,
        text,
        clients=args.load_clients,
        max_seconds=args.load_seconds,
        uncached_share=0.05,
        think_s=args.load_think,
    )
    seen = users.to_dict()
    latency = seen["latency"]
    print(f"front door capacity: {args.load_clients} clients back to back ...", flush=True)
    capacity = await run_load(
        stack.gateway_addr, text, clients=args.load_clients, max_seconds=10, uncached_share=0
    )
    saturated = capacity.to_dict()
    return {
        "load": seen,
        "load_think_s": args.load_think,
        "load_requests_per_s": seen["requests_per_s"],
        "load_cached_p50_ms": latency["cached"]["p50_ms"],
        "load_cached_p99_ms": latency["cached"]["p99_ms"],
        "load_uncached_p50_ms": latency["uncached"]["p50_ms"],
        "load_uncached_done": users.outcomes.get("uncached_done", 0),
        "load_uncached_requests": sum(
            n for k, n in users.outcomes.items() if k.startswith("uncached")
        ),
        "saturation": saturated,
        "saturation_requests_per_s": saturated["requests_per_s"],
        "saturation_cached_p50_ms": saturated["latency"]["cached"]["p50_ms"],
    }


def _row(name: str, value: float | str, unit: str = "") -> str:
    shown = f"{value:,.2f}" if isinstance(value, float) else value
    return f"  {name:<44} {shown:>12} {unit}"


async def run(args: argparse.Namespace) -> dict[str, Any]:
    settings = get_settings()
    text = (settings.data_dir / SAMPLE).read_text(encoding="utf-8")
    index_dir = REPO / "var" / "bench-index"
    print(f"wire index: {index_dir} ...", flush=True)
    stories, built_s = ensure_index(index_dir, settings.data_dir, args.stories)
    how = f"built in {built_s:.0f}s" if built_s else "reused"
    print(f"  {stories} stories ({how})")
    results: dict[str, Any] = {"index_stories": stories}
    with (
        bench_stack(index_dir, workers=1, matcher_processes=args.matcher_processes) as stack,
        page_server({"/bench/sample": _sample_html(text)}) as (base, _),
    ):
        print("stack up; measuring the floor and the cached path ...", flush=True)
        cached, floor = await measure_cached_and_floor(stack, f"{base}/bench/sample", args.requests)
        floor_p50 = percentile(floor, 50)
        results.update(
            floor_p50_ms=round(floor_p50 * 1000, 3),
            floor_p99_ms=round(percentile(floor, 99) * 1000, 3),
            cached_p50_ms=round(percentile(cached, 50) * 1000, 3),
            cached_p99_ms=round(percentile(cached, 99) * 1000, 3),
            cached_ratio=round(percentile(cached, 50) / floor_p50, 3),
            cached_p99_ratio=round(percentile(cached, 99) / percentile(floor, 99), 3),
        )

        print("measuring the uncached pipeline ...", flush=True)
        await warm_up(stack, text)
        before = stack.stage_seconds()
        cpu_before = stack.cpu_seconds_by_process()
        pipeline = await measure_pipeline(stack, text, args.articles)
        cpu_after = stack.cpu_seconds_by_process()
        cpu_by_process = {k: v - cpu_before.get(k, 0.0) for k, v in cpu_after.items()}
        cpu_used = sum(cpu_by_process.values())
        after = stack.stage_seconds()
        stage_work = {k: after.get(k, 0.0) - before.get(k, 0.0) for k in after}
        total = sum(pipeline)
        work = sum(stage_work.values())
        results.update(
            pipeline=summary_ms(pipeline),
            pipeline_p50_ms=round(percentile(pipeline, 50) * 1000, 1),
            pipeline_p99_ms=round(percentile(pipeline, 99) * 1000, 1),
            stage_work_ms_per_article={
                k: round(v / len(pipeline) * 1000, 1) for k, v in stage_work.items()
            },
            orchestration_share=round(max(0.0, 1 - work / total), 3),
            cpu_ms_per_article=round(cpu_used / len(pipeline) * 1000, 1),
            cpu_ms_per_article_by_process={
                k: round(v / len(pipeline) * 1000, 1) for k, v in cpu_by_process.items()
            },
            matcher_processes=stack.matcher_processes,
        )

        print("measuring throughput with one, then two workers ...", flush=True)
        one = await measure_throughput(stack, text, args.throughput, args.clients)
        await asyncio.to_thread(stack.wait_ready, stack.add_worker())
        # The new worker's first tasks open its channels; both workers take some.
        await measure_throughput(stack, text, 2 * args.clients, args.clients)
        two = await measure_throughput(stack, text, args.throughput, args.clients)
        results.update(
            pipeline_articles_per_s=round(one, 2),
            pipeline_articles_per_s_two_workers=round(two, 2),
            rss_mb=stack.rss_mb(),
        )
        if args.load_seconds > 0:
            results.update(await measure_load(stack, text, args))
    results["machine"] = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
    results["counts"] = {
        "cached_requests": args.requests,
        "pipeline_articles": args.articles,
        "throughput_articles": args.throughput,
        "throughput_clients": args.clients,
    }
    return results


def print_table(results: dict[str, Any]) -> None:
    print("\nCredence benchmark (loopback, this machine)")
    print(_row("floor p50 (health Check + Redis GET)", results["floor_p50_ms"], "ms"))
    print(_row("cached ScoreUrl p50", results["cached_p50_ms"], "ms"))
    print(_row("cached ScoreUrl p99", results["cached_p99_ms"], "ms"))
    print(_row("cached p50 / floor p50", results["cached_ratio"], "x"))
    print(
        _row(
            f"pipeline p50 ({results['index_stories']:,} stories)", results["pipeline_p50_ms"], "ms"
        )
    )
    print(_row("pipeline p99", results["pipeline_p99_ms"], "ms"))
    print(_row("pipeline, one worker", results["pipeline_articles_per_s"], "articles/s"))
    print(
        _row(
            "pipeline, two workers",
            results["pipeline_articles_per_s_two_workers"],
            "articles/s",
        )
    )
    print(_row("orchestration share of pipeline time", results["orchestration_share"]))
    print(_row("CPU per uncached article (all processes)", results["cpu_ms_per_article"], "ms"))
    for name, ms in results["cpu_ms_per_article_by_process"].items():
        print(_row(f"  CPU {name}", ms, "ms/article"))
    if "load" in results:
        print(_row("under load: requests per second", results["load_requests_per_s"]))
        print(_row("under load: cached p50", results["load_cached_p50_ms"], "ms"))
        print(_row("under load: cached p99", results["load_cached_p99_ms"], "ms"))
        print(_row("under load: uncached p50", results["load_uncached_p50_ms"], "ms"))
        done = f"{results['load_uncached_done']} of {results['load_uncached_requests']}"
        print(_row("under load: uncached done within deadline", done))
    if "saturation" in results:
        print(_row("front door capacity, cached", results["saturation_requests_per_s"], "req/s"))
        print(_row("  latency at capacity, p50", results["saturation_cached_p50_ms"], "ms"))
    for name, mb in results["rss_mb"].items():
        print(_row(f"  RSS {name}", mb, "MB"))
    for stage, ms in results["stage_work_ms_per_article"].items():
        print(_row(f"  stage work: {stage}", ms, "ms/article"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1000, help="cached/floor calls")
    parser.add_argument("--articles", type=int, default=12, help="sequential pipeline runs")
    parser.add_argument("--throughput", type=int, default=24, help="articles per throughput run")
    parser.add_argument("--clients", type=int, default=4, help="concurrent pipeline callers")
    parser.add_argument("--stories", type=int, default=100_000, help="wire index size")
    parser.add_argument(
        "--matcher-processes",
        type=int,
        default=MATCHER_PROCESSES,
        help="matcher worker processes (CREDENCE_MATCHER_PROCESSES)",
    )
    parser.add_argument(
        "--matcher-sizes",
        default=",".join(str(s) for s in matcher_scale.DEFAULT_SIZES),
        help="index sizes for the matcher's scaling figures (empty: skip them)",
    )
    parser.add_argument(
        "--extract-seconds", type=float, default=12.0, help="time per extraction measure"
    )
    parser.add_argument(
        "--load-seconds", type=float, default=20.0, help="bounded load run (0: skip it)"
    )
    parser.add_argument("--load-clients", type=int, default=100, help="load run's clients")
    parser.add_argument(
        "--load-think", type=float, default=1.0, help="load run's mean think time per client, s"
    )
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument(
        "--pipeline-only",
        action="store_true",
        help="only the stack's figures and the Match stage's CPU, merged into --output",
    )
    args = parser.parse_args()
    results = asyncio.run(run(args))
    print_table(results)
    results.update(match_cpu.run())
    match_cpu.print_table(results)
    if args.pipeline_only:
        merge_results(results, args.output, REPO)
        return
    print("\nfetcher extraction ...", flush=True)
    results.update(asyncio.run(bench_extract.measure(args.extract_seconds)))
    bench_extract.print_table(results)
    sizes = [int(s) for s in args.matcher_sizes.split(",") if s.strip()]
    if sizes:
        print("\nmatcher scaling ...", flush=True)
        results.update(matcher_scale.run(sizes))
        matcher_scale.print_table(results, sizes)
        if pg_scale.server_answers():
            print("\nwire index on PostgreSQL beside tantivy ...", flush=True)
            results.update(pg_scale.run(sizes))
            pg_scale.print_table(results, sizes)
            results.update(index_quality.run())
            index_quality.print_table(results)
        else:
            print(f"\nno PostgreSQL at {pg_scale.SERVER_URL}: its figures are skipped")
    print("\nwire evidence on demand (recorded coverage on loopback) ...", flush=True)
    results.update(wire_search.run())
    wire_search.print_table(results)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2) + "\n")
    shown = args.output.relative_to(REPO) if args.output.is_relative_to(REPO) else args.output
    print(f"\nwrote {shown}")


if __name__ == "__main__":
    main()
