"""SIGTERM: health turns NOT_SERVING at once, an in-flight slow call still completes during
the drain, and the process then exits cleanly."""

from __future__ import annotations

import os
import signal
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from tests.faults.slow_service import METHOD
from tests.support.processes import Process, free_port, wait_serving

pytestmark = [pytest.mark.faults, pytest.mark.timeout(60)]


def test_sigterm_drains_in_flight_call_while_not_serving(tmp_path) -> None:
    address = f"127.0.0.1:{free_port()}"
    args = [sys.executable, "-m", "tests.faults.slow_service", address]
    proc = Process("slow", args, dict(os.environ, PYTHONUNBUFFERED="1"), tmp_path)
    try:
        wait_serving(address)
        with grpc.insecure_channel(address) as channel, ThreadPoolExecutor(1) as pool:
            wait = channel.unary_unary(METHOD)
            call = pool.submit(wait, b"x", timeout=15)
            time.sleep(0.5)  # the call is in flight, sleeping in the handler
            proc.proc.send_signal(signal.SIGTERM)

            health = health_pb2_grpc.HealthStub(channel)
            statuses = []
            for _ in range(20):
                reply = health.Check(health_pb2.HealthCheckRequest(), timeout=2)
                statuses.append(reply.status)
                if reply.status == health_pb2.HealthCheckResponse.NOT_SERVING:
                    break
                time.sleep(0.02)
            assert statuses[-1] == health_pb2.HealthCheckResponse.NOT_SERVING, proc.log()
            assert not call.done()  # still draining

            assert call.result() == b"done:x"
        assert proc.proc.wait(15) == 0, proc.log()
        assert "slow stopped" in proc.log()
    finally:
        proc.stop()
