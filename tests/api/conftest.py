"""An in-process front door on loopback for the partner API tests: the real servicer, the
real interceptors and real Redis (cache, job records, keys and quotas), without the pipeline
processes, which the tests that need them get from the `stack` fixture."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import grpc
import pytest
import redis
from credence.v1 import reliability_pb2_grpc

from services.auth.api_keys import KeyStore, new_key
from services.common.cache import RedisCache
from services.common.config import Settings, get_settings
from services.common.server import GrpcServer
from services.gateway import front_door, partner_api
from services.pipeline.jobs import JobRecords
from services.scorer.ratings import RatingsStore
from services.scorer.report import Scorer
from tests.support.needs import need_path


@pytest.fixture(scope="package")
def scorer() -> Scorer:
    data_dir = get_settings().data_dir
    need_path(data_dir / "ratings", "the data folder's rating lists")
    return Scorer(RatingsStore.load(data_dir))


@dataclass
class FrontDoor:
    """A started front door: its address, servicer, Redis URLs and key store."""

    address: str
    servicer: front_door.ReliabilityServicer
    server: GrpcServer
    redis_url: str
    keys: KeyStore

    def stub(self, channel: grpc.aio.Channel) -> reliability_pb2_grpc.ReliabilityServiceStub:
        return reliability_pb2_grpc.ReliabilityServiceStub(channel)

    def create_key(
        self, rate: float = 100.0, burst: int = 100, methods: list[str] | None = None
    ) -> str:
        key, record = new_key("test", rate, burst, methods)
        self.keys.put(record)
        return key


StartFrontDoor = Callable[..., Awaitable[FrontDoor]]


@pytest.fixture
async def start_front_door(redis_port: int, scorer: Scorer) -> AsyncIterator[StartFrontDoor]:
    """Starts front doors with settings overrides; all are stopped after the test."""
    started: list[GrpcServer] = []
    base = f"redis://127.0.0.1:{redis_port}"

    async def start(
        credentials: grpc.ServerCredentials | None = None, **overrides: object
    ) -> FrontDoor:
        settings = Settings(state_url=f"{base}/2", cache_url=f"{base}/1", **overrides)  # type: ignore[arg-type]
        cache = RedisCache(settings.cache_url)
        records = JobRecords(RedisCache(settings.state_url, degrade=False), settings.job_ttl_s)
        servicer = front_door.ReliabilityServicer(settings, scorer.store, cache, records)
        server = GrpcServer(
            "front-door-test",
            [front_door.service_spec(servicer)],
            "127.0.0.1:0",
            interceptors=partner_api.interceptors(settings),
            credentials=credentials,
        )
        port = await server.start()
        started.append(server)
        return FrontDoor(f"127.0.0.1:{port}", servicer, server, base, KeyStore(f"{base}/2"))

    yield start
    for server in started:
        await server.stop(0.2)


@pytest.fixture
def clean_redis(redis_port: int) -> None:
    redis.Redis(port=redis_port, db=2).flushdb()
