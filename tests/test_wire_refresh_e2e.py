"""A wire search that does not fit the job's budget: the first report says the search is
pending, the search goes on, and the recomputed report reaches WatchReport callers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from credence.v1 import reliability_pb2

from services.client import CredenceClient
from services.wire_replay import WireReplay
from services.wire_replay.faults import Fault
from tests.conftest import Stack, start_stack, stop_stack

ARTICLE = """<!doctype html><html><head><meta charset="utf-8">
<title>Kremlin blames Washington for drone attack</title>
<meta property="article:published_time" content="2023-05-04T10:00:00Z"></head>
<body><article><h1>Kremlin blames Washington for drone attack</h1>
<p>Kremlin spokesman Dmitry Peskov said on Thursday that the United States was behind the
drone attack on the Kremlin, without offering evidence.</p>
<p>Russia accused Ukraine on Wednesday of attacking the Kremlin with two drones in an attempt
to assassinate President Vladimir Putin.</p>
<p>White House spokesman John Kirby said Peskov was lying and that Washington had nothing to
do with the attack.</p></article></body></html>"""


@pytest.fixture(scope="module")
def searching_stack(
    redis_port: int, wire_replay: WireReplay, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    import redis

    redis.Redis(port=redis_port).flushall()
    env = {
        "CREDENCE_WIRE_SEARCH": "true",
        "CREDENCE_GDELT_URL": wire_replay.gdelt_url,
        "CREDENCE_WIRE_PAGE_MIRROR": wire_replay.page_mirror_url,
        "CREDENCE_GDELT_MIN_INTERVAL_S": "0.01",
        "CREDENCE_WIRE_SEARCH_BUDGET_S": "0.5",
        "CREDENCE_OBEY_ROBOTS": "false",
    }
    stack = start_stack(redis_port, Path(tmp_path_factory.mktemp("refresh")), extra_env=env)
    yield stack
    stop_stack(stack)


@pytest.mark.slow
def test_pending_search_lands_in_a_recomputed_report(
    searching_stack: Stack, wire_replay: WireReplay
) -> None:
    wire_replay.set_fault(Fault.SLOW, delay_s=3.0)
    try:
        with CredenceClient(searching_stack.gateway_addr, timeout_s=120) as client:
            first = client.score_article("https://example.com/kremlin-blames-us", html=ARTICLE)
            report = first.report if first.report.model_version else None
            if report is None:
                report = client.wait_report(first.job, 120)
            assert report.coverage.pending, searching_stack.logs()
            assert "gdelt still searching" in report.coverage.searched
            wire_replay.set_fault(None)
            updates = list(client.watch_report(first.job.id, timeout_s=120))
    finally:
        wire_replay.set_fault(None)
    final = updates[-1]
    assert final.job.state == reliability_pb2.JOB_STATE_DONE
    assert not final.report.coverage.pending, searching_stack.logs()
    assert final.report.coverage.stories, searching_stack.logs()
    assert final.report.created_at.ToNanoseconds() > report.created_at.ToNanoseconds()
