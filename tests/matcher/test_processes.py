"""`CREDENCE_MATCHER_PROCESSES=2`: two forked worker processes run the Match calls of the
one process serving the port, concurrent calls run in different workers, and all stop
together on SIGTERM."""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import grpc
import psutil
from credence.v1 import article_pb2, matcher_pb2, matcher_pb2_grpc

from tests.support.processes import Process, free_port, service_args, wait_serving

TEXT = (
    "The council voted on Tuesday to approve the new bridge over the river, officials said. "
    "Construction will cost 40 million dollars and begin in the spring, the mayor said."
)


def _children(pid: int, count: int, timeout_s: float = 60.0) -> list[psutil.Process]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        children = psutil.Process(pid).children()
        if len(children) >= count:
            return children
        time.sleep(0.1)
    raise TimeoutError(f"fewer than {count} matcher processes after {timeout_s}s")


def _match(address: str, n: int) -> matcher_pb2.MatchResponse:
    article = article_pb2.Article(url=f"https://gazette.example/{n}", language="en", text=TEXT)
    with grpc.insecure_channel(address) as channel:
        stub = matcher_pb2_grpc.MatcherServiceStub(channel)
        return stub.Match(matcher_pb2.MatchRequest(article=article), timeout=60)


def test_two_workers_run_the_calls_of_one_port_and_stop_together(tmp_path: Path) -> None:
    address = f"127.0.0.1:{free_port()}"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CREDENCE_")},
        "CREDENCE_MATCHER_ADDR": address,
        "CREDENCE_MATCHER_PROCESSES": "2",
        "CREDENCE_METRICS_PORT": "0",
        "CREDENCE_STATE_DIR": str(tmp_path),
        "CREDENCE_SHUTDOWN_ANNOUNCE_S": "0",
        "CREDENCE_WIRE_SEARCH": "false",
    }
    proc = Process("matcher", service_args("services.matcher"), env, tmp_path)
    try:
        children = _children(proc.proc.pid, 2, timeout_s=180)
        wait_serving(address, timeout_s=180)
        with grpc.insecure_channel(address) as channel:
            stub = matcher_pb2_grpc.MatcherServiceStub(channel)
            assert stub.GetIndexStats(matcher_pb2.GetIndexStatsRequest(), timeout=30).stories == 0
        before = {c.pid: c.cpu_times().user + c.cpu_times().system for c in children}
        with ThreadPoolExecutor(4) as calls:
            answers = list(calls.map(lambda n: _match(address, n), range(8)))
        assert all(a.sentence_count == 2 for a in answers)
        busy = [
            c.pid for c in children if c.cpu_times().user + c.cpu_times().system > before[c.pid]
        ]
        assert len(busy) >= 2, proc.log()
        proc.proc.terminate()
        assert proc.proc.wait(60) == 0, proc.log()
        assert not any(
            child.is_running() and child.status() != psutil.STATUS_ZOMBIE for child in children
        )
    finally:
        proc.stop()
