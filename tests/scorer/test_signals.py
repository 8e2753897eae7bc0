"""Each signal on crafted articles."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

import pytest
from credence.v1 import article_pb2, evidence_pb2, matcher_pb2, report_pb2

from services.scorer.ratings import KnownOutlets, RatingsStore
from services.scorer.signals.corroboration import corroboration
from services.scorer.signals.presentation import _QUESTION, presentation
from services.scorer.signals.source_reputation import source_reputation
from services.scorer.signals.sourcing import sourcing
from services.scorer.signals.transparency import transparency
from services.scorer.weights import SIGNAL_NAMES, Weights, default_weights
from tests.scorer.conftest import ts

_EVEN: dict[str, object] = {"model_version": "even", "signals": dict.fromkeys(SIGNAL_NAMES, 1.0)}
"""Every signal and part weighing the same (no `parts:`: each part weighs 1)."""

NEUTRAL_TEXT = (
    "The city council approved the budget on Tuesday by a vote of seven to two. "
    "The plan raises spending on schools by four percent, the council said in a statement. "
) * 5


@pytest.fixture(scope="module")
def outlets(store: RatingsStore) -> KnownOutlets:
    return KnownOutlets.build(store)


def _claim(
    verdict: evidence_pb2.Verdict.ValueType, outlet: str = "Reuters"
) -> evidence_pb2.ClaimEvidence:
    stance = {
        evidence_pb2.VERDICT_SUPPORTED: evidence_pb2.STANCE_AGREE,
        evidence_pb2.VERDICT_CONTRADICTED: evidence_pb2.STANCE_DISAGREE,
    }.get(verdict, evidence_pb2.STANCE_DISCUSS)
    story = evidence_pb2.WireStory(outlet=outlet, title="A story", url="https://example.org/s")
    return evidence_pb2.ClaimEvidence(
        claim=evidence_pb2.Claim(text="The budget rose by four percent.", checkworthiness=0.7),
        evidence=[evidence_pb2.Evidence(story=story, stance=stance)],
        verdict=verdict,
    )


# -- source reputation ---------------------------------------------------------------------


def test_source_reputation_names_each_list(store: RatingsStore) -> None:
    signal = source_reputation(store.rate("globalresearch.ca"))
    text = " ".join(signal.reasons)
    assert signal.available and signal.score < 20
    assert (
        "Wikipedia: Reliable sources/Perennial sources rates globalresearch.ca as generally "
        "unreliable and it is on Wikipedia's spam blacklist" in text
    )
    rating = store.rate("globalresearch.ca")
    kind_notes = [n for n in rating.kind_notes if n.kind == rating.kind]
    assert len(signal.evidence) == len(rating.ratings) + len(kind_notes)
    assert "globalresearch.ca is a conspiracy or pseudoscience source" in signal.reasons[-1]


def test_source_reputation_unknown_is_neutral_low_confidence(store: RatingsStore) -> None:
    signal = source_reputation(store.rate("unrated-example-site.net"))
    assert signal.available and signal.confidence <= 0.15
    assert "estimate, not a rating" in signal.reasons[0]


# -- corroboration -------------------------------------------------------------------------


def _unrated(domain: str) -> report_pb2.SourceRating:
    return report_pb2.SourceRating(domain=domain, score=50.0, known=False)


def _rated(score: float) -> Callable[[str], report_pb2.SourceRating]:
    return lambda domain: report_pb2.SourceRating(domain=domain, score=score, known=True)


def _site_claim(verdict: int, domain: str, origin: str = "") -> evidence_pb2.ClaimEvidence:
    stance = {
        evidence_pb2.VERDICT_SUPPORTED: evidence_pb2.STANCE_AGREE,
        evidence_pb2.VERDICT_CONTRADICTED: evidence_pb2.STANCE_DISAGREE,
    }.get(verdict, evidence_pb2.STANCE_DISCUSS)
    story = evidence_pb2.WireStory(
        outlet=origin or domain,
        title="t",
        url=f"https://{domain}/a",
        publisher_domain=domain,
        wire_origin=origin,
    )
    return evidence_pb2.ClaimEvidence(
        claim=evidence_pb2.Claim(
            text="The Kremlin said two drones were shot down.", checkworthiness=0.9
        ),
        evidence=[evidence_pb2.Evidence(story=story, stance=stance)],
        verdict=verdict,  # type: ignore[arg-type]
    )


def test_support_from_unrated_sites_counts_as_discussion() -> None:
    unrated = corroboration(
        [_site_claim(evidence_pb2.VERDICT_SUPPORTED, "blog.example")], True, _unrated
    )
    credible = corroboration(
        [_site_claim(evidence_pb2.VERDICT_SUPPORTED, "bbc.co.uk")], True, _rated(85)
    )
    syndicated = corroboration(
        [_site_claim(evidence_pb2.VERDICT_SUPPORTED, "local.example", "Reuters")], True, _unrated
    )
    assert unrated.score < credible.score == syndicated.score
    assert "Reuters (via local.example)" in " ".join(syndicated.reasons)


def test_not_checked_never_lowers_the_score() -> None:
    supported = _site_claim(evidence_pb2.VERDICT_SUPPORTED, "bbc.co.uk")
    unchecked = _site_claim(evidence_pb2.VERDICT_NOT_CHECKED, "bbc.co.uk")
    alone = corroboration([supported], True, _rated(85))
    mixed = corroboration([supported, unchecked, unchecked], True, _rated(85))
    assert mixed.score == alone.score and mixed.confidence < alone.confidence
    down = matcher_pb2.SourceSearch(
        source="gdelt", state=matcher_pb2.SEARCH_STATE_UNAVAILABLE, detail="connection refused"
    )
    none_checked = corroboration([unchecked], True, _rated(85), searches=[down])
    assert not none_checked.available
    assert "gdelt unreachable: connection refused" in " ".join(none_checked.reasons)


def test_a_wire_story_is_its_own_evidence() -> None:
    alone = _site_claim(evidence_pb2.VERDICT_NOT_REPORTED, "reuters.com")
    elsewhere = corroboration([alone], True, _unrated, article_domain="example.com")
    own = corroboration([alone], True, _unrated, article_domain="reuters.com")
    assert elsewhere.available and not own.available
    assert "its own evidence" in " ".join(own.reasons)


def test_corroboration_unavailable_without_matcher() -> None:
    signal = corroboration([_claim(evidence_pb2.VERDICT_SUPPORTED)], False, _unrated)
    assert not signal.available and "matcher unavailable" in signal.reasons[0]


def test_corroboration_unavailable_without_claims() -> None:
    assert not corroboration([], True, _unrated).available


def test_corroboration_ranks_verdicts() -> None:
    supported = corroboration([_claim(evidence_pb2.VERDICT_SUPPORTED)] * 2, True, _unrated)
    contradicted = corroboration(
        [_claim(evidence_pb2.VERDICT_CONTRADICTED, "AP")] * 2, True, _unrated
    )
    assert supported.score > 80
    assert contradicted.score < 20
    assert supported.evidence[0].title.startswith("Reuters:")
    assert "contradicted by AP" in " ".join(contradicted.reasons)


# -- sourcing ------------------------------------------------------------------------------


def _cite(
    outlet: str, sentence: str = "It happened, said the outlet.", kind: str = "source_line"
) -> article_pb2.Citation:
    return article_pb2.Citation(outlet=outlet, sentence=sentence, kind=kind)


@pytest.mark.parametrize(
    ("outlet", "domain"),
    [
        ("AP", "apnews.com"),
        ("the New York Times", "nytimes.com"),
        ("WSWS", "wsws.org"),
        ("C-Span", "c-span.org"),
        ("Reuters", "reuters.com"),
        ("Breitbart News", "breitbart.com"),
    ],
)
def test_known_outlets_resolve(outlets: KnownOutlets, outlet: str, domain: str) -> None:
    match = outlets.resolve(outlet)
    assert match is not None and match.domain == domain


def test_nonexistent_outlet_is_a_finding(store: RatingsStore, outlets: KnownOutlets) -> None:
    article = article_pb2.Article(citations=[_cite("MNBC"), _cite("Reuters")])
    signal = sourcing(article, [], store, outlets)
    text = " ".join(signal.reasons)
    assert "\u201cMNBC\u201d" in text and "no news outlet of that name is known" in text
    good = sourcing(
        article_pb2.Article(citations=[_cite("AP"), _cite("Reuters")]), [], store, outlets
    )
    assert good.score > signal.score + 30


def test_unknown_quoted_speaker_is_not_taken_for_an_outlet(
    store: RatingsStore, outlets: KnownOutlets
) -> None:
    speaker = _cite("Zelensky", "\u201cWe did not attack Moscow,\u201d said Zelensky.", "quote")
    article = article_pb2.Article(citations=[speaker, _cite("Reuters")])
    signal = sourcing(article, [], store, outlets)
    assert "Zelensky" not in " ".join(signal.reasons)
    assert signal.reasons[0].startswith("1 cited source checked")


def test_found_story_helps_and_missing_story_hurts(
    store: RatingsStore, outlets: KnownOutlets
) -> None:
    citation = _cite("Reuters")
    story = evidence_pb2.WireStory(outlet="Reuters", title="T", url="https://reuters.com/t")
    found = matcher_pb2.CitationCheck(
        citation=citation, found=True, story=story, outlet_indexed=True
    )
    missing = matcher_pb2.CitationCheck(
        citation=citation,
        found=False,
        outlet_indexed=True,
        status=matcher_pb2.CITATION_STATUS_NOT_FOUND,
    )
    unchecked = matcher_pb2.CitationCheck(
        citation=citation, status=matcher_pb2.CITATION_STATUS_NOT_CHECKED
    )
    article = article_pb2.Article(citations=[citation])
    with_story = sourcing(article, [found], store, outlets)
    without = sourcing(article, [missing], store, outlets)
    not_checked = sourcing(article, [unchecked], store, outlets)
    assert with_story.score > not_checked.score > without.score
    assert with_story.evidence and "no matching story found" in " ".join(without.reasons)
    assert "could not be checked" in " ".join(not_checked.reasons)


def test_no_citations_is_neutral_and_unsure(store: RatingsStore, outlets: KnownOutlets) -> None:
    signal = sourcing(article_pb2.Article(text="x"), [], store, outlets)
    assert signal.available and signal.score == 50 and signal.confidence <= 0.2


def test_links_to_rated_outlets_count(store: RatingsStore, outlets: KnownOutlets) -> None:
    links = [article_pb2.Link(url="https://www.reuters.com/a", anchor_text="Reuters")]
    signal = sourcing(article_pb2.Article(domain="example.com", links=links), [], store, outlets)
    assert signal.score > 80 and "reuters.com" in signal.reasons[1]


# -- transparency --------------------------------------------------------------------------


def test_transparency_rewards_byline_dates_and_page_signals() -> None:
    full = article_pb2.Article(
        byline="Jane Doe",
        published_at=ts(2023, 5, 3),
        updated_at=ts(2023, 5, 4),
        page_signals=["corrections policy", "ownership disclosed"],
        site_name="Example News",
    )
    bare = article_pb2.Article(text="x")
    assert transparency(full, "example.com").score > 85
    low = transparency(bare, "example.com")
    assert low.score < 40 and "Names no author." in low.reasons


def test_wire_copy_without_byline_is_not_penalised() -> None:
    article = article_pb2.Article(published_at=ts(1987, 2, 26))
    assert transparency(article, "reuters.com").score > transparency(article, "example.com").score


# -- presentation --------------------------------------------------------------------------


def test_clean_article_presents_well() -> None:
    signal = presentation(article_pb2.Article(title="Council approves budget", text=NEUTRAL_TEXT))
    assert signal.score >= 90


def test_question_headline() -> None:
    article = article_pb2.Article(title="Did the council hide the budget?", text=NEUTRAL_TEXT)
    counted = replace(default_weights(), parts=Weights.from_mapping(_EVEN).parts)
    signal = presentation(article, counted)
    assert signal.score <= 95 and "headline is a question" in signal.reasons[0]
    # With the fitted weights it may not count, but it is still shown.
    assert "headline is a question" in " ".join(presentation(article).reasons)


def test_loaded_and_sensational_words_are_named() -> None:
    text = NEUTRAL_TEXT + " The Kiev regime and its pro-imperialist backers. A SHOCKING bombshell."
    signal = presentation(article_pb2.Article(title="Council approves budget", text=text))
    joined = " ".join(signal.reasons)
    assert "Kiev regime" in joined and "pro-imperialist" in joined
    assert "SHOCKING" in joined and "bombshell" in joined


def test_editorial_insertions_in_quotes() -> None:
    text = (
        NEUTRAL_TEXT
        + ' "We did nothing wrong [ Nonsense ] at all," he said. "It [the plan] works."'
    )
    signal = presentation(article_pb2.Article(title="Council approves budget", text=text))
    joined = " ".join(signal.reasons)
    assert "[ Nonsense ]" in joined and "[the plan]" not in joined


def test_unlabelled_opinion_unless_labelled() -> None:
    text = NEUTRAL_TEXT + (
        " In my view the plan fails. Why would anyone vote for this budget at all? "
        "Is there a hidden motive behind the vote? Needless to say, it is a disgrace."
    )
    news = presentation(article_pb2.Article(title="Council approves budget", text=text))
    opinion = presentation(
        article_pb2.Article(title="Council approves budget", text=text, section="Opinion")
    )
    assert "not labelled as opinion" in " ".join(news.reasons)
    assert opinion.score > news.score


def test_rhetorical_questions_are_whole_clauses_of_twelve_characters_or_more() -> None:
    text = (
        "Short one? Why would anyone vote for this budget at all? A trick?\n"
        "A long clause that ends with a full stop and not a question mark at all. "
        "Is there a hidden motive behind the vote?"
    )
    assert _QUESTION.findall(text) == [
        " Why would anyone vote for this budget at all?",
        " Is there a hidden motive behind the vote?",
    ]
    # The same as every start position tried (the pattern without its lookbehind).
    naive = re.compile(r"[^.!?\n]{12,}\?")
    for sample in (text, NEUTRAL_TEXT, "x" * 3000 + "?", "?" * 20, "", "a. " * 50 + "b" * 12 + "?"):
        assert _QUESTION.findall(sample) == naive.findall(sample)


def test_shouting_headline() -> None:
    signal = presentation(
        article_pb2.Article(title="COUNCIL BETRAYS TAXPAYERS!", text=NEUTRAL_TEXT)
    )
    joined = " ".join(signal.reasons)
    assert "capitals" in joined and "exclamation" in joined


def test_signal_kinds() -> None:
    assert (
        presentation(article_pb2.Article(title="t", text="x")).kind
        == report_pb2.SIGNAL_KIND_PRESENTATION
    )
