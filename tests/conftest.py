"""Fixtures shared by the suite: data folder, a private Redis, and the whole stack as real
processes (four gRPC services and a Celery worker) on loopback."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from services.common.config import Settings

# Tests never reach the live wire sources (GDELT, NYT); those of on-demand search point the
# matcher at the local replay of recorded coverage.
os.environ.setdefault("CREDENCE_WIRE_SEARCH", "false")
from tests.support.needs import need_path, under_ci
from tests.support.processes import (
    GRPC_SERVICES,
    SERVICE_ADDR_KEYS,
    Process,
    base_env,
    free_port,
    redis_instance,
    service_args,
    stop_all,
    wait_http_ok,
    wait_serving,
    worker_args,
)

pytest_plugins = ["tests.support.wire_replay"]

# Fixtures that start processes of their own (Redis, the services, a Celery worker, a browser):
# a test that uses one, directly or through another fixture, is marked `stack`, so that
# `pytest -m "not stack"` (`make check`) is the fast loop and `make test` still runs it all.
STACK_FIXTURES = frozenset(
    {
        "redis_port",
        "stack",
        "edge_stack",
        "ops_stack",
        "searching_stack",
        "two_workers",
        "redis_pair",
        "partner_gateway",
        "recorded_edge",
        "chromium",
        "browser",
    }
)


# Names whose presence in a test module means its tests start processes themselves.
STACK_MODULE_NAMES = frozenset(
    {"subprocess", "Process", "start_stack", "start_fault_stack", "redis_instance"}
)


def _starts_processes(item: pytest.Item) -> bool:
    fixtures = set(getattr(item, "fixturenames", ()))
    module = getattr(item, "module", None)
    names = set(vars(module)) if module is not None else set()
    return bool(
        fixtures & STACK_FIXTURES or names & STACK_MODULE_NAMES or item.get_closest_marker("slow")
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Marks `stack` every test that starts processes: through a fixture of
    `STACK_FIXTURES`, in a module that spawns them (`STACK_MODULE_NAMES`), or marked `slow`."""
    for item in items:
        if _starts_processes(item):
            item.add_marker(pytest.mark.stack)


@pytest.fixture(autouse=True)
def _settings_environment_restored() -> Iterator[None]:
    """Restores the CREDENCE_ environment after each test: the CLI run in this process sets
    CREDENCE_EMBEDDED (and eval commands more), which must not leak into later tests."""
    saved = {k: v for k, v in os.environ.items() if k.startswith("CREDENCE_")}
    yield
    for key in [k for k in os.environ if k.startswith("CREDENCE_")]:
        if key not in saved:
            del os.environ[key]
    os.environ.update(saved)


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The shared data folder (its rating lists at least): a test that needs it fails under CI
    when it is absent, and skips elsewhere."""
    path = Settings().data_dir
    need_path(path / "ratings", "the data folder's rating lists")
    return path


@pytest.fixture(scope="session")
def redis_port() -> Iterator[int]:
    """A private Redis for this test session."""
    with redis_instance() as port:
        yield port


@dataclass
class Stack:
    """A running stack: addresses, environment and processes."""

    env: dict[str, str]
    processes: dict[str, Process]
    redis_port: int

    @property
    def gateway_addr(self) -> str:
        """The public ReliabilityService."""
        return self.env["CREDENCE_GATEWAY_ADDR"]

    @property
    def edge_url(self) -> str:
        """The base URL of the HTTP/JSON edge (started with `start_stack(edge=True)`)."""
        return f"http://{self.env['CREDENCE_EDGE_ADDR']}"

    @property
    def metrics_urls(self) -> dict[str, str]:
        """The /metrics URL of every process (started with `start_stack(metrics=True)`)."""
        import json

        return dict(json.loads(self.env.get("CREDENCE_STATUS_TARGETS", "{}")))

    def logs(self) -> str:
        return "\n".join(f"--- {n}\n{p.log()[-4000:]}" for n, p in self.processes.items())


def start_stack(
    redis_port: int,
    state_dir: Path,
    workers: int = 1,
    edge: bool = False,
    extra_env: dict[str, str] | None = None,
    *,
    metrics: bool = False,
) -> Stack:
    """Starts the services and `workers` Celery workers; with `edge`, the HTTP/JSON edge too;
    with `metrics`, every process serves /metrics on a port of its own (the worker in
    multiprocess mode) and the edge's status page scrapes them all."""
    import json

    env = base_env(redis_port, state_dir)
    env.update(extra_env or {})
    if edge:
        env.setdefault("CREDENCE_EDGE_ADDR", f"127.0.0.1:{free_port()}")
    names = [*GRPC_SERVICES, *(f"worker{i}" for i in range(workers))]
    own_env: dict[str, dict[str, str]] = {name: {} for name in [*names, "edge"]}
    if metrics:
        ports = {name: free_port() for name in names}
        for name, port in ports.items():
            own_env[name]["CREDENCE_METRICS_PORT"] = str(port)
            if name.startswith("worker"):
                own_env[name]["PROMETHEUS_MULTIPROC_DIR"] = str(state_dir / f"prom-{name}")
        env["CREDENCE_STATUS_TARGETS"] = json.dumps(
            {name: f"http://127.0.0.1:{port}/metrics" for name, port in ports.items()}
        )
    procs: dict[str, Process] = {}
    for name in GRPC_SERVICES:
        procs[name] = Process(
            name, service_args(f"services.{name}"), {**env, **own_env[name]}, state_dir
        )
    for i in range(workers):
        name = f"worker{i}"
        procs[name] = Process(name, worker_args(name=f"w{i}"), {**env, **own_env[name]}, state_dir)
    if edge:
        procs["edge"] = Process("edge", service_args("services.edge"), env, state_dir)
    stack = Stack(env, procs, redis_port)
    try:
        for key in SERVICE_ADDR_KEYS:
            wait_serving(env[key])
        if edge:
            wait_http_ok(f"{stack.edge_url}/healthz")
    except TimeoutError:
        stop_stack(stack)
        raise AssertionError(f"stack did not start:\n{stack.logs()}") from None
    return stack


def stop_stack(stack: Stack) -> None:
    stop_all(stack.processes.values())


@pytest.fixture(scope="module")
def stack(redis_port: int, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The four gRPC services and one Celery worker, on a private Redis."""
    import redis

    redis.Redis(port=redis_port).flushall()
    running = start_stack(redis_port, tmp_path_factory.mktemp("stack"))
    yield running
    stop_stack(running)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Under CI a skip of any origin (a marker, a library's own skip) fails the test: a
    missing dependency must be installed, not silently left out (see tests.support.needs)."""
    report: pytest.TestReport = yield
    if under_ci() and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped under CI=true, which runs every test: {report.longrepr}"
    return report


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> Iterator[None]:
    """The number of skipped tests, printed after the short summary and just before pytest's
    own closing line."""
    try:
        return (yield)
    finally:
        skipped = terminalreporter.stats.get("skipped", [])
        terminalreporter.write_line(f"skipped tests: {len(skipped)}")
