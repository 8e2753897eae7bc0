"""The extension where readers meet news, in Debian's Chromium with the extension loaded
unpacked, against fixture pages of each supported results page and feed (served over HTTPS
under the sites' own host names, every host mapped to loopback) and the real edge in front
of a fixture ReliabilityService:

- badges appear beside the right links and nowhere else, on every page type; links added
  later (infinite scroll) get badges; turning a site off removes them; a badge opens the
  source card; a 5,000-link page is annotated and the main-thread time is written to
  test-artifacts/badge-timing.json (a figure, not asserted);
- the popup shows the glance, the criteria table, the reasons and the coverage of the sample
  article's report, "searching…" first and the final coverage in place after; each rating
  list once; keyboard order; 200% zoom without sideways scrolling; dark mode;
- "this rating looks wrong" shows what it sends, and the note reaches the edge's store.

Screenshots of each page type and of the popup go to test-artifacts/.
"""

from __future__ import annotations

import json
import shutil
import statistics
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from credence.v1 import report_pb2
from google.protobuf import json_format

from tests.support.browser import ARTIFACTS, ensure_chromium, playwright_sync_api
from tests.support.fake_front_door import FixtureReports, fake_front_door
from tests.support.fixture_sites import fixture_sites
from tests.support.processes import REPO, Process, base_env, free_port, service_args, wait_http_ok

pytestmark = [pytest.mark.timeout(300), pytest.mark.slow]

FIXTURES = Path(__file__).parent / "fixtures"
ARTICLE_HOST = "www.globalresearch.ca"
ARTICLE_PATH = "/kremlin-under-drone-attack-failed-attempt-assassinate-president-putin/5817979"
NEWS_HOST = "www.dailyexample-news.example"
# (site id in the options, host, path, fixture file)
PAGES = [
    ("google", "www.google.com", "/search", "google.html"),
    ("bing", "www.bing.com", "/search", "bing.html"),
    ("duckduckgo", "duckduckgo.com", "/", "duckduckgo.html"),
    ("reddit", "www.reddit.com", "/r/worldnews/", "reddit.html"),
    ("x", "x.com", "/home", "x.html"),
    ("facebook", "www.facebook.com", "/", "facebook.html"),
    ("bluesky", "bsky.app", "/", "bluesky.html"),
    ("news", NEWS_HOST, "/world", "news.html"),
]
RATED_FOR_BULK = ["reuters.com", "apnews.com", "bbc.co.uk", "rt.com"]
BULK_LINKS = 5000
BULK_LOADS = 5
# Main world, before the page's scripts: every long task and long animation frame (50 ms or
# more) of the page's main thread, whoever ran it (scripts, style, layout), for the figures.
RECORD_LONG_TASKS = """
window.__longTasks = [];
window.__longFrames = [];
const record = (into) => (list) => {
  for (const e of list.getEntries()) into.push([e.startTime, e.duration]);
};
new PerformanceObserver(record(window.__longTasks)).observe({ type: "longtask", buffered: true });
new PerformanceObserver(record(window.__longFrames))
  .observe({ type: "long-animation-frame", buffered: true });
"""
# After the badge script's last slice and two frames (its badges styled, laid out, painted):
# its own figures and the long tasks from its start on.
BULK_FIGURES = """() => new Promise((done) => requestAnimationFrame(() =>
  requestAnimationFrame(() => {
  const d = document.documentElement.dataset;
  const start = Number(d.credenceStartMs);
  const since = (entries) => entries.filter(([at, ms]) => at + ms >= start);
  const total = (entries) => entries.reduce((sum, [, ms]) => sum + ms, 0);
  const tasks = since(window.__longTasks);
  const frames = since(window.__longFrames);
  done({
    script_ms: Number(d.credenceMs),
    slices: Number(d.credenceSlices),
    longest_slice_ms: Number(d.credenceLongestSliceMs),
    wall_ms: Number(d.credenceEndMs) - start,
    long_tasks: tasks.length,
    long_tasks_ms: total(tasks),
    long_frames: frames.length,
    long_frames_ms: total(frames),
  });
})))"""

