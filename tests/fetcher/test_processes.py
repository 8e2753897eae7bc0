"""`CREDENCE_FETCHER_PROCESSES=2`: two forked worker processes extract the pages of the one
process serving the port. Extract and Fetch give the same Article as in-process, an
extraction error raised in a worker reaches the caller as the same rich status, concurrent
calls run in both workers, and a killed worker makes the calls UNAVAILABLE and stops the
fetcher (its supervisor restarts it)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import grpc
import psutil
import pytest
from credence.v1 import fetcher_pb2, fetcher_pb2_grpc

from bench.bench_extract import make_pages
from services.common.config import Settings
from services.common.errors import CredenceError, from_rpc_error
from services.fetcher.core import Fetcher
from tests.fetcher.conftest import tight_policy
from tests.fetcher.zoo import ARTICLE_HTML, Zoo
from tests.support.processes import Process, free_port, service_args, wait_serving, wait_until

pytestmark = pytest.mark.timeout(120)

PAGE_URL = "https://example.com/news/bridge"
REQUESTS = [
    fetcher_pb2.ExtractRequest(url=PAGE_URL, html=ARTICLE_HTML),
    *(fetcher_pb2.ExtractRequest(url=PAGE_URL, html=page) for page in make_pages(3)),
    fetcher_pb2.ExtractRequest(text="A title\n\nThe body, according to Reuters."),
]
FAILING = [
    fetcher_pb2.ExtractRequest(html="<html><body></body></html>"),  # NO_ARTICLE_TEXT
    fetcher_pb2.ExtractRequest(html="<p>a</p>", text="a"),  # field violation
    fetcher_pb2.ExtractRequest(url="http://exa mple.com/", html=ARTICLE_HTML),
]


class PooledFetcher:
    """The fetcher as its own process with two extraction workers."""

    def __init__(self, tmp_path: Path) -> None:
        self.address = f"127.0.0.1:{free_port()}"
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("CREDENCE_")},
            "CREDENCE_FETCHER_ADDR": self.address,
            "CREDENCE_FETCHER_PROCESSES": "2",
            "CREDENCE_ALLOW_LOOPBACK": "true",
            "CREDENCE_CACHE_URL": f"redis://127.0.0.1:{free_port()}/0",  # none: misses
            "CREDENCE_METRICS_PORT": "0",
            "CREDENCE_STATE_DIR": str(tmp_path),
            "CREDENCE_SHUTDOWN_ANNOUNCE_S": "0",
        }
        self.proc = Process("fetcher", service_args("services.fetcher"), env, tmp_path)
        self.workers: list[psutil.Process] = wait_until(
            lambda: _children(self.proc.proc.pid, 2), "two fetcher workers", timeout_s=60
        )
        wait_serving(self.address, timeout_s=60)

    def extract(self, request: fetcher_pb2.ExtractRequest) -> fetcher_pb2.ExtractResponse:
        with grpc.insecure_channel(self.address) as channel:
            stub = fetcher_pb2_grpc.FetcherServiceStub(channel)
            answer: fetcher_pb2.ExtractResponse = stub.Extract(request, timeout=30)
            return answer


def _children(pid: int, count: int) -> list[psutil.Process] | None:
    children = psutil.Process(pid).children()
    return children if len(children) >= count else None


def _cpu_s(process: psutil.Process) -> float:
    times = process.cpu_times()
    return float(times.user + times.system)


@pytest.fixture(scope="module")
def pooled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PooledFetcher]:
    fetcher = PooledFetcher(tmp_path_factory.mktemp("pooled-fetcher"))
    try:
        yield fetcher
    finally:
        fetcher.proc.stop()


@pytest.fixture(scope="module")
def in_process() -> Fetcher:
    return Fetcher(Settings(), policy=tight_policy(max_body_bytes=Settings().max_body_bytes))


def test_extract_in_workers_gives_the_same_article(
    pooled: PooledFetcher, in_process: Fetcher
) -> None:
    for request in REQUESTS:
        assert pooled.extract(request).article == in_process.extract(request).article


def test_concurrent_extracts_run_in_both_workers(pooled: PooledFetcher) -> None:
    before = {worker.pid: _cpu_s(worker) for worker in pooled.workers}
    with ThreadPoolExecutor(4) as calls:
        answers = list(calls.map(pooled.extract, REQUESTS * 4))
    assert all(answer.article.text for answer in answers)
    busy = [w.pid for w in pooled.workers if _cpu_s(w) > before[w.pid]]
    assert len(busy) == 2, pooled.proc.log()


@pytest.mark.parametrize("request_", FAILING)
def test_errors_in_workers_reach_the_caller_as_in_process(
    pooled: PooledFetcher, in_process: Fetcher, request_: fetcher_pb2.ExtractRequest
) -> None:
    with pytest.raises(CredenceError) as local:
        in_process.extract(request_)
    with pytest.raises(grpc.RpcError) as remote:
        pooled.extract(request_)
    error = from_rpc_error(remote.value)
    assert (error.code, error.reason, error.message) == (
        local.value.code,
        local.value.reason,
        local.value.message,
    )
    assert error.metadata == local.value.metadata
    assert error.field_violations == local.value.field_violations


async def test_fetch_extracts_in_a_worker(pooled: PooledFetcher, zoo: Zoo) -> None:
    request = fetcher_pb2.FetchRequest(url=zoo.url("/article"))
    expected = await Fetcher(Settings(), policy=tight_policy()).fetch(request)
    async with grpc.aio.insecure_channel(pooled.address) as channel:
        stub = fetcher_pb2_grpc.FetcherServiceStub(channel)
        fetched = await stub.Fetch(request, timeout=30)
    assert fetched.article == expected.article
    assert fetched.final_url == expected.final_url


def _first_failure(call: Callable[[], object], deadline_s: float = 30.0) -> grpc.RpcError:
    """The error of the first failing call: until the pool has seen a worker's death, a
    call may still reach a live worker and succeed."""
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        try:
            call()
        except grpc.RpcError as error:
            return error
    raise AssertionError(f"no call failed within {deadline_s} s")


def test_a_killed_worker_makes_calls_unavailable_and_stops_the_fetcher(
    tmp_path: Path,
) -> None:
    fetcher = PooledFetcher(tmp_path)
    try:
        assert fetcher.extract(REQUESTS[0]).article.title
        fetcher.workers[0].kill()
        fetcher.workers[0].wait(30)
        error = from_rpc_error(_first_failure(lambda: fetcher.extract(REQUESTS[0])))
        assert error.code == grpc.StatusCode.UNAVAILABLE, fetcher.proc.log()
        assert error.reason == "FETCHER_UNAVAILABLE"
        wait_until(lambda: fetcher.proc.proc.poll() is not None, "the fetcher to stop", 60)
        assert not any(
            worker.is_running() and worker.status() != psutil.STATUS_ZOMBIE
            for worker in fetcher.workers
        )
    finally:
        fetcher.proc.stop()
