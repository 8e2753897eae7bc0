"""The matcher: from an article to its check-worthy claims, each with wire evidence, a
stance per story and a verdict, plus a check of every citation the article makes.

`Matcher` is synchronous and free of gRPC so that the pipeline, the CLI and tests can call
it in-process; `service.py` puts it behind MatcherService.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
from credence.v1 import article_pb2, evidence_pb2, matcher_pb2

from services.common import languages, metrics
from services.common.config import Settings
from services.matcher.claims import CheckWorthinessModel, attribution
from services.matcher.encoded import EncodedArticle
from services.matcher.entities import entities, mentioned, ranked_entities, words_of
from services.matcher.index import WireIndex, open_index
from services.matcher.outlets import OUTLET_ALIASES, canonical_outlet
from services.matcher.same_event import SameEventJudge
from services.matcher.stance import StanceModel, StancePrediction
from services.matcher.stance_cache import StanceCache
from services.matcher.stories import SearchHit, StoryRecord
from services.matcher.textutil import content_tokens, sentences, tokens
from services.matcher.threads import limit_native_threads
from services.matcher.wire.pages import PageReader
from services.matcher.wire.query import EventQuery, event_query
from services.matcher.wire.search import SearchResult, SourceOutcome, WireSearch
from services.matcher.wire.sources import build_wire_search

_LOGGER = logging.getLogger(__name__)

DEFAULT_MAX_CLAIMS = 20
DEFAULT_TOP_K = 5
MAX_CLAIMS = 100
MAX_TOP_K = 50
CITATION_ENTITIES = 2
"""A cited story must name this many of the citing sentence's own entities (all, if fewer),
one of them distinctive: a citation points at one statement, not at the whole event."""
DISTINCTIVE_SHARE = 0.5
"""An entity named by more than this share of the event's stories does not single one out."""
EVENT_SAMPLE = 40
MAX_SEARCH_BUDGET_S = 30.0
WARM_STORIES = 3
"""Same-event stories the index must already hold in the window to skip the live search."""
EVENT_ENTITIES = 4
# A citation matches a story published this close to the cited date.
CITATION_WINDOW = timedelta(days=3)
# A story must be at least this sure of agreeing (disagreeing) before the claim is called
# supported (contradicted); less sure stances count as discussing.
MIN_AGREE = 0.5
MIN_DISAGREE = 0.5
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


def topic_weight(sentence: str, topic: set[str]) -> float:
    """What a candidate's check-worthiness is multiplied by to rank it: 0.4 off topic,
    rising to 1 with three topic words."""
    return 0.4 + 0.6 * on_topic(sentence, topic)


def verdict_of(
    predictions: Sequence[StancePrediction], searched: bool = True
) -> evidence_pb2.Verdict.ValueType:
    """The verdict on a claim from the stances of the same-event stories found for it;
    without any, "not reported" when coverage was searched, else "not checked"."""
    if any(p.label == "disagree" and p.confidence >= MIN_DISAGREE for p in predictions):
        return evidence_pb2.VERDICT_CONTRADICTED
    if any(p.label == "agree" and p.confidence >= MIN_AGREE for p in predictions):
        return evidence_pb2.VERDICT_SUPPORTED
    if any(p.label != "unrelated" for p in predictions):
        return evidence_pb2.VERDICT_DISCUSSED
    return evidence_pb2.VERDICT_NOT_REPORTED if searched else evidence_pb2.VERDICT_NOT_CHECKED


@dataclass(frozen=True)
class _Coverage:
    """What is known of the coverage of one article's event."""

    query: EventQuery | None
    result: SearchResult
    searched: bool
    """True when absence of coverage means something (a source answered, or the index
    already held the event's coverage)."""
    entities: frozenset[str]


