"""The matcher: from an article to its check-worthy claims, each with wire evidence, a
stance per story and a verdict, plus a check of every citation the article makes.

`Matcher` is synchronous and free of gRPC so that the pipeline, the CLI and tests can call
it in-process; `service.py` puts it behind MatcherService.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from credence.v1 import article_pb2, evidence_pb2, matcher_pb2

from services.common import metrics
from services.common.config import Settings
from services.matcher.claims import CheckWorthinessModel, attribution, canonical_outlet
from services.matcher.encoded import EncodedArticle
from services.matcher.index import WireIndex, open_index
from services.matcher.stance import StanceModel, StancePrediction
from services.matcher.stories import SearchHit, StoryRecord
from services.matcher.textutil import content_tokens, sentences, tokens
from services.matcher.threads import limit_native_threads

_LOGGER = logging.getLogger(__name__)

DEFAULT_MAX_CLAIMS = 20
DEFAULT_TOP_K = 5
MAX_CLAIMS = 100
MAX_TOP_K = 50
# Wire coverage of an event is looked for this long before and after the article's date.
EVIDENCE_WINDOW = timedelta(days=30)
# A citation matches a story published this close to the cited date.
CITATION_WINDOW = timedelta(days=3)
# A story must be at least this sure of agreeing (disagreeing) before the claim is called
# supported (contradicted); less sure stances count as discussing.
MIN_AGREE = 0.5
MIN_DISAGREE = 0.5
# Share of a citation sentence's content words a matching story must contain.
MIN_CITATION_OVERLAP = 0.3
MIN_WORDS, MAX_WORDS = 6, 120
_STANCES = {
    "agree": evidence_pb2.STANCE_AGREE,
    "disagree": evidence_pb2.STANCE_DISAGREE,
    "discuss": evidence_pb2.STANCE_DISCUSS,
    "unrelated": evidence_pb2.STANCE_UNRELATED,
}


@dataclass(frozen=True)
class _Candidate:
    index: int
    text: str
    score: float


_DATE_TEXT = (
    "jan feb mar apr may jun jul aug sep sept oct nov dec january february march april june "
    "july august september october november december monday tuesday wednesday thursday "
    "friday saturday sunday updated published am pm"
)
_DATE_WORDS = frozenset(_DATE_TEXT.split())
TOPIC_WORDS = 20


def is_candidate(sentence: str) -> bool:
    """False for what cannot be a claim: too short or long, questions, headings without a
    full stop, and datelines ("First published on May 3, 2023")."""
    words = sentence.split()
    if not MIN_WORDS <= len(words) <= MAX_WORDS:
        return False
    end = sentence.rstrip("”\"'’) ")
    if end.endswith("?") or (not end.endswith((".", "!")) and len(words) < 12):
        return False
    toks = tokens(sentence)
    dates = sum(t in _DATE_WORDS or t.isdigit() for t in toks)
    return dates / max(len(toks), 1) < 0.3


def topic_words(title: str, sents: Sequence[str]) -> set[str]:
    """What the article is about: the title's words and the article's most frequent ones."""
    counts = Counter(t for s in sents for t in content_tokens(s) if len(t) > 2)
    return set(content_tokens(title)) | {w for w, _ in counts.most_common(TOPIC_WORDS)}


def on_topic(sentence: str, topic: set[str]) -> float:
    """0 to 1: how many topic words the sentence holds (three or more count fully)."""
    return min(1.0, len(set(content_tokens(sentence)) & topic) / 3)


def verdict_of(predictions: Sequence[StancePrediction]) -> evidence_pb2.Verdict.ValueType:
    """The verdict on a claim from the stances of the stories found for it."""
    if any(p.label == "disagree" and p.confidence >= MIN_DISAGREE for p in predictions):
        return evidence_pb2.VERDICT_CONTRADICTED
    if any(p.label == "agree" and p.confidence >= MIN_AGREE for p in predictions):
        return evidence_pb2.VERDICT_SUPPORTED
    if any(p.label != "unrelated" for p in predictions):
        return evidence_pb2.VERDICT_DISCUSSED
    return evidence_pb2.VERDICT_UNVERIFIED


class Matcher:
    """Claims, evidence, stance and citation checks for one article at a time."""

    def __init__(
        self,
        settings: Settings,
        index: WireIndex | None = None,
        claims_model: CheckWorthinessModel | None = None,
        stance_model: StanceModel | None = None,
    ) -> None:
        self.settings = settings
        limit_native_threads(settings.inference_threads)
        self.index: WireIndex = index or open_index(settings.resolved_index_dir)
        self.claims_model = claims_model or CheckWorthinessModel.load()
        self.stance_model = stance_model or StanceModel.load()
        metrics.INDEX_STORIES.set(self.index.count())

    # -- Match -------------------------------------------------------------------------

    def match(self, request: matcher_pb2.MatchRequest) -> matcher_pb2.MatchResponse:
        """Finds the article's claims, their evidence and verdicts, and checks citations."""
        limit_native_threads(self.settings.inference_threads)
        article = request.article
        max_claims = request.max_claims or DEFAULT_MAX_CLAIMS
        top_k = request.top_k or DEFAULT_TOP_K
        sents = sentences(article.text)
        published = (
            article.published_at.ToDatetime(tzinfo=None)
            if article.HasField("published_at")
            else None
        )
        response = matcher_pb2.MatchResponse(sentence_count=len(sents))
        encoded = EncodedArticle(sents)
        for candidate in self.claims(sents, max_claims, article.title, encoded):
            response.claims.append(self._claim_evidence(candidate, top_k, published))
        for citation in article.citations:
            response.citation_checks.append(self.check_citation(citation, published))
        return response

    def claims(
        self,
        sents: Sequence[str],
        max_claims: int,
        title: str = "",
        encoded: EncodedArticle | None = None,
    ) -> list[_Candidate]:
        """The check-worthy sentences (above the model's threshold), the most check-worthy
        and on-topic first, cut at `max_claims` and returned in article order. `encoded`:
        the article's sentences, whose vectors are computed once and shared."""
        pool = [(i, s) for i, s in enumerate(sents) if is_candidate(s)]
        if not pool:
            return []
        encoder = self.claims_model.encoder
        vectors = None
        if encoder is not None:
            encoded = encoded or EncodedArticle(sents)
            vectors = encoded.vectors(encoder, [i for i, _ in pool])
        scores = self.claims_model.scores([s for _, s in pool], vectors)
        topic = topic_words(title, sents)
        chosen = [
            _Candidate(i, s, float(score))
            for (i, s), score in zip(pool, scores, strict=True)
            if score >= self.claims_model.threshold
        ]
        chosen.sort(key=lambda c: -c.score * (0.4 + 0.6 * on_topic(c.text, topic)))
        return sorted(chosen[:max_claims], key=lambda c: c.index)

    def _claim_evidence(
        self, candidate: _Candidate, top_k: int, published: datetime | None
    ) -> evidence_pb2.ClaimEvidence:
        who = attribution(candidate.text)
        claim = evidence_pb2.Claim(
            text=candidate.text,
            checkworthiness=candidate.score,
            speaker=who.speaker,
            attributed_outlet=who.outlet,
            sentence_index=candidate.index,
        )
        since = published - EVIDENCE_WINDOW if published else None
        until = published + EVIDENCE_WINDOW if published else None
        hits = self.index.search(candidate.text, top_k, since=since, until=until, undated=True)
        predictions = self.stance_model.predict(candidate.text, [h.story.text for h in hits])
        ranked = sorted(
            zip(hits, predictions, strict=True),
            key=lambda pair: (pair[1].label == "unrelated", -pair[0].score),
        )
        out = evidence_pb2.ClaimEvidence(claim=claim, verdict=verdict_of(predictions))
        for hit, prediction in ranked:
            if prediction.label != "unrelated":
                out.evidence.append(_evidence(hit, prediction))
        return out

    # -- citations ---------------------------------------------------------------------

    def check_citation(
        self, citation: article_pb2.Citation, published: datetime | None
    ) -> matcher_pb2.CitationCheck:
        """Does the index hold a story of the cited outlet, near the cited date, that
        matches the sentence the citation is in?"""
        outlet = canonical_outlet(citation.outlet)
        check = matcher_pb2.CitationCheck(citation=citation)
        check.outlet_indexed = bool(outlet) and self.index.count(outlet) > 0
        if not check.outlet_indexed:
            return check
        when = citation.date.ToDatetime() if citation.HasField("date") else published
        since = when - CITATION_WINDOW if when else None
        until = when + CITATION_WINDOW + timedelta(days=1) if when else None
        query = citation.sentence or citation.outlet
        hits = self.index.search(query, 3, outlet=outlet, since=since, until=until)
        best = self._matching_story(citation.sentence, hits)
        if best is not None:
            check.found = True
            check.story.CopyFrom(best.to_proto())
        return check

    def _matching_story(self, sentence: str, hits: Sequence[SearchHit]) -> StoryRecord | None:
        """The first hit about the same matter as the sentence: the stance model calls it
        related and it shares enough of the sentence's words, or it shares most of them."""
        if not hits or not sentence:
            return None
        proba = self.stance_model.predict_proba(
            [sentence] * len(hits), [h.story.text for h in hits]
        )
        words = set(content_tokens(sentence))
        for hit, row in zip(hits, proba, strict=True):
            overlap = len(words & set(content_tokens(hit.story.text))) / max(len(words), 1)
            related = row[-1] < 0.5
            if (related and overlap >= MIN_CITATION_OVERLAP) or overlap >= 2 * MIN_CITATION_OVERLAP:
                return hit.story
        return None

    # -- index -------------------------------------------------------------------------

    def add_stories(self, request: matcher_pb2.AddStoriesRequest) -> matcher_pb2.AddStoriesResponse:
        """Adds stories, skipping those already held (same URL or same content)."""
        records = [StoryRecord.from_proto(doc) for doc in request.stories]
        added, skipped = self.index.add(records)
        metrics.INDEX_STORIES.set(self.index.count())
        return matcher_pb2.AddStoriesResponse(added=added, skipped=skipped)

    def stats(self) -> matcher_pb2.GetIndexStatsResponse:
        """What the index holds."""
        stats = self.index.stats()
        response = matcher_pb2.GetIndexStatsResponse(
            stories=stats.stories, stories_by_source=stats.by_source, size_bytes=stats.size_bytes
        )
        for source, newest in stats.newest_by_source.items():
            response.newest_by_source[source].FromDatetime(newest)
        return response


def _evidence(hit: SearchHit, prediction: StancePrediction) -> evidence_pb2.Evidence:
    return evidence_pb2.Evidence(
        story=hit.story.to_proto(),
        stance=_STANCES[prediction.label],
        stance_confidence=prediction.confidence,
        retrieval_score=hit.score,
        passage=prediction.passage,
    )