CHECK_BADGES = """() => {
  const expected = [...document.querySelectorAll('a[data-expect="badge"]')];
  const badges = [...document.querySelectorAll('.credence-badge')];
  const wrong = badges.map((b) => b.previousElementSibling)
    .filter((a) => !a || !a.matches('a[data-expect="badge"]'))
    .map((a) => (a ? a.outerHTML.slice(0, 160) : 'no link'));
  const missing = expected
    .filter((a) => !(a.nextElementSibling && a.nextElementSibling.matches('.credence-badge')))
    .map((a) => a.href);
  return { expected: expected.length, badges: badges.length, wrong, missing };
}"""


def _wait(predicate: Any, what: str, timeout_s: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _bulk_page() -> str:
    """A news front page with 5,000 links: 4,000 to rated sites, 1,000 to unrated ones."""
    links = []
    for i in range(BULK_LINKS):
        if i % 5 == 4:
            links.append(f'<li><a href="https://www.blog{i}.example/story/{i}">Story {i}</a></li>')
        else:
            host = RATED_FOR_BULK[i % 4]
            links.append(
                f'<li><a data-expect="badge" href="https://www.{host}/story/{i}">Story {i}</a></li>'
            )
    return f"<!doctype html><html><body><ul>{''.join(links)}</ul></body></html>"


def _fixture_reports() -> FixtureReports:
    final = json_format.Parse((FIXTURES / "report-sample.json").read_text(), report_pb2.Report())
    pending = report_pb2.Report()
    pending.CopyFrom(final)
    del pending.coverage.stories[2:]
    del pending.coverage.unreported_claims[:]
    pending.coverage.pending = True
    reuters = report_pb2.SourceRating(
        domain="reuters.com",
        score=93.7,
        label=report_pb2.LABEL_HIGH_CREDIBILITY,
        confidence=0.9,
        known=True,
        ratings=[
            report_pb2.Rating(
                list="wikipedia_rsp",
                list_name="Wikipedia: Reliable sources/Perennial sources",
                original_label="generally reliable",
                as_of="2024",
                url="https://en.wikipedia.org/wiki/Wikipedia:Reliable_sources/Perennial_sources",
            )
        ],
    )
    sources = {"globalresearch.ca": final.source, "reuters.com": reuters}
    return FixtureReports(pending, final, sources=sources)


@pytest.fixture(scope="module")
def reports() -> FixtureReports:
    return _fixture_reports()


@pytest.fixture(scope="module")
def edge(
    redis_port: int,
    data_dir: Path,
    reports: FixtureReports,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, str]]:
    """The real edge (ratings list from the data folder, feedback in a private Redis) in
    front of the fixture ReliabilityService."""
    state = tmp_path_factory.mktemp("edge")
    env = base_env(redis_port, state)
    env["CREDENCE_EDGE_ADDR"] = f"127.0.0.1:{free_port()}"
    env["CREDENCE_STATE_URL"] = f"redis://127.0.0.1:{redis_port}/8"
    with fake_front_door(env["CREDENCE_GATEWAY_ADDR"], reports):
        process = Process("edge", service_args("services.edge"), env, state)
        try:
            wait_http_ok(f"http://{env['CREDENCE_EDGE_ADDR']}/healthz")
            yield env
        finally:
            process.stop()


@pytest.fixture(scope="module")
def sites() -> Iterator[int]:
    pages = {
        (host, path): (lambda f=name: (FIXTURES / f).read_text()) for _, host, path, name in PAGES
    }
    pages[(ARTICLE_HOST, ARTICLE_PATH)] = (FIXTURES / "article-globalresearch.html").read_text
    pages[(NEWS_HOST, "/front")] = _bulk_page
    pages[("www.bing.com", "/front")] = _bulk_page
    with fixture_sites(pages) as port:
        yield port


