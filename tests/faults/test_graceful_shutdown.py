"""SIGTERM: health turns NOT_SERVING at once, an in-flight slow call still completes during
the drain, and the process then exits cleanly."""

from __future__ import annotations

import os
import signal
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from tests.faults.slow_service import METHOD, STARTED
from tests.support.processes import Process, free_port, wait_serving, wait_until

pytestmark = [pytest.mark.faults, pytest.mark.timeout(300)]


def test_sigterm_drains_in_flight_call_while_not_serving(tmp_path: Path) -> None:
    address = f"127.0.0.1:{free_port()}"
    release = tmp_path / "release"
    args = [sys.executable, "-m", "tests.faults.slow_service", address, str(release)]
    proc = Process("slow", args, dict(os.environ, PYTHONUNBUFFERED="1"), tmp_path)
    try:
        wait_serving(address)
        with grpc.insecure_channel(address) as channel, ThreadPoolExecutor(1) as pool:
            wait = channel.unary_unary(METHOD)
            call = pool.submit(wait, b"x", timeout=120)
            wait_until(lambda: STARTED in proc.log(), "the call to be in flight in the handler")
            proc.proc.send_signal(signal.SIGTERM)

            health = health_pb2_grpc.HealthStub(channel)
            not_serving = health_pb2.HealthCheckResponse.NOT_SERVING
            wait_until(
                lambda: (
                    health.Check(health_pb2.HealthCheckRequest(), timeout=10).status == not_serving
                ),
                "health to turn NOT_SERVING",
                every_s=0.02,
            )
            assert not call.done()  # still draining: the handler waits for the release file

            release.touch()
            assert call.result() == b"done:x"
        assert proc.proc.wait(60) == 0, proc.log()
        assert "slow stopped" in proc.log()
    finally:
        release.touch()
        proc.stop()
