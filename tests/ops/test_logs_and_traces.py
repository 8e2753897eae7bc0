"""One request can be followed through the whole stack: the x-request-id the caller sent
is on JSON log lines of the edge, the front door, the Celery worker and every gRPC hop, the
job id too; and with tracing configured, each process sends spans of that request to the
OTLP collector, joined into one trace."""

from __future__ import annotations

import json
import time
from collections import defaultdict

import pytest

from tests.ops.conftest import TRACE_REQUEST_ID, OpsStack

pytestmark = [pytest.mark.timeout(300), pytest.mark.slow]

SERVICES = ("edge", "gateway", "worker0", "fetcher", "matcher", "scorer")


def json_lines(text: str) -> list[dict]:
    out = []
    for line in text.splitlines():
        if line.startswith("{"):
            try:
                out.append(json.loads(line))
            except ValueError:
                continue
    return out


def test_request_id_and_job_id_reach_every_process_log(ops_stack: OpsStack) -> None:
    job_id = ops_stack.job_ids["traced"]
    for name in SERVICES:
        lines = json_lines(ops_stack.stack.processes[name].log())
        assert lines, f"{name} wrote no JSON log lines"
        mine = [line for line in lines if line.get("request_id") == TRACE_REQUEST_ID]
        assert mine, f"{name}: no log line with the request id"
        assert all(line["service"] == name.rstrip("0") for line in mine), name
        if name in ("worker0", "fetcher", "matcher"):
            assert any(line.get("job_id") == job_id for line in mine), f"{name}: no job id"
    # Each gRPC hop logs its call with the method and status.
    fetcher = json_lines(ops_stack.stack.processes["fetcher"].log())
    assert any(
        line.get("request_id") == TRACE_REQUEST_ID
        and line.get("grpc_method") == "Fetch"
        and line.get("grpc_code") == "OK"
        for line in fetcher
    )


def test_tracing_sends_one_trace_across_services(ops_stack: OpsStack) -> None:
    wanted = {f"credence-{name.rstrip('0')}" for name in SERVICES}
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        traces: dict[str, set[str]] = defaultdict(set)
        for span in ops_stack.spans.snapshot():
            traces[span.trace_id].add(span.service)
        widest = max(traces.values(), key=len, default=set())
        if widest >= wanted:
            break
        time.sleep(0.5)
    services = {span.service for span in ops_stack.spans.snapshot()}
    assert wanted <= services, services
    assert widest >= wanted, f"widest trace spans only {widest}"
    names = {span.name for span in ops_stack.spans.snapshot()}
    assert "/credence.v1.FetcherService/Fetch" in names, names
    assert any("credence.fetch" in name for name in names), names
