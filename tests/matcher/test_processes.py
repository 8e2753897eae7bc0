"""`CREDENCE_MATCHER_PROCESSES=2`: two forked matcher processes serve one port, answer
calls, and stop together on SIGTERM."""

from __future__ import annotations

import os
import time
from pathlib import Path

import grpc
import psutil
from credence.v1 import matcher_pb2, matcher_pb2_grpc

from tests.support.processes import Process, free_port, service_args, wait_serving


def _children(pid: int, count: int, timeout_s: float = 60.0) -> list[psutil.Process]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        children = psutil.Process(pid).children()
        if len(children) >= count:
            return children
        time.sleep(0.1)
    raise TimeoutError(f"fewer than {count} matcher processes after {timeout_s}s")


def test_two_processes_serve_one_port_and_stop_together(tmp_path: Path) -> None:
    address = f"127.0.0.1:{free_port()}"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CREDENCE_")},
        "CREDENCE_MATCHER_ADDR": address,
        "CREDENCE_MATCHER_PROCESSES": "2",
        "CREDENCE_METRICS_PORT": "0",
        "CREDENCE_STATE_DIR": str(tmp_path),
        "CREDENCE_SHUTDOWN_ANNOUNCE_S": "0",
    }
    proc = Process("matcher", service_args("services.matcher"), env, tmp_path)
    try:
        children = _children(proc.proc.pid, 2, timeout_s=180)
        wait_serving(address, timeout_s=180)
        for _ in range(4):  # separate connections: the kernel may give each to either
            with grpc.insecure_channel(address) as channel:
                stub = matcher_pb2_grpc.MatcherServiceStub(channel)
                assert (
                    stub.GetIndexStats(matcher_pb2.GetIndexStatsRequest(), timeout=30).stories == 0
                )
        proc.proc.terminate()
        assert proc.proc.wait(60) == 0, proc.log()
        assert not any(
            child.is_running() and child.status() != psutil.STATUS_ZOMBIE for child in children
        )
    finally:
        proc.stop()
