"""Corroboration: do wire reports back the article's check-worthy claims?

Each claim's verdict (from the matcher) becomes a claim score; the signal is their mean,
weighted by check-worthiness. Support or contradiction counts fully only when it comes from
a wire service (also when syndicated: "(Reuters) -") or an outlet the lists rate as
credible; from unrated or low-rated sites it counts as discussion, since another site
repeating a claim is not a check of it. A claim that could not be checked (the search was
down, rate-limited or over its time budget) says nothing and never lowers the score; the
signal's confidence is the share of claims actually checked. A wire service's own story is
its own evidence: claims of an article on reuters.com that no one else reported are not held
against it. Without the matcher, without claims, or with no claim checked, the signal is
unavailable rather than zero.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from credence.v1 import evidence_pb2, matcher_pb2, report_pb2

from services.scorer.signals.common import make_signal, quote, unavailable

_LOGGER = logging.getLogger(__name__)

KIND = report_pb2.SIGNAL_KIND_CORROBORATION
Rate = Callable[[str], report_pb2.SourceRating]

VERDICT_SCORES: dict[int, float] = {
    evidence_pb2.VERDICT_SUPPORTED: 95.0,
    evidence_pb2.VERDICT_DISCUSSED: 65.0,
    evidence_pb2.VERDICT_NOT_REPORTED: 45.0,
    evidence_pb2.VERDICT_UNVERIFIED: 45.0,
    evidence_pb2.VERDICT_CONTRADICTED: 5.0,
}
WIRE_OUTLETS = frozenset({"Reuters", "AP", "AFP", "NYT"})
WIRE_SITES = frozenset({"reuters.com", "apnews.com"})
CREDIBLE_SCORE = 60.0
_UNCHECKED = (evidence_pb2.VERDICT_NOT_CHECKED, evidence_pb2.VERDICT_UNSPECIFIED)
_NOT_FOUND = (evidence_pb2.VERDICT_NOT_REPORTED, evidence_pb2.VERDICT_UNVERIFIED)
_VERDICT_WORDS: dict[int, str] = {
    evidence_pb2.VERDICT_SUPPORTED: "supported by",
    evidence_pb2.VERDICT_DISCUSSED: "reported, without a side taken, by",
    evidence_pb2.VERDICT_CONTRADICTED: "contradicted by",
}
_STATE_WORDS = {
    matcher_pb2.SEARCH_STATE_SEARCHED: "searched",
    matcher_pb2.SEARCH_STATE_UNAVAILABLE: "unreachable",
    matcher_pb2.SEARCH_STATE_RATE_LIMITED: "rate-limited, retrying",
    matcher_pb2.SEARCH_STATE_PENDING: "still searching",
    matcher_pb2.SEARCH_STATE_NOT_CONFIGURED: "not configured",
    matcher_pb2.SEARCH_STATE_SKIPPED: "not needed (coverage already indexed)",
}
_MAX_EVIDENCE_PER_CLAIM = 2


@dataclass(frozen=True)
class Judged:
    """A claim with the verdict that counts once the evidence's sources are weighed."""

    item: evidence_pb2.ClaimEvidence
    verdict: evidence_pb2.Verdict.ValueType


def credible(story: evidence_pb2.WireStory, rate: Rate) -> bool:
    """A wire service's story (its own site or syndicated), or a credible rated outlet's."""
    if story.wire_origin or story.outlet in WIRE_OUTLETS:
        return True
    if not story.publisher_domain:
        return False
    rating = rate(story.publisher_domain)
    return rating.known and rating.score >= CREDIBLE_SCORE


def judged_verdict(item: evidence_pb2.ClaimEvidence, rate: Rate) -> evidence_pb2.Verdict.ValueType:
    """The verdict that counts: support or contradiction from no credible source is
    discussion."""
    taking_side = {
        evidence_pb2.VERDICT_SUPPORTED: evidence_pb2.STANCE_AGREE,
        evidence_pb2.VERDICT_CONTRADICTED: evidence_pb2.STANCE_DISAGREE,
    }
    stance = taking_side.get(item.verdict)
    if stance is None:
        return item.verdict
    if any(e.stance == stance and credible(e.story, rate) for e in item.evidence):
        return item.verdict
    return evidence_pb2.VERDICT_DISCUSSED


def _weight(item: evidence_pb2.ClaimEvidence) -> float:
    return max(0.1, item.claim.checkworthiness or 0.5)


def _stories(item: evidence_pb2.ClaimEvidence) -> list[evidence_pb2.Evidence]:
    wanted = (evidence_pb2.STANCE_AGREE, evidence_pb2.STANCE_DISAGREE, evidence_pb2.STANCE_DISCUSS)
    return [e for e in item.evidence if e.stance in wanted][:_MAX_EVIDENCE_PER_CLAIM]