@pytest.fixture(scope="module")
def extension_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The extension with every host already permitted, so that turning a site on in the
    options is granted without the permission prompt a test cannot answer."""
    folder = tmp_path_factory.mktemp("ext") / "extension"
    shutil.copytree(REPO / "extension", folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["host_permissions"] += ["http://127.0.0.1/*", "*://*/*"]
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


@pytest.fixture(scope="module")
def browser(extension_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    chromium = ensure_chromium()
    sync_api = playwright_sync_api()
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("profile")),
            executable_path=str(chromium),
            headless=False,
            ignore_https_errors=True,
            viewport={"width": 1100, "height": 800},
            args=[
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--ignore-certificate-errors",
                "--host-resolver-rules=MAP * 127.0.0.1",
                f"--disable-extensions-except={extension_dir}",
                f"--load-extension={extension_dir}",
            ],
        )
        try:
            yield context
        finally:
            context.close()


@pytest.fixture(scope="module")
def worker(browser: Any, edge: dict[str, str]) -> Any:
    """The extension's service worker, pointed at the edge, with the ratings list cached."""
    workers = browser.service_workers
    sw = workers[0] if workers else browser.wait_for_event("serviceworker", timeout=30000)
    sw.evaluate(
        "(url) => chrome.storage.local.set({ serverUrl: url })",
        f"http://{edge['CREDENCE_EDGE_ADDR']}",
    )
    _wait(
        lambda: (
            sw.evaluate(
                "chrome.storage.local.get('ratings').then((r) =>"
                " r.ratings ? Object.keys(r.ratings.domains).length : 0)"
            )
            > 1000
        ),
        "the ratings list to be cached",
    )
    return sw


def _registered(worker: Any) -> list[str]:
    return sorted(
        worker.evaluate(
            "chrome.scripting.getRegisteredContentScripts().then((s) => s.map((x) => x.id))"
        )
    )


def _site_setting(worker: Any, site: str) -> bool:
    return bool(
        worker.evaluate(
            "(s) => chrome.storage.local.get('badgeSites')"
            ".then((r) => Boolean((r.badgeSites || {})[s]))",
            site,
        )
    )


def _set_sites(browser: Any, worker: Any, wanted: dict[str, bool]) -> None:
    """Turns sites on or off in the options page, as a reader does."""
    extension_id = worker.url.split("/")[2]
    options = browser.new_page()
    options.goto(f"chrome-extension://{extension_id}/options.html")
    for site, on in wanted.items():
        box = options.locator(f"#site-{site}")
        box.wait_for()
        if box.is_checked() != on:
            box.click()
        _wait(lambda s=site, o=on: _site_setting(worker, s) == o, f"{site} turned {on}")
    expected = sorted(f"badges-{s}" for s, on in wanted.items() if on)
    _wait(
        lambda: (
            [r for r in _registered(worker) if r in [f"badges-{s}" for s in wanted]] == expected
        ),
        "content scripts registered",
    )
    options.close()


def _badges_of(page: Any) -> dict[str, Any]:
    return page.evaluate(CHECK_BADGES)  # type: ignore[no-any-return]


def test_badges_on_each_page_type(browser: Any, worker: Any, sites: int) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    _set_sites(browser, worker, {site: True for site, *_ in PAGES})
    for site, host, path, _ in PAGES:
        page = browser.new_page()
        page.goto(f"https://{host}:{sites}{path}")
        first = _wait(
            lambda p=page: (b := _badges_of(p))["badges"] >= b["expected"] > 0 and b,
            f"badges on {site}",
        )
        assert first["wrong"] == [] and first["missing"] == [], (site, first)
        label = page.locator(".credence-badge").first
        assert "/100" in (label.get_attribute("title") or "") and "rating list" in (
            label.get_attribute("title") or ""
        )
        assert (label.get_attribute("aria-label") or "").startswith("Credence: ")
        page.screenshot(path=str(ARTIFACTS / f"badges-{site}.png"))
        page.evaluate("loadMore()")
        more = _wait(
            lambda p=page, n=first["expected"]: (
                (b := _badges_of(p))["expected"] > n and b["badges"] >= b["expected"] and b
            ),
            f"badges on {site} after more results",
        )
        assert more["wrong"] == [] and more["missing"] == [], (site, more)
        page.close()


