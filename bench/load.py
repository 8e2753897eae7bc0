"""A bounded load test: many concurrent grpc.aio clients calling the front door with a mix
of cached and uncached articles, for at most a fixed duration and request count, then a
report of outcomes and latency percentiles. Loopback only; it stops by itself.

    python -m bench.load                          # starts its own stack, 100 users
    python -m bench.load --target 127.0.0.1:50063 # against a running stack (`make run`)
    python -m bench.load --think 0                # saturation: every client back to back

Each client is a user: it waits a random think time (exponential, mean `--think` seconds)
before each request, so the offered load is about clients / think requests a second whatever
the answers' latency, as with readers opening articles. With `--think 0` each client sends
its next request as soon as the last is answered: that measures the front door's capacity,
and latency then is the queue that capacity implies (clients / throughput), not a user's
wait.

Every request is ScoreArticle with the sample article's text, so nothing is fetched: a
cached request repeats one of a few URLs, an uncached one uses a URL never seen before.
Answers that say "still running, poll this job" (the caller's deadline passed first) are
counted as pending, which is the documented behaviour; every RPC error and every failed job
is an unexplained error, and the exit status is 1 when there is any.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
from credence.v1 import reliability_pb2, reliability_pb2_grpc

from bench.stats import summary_ms

SAMPLE_HOST = "https://www.globalresearch.ca"
_REPO = Path(__file__).resolve().parents[1]
_HOT_URLS = 5
_JOB_STATES = {
    reliability_pb2.JOB_STATE_DONE: "done",
    reliability_pb2.JOB_STATE_FAILED: "failed",
}


@dataclass
class LoadReport:
    """What a load run saw."""

    requests: int = 0
    seconds: float = 0.0
    outcomes: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    latencies: dict[str, list[float]] = field(
        default_factory=lambda: {"cached": [], "uncached": []}
    )

    @property
    def unexplained_errors(self) -> int:
        return len(self.errors)

    def to_dict(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "seconds": round(self.seconds, 2),
            "requests_per_s": round(self.requests / self.seconds, 1) if self.seconds else 0.0,
            "outcomes": dict(self.outcomes),
            "unexplained_errors": self.unexplained_errors,
            "first_errors": self.errors[:5],
            "latency": {kind: summary_ms(values) for kind, values in self.latencies.items()},
        }


async def run_load(
    target: str,
    text: str,
    *,
    clients: int = 100,
    max_requests: int = 2000,
    max_seconds: float = 30.0,
    uncached_share: float = 0.1,
    deadline_s: float = 10.0,
    think_s: float = 0.0,
    seed: int = 8,
) -> LoadReport:
    """Runs the load against the front door at `target` until `max_requests` have been sent
    or `max_seconds` have passed, whichever comes first; each client thinks `think_s`
    seconds on average (exponentially distributed) before each request."""
    rng = random.Random(seed)
    run = uuid.uuid4().hex[:8]
    report = LoadReport()
    hot = [f"{SAMPLE_HOST}/load/{run}/hot-{i}" for i in range(_HOT_URLS)]
    issued = 0
    start = time.perf_counter()
    stop_at = start + max_seconds

    async with grpc.aio.insecure_channel(target) as channel:
        front = reliability_pb2_grpc.ReliabilityServiceStub(channel)
        for url in hot:  # cache the hot articles first
            await front.ScoreArticle(
                reliability_pb2.ScoreArticleRequest(url=url, text=text), timeout=120
            )

        async def client() -> None:
            nonlocal issued
            while issued < max_requests and time.perf_counter() < stop_at:
                if think_s > 0:
                    await asyncio.sleep(rng.expovariate(1 / think_s))
                    if time.perf_counter() >= stop_at:
                        break
                issued += 1
                uncached = rng.random() < uncached_share
                url = f"{SAMPLE_HOST}/load/{run}/{issued}" if uncached else rng.choice(hot)
                kind = "uncached" if uncached else "cached"
                request = reliability_pb2.ScoreArticleRequest(url=url, text=text)
                began = time.perf_counter()
                try:
                    reply = await front.ScoreArticle(request, timeout=deadline_s)
                except grpc.aio.AioRpcError as error:
                    report.outcomes[f"rpc_{error.code().name.lower()}"] += 1
                    report.errors.append(f"{kind}: {error.code().name} {error.details()}")
                    continue
                report.latencies[kind].append(time.perf_counter() - began)
                state = _JOB_STATES.get(reply.job.state, "pending")
                report.outcomes[f"{kind}_{state}"] += 1
                if state == "failed":
                    report.errors.append(f"{kind}: job failed {reply.job.error_reason}")

        await asyncio.gather(*(client() for _ in range(clients)))
    report.requests = issued
    report.seconds = time.perf_counter() - start
    return report


def _sample_text() -> str:
    from services.common.config import get_settings

    path = get_settings().data_dir / "samples" / "globalresearch-kremlin-drone-2023.txt"
    return path.read_text(encoding="utf-8")


async def _main(args: argparse.Namespace) -> LoadReport:
    text = _sample_text()
    options = {
        "clients": args.clients,
        "max_requests": args.requests,
        "max_seconds": args.seconds,
        "uncached_share": args.uncached,
        "think_s": args.think,
    }
    if args.target:
        return await run_load(args.target, text, **options)
    from bench.stack import bench_stack

    index_dir = _REPO / "var" / "bench-index"
    with bench_stack(index_dir, workers=2) as stack:
        return await run_load(stack.gateway_addr, text, **options)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", default="", help="front door address; default: own stack")
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--uncached", type=float, default=0.05, help="share of uncached calls")
    parser.add_argument(
        "--think", type=float, default=1.0, help="mean think time per client, s (0: saturate)"
    )
    args = parser.parse_args()
    report = asyncio.run(_main(args))
    print(json.dumps(report.to_dict(), indent=2))
    sys.exit(1 if report.unexplained_errors else 0)


if __name__ == "__main__":
    main()
