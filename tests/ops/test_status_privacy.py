"""What the status page and the metrics reveal: no process's /metrics carries a URL, title
or job id of the jobs the stack ran, and /status.json shows the latest reports' URLs,
titles and job ids only to an operator's key once API keys are required."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import redis
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from services.auth.api_keys import KeyStore, new_key
from services.common.config import Settings
from services.edge.status_access import PRIVATE_REPORT_FIELDS, visible_figures
from tests.ops.conftest import OpsStack

_FIGURES: dict[str, Any] = {
    "queue": {"depth": 0},
    "recent_reports": [
        {
            "job_id": "f" * 32,
            "url": "https://gazette.example/news/budget",
            "title": "Council approves budget",
            "domain": "gazette.example",
            "score": 71.5,
            "label": "LABEL_RELIABLE",
        }
    ],
}


def test_no_metrics_endpoint_names_a_url_title_or_job(ops_stack: OpsStack) -> None:
    figures = httpx.get(f"{ops_stack.stack.edge_url}/status.json", timeout=10).json()
    secrets = {r["url"] for r in figures["recent_reports"]}
    secrets |= {r["title"] for r in figures["recent_reports"]}
    secrets |= set(ops_stack.job_ids.values())
    assert secrets
    pages = ops_stack.scrape()
    for name, text in pages.items():
        leaked = [s for s in secrets if s and s in text]
        assert not leaked, f"{name}/metrics shows {leaked}"


@pytest.fixture
def keyed_status(redis_port: int) -> Iterator[tuple[TestClient, str, str]]:
    """A status route behind required API keys; an operator's key and a partner's."""
    redis.Redis(port=redis_port, db=2).delete("credence:apikeys")
    settings = Settings(state_url=f"redis://127.0.0.1:{redis_port}/2", require_api_key=True)
    keys = KeyStore(settings.state_url)
    operator, operator_record = new_key("ops", 10, 10, operator=True)
    partner, partner_record = new_key("partner", 10, 10)
    keys.put(operator_record)
    keys.put(partner_record)

    async def status(request: Request) -> JSONResponse:
        return JSONResponse(await visible_figures(request, settings, _FIGURES))

    app = Starlette(routes=[Route("/status.json", status)])
    with TestClient(app) as client:  # one event loop for every request, as in the edge
        yield client, operator, partner


def test_status_json_hides_what_callers_read_from_all_but_operators(
    keyed_status: tuple[TestClient, str, str],
) -> None:
    client, operator, partner = keyed_status
    forged = operator[: operator.rindex("_") + 1] + "A" * 43
    for headers in ({}, {"x-api-key": partner}, {"x-api-key": forged}, {"x-api-key": "junk"}):
        (line,) = client.get("/status.json", headers=headers).json()["recent_reports"]
        assert not set(PRIVATE_REPORT_FIELDS) & set(line), headers
        assert line["domain"] == "gazette.example" and line["score"] == 71.5
    (line,) = client.get("/status.json", headers={"x-api-key": operator}).json()["recent_reports"]
    assert line["url"] == "https://gazette.example/news/budget"
    assert line["title"] == "Council approves budget" and line["job_id"] == "f" * 32