def test_badge_opens_the_source_card(browser: Any, worker: Any, sites: int) -> None:
    page = browser.new_page()
    page.goto(f"https://www.google.com:{sites}/search")
    badge = page.locator(".credence-badge").first
    badge.wait_for()
    domain = badge.get_attribute("data-credence-domain")
    with browser.expect_page() as opened:
        badge.focus()
        page.keyboard.press("Enter")
    card = opened.value
    card.wait_for_selector("#lists li", timeout=30000)
    assert card.url.endswith(f"popup.html?domain={domain}")
    assert card.text_content("#site") == domain
    card.screenshot(path=str(ARTIFACTS / "extension-source-card.png"), full_page=True)
    card.close()
    page.close()


def test_off_switch(browser: Any, worker: Any, sites: int) -> None:
    _set_sites(browser, worker, {"google": True})
    page = browser.new_page()
    page.goto(f"https://www.google.com:{sites}/search")
    _wait(lambda: _badges_of(page)["badges"] > 0, "badges while on")
    _set_sites(browser, worker, {"google": False})
    _wait(lambda: _badges_of(page)["badges"] == 0, "badges removed when turned off")
    page.evaluate("loadMore()")
    page.reload()
    page.wait_for_load_state("load")
    assert "badges-google" not in _registered(worker)
    assert _badges_of(page)["badges"] == 0
    page.close()


def _load_average() -> list[float]:
    return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]


CPU_METRICS = {
    "TaskDuration": "main_thread_cpu_ms",
    "ScriptDuration": "script_cpu_ms",
    "RecalcStyleDuration": "style_cpu_ms",
    "LayoutDuration": "layout_cpu_ms",
}


def _main_thread_cpu_ms(session: Any) -> dict[str, float]:
    """The page's main-thread CPU time so far: all of it (parsing, scripts, style, layout,
    paint) and the part spent in scripts, in style and in layout."""
    metrics = {m["name"]: m["value"] for m in session.send("Performance.getMetrics")["metrics"]}
    return {
        name: round(float(metrics.get(key, 0.0)) * 1000, 1) for key, name in CPU_METRICS.items()
    }


def _bulk_load(browser: Any, url: str, badged: bool) -> dict[str, Any]:
    """One load of the bulk page in a fresh tab: the badges checked (all or none), then the
    figures, two frames after the badge script's last slice (or after the load)."""
    page = browser.new_page()
    page.add_init_script(RECORD_LONG_TASKS)
    session = browser.new_cdp_session(page)
    session.send("Performance.enable", {"timeDomain": "threadTicks"})
    page.goto(url)
    if badged:
        _wait(
            lambda: page.evaluate("document.documentElement.dataset.credenceEndMs || ''"),
            "the badge script to finish",
            60,
        )
    result = _badges_of(page)
    assert result["expected"] == 4000 and result["wrong"] == [], result
    assert result["badges"] == (4000 if badged else 0) and (result["missing"] == []) == badged
    figures: dict[str, Any] = page.evaluate(BULK_FIGURES) if badged else {}
    page.evaluate("new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")
    figures.update(_main_thread_cpu_ms(session))
    page.close()
    return figures


