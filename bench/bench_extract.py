"""Benchmark of the fetcher: pages per second through the Extract RPC against calling
trafilatura directly on the same pages in the same run, and the latency of Fetch from a
local server. Part of `make bench`; alone: `python -m bench.bench_extract [--seconds 12]`.

The fetcher runs in its own process, as deployed. The measures alternate in short rounds
(direct, RPC one call at a time, RPC with calls in flight) so that a noisy neighbour slows
all of them alike; each ratio is the median over rounds. "One call at a time" includes the
whole loopback round trip in every page; "in flight" keeps four calls outstanding, which is
how the pipeline's workers use the service, and measures what one fetcher process can
extract per second. The direct call is trafilatura with metadata and links, the fields the
service returns (the service adds citations, signals and boilerplate removal on top); a
second direct figure runs trafilatura as the service does (fast mode, links, no metadata
pass), so the service's own overhead over its extractor shows too.

The fetcher runs with `FETCHER_PROCESSES` extraction worker processes
(`CREDENCE_FETCHER_PROCESSES`): two, one per core of the machine the figures are taken on,
as deployed. A second fetcher with one process (extraction on its event loop) is measured in
the same rounds, so that both figures show. CPU per page is summed over the fetcher's
processes (its workers included) against the direct call's, so that what the service costs
shows apart from what a busy neighbour takes from the wall time.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import psutil
import trafilatura
from credence.v1 import fetcher_pb2, fetcher_pb2_grpc

from bench.stats import percentile
from services.common.config import Settings
from services.common.server import GrpcServer, freeze_startup_objects
from services.fetcher.core import Fetcher, FetchPolicy
from services.fetcher.extraction import start_workers
from services.fetcher.service import service_spec
from tests.fetcher.zoo import ARTICLE_HTML, Zoo

REPO = Path(__file__).resolve().parents[1]
PAGE_URL = "https://example.com/a"
IN_FLIGHT = 4
FETCHER_PROCESSES = 2
"""Extraction workers of the measured fetcher: one per core here."""
_VOCABULARY = (
    "council bridge river minister report election budget court police climate market "
    "school hospital vote city officials said according reuters weekend plan the a of to "
    "and in on for with after before new year week people government spokesman data"
)
_WORDS = _VOCABULARY.split()
_SCRIPT = "window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}" * 250


def make_pages(count: int, seed: int = 7) -> list[str]:
    """News pages shaped like real ones (about 85 KB and 1,150 elements): head scripts and
    styles, navigation, share and newsletter boxes, a sidebar, related stories, comments and
    a footer around the test page's article, lengthened with a varied number of paragraphs."""
    rng = random.Random(seed)
    return [_page(rng, index) for index in range(count)]


def _words(rng: random.Random, low: int, high: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(rng.randint(low, high)))


def _links(rng: random.Random, count: int, prefix: str) -> str:
    return "".join(
        f'<li class="menu-item"><div class="menu-link"><a href="/{prefix}/{i}">'
        f"<span>{_words(rng, 1, 4).title()}</span></a></div></li>"
        for i in range(count)
    )


def _cards(rng: random.Random, count: int) -> str:
    return "".join(
        f"<div class='card'><div class='card-media'><a href='/story/{i}'>"
        f"<img src='/img/{i}.jpg' alt=''></a></div><div class='card-body'><h3>"
        f"<a href='/story/{i}'>{_words(rng, 4, 9)}</a></h3><p>{_words(rng, 8, 20)}</p>"
        "<span class='time'>2 hours ago</span></div></div>"
        for i in range(count)
    )


