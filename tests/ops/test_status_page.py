"""The operators' status page on the edge, after real traffic through the stack:
/status.json carries live figures (throughput, latency percentiles, cache hit rate, queue
depth, workers, errors by reason, ingest freshness per source, the latest reports), and
/status renders them in Debian's Chromium (screenshot in test-artifacts/)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.ops.conftest import OpsStack
from tests.support.browser import ARTIFACTS, ensure_chromium
from tests.support.needs import PLAYWRIGHT_INSTALL, need_module

pytestmark = [pytest.mark.timeout(300), pytest.mark.slow]


@pytest.fixture(scope="module")
def figures(ops_stack: OpsStack) -> dict[str, Any]:
    reply = httpx.get(f"{ops_stack.stack.edge_url}/status.json", timeout=10)
    assert reply.status_code == 200, reply.text
    assert reply.headers["cache-control"] == "no-store"
    return dict(reply.json())


def test_status_json_has_live_figures(figures: dict[str, Any]) -> None:
    throughput = figures["throughput"]
    assert throughput["requests_total"] >= 5
    assert throughput["jobs_done_total"] >= 3
    assert throughput["jobs_failed_total"] >= 1
    assert throughput["requests_per_s"] > 0  # over the window since the edge started
    assert throughput["jobs_per_min"] > 0
    latency = figures["latency_s"]
    assert 0 < latency["p50"] <= latency["p95"] <= latency["p99"]
    for stage in ("fetch", "match", "score"):
        assert figures["stage_latency_s"][stage]["p50"] > 0, stage
    assert 0 < figures["cache"]["hit_rate"] < 1
    assert figures["queue"] == {"depth": 0, "name": "credence"}
    assert figures["workers"]["up"] == 1
    assert figures["redis_up"] is True
    assert figures["errors"]["fetch_by_reason"]
    assert figures["scores"]["count"] >= 3
    assert all(s["up"] for s in figures["services"].values()), figures["services"]
    assert set(figures["services"]) == {
        "edge",
        "fetcher",
        "matcher",
        "scorer",
        "gateway",
        "worker0",
    }


def test_status_json_shows_ingest_freshness_per_source(figures: dict[str, Any]) -> None:
    ingest = figures["ingest"]
    assert ingest["available"] and ingest["stories"] == 3
    sources = {s["source"]: s for s in ingest["sources"]}
    assert sources["rss"]["stories"] == 2 and sources["rss"]["age_s"] < 3 * 3600
    assert sources["reuters21578"]["age_s"] > 30 * 365 * 86400


def test_status_json_lists_the_latest_reports(figures: dict[str, Any]) -> None:
    reports = figures["recent_reports"]
    assert len(reports) >= 3
    assert reports[0]["finished_at"] >= reports[-1]["finished_at"]
    for report in reports:
        assert 0 <= report["score"] <= 100
        assert report["label"].startswith("LABEL_")
        assert report["url"].startswith("http://127.0.0.1:")
        assert report["model_version"]


def test_status_page_is_self_contained_html(ops_stack: OpsStack) -> None:
    reply = httpx.get(f"{ops_stack.stack.edge_url}/status", timeout=10)
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in reply.headers["content-security-policy"]
    assert "status.json" in reply.text
    assert "http://" not in reply.text.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in reply.text


@pytest.fixture(scope="module")
def chromium() -> Path:
    """Debian's chromium (installed through apt when missing)."""
    return ensure_chromium()


def test_status_page_renders_live_figures_in_chromium(ops_stack: OpsStack, chromium: Path) -> None:
    sync_api = need_module("playwright.sync_api", PLAYWRIGHT_INSTALL)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(chromium),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(f"{ops_stack.stack.edge_url}/status")
            # Locators, not evaluated strings: the page's CSP forbids eval, as it should.
            page.locator("#reports td.wrap").nth(2).wait_for(timeout=20000)
            # A second refresh, so the page's own throughput line has two points.
            page.locator("#spark path").nth(1).wait_for(state="attached", timeout=20000)
            text = {
                key: page.text_content(f"#k-{key}") or ""
                for key in ("rps", "jobs", "lat", "cache", "queue", "workers", "errors")
            }
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "status-page.png"), full_page=True)
        finally:
            browser.close()
    assert not errors, errors
    assert page_number(text["cache"]) > 0, text
    assert page_number(text["workers"]) == 1, text
    assert page_number(text["lat"]) > 0, text
    assert page_number(text["rps"]) > 0 and page_number(text["jobs"]) > 0, text
    assert text["queue"] == "0", text


def page_number(text: str) -> float:
    """The first number shown in a figure ("12.5%" → 12.5, "35 ms / 1.2 s" → 35)."""
    import re

    found = re.search(r"\d+(?:[.,]\d+)?", text)
    assert found, text
    return float(found.group().replace(",", ""))