class Matcher:
    """Claims, evidence, stance and citation checks for one article at a time."""

    def __init__(
        self,
        settings: Settings,
        index: WireIndex | None = None,
        claims_model: CheckWorthinessModel | None = None,
        stance_model: StanceModel | None = None,
        *,
        wire_search: WireSearch | None = None,
        pages: PageReader | None = None,
    ) -> None:
        """`wire_search` searches wire coverage on demand (built from settings when
        `settings.wire_search` and none is given); `pages` reads the pages of stories found."""
        self.settings = settings
        limit_native_threads(settings.inference_threads)
        self.index: WireIndex = index or open_index(
            settings.index_location, settings.index_pool_size
        )
        self.claims_model = claims_model or CheckWorthinessModel.load()
        self.stance_model = stance_model or StanceModel.load()
        self.same_event = SameEventJudge(self.stance_model)
        self.stances = StanceCache(self.stance_model)
        if wire_search is None and settings.wire_search:
            wire_search = build_wire_search(
                settings, store=self._store, known=self.index.get, pages=pages
            )
        self.wire_search = wire_search
        metrics.INDEX_STORIES.set(self.index.count())

    # -- Match -------------------------------------------------------------------------

    def match(self, request: matcher_pb2.MatchRequest) -> matcher_pb2.MatchResponse:
        """Finds the article's claims, their evidence and verdicts, and checks citations."""
        limit_native_threads(self.settings.inference_threads)
        article = request.article
        max_claims = request.max_claims or DEFAULT_MAX_CLAIMS
        top_k = request.top_k or DEFAULT_TOP_K
        # No claims from an article the English models cannot read; the response says why.
        skipped = languages.claims_not_assessed(article.language)
        if skipped:
            return matcher_pb2.MatchResponse(claims_skipped_reason=skipped)
        sents = sentences(article.text)
        published = (
            article.published_at.ToDatetime(tzinfo=None)
            if article.HasField("published_at")
            else None
        )
        response = matcher_pb2.MatchResponse(sentence_count=len(sents))
        encoded = EncodedArticle(sents)
        candidates = self.claims(sents, max_claims, article.title, encoded)
        budget = min(request.search_budget_s, MAX_SEARCH_BUDGET_S) or None
        coverage = self.coverage(article.title, [c.text for c in candidates], published, budget)
        related: dict[str, StoryRecord] = {}
        for candidate in candidates:
            item = self._claim_evidence(candidate, top_k, coverage, related)
            response.claims.append(item)
        for citation in article.citations:
            response.citation_checks.append(self.check_citation(citation, published, coverage))
        response.searches.extend(o.to_proto() for o in coverage.result.outcomes)
        response.search_pending = coverage.result.pending
        stories = sorted(related.values(), key=lambda s: (s.published_at is None, s.published_at))
        response.coverage.extend(story.to_proto() for story in stories)
        return response

    def coverage(
        self,
        title: str,
        claims: Sequence[str],
        published: datetime | None,
        budget_s: float | None = None,
    ) -> _Coverage:
        """Searches the coverage of the article's event: none needed when the index already
        holds enough of it (kept warm by the feeds), else the live sources within budget."""
        query = event_query(title, claims, published)
        names = frozenset(ranked_entities([title, *claims])[:EVENT_ENTITIES])
        if query is None:
            return _Coverage(None, SearchResult(()), False, names)
        warm = self.index.search(query.text, WARM_STORIES, since=query.since, until=query.until)
        if len(warm) >= WARM_STORIES:
            skipped = SearchResult(
                tuple(
                    SourceOutcome(s.name, matcher_pb2.SEARCH_STATE_SKIPPED, "index already warm")
                    for s in (self.wire_search.sources if self.wire_search else ())
                )
            )
            return _Coverage(query, skipped, True, names)
        if self.wire_search is None:
            return _Coverage(query, SearchResult(()), False, names)
        result = self.wire_search.search(query, budget_s or self.settings.wire_search_budget_s)
        return _Coverage(query, result, result.searched, names)

    def _store(self, stories: Sequence[StoryRecord]) -> None:
        """Adds stories found on demand to the index (from any thread)."""
        if stories:
            self.index.add(stories)
            metrics.INDEX_STORIES.set(self.index.count())

    def claims(
        self,
        sents: Sequence[str],
        max_claims: int,
        title: str = "",
        encoded: EncodedArticle | None = None,
    ) -> list[_Candidate]:
        """The check-worthy sentences (above the model's threshold), the most check-worthy
        and on-topic first, cut at `max_claims` and returned in article order. `encoded`:
        the article's sentences, whose vectors are computed once and shared.

        A sentence's rank is its score times its topic weight, and a score is at most 1, so
        the sentences are scored one topic weight at a time, highest first: once
        `max_claims` sentences rank above the next weight, no sentence left can enter and
        those are never read. The result is the same as scoring every sentence. The lexical
        head reads a topic weight's sentences in one call; the encoder only reads those it
        passes (`CheckWorthinessModel.worth_encoding`)."""
        pool = [(i, s) for i, s in enumerate(sents) if is_candidate(s)]
        if not pool:
            return []
        model = self.claims_model
        topic = topic_words(title, sents)
        by_weight: dict[float, list[tuple[int, str]]] = {}
        for i, s in pool:
            by_weight.setdefault(topic_weight(s, topic), []).append((i, s))
        shared = encoded or EncodedArticle(sents)
        chosen: list[tuple[float, _Candidate]] = []
        for weight in sorted(by_weight, reverse=True):
            if len(chosen) >= max_claims and chosen[max_claims - 1][0] > weight:
                break
            group = by_weight[weight]
            scores = model.scores(
                [s for _, s in group], encode=_encoder_of(shared, model, [i for i, _ in group])
            )
            chosen.extend(
                (float(score) * weight, _Candidate(i, s, float(score)))
                for (i, s), score in zip(group, scores, strict=True)
                if score >= model.threshold
            )
            chosen.sort(key=lambda pair: (-pair[0], pair[1].index))
        return sorted((c for _, c in chosen[:max_claims]), key=lambda c: c.index)

    def _claim_evidence(
        self,
        candidate: _Candidate,
        top_k: int,
        coverage: _Coverage,
        related: dict[str, StoryRecord],
    ) -> evidence_pb2.ClaimEvidence:
        who = attribution(candidate.text)
        claim = evidence_pb2.Claim(
            text=candidate.text,
            checkworthiness=candidate.score,
            speaker=who.speaker,
            attributed_outlet=who.outlet,
            sentence_index=candidate.index,
        )
        hits = self._same_event_hits(candidate.text, top_k, coverage)
        predictions = self.stances.predict(candidate.text, [h.story for h in hits])
        ranked = sorted(
            zip(hits, predictions, strict=True),
            key=lambda pair: (pair[1].label == "unrelated", -pair[0].score),
        )
        verdict = verdict_of(predictions, coverage.searched)
        out = evidence_pb2.ClaimEvidence(claim=claim, verdict=verdict)
        for hit, prediction in ranked:
            if prediction.label != "unrelated":
                out.evidence.append(_evidence(hit, prediction))
                related.setdefault(hit.story.url or hit.story.id, hit.story)
        return out

    def _same_event_hits(self, text: str, top_k: int, coverage: _Coverage) -> list[SearchHit]:
        """The best stories for `text` in the article's window that are about the same
        event. Undated stories never count."""
        if coverage.query is None:
            return []
        hits = self.index.search(
            text, top_k * 2, since=coverage.query.since, until=coverage.query.until
        )
        judged = self.same_event.judge(text, [h.story.text for h in hits], coverage.entities)
        return [h for h, j in zip(hits, judged, strict=True) if j.same_event][:top_k]

    # -- citations ---------------------------------------------------------------------

    def check_citation(
        self,
        citation: article_pb2.Citation,
        published: datetime | None,
        coverage: _Coverage | None = None,
    ) -> matcher_pb2.CitationCheck:
        """Is there a story of the cited outlet, near the cited date, about the sentence the
        citation is in? Searched in the index after the article's wire search added its
        finds; "not found" only when coverage was searched."""
        outlet = canonical_outlet(citation.outlet)
        check = matcher_pb2.CitationCheck(citation=citation)
        check.outlet_indexed = bool(outlet) and self.index.count(outlet) > 0
        known = check.outlet_indexed or outlet.lower() in _KNOWN_OUTLETS
        if not known:
            check.status = matcher_pb2.CITATION_STATUS_OUTLET_UNKNOWN
            return check
        when = citation.date.ToDatetime(tzinfo=UTC) if citation.HasField("date") else published
        since = when - CITATION_WINDOW if when else None
        until = when + CITATION_WINDOW + timedelta(days=1) if when else None
        query = citation.sentence or citation.outlet
        hits = self.index.search(query, 5, outlet=outlet, since=since, until=until)
        best = self._matching_story(citation.sentence, hits, coverage)
        if best is not None:
            check.found = True
            check.story.CopyFrom(best.to_proto())
            check.status = matcher_pb2.CITATION_STATUS_FOUND
        elif coverage is None or coverage.searched:
            check.status = matcher_pb2.CITATION_STATUS_NOT_FOUND
        else:
            check.status = matcher_pb2.CITATION_STATUS_NOT_CHECKED
        return check

    def _matching_story(
        self, sentence: str, hits: Sequence[SearchHit], coverage: _Coverage | None
    ) -> StoryRecord | None:
        """The first hit about the same event as the sentence."""
        if not hits or not sentence:
            return None
        names = coverage.entities if coverage else frozenset()
        judged = self.same_event.judge(
            sentence,
            [h.story.text for h in hits],
            names,
            min_own=CITATION_ENTITIES,
            distinctive=self._distinctive(sentence, coverage),
        )
        return next((h.story for h, j in zip(hits, judged, strict=True) if j.same_event), None)

    def _distinctive(self, sentence: str, coverage: _Coverage | None) -> frozenset[str]:
        """The sentence's entities that few of the event's stories name ("Peskov", not
        "Kremlin"): the ones that single out the statement cited."""
        if coverage is None or coverage.query is None:
            return frozenset()
        stories = self.index.search(
            coverage.query.text,
            EVENT_SAMPLE,
            since=coverage.query.since,
            until=coverage.query.until,
        )
        own = entities(sentence)
        if len(stories) < 3 or not own:
            return frozenset()
        words = [words_of(h.story.text) for h in stories]
        share = {e: sum(1 for w in words if mentioned({e}, w)) / len(words) for e in own}
        return frozenset(e for e, s in share.items() if s <= DISTINCTIVE_SHARE)

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


_KNOWN_OUTLETS = frozenset(name.lower() for name in OUTLET_ALIASES.values())


def _encoder_of(
    encoded: EncodedArticle, model: CheckWorthinessModel, rows: Sequence[int]
) -> Callable[[Sequence[int]], np.ndarray] | None:
    """The check-worthiness encoder's vectors of the sentences `rows[p]` for the positions
    `p` asked for, each computed once in `encoded`; None without the encoder."""
    encoder = model.encoder
    if encoder is None:
        return None
    return lambda positions: encoded.vectors(encoder, [rows[p] for p in positions])


def _evidence(hit: SearchHit, prediction: StancePrediction) -> evidence_pb2.Evidence:
    return evidence_pb2.Evidence(
        story=hit.story.to_proto(),
        stance=_STANCES[prediction.label],
        stance_confidence=prediction.confidence,
        retrieval_score=hit.score,
        passage=prediction.passage,
    )