def test_five_thousand_links(browser: Any, worker: Any, sites: int) -> None:
    """Every rated link of a 5,000-link page is badged and nothing else, on each of several
    loads. The timing goes to test-artifacts/badge-timing.json, a figure for the reader of
    the artifacts, not asserted (it depends on the machine): the badge script's own time in
    the page, and the page's main-thread CPU time with the script and without it (the same
    page on a host where no badge script is registered), loads alternated."""
    _set_sites(browser, worker, {"news": True, "bing": False})
    with_badges, without = [], []
    load_before = _load_average()
    for _ in range(BULK_LOADS):
        with_badges.append(_bulk_load(browser, f"https://{NEWS_HOST}:{sites}/front", True))
        without.append(_bulk_load(browser, f"https://www.bing.com:{sites}/front", False))
    load_after = _load_average()

    def median(loads: list[dict[str, Any]], key: str) -> float:
        return round(statistics.median(load[key] for load in loads), 1)

    script_ms = sorted(load["script_ms"] for load in with_badges)
    figure: dict[str, Any] = {
        "links": BULK_LINKS,
        "badges": 4000,
        "loads": BULK_LOADS,
        "budget_ms": 50,
        "script_ms_median": round(statistics.median(script_ms), 1),
        "script_ms_worst": round(script_ms[-1], 1),
        "longest_slice_ms_median": median(with_badges, "longest_slice_ms"),
        "long_tasks_ms_median": median(with_badges, "long_tasks_ms"),
    }
    for key in CPU_METRICS.values():
        figure[f"{key}_median_with_badges"] = median(with_badges, key)
        figure[f"{key}_median_without"] = median(without, key)
    cpu_with = figure["main_thread_cpu_ms_median_with_badges"]
    cpu_without = figure["main_thread_cpu_ms_median_without"]
    figure["what"] = (
        "script_ms: wall time of the badge script's slices (performance.now in the page, from "
        "the first scan to the last badge inserted), median and worst of the loads; it counts "
        "the time the thread waited for a core too. long_tasks: tasks of 50 ms or more on the "
        "page's main thread from the script's start to two frames after its end. *_cpu_ms: "
        "main-thread CPU time of the whole load (DevTools Performance metrics in thread ticks: "
        "all tasks, script execution in every world, style, layout), with the badge script and "
        "without it (the same page where no badge script runs); the difference in script_cpu "
        "is the badge script's CPU time, the difference in main_thread_cpu adds the style, "
        "layout and paint of the 4,000 badges, which the script's own time does not count"
    )
    figure["load_average_before_after"] = [load_before, load_after]
    figure["with_badges"] = with_badges
    figure["without_badges"] = without
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "badge-timing.json").write_text(json.dumps(figure, indent=1) + "\n")
    print(
        f"\nbadges: {BULK_LINKS} links, 4000 badges over {BULK_LOADS} loads: script "
        f"{figure['script_ms_median']} ms median, {figure['script_ms_worst']} ms worst; page "
        f"main-thread CPU {cpu_with} ms with badges, {cpu_without} ms without (script CPU "
        f"{figure['script_cpu_ms_median_with_badges']} ms); "
        f"load average {load_before} -> {load_after}"
    )


