"""Helpers for the fault tests: Redis servers that can be stopped and restarted on the same
port, and a stack whose broker, job state and cache may live on separate Redis instances,
with workers that can be killed together with their pool processes."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from credence.v1 import reliability_pb2, reliability_pb2_grpc

from tests.conftest import Stack
from tests.support.processes import (
    GRPC_SERVICES,
    SERVICE_ADDR_KEYS,
    Process,
    base_env,
    free_port,
    redis_down,
    redis_server_binary,
    service_args,
    wait_serving,
    wait_until,
    worker_args,
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "faults: kills, restarts and starves real processes (select with -m faults)"
    )


class RedisServer:
    """A private redis-server on a fixed port that can be stopped and started again. With
    `aof_dir` it persists as the deployed broker does (append-only file, fsync every
    second), so a restart in the same folder finds the queued messages again."""

    def __init__(self, port: int | None = None, aof_dir: Path | None = None) -> None:
        self.port = port or free_port()
        self.aof_dir = aof_dir
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self) -> RedisServer:
        args = ["--bind", "127.0.0.1", "--port", str(self.port), "--save", ""]
        if self.aof_dir is None:
            args += ["--appendonly", "no"]
        else:
            self.aof_dir.mkdir(parents=True, exist_ok=True)
            args += ["--appendonly", "yes", "--appendfsync", "everysec"]
            args += ["--dir", str(self.aof_dir)]
        self._proc = subprocess.Popen(
            [redis_server_binary(), *args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(lambda: not redis_down(self.port), f"redis on port {self.port} to start")
        return self

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            self._proc.wait(10)
        self._proc = None

    def kill(self) -> None:
        """SIGKILL: no shutdown save, as when the machine or container dies."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
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
    stack = Stack(full_env, procs, broker.port)
    for i in range(workers):
        start_worker(stack, state_dir, f"worker{i}", concurrency)
    try:
        for key in SERVICE_ADDR_KEYS:
            wait_serving(full_env[key])
    except TimeoutError:
        stop_fault_stack(stack)
        raise AssertionError(f"stack did not start:\n{stack.logs()}") from None
    return stack


def start_worker(stack: Stack, state_dir: Path, name: str, concurrency: int = 2) -> Process:
    """A Celery worker in its own process group, added to the stack as `name`."""
    args = worker_args(concurrency=concurrency, name=name.replace("worker", "w"))
    proc = Process(name, args, stack.env, state_dir, own_group=True)
    stack.processes[name] = proc
    return proc


def stop_fault_stack(stack: Stack) -> None:
    for name, proc in stack.processes.items():
        if name.startswith("worker"):
            proc.stop()
            proc.kill_group()
        else:
            proc.stop()


def finished(
    front: reliability_pb2_grpc.ReliabilityServiceStub, job: reliability_pb2.Job
) -> reliability_pb2.GetReportResponse:
    """The record of `job` once it is done or failed: a reply that came back with the job
    still pending (the caller's deadline passed first on a loaded machine) is followed up
    with GetReport until it finishes."""
    states = (reliability_pb2.JOB_STATE_DONE, reliability_pb2.JOB_STATE_FAILED)

    def record() -> reliability_pb2.GetReportResponse | None:
        got = front.GetReport(reliability_pb2.GetReportRequest(job_id=job.id), timeout=10)
        return got if got.job.state in states else None

    return wait_until(record, f"job {job.id} to finish", 180, every_s=0.2)