def outlet_name(story: evidence_pb2.WireStory) -> str:
    """ "Reuters (via irishexaminer.com)" for a syndicated copy, else the outlet."""
    if story.wire_origin and story.publisher_domain:
        return f"{story.wire_origin} (via {story.publisher_domain})"
    return story.outlet or story.publisher_domain or "a wire report"


def _link(story: evidence_pb2.WireStory) -> report_pb2.EvidenceLink:
    return report_pb2.EvidenceLink(
        title=f"{outlet_name(story)}: {story.title}", url=story.url, source=story.source
    )


def _claim_reason(judged: Judged) -> str:
    claim = quote(judged.item.claim.text)
    if judged.verdict in _VERDICT_WORDS:
        outlets = sorted({outlet_name(e.story) for e in _stories(judged.item)})
        who = ", ".join(outlets) or "wire reports"
        return f"The claim {claim} is {_VERDICT_WORDS[judged.verdict]} {who}."
    if judged.verdict in _NOT_FOUND:
        return f"No report of the claim {claim} was found in the coverage searched."
    return f"The claim {claim} was not checked (no search could be made in time)."


def searched_line(searches: Sequence[matcher_pb2.SourceSearch]) -> str:
    """ "Wire sources: gdelt searched (12 stories), nyt not configured."."""
    parts = []
    for s in searches:
        words = _STATE_WORDS.get(s.state, "unknown")
        extra = f" ({s.stories} stories)" if s.state == matcher_pb2.SEARCH_STATE_SEARCHED else ""
        detail = (
            f": {s.detail}" if s.detail and s.state == matcher_pb2.SEARCH_STATE_UNAVAILABLE else ""
        )
        parts.append(f"{s.source} {words}{extra}{detail}")
    return "Wire sources: " + ", ".join(parts) + "." if parts else ""


def corroboration(
    claims: Sequence[evidence_pb2.ClaimEvidence],
    match_available: bool,
    rate: Rate,
    *,
    searches: Sequence[matcher_pb2.SourceSearch] = (),
    article_domain: str = "",
) -> report_pb2.Signal:
    """The corroboration signal from the matcher's claims, verdicts and searches."""
    if not match_available:
        return unavailable(
            KIND, "Claims could not be checked against wire reports (matcher unavailable)."
        )
    if not claims:
        return unavailable(KIND, "No check-worthy claims were found to check against wire reports.")
    judged = [Judged(c, judged_verdict(c, rate)) for c in claims]
    own_wire = article_domain in WIRE_SITES
    counted = [
        j
        for j in judged
        if j.verdict not in _UNCHECKED and not (own_wire and j.verdict in _NOT_FOUND)
    ]
    sources = searched_line(searches)
    if not counted:
        reason = (
            f"None of the {len(claims)} check-worthy claims could be checked against wire"
            " reports: no wire source answered in time."
            if not own_wire
            else "This is a wire service's own story: it is its own evidence."
        )
        return unavailable(KIND, " ".join(r for r in (reason, sources) if r))
    total = sum(_weight(j.item) for j in counted)
    score = sum(_weight(j.item) * VERDICT_SCORES.get(j.verdict, 45.0) for j in counted) / total
    confidence = (0.3 + 0.6 * len(counted) / len(claims)) * min(1.0, 0.4 + 0.2 * len(counted))

    def count(*verdicts: int) -> int:
        return sum(1 for j in judged if j.verdict in verdicts)

    head = (
        f"Of {len(claims)} check-worthy claims, {count(evidence_pb2.VERDICT_SUPPORTED)} are "
        f"supported by wire reports or credible outlets, "
        f"{count(evidence_pb2.VERDICT_CONTRADICTED)} contradicted, "
        f"{count(evidence_pb2.VERDICT_DISCUSSED)} reported without a side taken or only by"
        f" unrated sites, {count(*_NOT_FOUND)} not reported in the coverage searched and "
        f"{count(*_UNCHECKED)} not checked."
    )
    ordered = sorted(judged, key=lambda j: VERDICT_SCORES.get(j.verdict, 50.0))
    reasons = [head] + ([sources] if sources else [])
    if own_wire:
        reasons.append(
            "This is a wire service's own story: claims no one else reported count neither way."
        )
    reasons += [_claim_reason(j) for j in ordered]
    evidence = [_link(e.story) for j in ordered for e in _stories(j.item)]
    return make_signal(KIND, score, confidence, reasons, evidence)
