"""An article in a language the claim and stance models do not read gets no claims, and the
response says why: no English model is asked what a French sentence claims."""

from __future__ import annotations

from datetime import UTC, datetime

from credence.v1 import article_pb2, matcher_pb2

from services.matcher.core import Matcher
from services.matcher.index import TantivyIndex
from services.matcher.stories import StoryRecord
from tests.support.french_article import french_article

# A Reuters-21578 story the French report was once matched to.
DU_PONT = StoryRecord(
    outlet="Reuters",
    title="DU PONT CO <DD> LAUNCHES IMPROVED ARAMID FIBERS",
    body=(
        "Du Pont Co said it launched new improved aramid fibers for use in bicycle frames, "
        "cables and protective materials, and said the fibers would be produced at its plant."
    ),
    source="reuters21578",
    url="https://wire.example/reuters/du-pont-aramid-1987",
    published_at=datetime(1987, 3, 2, tzinfo=UTC),
)


def test_french_report_gets_no_claims_and_a_reason(matcher: Matcher, index: TantivyIndex) -> None:
    index.add([DU_PONT])
    article = french_article()
    article.ClearField("published_at")
    response = matcher.match(matcher_pb2.MatchRequest(article=article))
    assert not response.claims and not response.coverage and not response.searches
    assert response.claims_skipped_reason == (
        "The article is in French; claims are checked against wire reports only in English for now."
    )


def test_declared_regional_tags_and_unknown_language(matcher: Matcher) -> None:
    text = (
        "The city council approved a budget of 3.2 million dollars for new bicycle lanes in 2024."
    )
    for code in ("en-GB", "EN", ""):
        article = article_pb2.Article(text=text, language=code)
        response = matcher.match(matcher_pb2.MatchRequest(article=article))
        assert response.claims and not response.claims_skipped_reason, code
    german = article_pb2.Article(text=text, language="de-DE")
    response = matcher.match(matcher_pb2.MatchRequest(article=german))
    assert not response.claims and "in German" in response.claims_skipped_reason