def _page(rng: random.Random, index: int) -> str:
    body = "".join(
        f"<p>{_words(rng, 30, 90)} <a href='https://example.org/r/{i}'>{_words(rng, 2, 5)}</a>"
        f" {_words(rng, 5, 20)}.</p>"
        for i in range(rng.randint(4, 25))
    )
    chrome_top = (
        f"<script>{_SCRIPT}</script><style>{'.c{margin:0;padding:0}' * 150}</style>"
        '<script type=\'application/ld+json\'>{"@type": "NewsArticle"}</script>'
        "</head><body><header><a href='/'><img src='/logo.svg' alt='logo'></a>"
        f"<nav><ul>{_links(rng, 120, 'section')}</ul></nav><form><input name='q'></form>"
        "</header><div class='share'><ul><li><a href='#'>Share on Facebook</a></li>"
        "<li><a href='#'>Share on X</a></li><li><a href='#'>Email this</a></li></ul></div>"
    )
    comments = "".join(
        f"<div class='comment'><b>{_words(rng, 1, 2)}</b><p>{_words(rng, 10, 40)}</p></div>"
        for _ in range(8)
    )
    chrome_bottom = (
        "<div class='newsletter'><h3>Sign up to our newsletter</h3><form><input></form></div>"
        f"<aside><h3>Most read</h3>{_cards(rng, 12)}</aside>"
        f"<section class='related'><h2>More stories</h2>{_cards(rng, 24)}</section>"
        f"<section class='comments'>{comments}</section>"
        f"<footer><ul>{_links(rng, 60, 'page')}</ul>"
        "<p>Copyright 2024 The Riverside Courier. All rights reserved.</p></footer>"
        f"<script>{_SCRIPT}</script>"
    )
    page = ARTICLE_HTML.replace("{canonical}", f"https://example.com/a/{index}")
    page = page.replace("</article>", body + "</article>").replace("</head><body>", chrome_top)
    return page.replace("</body>", chrome_bottom + "</body>")


@dataclass(frozen=True)
class Rate:
    """One measure: pages done, and the wall and CPU seconds they took."""

    pages: int
    wall_s: float
    cpu_s: float

    @property
    def per_s(self) -> float:
        return self.pages / self.wall_s


def direct_rate(pages: list[str], budget_s: float, fast: bool = False) -> float:
    """Pages per second of trafilatura.bare_extraction: by default with metadata and links;
    `fast`: links only in fast mode, the configuration the fetcher runs it in."""
    return direct_measure(pages, budget_s, fast).per_s


def direct_measure(pages: list[str], budget_s: float, fast: bool = False) -> Rate:
    """`direct_rate`'s pages, with this process's CPU time."""
    done, start, cpu = 0, time.perf_counter(), time.process_time()
    while time.perf_counter() - start < budget_s:
        trafilatura.bare_extraction(
            pages[done % len(pages)],
            url=PAGE_URL,
            with_metadata=not fast,
            include_links=True,
            fast=fast,
        )
        done += 1
    return Rate(done, time.perf_counter() - start, time.process_time() - cpu)


async def rpc_rate(
    stub: fetcher_pb2_grpc.FetcherServiceStub, pages: list[str], budget_s: float, in_flight: int
) -> float:
    """Pages per second through the Extract RPC with `in_flight` calls outstanding."""
    done, wall_s = await _rpc_pages(stub, pages, budget_s, in_flight)
    return done / wall_s


async def rpc_measure(
    fetcher: BenchFetcher, pages: list[str], budget_s: float, in_flight: int
) -> Rate:
    """`rpc_rate` against `fetcher`, with the CPU time of its processes (workers included)."""
    cpu_s = fetcher.cpu_s()
    done, wall_s = await _rpc_pages(fetcher.stub, pages, budget_s, in_flight)
    return Rate(done, wall_s, fetcher.cpu_s() - cpu_s)


async def _rpc_pages(
    stub: fetcher_pb2_grpc.FetcherServiceStub, pages: list[str], budget_s: float, in_flight: int
) -> tuple[int, float]:
    """Pages extracted through the Extract RPC in about `budget_s`, and the wall time."""
    requests = [fetcher_pb2.ExtractRequest(url=PAGE_URL, html=page) for page in pages]
    done = 0
    start = time.perf_counter()

    async def caller(offset: int) -> None:
        nonlocal done
        index = offset
        while time.perf_counter() - start < budget_s:
            await stub.Extract(requests[index % len(requests)], timeout=10)
            index += in_flight
            done += 1

    await asyncio.gather(*(caller(i) for i in range(in_flight)))
    return done, time.perf_counter() - start


async def fetch_latencies(
    stub: fetcher_pb2_grpc.FetcherServiceStub, url: str, budget_s: float, limit: int = 500
) -> list[float]:
    """Latencies in seconds of Fetch calls against the local server."""
    latencies: list[float] = []
    start = time.perf_counter()
    while time.perf_counter() - start < budget_s and len(latencies) < limit:
        began = time.perf_counter()
        await stub.Fetch(fetcher_pb2.FetchRequest(url=url), timeout=10)
        latencies.append(time.perf_counter() - began)
    return latencies


