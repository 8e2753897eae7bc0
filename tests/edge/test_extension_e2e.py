"""The browser extension in Debian's Chromium (driven by Playwright, no browser download),
against the real stack behind the edge and a local news site served under a rated domain:
the badge shows the site's rating from the cached list, an unrated site gets the grey "?",
and the popup shows the lists that rate the site and runs an analysis to a report.
Screenshots go to test-artifacts/."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Stack
from tests.support.browser import ARTIFACTS, ensure_chromium
from tests.support.needs import PLAYWRIGHT_INSTALL, need_module
from tests.support.pages import page_server
from tests.support.processes import REPO

pytestmark = [pytest.mark.timeout(300), pytest.mark.slow]

RATED_HOST = "reuters.com"
UNRATED_HOST = "unrated-news.test"


@pytest.fixture(scope="module")
def chromium() -> Path:
    """Debian's chromium (installed through apt when missing)."""
    return ensure_chromium()


@pytest.fixture(scope="module")
def extension_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The extension, with host permission for the test's edge and news host (the reader's
    click would grant the page through activeTab; a test cannot click the toolbar)."""
    folder = tmp_path_factory.mktemp("ext") / "extension"
    shutil.copytree(REPO / "extension", folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["host_permissions"] += ["http://127.0.0.1/*", f"http://{RATED_HOST}/*"]
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


@pytest.fixture(scope="module")
def browser(
    chromium: Path, extension_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Any]:
    sync_api = need_module("playwright.sync_api", PLAYWRIGHT_INSTALL)
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("profile")),
            executable_path=str(chromium),
            headless=False,
            args=[
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-features=HttpsUpgrades,HttpsFirstBalancedModeAutoEnable",
                f"--host-resolver-rules=MAP {RATED_HOST} 127.0.0.1, MAP {UNRATED_HOST} 127.0.0.1",
                f"--disable-extensions-except={extension_dir}",
                f"--load-extension={extension_dir}",
            ],
        )
        try:
            yield context
        finally:
            context.close()


def _service_worker(context: Any) -> Any:
    workers = context.service_workers
    return workers[0] if workers else context.wait_for_event("serviceworker", timeout=30000)


def _wait(predicate: Any, what: str, timeout_s: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _badge(worker: Any, url_prefix: str) -> dict[str, Any]:
    return worker.evaluate(  # type: ignore[no-any-return]
        """async (prefix) => {
          const tabs = await chrome.tabs.query({});
          const [tab] = tabs.filter((t) => (t.url || "").startsWith(prefix));
          if (!tab) return null;
          return {
            tabId: tab.id,
            text: await chrome.action.getBadgeText({ tabId: tab.id }),
            colour: await chrome.action.getBadgeBackgroundColor({ tabId: tab.id }),
            title: await chrome.action.getTitle({ tabId: tab.id }),
          };
        }""",
        url_prefix,
    )


def _page_visits(counts: Mapping[str, int]) -> dict[str, int]:
    """Requests for the site's pages; the browser asks for /favicon.ico on its own schedule
    (later on a busy machine), so that one says nothing about the extension."""
    return {path: n for path, n in counts.items() if path != "/favicon.ico"}


def test_badge_and_popup_analysis(browser: Any, edge_stack: Stack) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    worker = _service_worker(browser)
    extension_id = worker.url.split("/")[2]
    worker.evaluate("(url) => chrome.storage.local.set({ serverUrl: url })", edge_stack.edge_url)
    count = _wait(
        lambda: worker.evaluate(
            "chrome.storage.local.get('ratings').then((r) =>"
            " r.ratings ? Object.keys(r.ratings.domains).length : 0)"
        ),
        "the ratings list to be cached",
    )
    assert count > 1000
    etag = worker.evaluate("chrome.storage.local.get('ratings').then((r) => r.ratings.etag)")
    assert etag

    with page_server() as (base, counts):
        port = base.rsplit(":", 1)[1]
        rated_url = f"http://{RATED_HOST}:{port}/news/council-budget"
        page = browser.new_page()
        page.goto(rated_url)
        badge = _wait(
            lambda: (
                (b := _badge(worker, f"http://{RATED_HOST}")) and b["text"] not in ("", "?") and b
            ),
            "the rated badge",
        )
        assert int(badge["text"]) >= 60
        assert badge["colour"][:3] == [19, 115, 51]  # green: credible
        assert RATED_HOST in badge["title"]

        unrated = browser.new_page()
        unrated.goto(f"http://{UNRATED_HOST}:{port}/news/other-story")
        grey = _wait(
            lambda: (b := _badge(worker, f"http://{UNRATED_HOST}")) and b["text"] == "?" and b,
            "the grey ? badge",
        )
        assert grey["colour"][:3] == [95, 99, 104]
        unrated.close()
        visits = _page_visits(counts)

        popup = browser.new_page()
        popup.set_viewport_size({"width": 420, "height": 900})
        popup.goto(f"chrome-extension://{extension_id}/popup.html?tab={badge['tabId']}")
        popup.wait_for_selector("#lists li", state="attached", timeout=30000)
        assert popup.text_content("#site") == RATED_HOST
        assert int(popup.text_content("#badge") or 0) >= 60
        assert "Wikipedia" in (popup.text_content("#lists") or "")
        popup.screenshot(path=str(ARTIFACTS / "extension-popup-source.png"))

        popup.click("#analyze")
        popup.wait_for_selector("#report-score", timeout=150000)
        heading = popup.text_content("#report-score") or ""
        assert heading.startswith("Article: ") and "/100" in heading
        assert popup.locator(".reason").count() >= 3
        assert "City council approves" in (popup.text_content("#report") or "")
        assert popup.is_hidden("#error")
        popup.screenshot(path=str(ARTIFACTS / "extension-popup-report.png"), full_page=True)
        page.screenshot(path=str(ARTIFACTS / "extension-news-page.png"))

        # Nothing was fetched from the news site for the analysis: the page was sent.
        assert _page_visits(counts) == visits
