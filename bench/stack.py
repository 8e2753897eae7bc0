"""The stack the benchmarks run against, started on loopback as separate processes (one
private Redis, fetcher, matcher, scorer, gateway, Celery workers of concurrency 1), each service
with its own /metrics port so the benchmark can read how long the stages themselves worked.
Batch work runs at the lower CPU priority `deploy/Procfile` gives it (`NICENESS`), so the
figures under load are those of the deployed stack."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psutil
from prometheus_client.parser import text_string_to_metric_families

from services.pipeline import ops_state
from tests.support.processes import (
    GRPC_SERVICES,
    SERVICE_ADDR_KEYS,
    Process,
    base_env,
    free_port,
    redis_instance,
    service_args,
    stop_all,
    wait_serving,
    wait_until,
    worker_args,
)

SERVICES = GRPC_SERVICES
MATCHER_PROCESSES = 2
"""Matcher worker processes (`CREDENCE_MATCHER_PROCESSES`): one per core here."""
NICENESS = {"matcher": 5, "worker": 10}
"""`nice -n` of the processes deploy/Procfile runs below the front door's priority."""


def niced(name: str, args: list[str]) -> list[str]:
    """`args` run at the niceness deploy/Procfile gives the process `name`, if any."""
    kind = name.rstrip("0123456789")
    return ["nice", "-n", str(NICENESS[kind]), *args] if kind in NICENESS else args


@dataclass
class BenchStack:
    """Running processes, their environment and metrics ports."""

    env: dict[str, str]
    log_dir: Path
    redis_port: int
    matcher_processes: int = 1
    processes: dict[str, Process] = field(default_factory=dict)
    metrics_ports: dict[str, int] = field(default_factory=dict)

    @property
    def gateway_addr(self) -> str:
        """The public ReliabilityService."""
        return self.env["CREDENCE_GATEWAY_ADDR"]

    def add_worker(self) -> str:
        """Starts one more Celery worker (concurrency 1); returns its name."""
        name = f"worker{sum(n.startswith('worker') for n in self.processes)}"
        args = niced(name, worker_args(concurrency=1, name=name))
        self.processes[name] = Process(name, args, self.env, self.log_dir)
        return name

    def wait_ready(self, name: str, timeout_s: float = 120.0) -> None:
        """Waits until the worker `name` takes tasks: its heartbeat, first sent when Celery
        calls it ready, is in the state Redis."""
        process = self.processes[name]
        state = ops_state.connect(self.env["CREDENCE_STATE_URL"])

        def ready() -> bool:
            if process.proc.poll() is not None:
                raise RuntimeError(f"{name} exited while starting:\n{process.log()[-2000:]}")
            beating = (str(w.get("hostname", "")) for w in ops_state.live_workers(state))
            return any(h.startswith(f"{name}@") for h in beating)

        try:
            wait_until(ready, f"{name} to be ready", timeout_s)
        finally:
            state.close()

    def _tree(self) -> dict[str, list[psutil.Process]]:
        """Each started process with its descendants (matcher forks, Celery pool)."""
        out: dict[str, list[psutil.Process]] = {}
        for name, proc in self.processes.items():
            try:
                root = psutil.Process(proc.proc.pid)
                out[name] = [root, *root.children(recursive=True)]
            except psutil.NoSuchProcess:
                continue
        return out

    def cpu_seconds(self) -> float:
        """User + system CPU seconds used so far by every process of the stack (Redis
        aside), children included."""
        return sum(self.cpu_seconds_by_process().values())

    def cpu_seconds_by_process(self) -> dict[str, float]:
        """User + system CPU seconds used so far by each started process with its
        descendants (matcher forks, Celery pool)."""
        out: dict[str, float] = {}
        for name, procs in self._tree().items():
            out[name] = 0.0
            for proc in procs:
                try:
                    times = proc.cpu_times()
                except psutil.NoSuchProcess:
                    continue
                out[name] += times.user + times.system
        return out

    def rss_mb(self) -> dict[str, float]:
        """Resident memory of each process, in MB (`name`, `name.1`... for descendants)."""
        out: dict[str, float] = {}
        for name, procs in self._tree().items():
            for i, proc in enumerate(procs):
                try:
                    rss = proc.memory_info().rss
                except psutil.NoSuchProcess:
                    continue
                out[name if i == 0 else f"{name}.{i}"] = round(rss / 1e6, 1)
        return out

    def stop(self) -> None:
        stop_all(self.processes.values())

    def stage_seconds(self) -> dict[str, float]:
        """Server-side seconds spent so far in each stage RPC (the stages' own work)."""
        out: dict[str, float] = {}
        for service, port in self.metrics_ports.items():
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as reply:
                text = reply.read().decode()
            for family in text_string_to_metric_families(text):
                if family.name != "grpc_server_handling_seconds":
                    continue
                for sample in family.samples:
                    method = sample.labels.get("grpc_method", "")
                    if sample.name.endswith("_sum") and method in ("Fetch", "Extract", "Match"):
                        out[method] = out.get(method, 0.0) + sample.value
                    elif (
                        sample.name.endswith("_sum")
                        and method == "Score"
                        and (sample.labels.get("grpc_service", "").endswith("ScoringService"))
                    ):
                        out["Score"] = out.get("Score", 0.0) + sample.value
            del service
        return out


@contextlib.contextmanager
def bench_stack(
    index_dir: Path, workers: int = 1, matcher_processes: int = MATCHER_PROCESSES
) -> Iterator[BenchStack]:
    """The stack on a private Redis with the wire index at `index_dir`."""
    log_dir = Path(tempfile.mkdtemp(prefix="credence-bench-"))
    with redis_instance() as redis_port:
        env = base_env(redis_port, log_dir)
        env.update(
            CREDENCE_INDEX_DIR=str(index_dir),
            CREDENCE_LOG_LEVEL="WARNING",
            CREDENCE_SHUTDOWN_ANNOUNCE_S="0",
        )
        stack = BenchStack(env, log_dir, redis_port, matcher_processes)
        try:
            for name in SERVICES:
                port = free_port()
                stack.metrics_ports[name] = port
                proc_env = {**env, "CREDENCE_METRICS_PORT": str(port)}
                if name == "matcher":
                    proc_env["CREDENCE_MATCHER_PROCESSES"] = str(matcher_processes)
                args = niced(name, service_args(f"services.{name}"))
                stack.processes[name] = Process(name, args, proc_env, log_dir)
            for _ in range(workers):
                stack.add_worker()
            for key in SERVICE_ADDR_KEYS:
                wait_serving(env[key], timeout_s=180)
            yield stack
        finally:
            stack.stop()
            shutil.rmtree(log_dir, ignore_errors=True)
