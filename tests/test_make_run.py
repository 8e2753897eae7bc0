"""`make run` starts the whole stack as separate local processes, with the wire index in the
local PostgreSQL when one answers (else the tantivy folder, saying how to start one), and
Ctrl-C (SIGINT to the process group, as a terminal sends it) stops every one of them
cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import grpc
import httpx
import pytest

from tests.support.postgres import scratch_database
from tests.support.processes import REPO, SERVICE_ADDR_KEYS, base_env, free_port, wait_serving

pytestmark = pytest.mark.timeout(180)


def test_make_run_serves_and_stops_on_ctrl_c(redis_port: int, tmp_path: Path) -> None:
    with scratch_database("credence_make_run") as index_url:
        _run_and_stop(redis_port, tmp_path, index_url)


def _run_and_stop(redis_port: int, tmp_path: Path, index_url: str) -> None:
    env = base_env(redis_port, tmp_path)
    edge_port = free_port()
    env.update(
        CREDENCE_EDGE_ADDR=f"127.0.0.1:{edge_port}",
        CREDENCE_FETCHER_METRICS_PORT=str(free_port()),
        CREDENCE_MATCHER_METRICS_PORT=str(free_port()),
        CREDENCE_SCORER_METRICS_PORT=str(free_port()),
        CREDENCE_WORKER_METRICS_PORT=str(free_port()),
        CREDENCE_GATEWAY_METRICS_PORT=str(free_port()),
        CREDENCE_LOG_JSON="true",
        CREDENCE_INDEX_URL=index_url,
    )
    log = (tmp_path / "make-run.log").open("wb")
    proc = subprocess.Popen(
        ["make", "--no-print-directory", "run"],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        for key in SERVICE_ADDR_KEYS:
            wait_serving(env[key], timeout_s=90)
        reply = httpx.post(
            f"http://127.0.0.1:{edge_port}/credence.v1.ReliabilityService/GetSourceRating",
            json={"domain": "reuters.com"},
            timeout=30,
        )
        assert reply.status_code == 200
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(60)
        log.close()
    output = (tmp_path / "make-run.log").read_text(errors="replace")
    for name in ("fetcher", "matcher", "scorer", "gateway", "worker", "edge", "beat"):
        assert f"{name}.1 started" in output, output[-3000:]
        assert f"{name}.1 stopped" in output, output[-3000:]
    assert "not found" not in output
    assert "opened wire index in PostgreSQL" in output
    with (
        grpc.insecure_channel(env["CREDENCE_GATEWAY_ADDR"]) as channel,
        pytest.raises(grpc.FutureTimeoutError),
    ):
        grpc.channel_ready_future(channel).result(timeout=1)


def test_without_a_server_make_run_says_how_to_start_one() -> None:
    env = {**os.environ, "CREDENCE_PG_SERVER_URL": f"postgresql://postgres@127.0.0.1:{free_port()}"}
    env.pop("CREDENCE_INDEX_URL", None)
    got = subprocess.run(
        [sys.executable, "tools/index_db.py"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert got.stdout.strip() == ""
    assert "falls back to the tantivy folder" in got.stderr
    assert "postgresql" in got.stderr and "CREDENCE_INDEX_URL" in got.stderr
