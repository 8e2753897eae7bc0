"""`Matcher.match` on the sample article against an index of hand-written wire stories."""

from __future__ import annotations

from datetime import UTC, datetime

from credence.v1 import article_pb2, evidence_pb2, matcher_pb2
from google.protobuf.timestamp_pb2 import Timestamp

from services.matcher.core import Matcher, verdict_of
from services.matcher.stance import StancePrediction


def _ts(year: int, month: int, day: int) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(datetime(year, month, day, tzinfo=UTC))
    return stamp


PESKOV = (
    "On Thursday May 4, the Kremlin's spokesman Dmitry Peskov stated categorically that "
    "Ukraine had acted on U.S. orders."
)


def _article(text: str) -> article_pb2.Article:
    return article_pb2.Article(
        url="https://www.globalresearch.ca/kremlin-under-drone-attack/5817927",
        domain="globalresearch.ca",
        title="The Kremlin under Drone Attack, Failed Attempt to Assassinate President Putin?",
        text=text,
        published_at=_ts(2023, 5, 3),
        citations=[
            article_pb2.Citation(
                outlet="Reuters", date=_ts(2023, 5, 5), sentence=PESKOV, kind="parenthetical"
            ),
            article_pb2.Citation(
                outlet="MNBC",
                date=_ts(2023, 5, 3),
                sentence="U.S. officials claim they had no prior knowledge of the attack.",
                kind="parenthetical",
            ),
            article_pb2.Citation(
                outlet="AP", date=_ts(2023, 5, 3), sentence=PESKOV, kind="according_to"
            ),
        ],
    )


def test_sample_article_gets_claims_with_evidence(matcher: Matcher, sample_text: str) -> None:
    response = matcher.match(matcher_pb2.MatchRequest(article=_article(sample_text)))
    assert response.sentence_count > 50
    assert 0 < len(response.claims) <= 20
    with_evidence = [c for c in response.claims if c.evidence]
    assert with_evidence, [c.claim.text for c in response.claims]
    for claim in with_evidence:
        assert claim.verdict not in (
            evidence_pb2.VERDICT_NOT_REPORTED,
            evidence_pb2.VERDICT_NOT_CHECKED,
        )
        best = claim.evidence[0]
        assert best.story.outlet in {"Reuters", "AP", "NYT"}
        assert best.passage and best.retrieval_score > 0
        assert best.stance != evidence_pb2.STANCE_UNRELATED
        assert 0 < best.stance_confidence <= 1
    indices = [c.claim.sentence_index for c in response.claims]
    assert indices == sorted(indices)
    assert all(c.claim.checkworthiness >= matcher.claims_model.threshold for c in response.claims)
    # The central-bank story is never evidence about drones.
    urls = {e.story.url for c in response.claims for e in c.evidence}
    assert not any(u.endswith("rates-2023-05-03") for u in urls)


def test_citation_checks(matcher: Matcher) -> None:
    response = matcher.match(matcher_pb2.MatchRequest(article=_article(PESKOV)))
    reuters, mnbc, ap = response.citation_checks
    assert reuters.found and reuters.outlet_indexed
    assert reuters.story.url.endswith("peskov-us-orders-2023-05-04")
    assert reuters.citation.outlet == "Reuters"
    assert reuters.status == matcher_pb2.CITATION_STATUS_FOUND
    assert not mnbc.found and not mnbc.outlet_indexed
    assert mnbc.status == matcher_pb2.CITATION_STATUS_OUTLET_UNKNOWN
    # AP is indexed, but no AP story near that date matches the sentence.
    assert ap.outlet_indexed and not ap.found


def test_speaker_and_limits(matcher: Matcher) -> None:
    text = (
        "Kremlin spokesman Dmitry Peskov said on Thursday that Ukraine had acted on U.S. "
        "orders in the drone attack on the Kremlin.\n"
        "Russia said two drones targeting the Kremlin were disabled by radar systems overnight."
    )
    response = matcher.match(
        matcher_pb2.MatchRequest(article=article_pb2.Article(text=text), max_claims=1, top_k=2)
    )
    assert len(response.claims) == 1
    assert len(response.claims[0].evidence) <= 2
    claims = matcher.match(matcher_pb2.MatchRequest(article=article_pb2.Article(text=text)))
    speakers = {c.claim.speaker for c in claims.claims}
    assert "Dmitry Peskov" in speakers


def test_unrelated_article_is_not_checked_without_coverage_of_its_days(matcher: Matcher) -> None:
    text = (
        "The city council approved a budget of 3.2 million dollars for new bicycle lanes in 2024."
    )
    response = matcher.match(matcher_pb2.MatchRequest(article=article_pb2.Article(text=text)))
    assert response.claims
    # No wire search, and the index holds nothing of those days: nothing was checked.
    assert all(c.verdict == evidence_pb2.VERDICT_NOT_CHECKED for c in response.claims)
    assert all(not c.evidence for c in response.claims)


def test_off_topic_claim_in_the_events_window_is_not_reported(matcher: Matcher) -> None:
    text = (
        "The Kremlin said two drones were shot down over Moscow overnight.\n"
        "The city council of Leeds approved 3.2 million pounds for new bicycle lanes on Tuesday."
    )
    article = article_pb2.Article(
        title="Drones over the Kremlin", text=text, published_at=_ts(2023, 5, 3)
    )
    response = matcher.match(matcher_pb2.MatchRequest(article=article))
    verdicts = {c.claim.text[:10]: c.verdict for c in response.claims}
    assert verdicts.get("The city c") == evidence_pb2.VERDICT_NOT_REPORTED


def _p(label: str, confidence: float = 0.9) -> StancePrediction:
    return StancePrediction(label, confidence, "", {})


def test_verdict_rules() -> None:
    assert verdict_of([]) == evidence_pb2.VERDICT_NOT_REPORTED
    assert verdict_of([], searched=False) == evidence_pb2.VERDICT_NOT_CHECKED
    assert verdict_of([_p("unrelated")]) == evidence_pb2.VERDICT_NOT_REPORTED
    assert verdict_of([_p("agree"), _p("discuss")]) == evidence_pb2.VERDICT_SUPPORTED
    assert verdict_of([_p("agree"), _p("disagree")]) == evidence_pb2.VERDICT_CONTRADICTED
    assert verdict_of([_p("disagree", 0.4)]) == evidence_pb2.VERDICT_DISCUSSED
    assert verdict_of([_p("agree", 0.4)]) == evidence_pb2.VERDICT_DISCUSSED
    assert verdict_of([_p("discuss"), _p("unrelated")]) == evidence_pb2.VERDICT_DISCUSSED


def test_add_stories_and_stats(matcher: Matcher) -> None:
    before = matcher.stats().stories
    doc = matcher_pb2.StoryDocument(
        story=evidence_pb2.WireStory(outlet="AP", url="https://wire.example/ap/new", title="T"),
        body="A new story body.",
    )
    assert matcher.add_stories(matcher_pb2.AddStoriesRequest(stories=[doc, doc])).added == 1
    again = matcher.add_stories(matcher_pb2.AddStoriesRequest(stories=[doc]))
    assert (again.added, again.skipped) == (0, 1)
    stats = matcher.stats()
    assert stats.stories == before + 1
    assert stats.stories_by_source["api"] == 1
    assert stats.size_bytes > 0