def start_fetcher(processes: int = FETCHER_PROCESSES) -> tuple[subprocess.Popen[str], str]:
    """The fetcher in its own process, with `processes` extraction processes; returns it
    and its address."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.bench_extract", "--serve", "--processes", str(processes)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert process.stdout is not None
    line = process.stdout.readline().strip()
    if not line.startswith("port "):
        process.kill()
        raise RuntimeError(f"the fetcher did not start: {line!r}")
    return process, f"127.0.0.1:{line.split()[1]}"


@dataclass(frozen=True)
class BenchFetcher:
    """A started fetcher process and a stub on a channel to it."""

    process: subprocess.Popen[str]
    stub: fetcher_pb2_grpc.FetcherServiceStub

    def cpu_s(self) -> float:
        """CPU seconds of the fetcher and its worker processes so far."""
        main = psutil.Process(self.process.pid)
        return sum(_cpu_s(p) for p in [main, *main.children(recursive=True)])


def _cpu_s(process: psutil.Process) -> float:
    try:
        times = process.cpu_times()
    except psutil.NoSuchProcess:
        return 0.0
    return float(times.user + times.system)


async def serve(processes: int = 1) -> None:
    """The `--serve` mode: a fetcher allowed to reach loopback, with `processes`
    extraction processes (forked before gRPC starts), until SIGTERM."""
    policy = FetchPolicy(
        user_agent="CredenceBench/1.0", allow_loopback=True, per_host_rate=1e6, per_host_burst=10**6
    )
    pool = start_workers(policy.max_body_bytes, processes) if processes > 1 else None
    try:
        fetcher = Fetcher(Settings(), policy=policy, pool=pool)
        server = GrpcServer("fetcher", [service_spec(fetcher)], "127.0.0.1:0")
        port = await server.start()
        freeze_startup_objects()
        print(f"port {port}", flush=True)
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        await stop.wait()
        await server.stop(1.0)
    finally:
        if pool is not None:
            pool.shutdown()


@dataclass
class Rounds:
    """Every round's measures, by what was measured."""

    direct: list[float]
    direct_fast: list[Rate]
    serial: list[float]
    flight: list[Rate]
    flight_one_process: list[float]


async def _rounds(
    fetchers: tuple[BenchFetcher, BenchFetcher], pages: list[str], share: float, rounds: int
) -> Rounds:
    """The measures, alternated over `rounds` rounds so that a busy neighbour slows all."""
    pooled, single = fetchers
    measured = Rounds([], [], [], [], [])
    for _ in range(rounds):
        measured.direct.append(direct_rate(pages, share))
        measured.direct_fast.append(direct_measure(pages, share, fast=True))
        measured.serial.append(await rpc_rate(pooled.stub, pages, share, 1))
        measured.flight.append(await rpc_measure(pooled, pages, share, IN_FLIGHT))
        measured.flight_one_process.append(await rpc_rate(single.stub, pages, share, IN_FLIGHT))
    return measured


async def measure(seconds: float, rounds: int = 6) -> dict[str, Any]:
    """All the fetcher's figures, the measures interleaved over `rounds` rounds."""
    zoo = Zoo().start()
    started = [start_fetcher(FETCHER_PROCESSES), start_fetcher(1)]
    pages = make_pages(50)
    page_kb = statistics.mean(len(page.encode()) for page in pages) / 1024
    try:
        async with (
            grpc.aio.insecure_channel(started[0][1]) as pooled_channel,
            grpc.aio.insecure_channel(started[1][1]) as single_channel,
        ):
            pooled = BenchFetcher(
                started[0][0], fetcher_pb2_grpc.FetcherServiceStub(pooled_channel)
            )
            single = BenchFetcher(
                started[1][0], fetcher_pb2_grpc.FetcherServiceStub(single_channel)
            )
            for fetcher in (pooled, single):  # warm up both sides
                await rpc_rate(fetcher.stub, pages, 1.0, IN_FLIGHT)
            direct_rate(pages, 0.5)
            measured = await _rounds((pooled, single), pages, seconds / rounds, rounds)
            latencies = await fetch_latencies(pooled.stub, zoo.url("/article"), seconds / 2)
    finally:
        for process, _address in started:
            process.send_signal(signal.SIGTERM)
        for process, _address in started:
            process.wait(timeout=10)
        zoo.stop()
    return _results(measured, page_kb, latencies)