def test_popup_label_coverage_and_feedback(
    browser: Any, worker: Any, sites: int, edge: dict[str, str], reports: FixtureReports
) -> None:
    from services.common.feedback import FeedbackStore

    article = browser.new_page()
    article.goto(f"https://{ARTICLE_HOST}:{sites}{ARTICLE_PATH}")
    tab_id = worker.evaluate(
        "(u) => chrome.tabs.query({}).then((t) => t.find((x) => x.url === u).id)", article.url
    )
    extension_id = worker.url.split("/")[2]
    popup = browser.new_page()
    popup.set_viewport_size({"width": 400, "height": 900})
    popup.goto(f"chrome-extension://{extension_id}/popup.html?tab={tab_id}")
    popup.wait_for_selector("#lists li", state="attached", timeout=30000)
    assert popup.text_content("#site") == "globalresearch.ca"

    # Keyboard: the first stop is the main action, then the folded details, then feedback.
    popup.keyboard.press("Tab")
    assert popup.evaluate("document.activeElement.id") == "analyze"
    popup.keyboard.press("Enter")
    popup.wait_for_selector("#coverage-pending", timeout=30000)
    assert "Searching" in (popup.text_content("#coverage") or "")
    assert popup.locator("#coverage-stories li").count() == 2

    popup.wait_for_selector("#unreported-claims li", timeout=30000)
    assert popup.locator("#coverage-pending").count() == 0
    stories = popup.locator("#coverage-stories li")
    assert stories.count() == 4
    assert "Reuters" in (stories.nth(0).text_content() or "")
    assert "94" in (stories.nth(0).locator(".chip").text_content() or "")
    assert stories.nth(3).locator(".chip").text_content() == "?"
    assert popup.locator("#unreported-claims li").count() == 2

    heading = popup.text_content("#report-score") or ""
    assert heading.startswith("Article: 43/100")
    assert (popup.text_content("#badge") or "") == "43"
    assert "confidence 38%" in (popup.text_content("#confidence") or "")
    rows = popup.locator("#criteria tbody tr").evaluate_all(
        "(rows) => rows.map((r) => [r.dataset.criterion, r.querySelector('td.verdict').textContent,"
        " r.querySelector('th .line').textContent])"
    )
    expected = {c.id: c for c in reports.final.criteria}
    words = {
        report_pb2.CRITERION_STATE_YES: "yes",
        report_pb2.CRITERION_STATE_NO: "no",
        report_pb2.CRITERION_STATE_UNKNOWN: "unknown",
    }
    assert [r[0] for r in rows] == [
        "rated_by_lists",
        "corroborated",
        "checkable_sources",
        "news_not_opinion",
        "headline_matches_body",
        "author_and_dates",
        "corrections_and_contact",
    ]
    assert {r[0]: r[1] for r in rows} == {i: words[c.state] for i, c in expected.items()}
    assert {r[0]: r[2] for r in rows} == {i: c.detail for i, c in expected.items()}
    assert {r[0]: r[1] for r in rows} == {
        "rated_by_lists": "no",
        "corroborated": "no",
        "checkable_sources": "no",
        "news_not_opinion": "no",
        "headline_matches_body": "no",
        "author_and_dates": "yes",
        "corrections_and_contact": "yes",
    }
    assert popup.locator("#why li").count() == 3
    assert popup.locator("details#details").get_attribute("open") is None
    text = popup.evaluate("document.body.textContent")
    assert text.count("Wikipedia: Reliable sources/Perennial sources") == 1
    assert popup.locator("#lists a[href*='wikipedia.org']").count() == 1
    popup.screenshot(path=str(ARTIFACTS / "extension-popup.png"), full_page=True)

    popup.emulate_media(color_scheme="dark")
    assert popup.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(32, 33, 36)"
    popup.screenshot(path=str(ARTIFACTS / "extension-popup-dark.png"), full_page=True)
    popup.emulate_media(color_scheme="light")

    # 200% zoom: the popup grows to at most 800 px; nothing scrolls sideways.
    popup.set_viewport_size({"width": 800, "height": 900})
    popup.evaluate("document.documentElement.style.zoom = '2'")
    assert popup.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    popup.screenshot(path=str(ARTIFACTS / "extension-popup-zoom200.png"))
    popup.evaluate("document.documentElement.style.zoom = ''")
    popup.set_viewport_size({"width": 400, "height": 900})

    popup.click("#feedback-open")
    assert popup.evaluate("document.activeElement.id") == "feedback-note"
    popup.keyboard.type("The coverage misses the BBC story.")
    preview = json.loads(popup.text_content("#feedback-preview") or "{}")
    assert preview["url"] == article.url and preview["note"].startswith("The coverage misses")
    assert edge["CREDENCE_EDGE_ADDR"] in (popup.text_content("#feedback-server") or "")
    popup.screenshot(path=str(ARTIFACTS / "extension-popup-feedback.png"), full_page=True)
    popup.click("#feedback-send")
    _wait(lambda: "Thank you" in (popup.text_content("#feedback-status") or ""), "feedback sent")
    stored = FeedbackStore(edge["CREDENCE_STATE_URL"]).latest(5)
    assert [(r.url, r.note, r.score) for r in stored] == [
        (article.url, "The coverage misses the BBC story.", 43.0)
    ]

    # The edge allows a burst of notes, then one a minute: the popup says so and keeps the note.
    for attempt in range(6):
        popup.click("#feedback-open")
        popup.wait_for_selector("#feedback-form:not([hidden])")
        popup.fill("#feedback-note", f"Note {attempt + 2}.")
        popup.click("#feedback-send")
        status = _wait(
            lambda: (
                text
                if any(
                    w in (text := popup.text_content("#feedback-status") or "")
                    for w in ("Thank", "Not sent")
                )
                else ""
            ),
            "a feedback answer",
        )
        if status.startswith("Not sent"):
            break
    assert "try again in a minute" in status, status
    assert popup.input_value("#feedback-note") == f"Note {attempt + 2}."
    popup.close()
    article.close()
