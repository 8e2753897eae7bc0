"""The report: runs every signal, combines their sub-scores with the weights of
`weights.yaml` into one score, label and confidence, and writes the summary.

Combining rules: an unavailable signal's weight is redistributed over the available ones
and lowers the report's confidence (never a silent zero); an available signal's effective
weight shrinks with its confidence down to `confidence_floor` of its base weight. The
total is a weighted mean, so it stays in 0–100 and rises with every sub-score.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from credence.v1 import article_pb2, report_pb2, scoring_pb2
from google.protobuf import timestamp_pb2

from services.common import languages
from services.common.domains import registrable_domain
from services.common.errors import invalid_argument
from services.common.metrics import REPORT_SCORE
from services.scorer.coverage import coverage
from services.scorer.criteria import criteria
from services.scorer.ratings import KnownOutlets, RatingsStore
from services.scorer.signals import language
from services.scorer.signals.corroboration import corroboration
from services.scorer.signals.presentation import presentation
from services.scorer.signals.source_reputation import label_words, source_reputation
from services.scorer.signals.sourcing import sourcing
from services.scorer.signals.transparency import transparency
from services.scorer.weights import Weights, default_weights

_LOGGER = logging.getLogger(__name__)

MAX_TEXT_CHARS = 2_000_000

_KIND_NAMES: dict[int, str] = {
    report_pb2.SIGNAL_KIND_SOURCE_REPUTATION: "source_reputation",
    report_pb2.SIGNAL_KIND_CORROBORATION: "corroboration",
    report_pb2.SIGNAL_KIND_SOURCING: "sourcing",
    report_pb2.SIGNAL_KIND_TRANSPARENCY: "transparency",
    report_pb2.SIGNAL_KIND_PRESENTATION: "presentation",
}
_KIND_WORDS: dict[int, str] = {k: v.replace("_", " ") for k, v in _KIND_NAMES.items()}


@dataclass(frozen=True)
class Combined:
    """The weighted total of some signals."""

    score: float
    confidence: float


def combine(signals: Sequence[report_pb2.Signal], weights: Weights) -> Combined:
    """Sets each signal's effective weight and returns the total and its confidence."""
    base = {id(s): weights.signals[_KIND_NAMES[s.kind]] for s in signals}
    floor = weights.confidence_floor
    effective = {
        id(s): base[id(s)] * (floor + (1 - floor) * s.confidence) if s.available else 0.0
        for s in signals
    }
    total_weight = sum(effective.values())
    if total_weight <= 0:
        for s in signals:
            s.weight = 0.0
        return Combined(weights.unknown_prior, 0.0)
    for s in signals:
        s.weight = round(effective[id(s)] / total_weight, 4)
    score = sum(effective[id(s)] * s.score for s in signals) / total_weight
    all_base = sum(base.values())
    confidence = sum(base[id(s)] * s.confidence for s in signals if s.available) / all_base
    return Combined(min(100.0, max(0.0, score)), min(1.0, confidence))


def _article_domain(article: article_pb2.Article) -> str:
    """The registrable domain, or the bare host when it has none (an IP address, a
    single-label name): such a source is simply unknown to the rating lists."""
    host = ""
    for field, value in (
        ("article.canonical_url", article.canonical_url),
        ("article.url", article.url),
    ):
        if value:
            parts = urlsplit(value)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise invalid_argument(field, f"{value!r} is not an http(s) URL")
            host = host or (parts.hostname or "")
    domain = article.domain or registrable_domain(article.canonical_url or article.url) or host
    if not domain:
        raise invalid_argument("article.url", "the article needs a url, canonical_url or domain")
    return domain


def validate(request: scoring_pb2.ScoreRequest) -> str:
    """Checks the request and returns the article's domain; bad input names the field."""
    if not request.HasField("article"):
        raise invalid_argument("article", "is required")
    article = request.article
    if not article.text.strip():
        raise invalid_argument("article.text", "is empty")
    if len(article.text) > MAX_TEXT_CHARS:
        raise invalid_argument("article.text", f"is longer than {MAX_TEXT_CHARS} characters")
    for i, item in enumerate(request.claims):
        if not 0.0 <= item.claim.checkworthiness <= 1.0:
            raise invalid_argument(f"claims[{i}].claim.checkworthiness", "must be between 0 and 1")
    return _article_domain(article)


