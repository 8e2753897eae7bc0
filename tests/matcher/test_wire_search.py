"""Wire evidence on demand against the recorded coverage of the sample's event, served by a
local replay of GDELT (with its real error and rate-limit answers) and of the pages."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from credence.v1 import article_pb2, evidence_pb2, fetcher_pb2, matcher_pb2

from services.common.config import Settings
from services.fetcher.core import Fetcher
from services.matcher.claims import CheckWorthinessModel
from services.matcher.core import Matcher
from services.matcher.index import TantivyIndex
from services.matcher.stance import StanceModel
from services.matcher.stories import StoryRecord
from services.matcher.wire.limits import Bucket, LocalRateLimiter
from services.matcher.wire.pages import reader_over
from services.matcher.wire.query import EventQuery, event_query
from services.matcher.wire_origin import wire_origin
from services.wire_replay import WireReplay
from services.wire_replay.faults import Fault
from tests.matcher.conftest import DATA_DIR, SAMPLE

SAMPLE_URL = (
    "https://www.globalresearch.ca/kremlin-under-drone-attack-failed-attempt-assassinate"
    "-president-putin/5817979"
)
GDELT_PATH = "/api/v2/doc/doc"


def _settings(tmp_path: Path, replay: WireReplay, **extra: object) -> Settings:
    values: dict[str, object] = {
        "state_dir": tmp_path,
        "data_dir": DATA_DIR,
        "embedded": True,
        "wire_search": True,
        "allow_loopback": True,
        "obey_robots": False,
        "gdelt_url": replay.gdelt_url,
        "wire_page_mirror": replay.page_mirror_url,
        "gdelt_min_interval_s": 0.01,
        **extra,
    }
    return Settings(**values)  # type: ignore[arg-type]


def _page_reader(settings: Settings) -> Callable[[str, float], article_pb2.Article | None]:
    fetcher = Fetcher(settings)
    lock = threading.Lock()

    def fetch(url: str, timeout_s: float) -> article_pb2.Article:
        with lock:
            request = fetcher_pb2.FetchRequest(url=url)
            return asyncio.run(asyncio.wait_for(fetcher.fetch(request), timeout_s)).article

    return reader_over(fetch, settings.wire_page_mirror)


def _matcher(
    settings: Settings,
    tmp_path: Path,
    claims_model: CheckWorthinessModel,
    stance_model: StanceModel,
) -> Matcher:
    return Matcher(
        settings,
        TantivyIndex(tmp_path / "index"),
        claims_model=claims_model,
        stance_model=stance_model,
        pages=_page_reader(settings),
    )


def _sample_article() -> article_pb2.Article:
    if not SAMPLE.is_file():
        pytest.skip(f"sample article not found at {SAMPLE}")
    text = SAMPLE.read_text(encoding="utf-8")
    article = article_pb2.Article(
        url=SAMPLE_URL, domain="globalresearch.ca", title=text.split("\n", 1)[0], text=text
    )
    article.published_at.FromDatetime(datetime(2023, 5, 3, tzinfo=UTC))
    for outlet, day, sentence in (
        (
            "Reuters",
            5,
            "the Kremlin's spokesman Dmitry Peskov stated categorically that Ukraine"
            " had acted on U.S. orders.",
        ),
        ("MNBC", 3, "U.S. officials claim they had no prior knowledge of the attack."),
    ):
        citation = article.citations.add(outlet=outlet, sentence=sentence, kind="parenthetical")
        citation.date.FromDatetime(datetime(2023, 5, day, tzinfo=UTC))
    return article


def _short_article(text: str, title: str = "Drone attack on the Kremlin") -> article_pb2.Article:
    article = article_pb2.Article(url="https://example.com/a", title=title, text=text)
    article.published_at.FromDatetime(datetime(2023, 5, 4, tzinfo=UTC))
    return article


KREMLIN_CLAIMS = (
    "Russia accused Ukraine on Wednesday of attacking the Kremlin with two drones in an attempt"
    " to assassinate President Vladimir Putin.\n"
    "Kremlin spokesman Dmitry Peskov said on Thursday that the United States was behind the"
    " drone attack on the Kremlin.\n"
)


@pytest.fixture(scope="module")
def sample_match(
    wire_replay: WireReplay,
    tmp_path_factory: pytest.TempPathFactory,
    claims_model: CheckWorthinessModel,
    stance_model: StanceModel,
) -> matcher_pb2.MatchResponse:
    tmp = tmp_path_factory.mktemp("sample")
    settings = _settings(tmp, wire_replay, wire_search_budget_s=30.0)
    matcher = _matcher(settings, tmp, claims_model, stance_model)
    return matcher.match(matcher_pb2.MatchRequest(article=_sample_article()))


@pytest.fixture
def fresh(
    wire_replay: WireReplay,
    tmp_path: Path,
    claims_model: CheckWorthinessModel,
    stance_model: StanceModel,
) -> Iterator[Callable[..., Matcher]]:
    """Builds a matcher with an empty index and its own cache against the replay."""
    wire_replay.set_fault(None)
    wire_replay.reset_stats()

    def build(**extra: object) -> Matcher:
        settings = _settings(tmp_path, wire_replay, **extra)
        return _matcher(settings, tmp_path, claims_model, stance_model)

    yield build
    wire_replay.set_fault(None)


# -- the sample article ------------------------------------------------------------------


def test_sample_claims_are_found_in_the_coverage(sample_match: matcher_pb2.MatchResponse) -> None:
    searched = {s.source: s for s in sample_match.searches}
    assert searched["gdelt"].state == matcher_pb2.SEARCH_STATE_SEARCHED
    assert searched["gdelt"].stories >= 10
    found = [
        c
        for c in sample_match.claims
        if c.verdict
        in (
            evidence_pb2.VERDICT_SUPPORTED,
            evidence_pb2.VERDICT_DISCUSSED,
            evidence_pb2.VERDICT_CONTRADICTED,
        )
    ]
    assert len(found) >= 4, [c.claim.text for c in sample_match.claims]
    for claim in found:
        for item in claim.evidence:
            assert item.story.url.startswith("https://") and item.story.publisher_domain
            assert item.story.published_at.ToDatetime() >= datetime(2023, 5, 1)
    assert not any(c.verdict == evidence_pb2.VERDICT_NOT_CHECKED for c in sample_match.claims)


def test_sample_coverage_lists_outlets_and_wire_copies(
    sample_match: matcher_pb2.MatchResponse,
) -> None:
    domains = {s.publisher_domain for s in sample_match.coverage}
    assert {"bbc.co.uk", "cnn.com"} & domains
    # The distractors of the same days are not coverage of the event.
    titles = " ".join(s.title.lower() for s in sample_match.coverage)
    assert "belgrade" not in titles and "wagner" not in titles
    syndicated = [s for s in sample_match.coverage if s.wire_origin]
    assert syndicated and all(s.outlet == s.wire_origin for s in syndicated)
    assert all(s.text_basis == evidence_pb2.TEXT_BASIS_TITLE_AND_LEAD for s in syndicated)


def test_sample_citations_resolve_against_the_record(
    sample_match: matcher_pb2.MatchResponse,
) -> None:
    by_outlet = {c.citation.outlet: c for c in sample_match.citation_checks}
    reuters = by_outlet["Reuters"]
    assert reuters.status == matcher_pb2.CITATION_STATUS_FOUND, reuters
    assert reuters.story.outlet == "Reuters" and reuters.story.wire_origin == "Reuters"
    assert by_outlet["MNBC"].status == matcher_pb2.CITATION_STATUS_OUTLET_UNKNOWN


# -- failures of the source --------------------------------------------------------------


def test_closed_port_leaves_claims_not_checked(
    fresh: Callable[..., Matcher], tmp_path: Path
) -> None:
    matcher = fresh(gdelt_url="http://127.0.0.1:9/api/v2/doc/doc")
    response = matcher.match(matcher_pb2.MatchRequest(article=_short_article(KREMLIN_CLAIMS)))
    assert response.claims
    assert all(c.verdict == evidence_pb2.VERDICT_NOT_CHECKED for c in response.claims)
    (gdelt,) = response.searches
    assert gdelt.state == matcher_pb2.SEARCH_STATE_UNAVAILABLE and gdelt.detail


@pytest.mark.parametrize(
    ("fault", "state"),
    [
        (Fault.RATE_LIMITED, matcher_pb2.SEARCH_STATE_RATE_LIMITED),
        (Fault.RATE_LIMITED_200, matcher_pb2.SEARCH_STATE_RATE_LIMITED),
        (Fault.GARBAGE, matcher_pb2.SEARCH_STATE_UNAVAILABLE),
        (Fault.SERVER_ERROR, matcher_pb2.SEARCH_STATE_UNAVAILABLE),
    ],
)
def test_faults_are_not_checked_and_not_cached(
    fresh: Callable[..., Matcher],
    wire_replay: WireReplay,
    fault: Fault,
    state: matcher_pb2.SearchState.ValueType,
) -> None:
    matcher = fresh()
    wire_replay.set_fault(fault)
    request = matcher_pb2.MatchRequest(article=_short_article(KREMLIN_CLAIMS))
    failed = matcher.match(request)
    assert failed.searches[0].state == state
    assert all(c.verdict == evidence_pb2.VERDICT_NOT_CHECKED for c in failed.claims)
    if state == matcher_pb2.SEARCH_STATE_RATE_LIMITED:
        assert failed.search_pending
    # The failure was not cached: once the source is back, the same query is asked again.
    wire_replay.set_fault(None)
    again = matcher.match(request)
    assert wire_replay.count(GDELT_PATH) == 2
    assert again.searches[0].state == matcher_pb2.SEARCH_STATE_SEARCHED
    assert any(c.evidence for c in again.claims)


def test_slow_source_is_pending_within_the_budget(
    fresh: Callable[..., Matcher], wire_replay: WireReplay
) -> None:
    matcher = fresh(wire_search_budget_s=0.5, wire_fetch_pages=False)
    wire_replay.set_fault(Fault.SLOW, delay_s=60)
    response = matcher.match(matcher_pb2.MatchRequest(article=_short_article(KREMLIN_CLAIMS)))
    assert response.searches[0].state == matcher_pb2.SEARCH_STATE_PENDING
    assert response.search_pending
    assert all(c.verdict == evidence_pb2.VERDICT_NOT_CHECKED for c in response.claims)


def test_second_article_of_the_event_is_served_from_cache_and_index(
    fresh: Callable[..., Matcher], wire_replay: WireReplay
) -> None:
    matcher = fresh(wire_fetch_pages=False)
    first = matcher.match(matcher_pb2.MatchRequest(article=_short_article(KREMLIN_CLAIMS)))
    assert first.searches[0].state == matcher_pb2.SEARCH_STATE_SEARCHED
    assert wire_replay.count(GDELT_PATH) == 1
    second = matcher.match(
        matcher_pb2.MatchRequest(
            article=_short_article(
                "Ukraine denied any role in the drone attack on the Kremlin, Zelensky said.\n"
                + KREMLIN_CLAIMS,
                title="Kremlin drone attack: what we know",
            )
        )
    )
    # No new request: the index already held the event's coverage, or the query was cached.
    assert wire_replay.count(GDELT_PATH) == 1
    assert second.searches[0].state in (
        matcher_pb2.SEARCH_STATE_SKIPPED,
        matcher_pb2.SEARCH_STATE_SEARCHED,
    )
    assert any(c.evidence for c in second.claims)


# -- parts -------------------------------------------------------------------------------


def test_rate_limit_buckets_refuse_until_refilled() -> None:
    limiter = LocalRateLimiter()
    bucket = (Bucket("gdelt-test", 1, 5.0),)
    assert limiter.try_acquire(bucket) == 0
    wait = limiter.try_acquire(bucket)
    assert 0 < wait <= 5.0


def test_redis_buckets_are_shared_between_limiters(redis_port: int) -> None:
    from services.matcher.wire.limits import RedisRateLimiter

    url = f"redis://127.0.0.1:{redis_port}/0"
    bucket = (Bucket(f"shared-{datetime.now(UTC).timestamp()}", 2, 60.0),)
    one, two = RedisRateLimiter(url), RedisRateLimiter(url)
    assert one.try_acquire(bucket) == 0
    assert two.try_acquire(bucket) == 0
    assert one.try_acquire(bucket) > 0 and two.try_acquire(bucket) > 0


def test_event_query_is_short_and_windowed() -> None:
    title = "The Kremlin under Drone Attack, Failed Attempt to Assassinate President Putin?"
    query = event_query(title, KREMLIN_CLAIMS.splitlines(), datetime(2023, 5, 3, tzinfo=UTC))
    assert isinstance(query, EventQuery)
    assert query.terms[0] == "kremlin" and 2 <= len(query.terms) <= 3
    assert all(len(t) >= 3 for t in query.terms)
    assert query.since == datetime(2023, 5, 1, tzinfo=UTC)
    assert query.until == datetime(2023, 5, 11, tzinfo=UTC)
    assert query.key("gdelt") != query.key("nyt")


@pytest.mark.parametrize(
    ("url", "text", "origin"),
    [
        ("https://www.irishexaminer.com/x", "MOSCOW (Reuters) – Russia said", "Reuters"),
        ("https://mynorthwest.com/1/x", "TALLINN, Estonia (AP) — As Russian officials", "AP"),
        ("https://thehill.com/homenews/ap/ap-international/x/", "", "AP"),
        ("https://www.reuters.com/world/x", "", "Reuters"),
        ("https://www.bbc.co.uk/news/x", "Russia accuses Ukraine of a drone attack", ""),
    ],
)
def test_wire_origin(url: str, text: str, origin: str) -> None:
    assert wire_origin(url, text) == origin


def test_story_records_keep_their_provenance() -> None:
    story = StoryRecord(
        outlet="Reuters",
        title="t",
        body="b",
        source="gdelt",
        url="https://www.irishexaminer.com/x",
        publisher_domain="irishexaminer.com",
        wire_origin="Reuters",
        text_basis=evidence_pb2.TEXT_BASIS_TITLE_AND_LEAD,
    )
    proto = story.to_proto()
    assert proto.publisher_domain == "irishexaminer.com" and proto.wire_origin == "Reuters"
    back = StoryRecord.from_proto(matcher_pb2.StoryDocument(story=proto, body="b"))
    assert back == story
