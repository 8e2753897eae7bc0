"""Helpers for the fault tests: Redis servers that can be stopped and restarted on the same
port, and a stack whose broker, job state and cache may live on separate Redis instances,
with workers that can be killed together with their pool processes."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
import redis

from tests.conftest import Stack
from tests.support.processes import (
    GRPC_SERVICES,
    SERVICE_ADDR_KEYS,
    Process,
    base_env,
    free_port,
    redis_server_binary,
    service_args,
    wait_serving,
    worker_args,
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "faults: kills, restarts and starves real processes (select with -m faults)"
    )


class RedisServer:
    """A private redis-server on a fixed port that can be stopped and started again."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self) -> RedisServer:
        args = ["--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no"]
        self._proc = subprocess.Popen(
            [redis_server_binary(), *args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port)
        for _ in range(200):
            try:
                if client.ping():
                    return self
            except redis.ConnectionError:
                time.sleep(0.05)
        raise AssertionError(f"redis on port {self.port} did not start")

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            self._proc.wait(10)
        self._proc = None

    def url(self, db: int) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"


def start_fault_stack(
    state_dir: Path,
    broker: RedisServer,
    *,
    cache: RedisServer | None = None,
    state: RedisServer | None = None,
    workers: int = 1,
    concurrency: int = 2,
    env: dict[str, str] | None = None,
) -> Stack:
    """The four gRPC services and `workers` Celery workers (each in its own process group)."""
    full_env = base_env(broker.port, state_dir)
    full_env["CREDENCE_CACHE_URL"] = (cache or broker).url(1)
    full_env["CREDENCE_STATE_URL"] = (state or broker).url(2)
    full_env["CREDENCE_SHUTDOWN_ANNOUNCE_S"] = "0"
    full_env.update(env or {})
    procs: dict[str, Process] = {}
    for name in GRPC_SERVICES:
        procs[name] = Process(name, service_args(f"services.{name}"), full_env, state_dir)
    for i in range(workers):
        args = worker_args(concurrency=concurrency, name=f"w{i}")
        procs[f"worker{i}"] = Process(f"worker{i}", args, full_env, state_dir, own_group=True)
    stack = Stack(full_env, procs, broker.port)
    try:
        for key in SERVICE_ADDR_KEYS:
            wait_serving(full_env[key])
    except TimeoutError:
        stop_fault_stack(stack)
        raise AssertionError(f"stack did not start:\n{stack.logs()}") from None
    return stack


def stop_fault_stack(stack: Stack) -> None:
    for name, proc in stack.processes.items():
        if name.startswith("worker"):
            proc.stop()
            proc.kill_group()
        else:
            proc.stop()
