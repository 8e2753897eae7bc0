"""Fixtures of the edge tests: the whole stack with the HTTP/JSON edge in front of it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from credence.v1 import reliability_pb2_grpc

from tests.conftest import Stack, start_stack, stop_stack

ALLOWED_ORIGIN = "https://reader.example"
EXTENSION_ID = "abcdefghijklmnopabcdefghijklmnop"


@pytest.fixture(scope="module")
def edge_stack(
    redis_port: int, tmp_path_factory: pytest.TempPathFactory, data_dir: Path
) -> Iterator[Stack]:
    """The services, one worker and the edge, with one web origin and one extension allowed."""
    import redis

    redis.Redis(port=redis_port).flushall()
    running = start_stack(
        redis_port,
        tmp_path_factory.mktemp("edge-stack"),
        edge=True,
        extra_env={
            "CREDENCE_EDGE_CORS_ORIGINS": f'["{ALLOWED_ORIGIN}"]',
            "CREDENCE_EDGE_EXTENSION_IDS": f'["{EXTENSION_ID}"]',
        },
    )
    yield running
    stop_stack(running)


@pytest.fixture
def front(edge_stack: Stack) -> Iterator[reliability_pb2_grpc.ReliabilityServiceStub]:
    """A gRPC stub of the same front door the edge calls."""
    channel = grpc.insecure_channel(edge_stack.gateway_addr)
    yield reliability_pb2_grpc.ReliabilityServiceStub(channel)
    channel.close()