class Scorer:
    """Turns an article, its evidence and its source's ratings into a Report."""

    def __init__(self, store: RatingsStore, weights: Weights | None = None) -> None:
        self.store = store
        self.weights = weights or default_weights()
        self.outlets = KnownOutlets.build(store)

    @property
    def model_version(self) -> str:
        """The version of the weights in use."""
        return self.weights.model_version

    def source_rating(self, domain: str) -> report_pb2.SourceRating:
        """The aggregated reputation of a domain or URL."""
        if not domain.strip():
            raise invalid_argument("domain", "is empty")
        return self.store.rate(domain)

    def signals(
        self, request: scoring_pb2.ScoreRequest, source: report_pb2.SourceRating
    ) -> list[report_pb2.Signal]:
        """Every signal of the request, in report order; those with no model for the
        article's language are not assessed."""
        article = request.article
        computed = [
            source_reputation(source),
            corroboration(
                request.claims,
                request.match_available,
                self.store.rate,
                searches=request.searches,
                article_domain=source.domain,
            ),
            sourcing(article, request.citation_checks, self.store, self.outlets, self.weights),
            transparency(article, source.domain),
            presentation(article, self.weights),
        ]
        return language.for_language(computed, article.language)

    def score(self, request: scoring_pb2.ScoreRequest) -> scoring_pb2.ScoreResponse:
        """The report for `request`."""
        domain = validate(request)
        article = request.article
        source = self.store.rate(_rated_target(article, domain, self.store))
        signals = self.signals(request, source)
        combined = combine(signals, self.weights)
        score = round(combined.score, 1)
        created = timestamp_pb2.Timestamp()
        created.GetCurrentTime()
        report = report_pb2.Report(
            score=score,
            label=self.store.label(score, source.kind),
            confidence=round(combined.confidence, 3),
            signals=signals,
            model_version=self.model_version,
            url=article.url,
            canonical_url=article.canonical_url or article.url,
            domain=source.domain,
            title=article.title,
            source=source,
            created_at=created,
            language=languages.primary(article.language),
            language_name=languages.english_name(article.language),
            coverage=coverage(
                request.coverage,
                request.claims,
                request.searches,
                request.search_pending,
                self.store.rate,
            ),
        )
        report.criteria.extend(criteria(report, article))
        report.summary = summarize(report)
        REPORT_SCORE.observe(score)
        _LOGGER.info("scored %s: %.1f (%s)", source.domain, score, self.model_version)
        return scoring_pb2.ScoreResponse(report=report)


def _rated_target(article: article_pb2.Article, domain: str, store: RatingsStore) -> str:
    """What the source rating is looked up by: the domain, except on a platform of
    user-generated content, where the URL names the writer who is rated."""
    url = article.canonical_url or article.url
    return url if url and store.kinds.platform_page(url) is not None else domain


def summarize(report: report_pb2.Report) -> str:
    """One readable paragraph: the verdict, the weakest signals' first reasons, the gaps."""
    where = f" on {report.domain}" if report.domain else ""
    title = f"\u201c{report.title}\u201d{where}" if report.title else f"This article{where}"
    parts = [
        f"{title} scores {report.score:.0f}/100 ({label_words(report.label)}), "
        f"confidence {report.confidence:.0%}."
    ]
    available = sorted((s for s in report.signals if s.available), key=lambda s: s.score)
    for signal in available[:3]:
        reason = _key_reason(signal)
        parts.append(f"{_KIND_WORDS[signal.kind].capitalize()} {signal.score:.0f}/100: {reason}")
    note = language.not_assessed_note(report.language)
    if note:
        parts.append(note)
    missing = [_KIND_WORDS[s.kind] for s in report.signals if not s.available]
    if missing:
        parts.append(
            "Not assessed: " + ", ".join(missing) + "; the score rests on the other signals "
            "and its confidence is lower."
        )
    return " ".join(parts)


def _key_reason(signal: report_pb2.Signal) -> str:
    reasons = list(signal.reasons)
    if signal.kind == report_pb2.SIGNAL_KIND_SOURCE_REPUTATION and len(reasons) > 1:
        reason = reasons[1]
    elif signal.kind == report_pb2.SIGNAL_KIND_SOURCING:
        reason = reasons[1] if len(reasons) > 1 and "does not exist" in reasons[0] else reasons[0]
    else:
        reason = reasons[0] if reasons else ""
    return reason if reason.endswith(".") else reason + "."
