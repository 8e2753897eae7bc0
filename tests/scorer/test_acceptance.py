"""Acceptance on real text: the globalresearch.ca sample scores low for the right reasons,
and a Reuters wire story on reuters.com with supporting evidence scores high."""

from __future__ import annotations

from credence.v1 import article_pb2, evidence_pb2, report_pb2, scoring_pb2

from services.scorer.report import Scorer
from services.scorer.weights import MODEL_VERSION


def _signal(report: report_pb2.Report, kind: int) -> report_pb2.Signal:
    return next(s for s in report.signals if s.kind == kind)


def _discussed(text: str) -> evidence_pb2.ClaimEvidence:
    story = evidence_pb2.WireStory(
        outlet="Reuters",
        title="Kremlin says Ukraine tried to kill Putin with drones",
        url="https://www.reuters.com/world/europe/kremlin-drones-2023-05-03/",
        source="rss",
    )
    return evidence_pb2.ClaimEvidence(
        claim=evidence_pb2.Claim(text=text, checkworthiness=0.9),
        evidence=[evidence_pb2.Evidence(story=story, stance=evidence_pb2.STANCE_DISCUSS)],
        verdict=evidence_pb2.VERDICT_DISCUSSED,
    )


def test_sample_article_scores_low_with_named_reasons(
    scorer: Scorer, sample_article: article_pb2.Article
) -> None:
    claims = [_discussed("Two unmanned aerial vehicles targeted the Kremlin.")]
    request = scoring_pb2.ScoreRequest(article=sample_article, claims=claims, match_available=True)
    report = scorer.score(request).report
    print(report)
    assert report.score < 40
    assert report.label == report_pb2.LABEL_LOW_CREDIBILITY
    assert report.model_version == MODEL_VERSION
    assert report.created_at.seconds > 0
    assert report.source.domain == "globalresearch.ca" and report.source.known
    source = " ".join(_signal(report, report_pb2.SIGNAL_KIND_SOURCE_REPUTATION).reasons)
    assert "Wikipedia: Reliable sources/Perennial sources" in source
    assert "generally unreliable and it is on Wikipedia's spam blacklist" in source
    assert "Media Bias/Fact Check" in source and "conspiracy-pseudoscience" in source
    assert "OpenSources" in source and "Lin et al." in source
    sourcing = " ".join(_signal(report, report_pb2.SIGNAL_KIND_SOURCING).reasons)
    assert "\u201cMNBC\u201d" in sourcing and "no news outlet of that name is known" in sourcing
    assert "wsws.org" in sourcing and "reuters.com" in sourcing
    presentation = " ".join(_signal(report, report_pb2.SIGNAL_KIND_PRESENTATION).reasons)
    assert "headline is a question" in presentation
    assert "Kiev regime" in presentation and "pro-imperialist" in presentation
    assert "[ Nonsense ]" in presentation
    assert "not labelled as opinion" in presentation
    assert "MNBC" in report.summary and "globalresearch.ca" in report.summary


def test_reuters_wire_story_scores_high(
    scorer: Scorer, reuters_story: tuple[article_pb2.Article, list[evidence_pb2.ClaimEvidence]]
) -> None:
    article, claims = reuters_story
    request = scoring_pb2.ScoreRequest(article=article, claims=claims, match_available=True)
    report = scorer.score(request).report
    print(report.summary)
    assert report.score >= 75
    assert report.label in (report_pb2.LABEL_HIGH_CREDIBILITY, report_pb2.LABEL_GENERALLY_CREDIBLE)
    corroboration = _signal(report, report_pb2.SIGNAL_KIND_CORROBORATION)
    assert corroboration.available and corroboration.evidence
    transparency = " ".join(_signal(report, report_pb2.SIGNAL_KIND_TRANSPARENCY).reasons)
    assert "wire copy" in transparency