def _results(measured: Rounds, page_kb: float, latencies: list[float]) -> dict[str, Any]:
    direct_fast = [rate.per_s for rate in measured.direct_fast]
    flight = [rate.per_s for rate in measured.flight]
    return {
        "extract_page_kb": round(page_kb, 1),
        "extract_processes": FETCHER_PROCESSES,
        "extract_direct_pages_per_s": round(statistics.median(measured.direct), 1),
        "extract_direct_fast_pages_per_s": round(statistics.median(direct_fast), 1),
        "extract_rpc_pages_per_s": round(statistics.median(measured.serial), 1),
        "extract_rpc_in_flight_pages_per_s": round(statistics.median(flight), 1),
        "extract_rpc_in_flight_one_process_pages_per_s": round(
            statistics.median(measured.flight_one_process), 1
        ),
        "extract_ratio_one_at_a_time": _median_ratio(measured.serial, measured.direct),
        "extract_ratio_in_flight": _median_ratio(flight, measured.direct),
        "extract_ratio_in_flight_vs_fast": _median_ratio(flight, direct_fast),
        "extract_ratio_in_flight_vs_fast_one_process": _median_ratio(
            measured.flight_one_process, direct_fast
        ),
        "extract_cpu_ms_per_page_rpc": _cpu_ms_per_page(measured.flight),
        "extract_cpu_ms_per_page_direct_fast": _cpu_ms_per_page(measured.direct_fast),
        "fetch_calls": len(latencies),
        "fetch_p50_ms": round(percentile(latencies, 50) * 1000, 2),
        "fetch_p99_ms": round(percentile(latencies, 99) * 1000, 2),
    }


def _median_ratio(rpc: list[float], direct: list[float]) -> float:
    return round(statistics.median(r / d for r, d in zip(rpc, direct, strict=True)), 3)


def _cpu_ms_per_page(rates: list[Rate]) -> float:
    return round(1000 * sum(r.cpu_s for r in rates) / max(1, sum(r.pages for r in rates)), 2)


def print_table(results: dict[str, Any]) -> None:
    """The fetcher's rows of the benchmark table."""
    processes = results.get("extract_processes", FETCHER_PROCESSES)
    rows = [
        ("mean page size", results["extract_page_kb"], "KB"),
        ("trafilatura direct", results["extract_direct_pages_per_s"], "pages/s"),
        (
            "trafilatura direct, fast mode, no metadata",
            results["extract_direct_fast_pages_per_s"],
            "pages/s",
        ),
        (
            f"Extract RPC, one call at a time, {processes} proc.",
            results["extract_rpc_pages_per_s"],
            "pages/s",
        ),
        (
            f"Extract RPC, {IN_FLIGHT} in flight, {processes} processes",
            results["extract_rpc_in_flight_pages_per_s"],
            "pages/s",
        ),
        (
            f"Extract RPC, {IN_FLIGHT} in flight, 1 process",
            results["extract_rpc_in_flight_one_process_pages_per_s"],
            "pages/s",
        ),
        ("ratio RPC / direct, one at a time", results["extract_ratio_one_at_a_time"], "x"),
        (f"ratio RPC / direct, {IN_FLIGHT} in flight", results["extract_ratio_in_flight"], "x"),
        (
            f"ratio RPC / fast direct, {IN_FLIGHT} in flight",
            results["extract_ratio_in_flight_vs_fast"],
            "x",
        ),
        (
            "  the same, 1 process",
            results["extract_ratio_in_flight_vs_fast_one_process"],
            "x",
        ),
        ("CPU per page, fetcher (all processes)", results["extract_cpu_ms_per_page_rpc"], "ms"),
        (
            "CPU per page, trafilatura fast direct",
            results["extract_cpu_ms_per_page_direct_fast"],
            "ms",
        ),
        ("Fetch from a local server p50", results["fetch_p50_ms"], "ms"),
        ("Fetch from a local server p99", results["fetch_p99_ms"], "ms"),
    ]
    for name, value, unit in rows:
        print(f"  {name:<44} {value:>12,.2f} {unit}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=12.0, help="time per measure")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--processes", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve(args.processes))
        return
    results = asyncio.run(asyncio.wait_for(measure(min(args.seconds, 30.0)), timeout=240))
    print("\nfetcher extraction (loopback, this machine)")
    print_table(results)


if __name__ == "__main__":
    main()
