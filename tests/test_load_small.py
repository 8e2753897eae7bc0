"""A small run of the load test (bench/load.py) in the suite: fifty concurrent grpc.aio
clients with short think times, cached and uncached articles mixed, against the real stack;
no unexplained error."""

from __future__ import annotations

import pytest

from bench.load import run_load
from tests.conftest import Stack

pytestmark = pytest.mark.timeout(180)


async def test_concurrent_mixed_load_has_no_unexplained_errors(stack: Stack, data_dir) -> None:
    text = (data_dir / "samples" / "globalresearch-kremlin-drone-2023.txt").read_text()
    report = await run_load(
        stack.gateway_addr,
        text,
        clients=50,
        max_requests=300,
        max_seconds=40,
        uncached_share=0.03,
        deadline_s=30,
        think_s=0.01,
    )
    summary = report.to_dict()
    assert report.unexplained_errors == 0, f"{summary}\n{stack.logs()}"
    assert report.requests >= 100
    assert summary["outcomes"].get("cached_done", 0) > 0
    assert (
        summary["outcomes"].get("uncached_done", 0) + summary["outcomes"].get("uncached_pending", 0)
        > 0
    )
    assert summary["latency"]["cached"]["p99_ms"] > 0
