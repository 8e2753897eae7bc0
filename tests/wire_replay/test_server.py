"""The wire replay: GDELT artlist query semantics over the recorded coverage, its refusals
and failure modes, the NYT Article Search shape, the page mirror and the counters."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.wire_replay import NYT_REPLAY_KEY, Endpoint, Fault, WireReplay
from services.wire_replay.faults import GDELT_RATE_LIMIT
from services.wire_replay.query import (
    ILLEGAL_CHARACTER,
    OR_OUTSIDE_PARENS,
    PARENS_ERROR,
    PHRASE_TOO_SHORT,
    QUERY_TOO_SHORT_OR_LONG,
)

EVENT_WINDOW = {"startdatetime": "20230501000000", "enddatetime": "20230510000000"}
ARTLIST_FIELDS = {
    "url",
    "url_mobile",
    "title",
    "seendate",
    "socialimage",
    "domain",
    "language",
    "sourcecountry",
}
BELGRADE = "police-cordon-off-belgrade-school"


@pytest.fixture(autouse=True)
def _clean(wire_replay: WireReplay) -> Iterator[None]:
    wire_replay.set_fault(None)
    wire_replay.reset_stats()
    yield
    wire_replay.set_fault(None)


def gdelt(replay: WireReplay, query: str, **params: str) -> httpx.Response:
    full = {"query": query, "mode": "artlist", "format": "json", **EVENT_WINDOW, **params}
    return httpx.get(replay.gdelt_url, params=full, timeout=30)


def articles(replay: WireReplay, query: str, **params: str) -> list[dict[str, Any]]:
    reply = gdelt(replay, query, **params)
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"].startswith("application/json"), reply.text
    return list(reply.json().get("articles", []))


def domains(found: list[dict[str, Any]]) -> list[str]:
    return sorted(item["domain"] for item in found)


# The event and its distractors.


def test_event_query_finds_the_events_coverage_not_the_belgrade_shooting(
    wire_replay: WireReplay,
) -> None:
    found = articles(wire_replay, "Kremlin drone")
    urls = [item["url"] for item in found]
    assert len(found) >= 25
    assert not any(BELGRADE in url for url in urls)
    assert any("bbc.co.uk" in url for url in urls)
    assert all(set(item) == ARTLIST_FIELDS for item in found)
    assert all("20230503" <= item["seendate"][:8] <= "20230506" for item in found)


def test_the_distractor_is_found_by_its_own_words(wire_replay: WireReplay) -> None:
    found = articles(wire_replay, "Belgrade school")
    assert [BELGRADE in item["url"] for item in found] == [True]


# Query semantics.


def test_terms_are_anded_whole_words_case_insensitive(wire_replay: WireReplay) -> None:
    assert domains(articles(wire_replay, "peskov WASHINGTON")) == ["politico.com"]
    assert domains(articles(wire_replay, "ludicrous")) == ["aljazeera.com", "allsides.com"]
    assert articles(wire_replay, "ludic") == []


def test_plural_and_possessive_forms_match(wire_replay: WireReplay) -> None:
    singular = domains(articles(wire_replay, "Kremlin drone"))
    assert domains(articles(wire_replay, "Kremlin drones")) == singular
    assert "pravda.com.ua" in domains(articles(wire_replay, "Russia depot"))  # "Russia's"


def test_or_groups(wire_replay: WireReplay) -> None:
    found = articles(wire_replay, "(Belgrade OR Bakhmut)")
    assert domains(found) == ["theguardian.com", "tribuneindia.com"]
    both = articles(wire_replay, '(Belgrade OR "shaker of salt") sourcelang:english')
    assert domains(both) == ["brecorder.com", "news18.com", "theguardian.com"]


def test_quoted_phrases_keep_word_order(wire_replay: WireReplay) -> None:
    assert domains(articles(wire_replay, '"shaker of salt"')) == ["brecorder.com", "news18.com"]
    assert len(articles(wire_replay, '"drone attack"')) > 20
    assert articles(wire_replay, '"attack drone"') == []


def test_domain_matches_subdomains_and_domainis_only_the_host(wire_replay: WireReplay) -> None:
    assert domains(articles(wire_replay, "drone domain:cnn.com")) == [
        "cnn.com",
        "edition.cnn.com",
        "edition.cnn.com",
        "edition.cnn.com",
    ]
    assert domains(articles(wire_replay, "drone domainis:cnn.com")) == ["cnn.com"]
    wire_domains = articles(wire_replay, "drone (domain:bbc.co.uk OR domainis:www.politico.com)")
    assert domains(wire_domains) == ["bbc.co.uk", "politico.com"]


def test_negation_excludes(wire_replay: WireReplay) -> None:
    assert domains(articles(wire_replay, "drone -Kremlin")) == ["dailysabah.com", "pravda.com.ua"]
    assert "politico.com" not in domains(articles(wire_replay, "drone -domain:politico.com"))


def test_sourcelang(wire_replay: WireReplay) -> None:
    english = articles(wire_replay, "Kremlin drone sourcelang:english")
    assert len(english) == len(articles(wire_replay, "Kremlin drone"))
    assert len(articles(wire_replay, "Kremlin drone sourcelang:eng")) == len(english)
    assert articles(wire_replay, "Kremlin drone sourcelang:french") == []


def test_date_window_filters_on_seendate_end_exclusive(wire_replay: WireReplay) -> None:
    may4 = articles(
        wire_replay, "drone", startdatetime="20230504000000", enddatetime="20230505000000"
    )
    assert may4 and all(item["seendate"].startswith("20230504") for item in may4)
    assert (
        gdelt(
            wire_replay, "drone", startdatetime="20230601000000", enddatetime="20230602000000"
        ).json()
        == {}
    )


def test_no_match_is_an_empty_object_as_gdelt_answers(wire_replay: WireReplay) -> None:
    reply = gdelt(wire_replay, "Baltimore bridge collapse")
    assert reply.status_code == 200
    assert reply.json() == {}


def test_maxrecords_default_cap_and_limit(wire_replay: WireReplay) -> None:
    assert len(articles(wire_replay, "drone", maxrecords="3")) == 3
    everything = len(articles(wire_replay, "drone"))
    assert len(articles(wire_replay, "drone", maxrecords="1000")) == everything
    assert len(articles(wire_replay, "drone", maxrecords="nonsense")) == everything


def test_sort_newest_first_by_default_and_oldest_first_on_request(
    wire_replay: WireReplay,
) -> None:
    newest = [item["seendate"] for item in articles(wire_replay, "drone")]
    assert newest == sorted(newest, reverse=True)
    oldest = [item["seendate"] for item in articles(wire_replay, "drone", sort="DateAsc")]
    assert oldest == sorted(oldest)


def test_parameter_names_in_any_case(wire_replay: WireReplay) -> None:
    reply = httpx.get(
        wire_replay.gdelt_url,
        params={"QUERY": "ludicrous", "MODE": "ArtList", "FORMAT": "JSON", **EVENT_WINDOW},
    )
    assert len(reply.json()["articles"]) == 2


def test_timespan_counts_back_from_now(wire_snapshot: Path) -> None:
    def now() -> datetime:
        return datetime(2023, 5, 4, 0, 0, tzinfo=UTC)

    with WireReplay(wire_snapshot, clock=now) as replay:
        params = {"query": "drone", "mode": "artlist", "format": "json"}
        day = httpx.get(replay.gdelt_url, params={**params, "timespan": "1d"}).json()
        assert day["articles"]
        assert all(item["seendate"].startswith("20230503") for item in day["articles"])
        whole = httpx.get(replay.gdelt_url, params=params).json()  # the last 3 months
        assert len(whole["articles"]) == len(day["articles"])


def test_without_dates_an_old_snapshot_finds_nothing_today(wire_replay: WireReplay) -> None:
    params = {"query": "Kremlin drone", "mode": "artlist", "format": "json"}
    assert httpx.get(wire_replay.gdelt_url, params=params).json() == {}


# Refusals: HTTP 200, a plain-text sentence, as GDELT answers.


@pytest.mark.parametrize(
    ("query", "sentence"),
    [
        ("US", PHRASE_TOO_SHORT),
        ('"Kyiv"', PHRASE_TOO_SHORT),
        ("a", QUERY_TOO_SHORT_OR_LONG),
        ("", QUERY_TOO_SHORT_OR_LONG),
        ("Kremlin OR drone", OR_OUTSIDE_PARENS),
        ("(Kremlin OR drone", PARENS_ERROR),
        ("Kremlin OR drone)", PARENS_ERROR),
        ("(Kremlin drone)", PARENS_ERROR),
        ("f-16 jets", ILLEGAL_CHARACTER),
    ],
)
def test_gdelt_refusals(wire_replay: WireReplay, query: str, sentence: str) -> None:
    reply = gdelt(wire_replay, query)
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("text/html")
    assert reply.text == sentence


def test_quoted_dash_and_short_words_in_phrases_are_accepted(wire_replay: WireReplay) -> None:
    assert gdelt(wire_replay, '"f-16 jets"').json() == {}
    assert domains(articles(wire_replay, '"US denies"')) == ["aljazeera.com", "itv.com"]


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"mode": "timelinevol"}, "mode=ArtList"),
        ({"format": "html"}, "format=json"),
        ({"startdatetime": "2023-05-01"}, "STARTDATETIME"),
        ({"timespan": "forever"}, "TIMESPAN"),
        ({"query": "drone theme:TERROR"}, "operator theme:"),
    ],
)
def test_replay_refusals_name_the_replay(
    wire_replay: WireReplay, params: dict[str, str], fragment: str
) -> None:
    reply = gdelt(wire_replay, params.pop("query", "drone"), **params)
    assert reply.status_code == 200
    assert "wire replay" in reply.text
    assert fragment in reply.text


def test_format_is_required(wire_replay: WireReplay) -> None:
    reply = httpx.get(wire_replay.gdelt_url, params={"query": "drone", "mode": "artlist"})
    assert reply.status_code == 200
    assert "format=json" in reply.text


# Faults.


def test_rate_limited_is_gdelts_429(wire_replay: WireReplay) -> None:
    wire_replay.set_fault(Fault.RATE_LIMITED)
    reply = gdelt(wire_replay, "Kremlin drone")
    assert reply.status_code == 429
    assert reply.text == GDELT_RATE_LIMIT
    assert "kalev.leetaru5@gmail.com" in reply.text
    wire_replay.set_fault(None)
    assert articles(wire_replay, "Kremlin drone")


def test_rate_limited_200_is_gdelts_older_answer(wire_replay: WireReplay) -> None:
    wire_replay.set_fault(Fault.RATE_LIMITED_200)
    reply = gdelt(wire_replay, "Kremlin drone")
    assert reply.status_code == 200
    assert reply.text == GDELT_RATE_LIMIT


def test_garbage_is_invalid_json_labelled_json(wire_replay: WireReplay) -> None:
    wire_replay.set_fault(Fault.GARBAGE)
    reply = gdelt(wire_replay, "Kremlin drone")
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("application/json")
    with pytest.raises(ValueError):
        reply.json()


def test_server_error(wire_replay: WireReplay) -> None:
    wire_replay.set_fault(Fault.SERVER_ERROR)
    assert gdelt(wire_replay, "Kremlin drone").status_code == 503
    nyt = httpx.get(wire_replay.nyt_url, params={"q": "drone", "api-key": NYT_REPLAY_KEY})
    assert nyt.status_code == 503


def test_faults_spare_the_page_mirror_unless_asked(wire_replay: WireReplay) -> None:
    url = wire_replay.records[0].url
    wire_replay.set_fault(Fault.SERVER_ERROR)
    assert httpx.get(wire_replay.page_mirror_url + url).status_code == 200
    wire_replay.set_fault(Fault.SERVER_ERROR, endpoints=[Endpoint.PAGE])
    assert httpx.get(wire_replay.page_mirror_url + url).status_code == 503
    assert articles(wire_replay, "Kremlin drone")


def test_slow_answers_normally_after_its_delay(wire_replay: WireReplay) -> None:
    wire_replay.set_fault(Fault.SLOW, delay_s=0.2)
    assert domains(articles(wire_replay, "ludicrous")) == ["aljazeera.com", "allsides.com"]


def test_stop_during_slow_returns_promptly(wire_snapshot: Path) -> None:
    replay = WireReplay(wire_snapshot).start()
    replay.set_fault(Fault.SLOW, delay_s=600)
    outcome: list[object] = []

    def ask() -> None:
        try:
            outcome.append(gdelt(replay, "Kremlin drone").status_code)
        except httpx.HTTPError as error:
            outcome.append(error)

    client = threading.Thread(target=ask)
    client.start()
    _wait_for(lambda: replay.count("/api/v2/doc/doc") == 1, "the slow request to arrive")
    stopper = threading.Thread(target=replay.stop)
    stopper.start()
    stopper.join(timeout=30)
    assert not stopper.is_alive(), "stop() was held up by the slow request"
    client.join(timeout=30)
    assert not client.is_alive()
    assert len(outcome) == 1 and isinstance(outcome[0], httpx.HTTPError)


# NYT Article Search.


def nyt(replay: WireReplay, **params: str) -> httpx.Response:
    return httpx.get(replay.nyt_url, params=params, timeout=30)


def test_nyt_requires_its_key(wire_replay: WireReplay) -> None:
    missing = nyt(wire_replay, q="drone")
    assert missing.status_code == 401
    assert missing.json()["fault"]["detail"]["errorcode"] == "steps.oauth.v2.FailedToResolveAPIKey"
    wrong = nyt(wire_replay, q="drone", **{"api-key": "nope"})
    assert wrong.status_code == 401
    assert wrong.json()["fault"]["faultstring"] == "Invalid ApiKey"


def test_nyt_shape_from_the_records(wire_replay: WireReplay) -> None:
    reply = nyt(
        wire_replay,
        q="ludicrous",
        begin_date="20230501",
        end_date="20230510",
        **{"api-key": NYT_REPLAY_KEY},
    )
    assert reply.status_code == 200
    body = reply.json()
    assert body["status"] == "OK"
    assert body["response"]["meta"]["hits"] == 2
    doc = next(d for d in body["response"]["docs"] if d["source"] == "allsides.com")
    record = next(r for r in wire_replay.records if r.url == doc["web_url"])
    assert doc["headline"]["main"] == record.title
    assert doc["abstract"] == doc["lead_paragraph"] == record.lead
    assert doc["pub_date"] == "2023-05-04T12:00:00+0000"


def test_nyt_dates_inclusive_and_pages_of_ten(wire_replay: WireReplay) -> None:
    key = {"api-key": NYT_REPLAY_KEY}
    may4 = nyt(wire_replay, q="drone", begin_date="20230504", end_date="20230504", **key).json()
    docs = may4["response"]["docs"]
    assert docs and all(d["pub_date"].startswith("2023-05-04") for d in docs)
    first = nyt(wire_replay, q="drone", **key).json()["response"]
    second = nyt(wire_replay, q="drone", page="1", **key).json()["response"]
    assert len(first["docs"]) == 10 and second["meta"]["offset"] == 10
    assert not {d["web_url"] for d in first["docs"]} & {d["web_url"] for d in second["docs"]}


def test_nyt_bad_dates_are_400(wire_replay: WireReplay) -> None:
    reply = nyt(wire_replay, q="drone", begin_date="May 3", **{"api-key": NYT_REPLAY_KEY})
    assert reply.status_code == 400
    assert "begin_date" in reply.json()["errors"][0]


def test_nyt_rate_limit_is_a_json_fault(wire_replay: WireReplay) -> None:
    wire_replay.set_fault(Fault.RATE_LIMITED)
    reply = nyt(wire_replay, q="drone", **{"api-key": NYT_REPLAY_KEY})
    assert reply.status_code == 429
    assert reply.json()["fault"]["detail"]["errorcode"] == "policies.ratelimit.QuotaViolation"


# The page mirror.


def test_page_mirror_serves_title_time_canonical_and_lead(wire_replay: WireReplay) -> None:
    record = next(r for r in wire_replay.records if r.wire_origin == "ap")
    reply = httpx.get(wire_replay.page_mirror_url + record.url)
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("text/html")
    html = reply.text
    assert f'<link rel="canonical" href="{record.url}">' in html
    assert f'content="{record.published_time}"' in html
    assert "(AP) —" in record.lead
    assert f"<p>{record.lead}</p>" in html
    assert html.count(escape(record.title)) >= 2  # <title> and <h1>


def test_page_mirror_escapes_and_quotes_urls(wire_replay: WireReplay) -> None:
    record = next(r for r in wire_replay.records if "?" in r.url or "&" in r.url or "'" in r.title)
    reply = httpx.get(wire_replay.page_mirror_url.removesuffix("?url="), params={"url": record.url})
    assert reply.status_code == 200


def test_page_mirror_unknown_and_missing(wire_replay: WireReplay) -> None:
    assert httpx.get(wire_replay.page_mirror_url + "https://example.com/x").status_code == 404
    assert httpx.get(wire_replay.page_mirror_url).status_code == 400
    assert httpx.get(wire_replay.base_url + "/robots.txt").text.startswith("User-agent: *")


# Counters.


def test_stats_count_requests_per_path(wire_replay: WireReplay) -> None:
    articles(wire_replay, "Kremlin drone")
    articles(wire_replay, "ludicrous")
    httpx.get(wire_replay.page_mirror_url + wire_replay.records[0].url)
    stats = httpx.get(wire_replay.base_url + "/_stats").json()
    assert stats["requests"] == 3
    assert stats["by_path"] == {"/api/v2/doc/doc": 2, "/page": 1}
    assert stats["records"] == 40
    assert stats["fault"] is None
    path, query = wire_replay.requests[0]
    assert path == "/api/v2/doc/doc" and "query=Kremlin+drone" in query


def test_concurrent_requests_are_all_counted(wire_replay: WireReplay) -> None:
    threads = [threading.Thread(target=articles, args=(wire_replay, "drone")) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert wire_replay.count("/api/v2/doc/doc") == 8


def _wait_for(condition: Any, what: str, timeout_s: float = 30.0) -> None:
    import time

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")
