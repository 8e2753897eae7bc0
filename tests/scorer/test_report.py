"""The report: combining rules (redistribution, confidence, bands), properties of the total
(stays in 0–100, monotone in each sub-score), validation errors naming the field."""

from __future__ import annotations

import pytest
from credence.v1 import article_pb2, evidence_pb2, report_pb2, scoring_pb2
from hypothesis import given, settings
from hypothesis import strategies as st

from services.common.errors import CredenceError
from services.scorer.report import Scorer, combine
from services.scorer.weights import MODEL_VERSION, Weights, default_weights

KINDS = [
    report_pb2.SIGNAL_KIND_SOURCE_REPUTATION,
    report_pb2.SIGNAL_KIND_CORROBORATION,
    report_pb2.SIGNAL_KIND_SOURCING,
    report_pb2.SIGNAL_KIND_TRANSPARENCY,
    report_pb2.SIGNAL_KIND_PRESENTATION,
]
WEIGHTS: Weights = default_weights()

scores = st.floats(min_value=0, max_value=100, allow_nan=False)
confidences = st.floats(min_value=0, max_value=1, allow_nan=False)
signal_values = st.lists(st.tuples(scores, confidences, st.booleans()), min_size=5, max_size=5)


def _signals(values: list[tuple[float, float, bool]]) -> list[report_pb2.Signal]:
    return [
        report_pb2.Signal(kind=k, score=s, confidence=c, available=a)
        for k, (s, c, a) in zip(KINDS, values, strict=True)
    ]


@settings(max_examples=300, deadline=None)
@given(signal_values)
def test_total_stays_in_range(values: list[tuple[float, float, bool]]) -> None:
    combined = combine(_signals(values), WEIGHTS)
    assert 0.0 <= combined.score <= 100.0
    assert 0.0 <= combined.confidence <= 1.0


@settings(max_examples=300, deadline=None)
@given(signal_values, st.integers(min_value=0, max_value=4), scores)
def test_total_is_monotone_in_each_sub_score(
    values: list[tuple[float, float, bool]], index: int, other: float
) -> None:
    low, high = sorted((values[index][0], other))
    lower = list(values)
    higher = list(values)
    lower[index] = (low, values[index][1], values[index][2])
    higher[index] = (high, values[index][1], values[index][2])
    assert (
        combine(_signals(lower), WEIGHTS).score <= combine(_signals(higher), WEIGHTS).score + 1e-9
    )


def test_unavailable_weight_is_redistributed_and_confidence_drops() -> None:
    values = [(80.0, 0.8, True)] * 5
    full = combine(signals := _signals(values), WEIGHTS)
    assert abs(sum(s.weight for s in signals) - 1.0) < 1e-3
    values[1] = (0.0, 0.0, False)
    partial_signals = _signals(values)
    partial = combine(partial_signals, WEIGHTS)
    assert partial.score == pytest.approx(80.0)  # not dragged towards zero
    assert partial.confidence < full.confidence
    assert partial_signals[1].weight == 0.0
    assert abs(sum(s.weight for s in partial_signals) - 1.0) < 1e-3


def test_bands() -> None:
    bands = WEIGHTS.bands
    assert bands.label(80) == report_pb2.LABEL_HIGH_CREDIBILITY
    assert bands.label(79.9) == report_pb2.LABEL_GENERALLY_CREDIBLE
    assert bands.label(60) == report_pb2.LABEL_GENERALLY_CREDIBLE
    assert bands.label(59.9) == report_pb2.LABEL_PROCEED_WITH_CAUTION
    assert bands.label(40) == report_pb2.LABEL_PROCEED_WITH_CAUTION
    assert bands.label(39.9) == report_pb2.LABEL_LOW_CREDIBILITY


def test_model_version_comes_from_weights_file() -> None:
    assert WEIGHTS.model_version == MODEL_VERSION and MODEL_VERSION


def _request(**article: object) -> scoring_pb2.ScoreRequest:
    base: dict[str, object] = {"url": "https://example.com/a", "title": "T", "text": "Some text."}
    base.update(article)
    return scoring_pb2.ScoreRequest(article=article_pb2.Article(**base))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        (scoring_pb2.ScoreRequest(), "article"),
        (_request(text="  "), "article.text"),
        (_request(url="ftp://example.com/a"), "article.url"),
        (_request(url="", canonical_url="javascript:alert(1)"), "article.canonical_url"),
        (_request(url=""), "article.url"),
    ],
)
def test_invalid_input_names_the_field(
    scorer: Scorer, request_: scoring_pb2.ScoreRequest, field: str
) -> None:
    with pytest.raises(CredenceError) as caught:
        scorer.score(request_)
    assert caught.value.reason == "INVALID_ARGUMENT"
    assert caught.value.metadata["field"] == field


def test_bad_checkworthiness_names_the_field(scorer: Scorer) -> None:
    request = _request()
    request.claims.append(evidence_pb2.ClaimEvidence(claim=evidence_pb2.Claim(checkworthiness=2)))
    with pytest.raises(CredenceError) as caught:
        scorer.score(request)
    assert caught.value.metadata["field"] == "claims[0].claim.checkworthiness"


def test_unknown_source_without_matcher_is_unsure(scorer: Scorer) -> None:
    report = scorer.score(_request(url="https://unrated-example-site.net/a")).report
    assert not report.source.known
    assert report.confidence < 0.4
    assert 30 <= report.score <= 90
    corroboration = next(
        s for s in report.signals if s.kind == report_pb2.SIGNAL_KIND_CORROBORATION
    )
    assert not corroboration.available and corroboration.weight == 0
    assert "Not assessed: corroboration" in report.summary


def test_source_rating(scorer: Scorer) -> None:
    assert scorer.source_rating("https://www.reuters.com/x").domain == "reuters.com"
    with pytest.raises(CredenceError):
        scorer.source_rating("")
