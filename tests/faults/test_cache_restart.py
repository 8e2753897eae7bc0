"""The cache Redis restarted under load: every request still gets its report; while the
cache is down reports are served uncached (the documented degraded mode), and once it is
back they are cached again. The broker and job state live on a separate Redis."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import grpc
import pytest
from credence.v1 import reliability_pb2, reliability_pb2_grpc

from tests.conftest import Stack
from tests.faults.conftest import RedisServer, finished, start_fault_stack, stop_fault_stack
from tests.faults.upstream import upstream
from tests.support.processes import redis_down, wait_until

pytestmark = [pytest.mark.faults, pytest.mark.timeout(900)]

_CALLERS = 8
_URLS = 6
_FINISHED = (reliability_pb2.JOB_STATE_DONE, reliability_pb2.JOB_STATE_FAILED)


@pytest.fixture(scope="module")
def redis_pair() -> Iterator[tuple[RedisServer, RedisServer]]:
    broker, cache = RedisServer().start(), RedisServer().start()
    yield broker, cache
    cache.stop()
    broker.stop()


@pytest.fixture(scope="module")
def stack(
    redis_pair: tuple[RedisServer, RedisServer], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    broker, cache = redis_pair
    running = start_fault_stack(tmp_path_factory.mktemp("cache-restart"), broker, cache=cache)
    yield running
    stop_fault_stack(running)


def test_cache_restart_under_load_fails_no_request(
    stack: Stack, redis_pair: tuple[RedisServer, RedisServer]
) -> None:
    _, cache = redis_pair
    outcomes: Counter[str] = Counter()
    errors: list[str] = []
    stop = threading.Event()
    lock = threading.Lock()

    def seen(kind: str) -> int:
        with lock:
            return outcomes[kind]

    with upstream() as (base, _), grpc.insecure_channel(stack.gateway_addr) as channel:
        front = reliability_pb2_grpc.ReliabilityServiceStub(channel)
        urls = [f"{base}/news/story-{i}" for i in range(_URLS)]
        for url in urls:  # warm the cache
            front.ScoreUrl(reliability_pb2.ScoreUrlRequest(url=url), timeout=60)

        def caller(index: int) -> None:
            n = index
            while not stop.is_set():
                url = urls[n % _URLS]
                n += 1
                try:
                    reply = front.ScoreUrl(reliability_pb2.ScoreUrlRequest(url=url), timeout=60)
                    job = reply.job
                    if job.state not in _FINISHED:  # the front door's wait ran out: poll
                        job = finished(front, job).job
                except grpc.RpcError as error:
                    with lock:
                        errors.append(f"{error.code()}: {error.details()}")
                    continue
                with lock:
                    if job.state != reliability_pb2.JOB_STATE_DONE:
                        errors.append(f"job {job.state}: {job.error_reason}")
                    outcomes["cached" if reply.cached else "uncached"] += 1

        gateway_log = stack.processes["gateway"].log  # the front door reads the cache
        with ThreadPoolExecutor(_CALLERS) as pool:
            callers = [pool.submit(caller, i) for i in range(_CALLERS)]
            try:
                wait_until(lambda: seen("cached") > 0, "a report served from the cache", 180)
                uncached_before = seen("uncached")

                cache.stop()
                wait_until(lambda: redis_down(cache.port), "the cache to refuse a probe")
                wait_until(
                    lambda: (
                        seen("uncached") > uncached_before and "serving uncached" in gateway_log()
                    ),
                    "a report served uncached while the cache is down",
                    180,
                )

                cache.start()
                wait_until(lambda: not redis_down(cache.port), "the cache to answer a probe")
                # Each caller has at most one call in flight, so once more than _CALLERS
                # further replies came from the cache, the restarted cache is serving.
                cached_at_restart = seen("cached")
                wait_until(
                    lambda: seen("cached") > cached_at_restart + _CALLERS,
                    "reports served from the restarted cache",
                    180,
                )
            finally:
                stop.set()
            for done in callers:
                done.result()

        assert not errors, f"{errors[:5]}\n{stack.logs()}"
        after = front.ScoreUrl(reliability_pb2.ScoreUrlRequest(url=urls[0]), timeout=60)
        if not after.cached:  # the first call after the restart recomputed and re-cached it
            after = front.ScoreUrl(reliability_pb2.ScoreUrlRequest(url=urls[0]), timeout=60)
        assert after.cached
