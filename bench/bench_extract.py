"""Benchmark of the fetcher: pages per second through the Extract RPC against calling
trafilatura directly on the same pages in the same run, and the latency of Fetch from a
local server. Standalone, loopback only, stops by itself within about a minute.

    .venv/bin/python bench/bench_extract.py [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from pathlib import Path

import grpc
import trafilatura
from credence.v1 import fetcher_pb2, fetcher_pb2_grpc

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from services.common.config import Settings
from services.common.server import GrpcServer
from services.fetcher.core import Fetcher, FetchPolicy
from services.fetcher.service import service_spec
from tests.fetcher.zoo import ARTICLE_HTML, Zoo

_VOCABULARY = (
    "council bridge river minister report election budget court police climate market "
    "school hospital vote city officials said according reuters weekend plan"
)
_WORDS = _VOCABULARY.split()


def make_pages(count: int, seed: int = 7) -> list[str]:
    """Article pages of varied length built from the test article's layout."""
    rng = random.Random(seed)
    pages = []
    for index in range(count):
        paragraphs = "".join(
            "<p>" + " ".join(rng.choice(_WORDS) for _ in range(rng.randint(30, 90))) + ".</p>"
            for _ in range(rng.randint(4, 25))
        )
        page = ARTICLE_HTML.replace("{canonical}", f"https://example.com/a/{index}")
        pages.append(page.replace("</article>", paragraphs + "</article>"))
    return pages


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds else 0.0


def run_direct(pages: list[str], budget_s: float) -> float:
    """Pages per second of trafilatura.bare_extraction with metadata and links."""
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < budget_s:
        page = pages[done % len(pages)]
        trafilatura.bare_extraction(
            page, url="https://example.com/a", with_metadata=True, include_links=True
        )
        done += 1
    return rate(done, time.perf_counter() - start)


async def run_rpc(
    stub: fetcher_pb2_grpc.FetcherServiceStub, pages: list[str], budget_s: float
) -> float:
    """Pages per second through the Extract RPC, one call at a time."""
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < budget_s:
        request = fetcher_pb2.ExtractRequest(
            url="https://example.com/a", html=pages[done % len(pages)]
        )
        await stub.Extract(request, timeout=10)
        done += 1
    return rate(done, time.perf_counter() - start)


async def run_fetch(
    stub: fetcher_pb2_grpc.FetcherServiceStub, url: str, budget_s: float, limit: int = 500
) -> list[float]:
    """Latencies in milliseconds of Fetch calls against the local server."""
    latencies: list[float] = []
    start = time.perf_counter()
    while time.perf_counter() - start < budget_s and len(latencies) < limit:
        began = time.perf_counter()
        await stub.Fetch(fetcher_pb2.FetchRequest(url=url), timeout=10)
        latencies.append((time.perf_counter() - began) * 1000)
    return latencies


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def main(seconds: float) -> None:
    zoo = Zoo().start()
    policy = FetchPolicy(
        user_agent="CredenceBench/1.0", allow_loopback=True, per_host_rate=1e6, per_host_burst=10**6
    )
    server = GrpcServer(
        "fetcher", [service_spec(Fetcher(Settings(), policy=policy))], "127.0.0.1:0"
    )
    port = await server.start()
    pages = make_pages(50)
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = fetcher_pb2_grpc.FetcherServiceStub(channel)
            await run_rpc(stub, pages[:3], 0.5)  # warm up
            direct = await asyncio.to_thread(run_direct, pages, seconds)
            through_rpc = await run_rpc(stub, pages, seconds)
            latencies = await run_fetch(stub, zoo.url("/article"), seconds)
    finally:
        await server.stop(0)
        zoo.stop()
    rows = [
        ("trafilatura direct (pages/s)", f"{direct:.1f}"),
        ("Extract RPC (pages/s)", f"{through_rpc:.1f}"),
        ("ratio RPC / direct", f"{through_rpc / direct:.2f}" if direct else "n/a"),
        ("Fetch calls", str(len(latencies))),
        ("Fetch p50 (ms)", f"{statistics.median(latencies):.1f}"),
        ("Fetch p99 (ms)", f"{percentile(latencies, 0.99):.1f}"),
    ]
    width = max(len(name) for name, _ in rows)
    print(f"{'measure':<{width}}  value")
    print(f"{'-' * width}  -----")
    for name, value in rows:
        print(f"{name:<{width}}  {value}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--seconds",
        type=float,
        default=10.0,
        help="time for each of the three measures (default 10, max 18)",
    )
    args = parser.parse_args()
    asyncio.run(asyncio.wait_for(main(min(args.seconds, 18.0)), timeout=60))
