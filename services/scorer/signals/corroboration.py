"""Corroboration: do wire reports back the article's check-worthy claims?

Each claim's verdict (from the matcher) becomes a claim score; the signal is their mean,
weighted by check-worthiness. The wire stories that agree or disagree are the evidence.
Without the matcher, or without claims, the signal is unavailable rather than zero.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from credence.v1 import evidence_pb2, report_pb2

from services.scorer.signals.common import make_signal, quote, unavailable

_LOGGER = logging.getLogger(__name__)

KIND = report_pb2.SIGNAL_KIND_CORROBORATION

VERDICT_SCORES: dict[int, float] = {
    evidence_pb2.VERDICT_SUPPORTED: 95.0,
    evidence_pb2.VERDICT_DISCUSSED: 65.0,
    evidence_pb2.VERDICT_UNVERIFIED: 45.0,
    evidence_pb2.VERDICT_CONTRADICTED: 5.0,
}
_VERDICT_WORDS: dict[int, str] = {
    evidence_pb2.VERDICT_SUPPORTED: "supported by",
    evidence_pb2.VERDICT_DISCUSSED: "discussed without a side taken by",
    evidence_pb2.VERDICT_CONTRADICTED: "contradicted by",
}
_MAX_EVIDENCE_PER_CLAIM = 2


def _weight(item: evidence_pb2.ClaimEvidence) -> float:
    return max(0.1, item.claim.checkworthiness or 0.5)


def _stories(item: evidence_pb2.ClaimEvidence) -> list[evidence_pb2.Evidence]:
    wanted = (evidence_pb2.STANCE_AGREE, evidence_pb2.STANCE_DISAGREE, evidence_pb2.STANCE_DISCUSS)
    return [e for e in item.evidence if e.stance in wanted][:_MAX_EVIDENCE_PER_CLAIM]


def _link(story: evidence_pb2.WireStory) -> report_pb2.EvidenceLink:
    return report_pb2.EvidenceLink(
        title=f"{story.outlet or 'Wire'}: {story.title}", url=story.url, source=story.source
    )


def _claim_reason(item: evidence_pb2.ClaimEvidence) -> str:
    claim = quote(item.claim.text)
    if item.verdict in _VERDICT_WORDS:
        outlets = sorted({e.story.outlet for e in _stories(item) if e.story.outlet})
        who = ", ".join(outlets) or "wire reports"
        return f"The claim {claim} is {_VERDICT_WORDS[item.verdict]} {who}."
    return f"No wire report was found about the claim {claim}."


def corroboration(
    claims: Sequence[evidence_pb2.ClaimEvidence], match_available: bool
) -> report_pb2.Signal:
    """The corroboration signal from the matcher's claims and verdicts."""
    if not match_available:
        return unavailable(
            KIND, "Claims could not be checked against wire reports (matcher unavailable)."
        )
    if not claims:
        return unavailable(KIND, "No check-worthy claims were found to check against wire reports.")
    total = sum(_weight(c) for c in claims)
    score = sum(_weight(c) * VERDICT_SCORES.get(c.verdict, 45.0) for c in claims) / total
    checked = [c for c in claims if c.verdict != evidence_pb2.VERDICT_UNVERIFIED and c.verdict]
    confidence = (0.3 + 0.6 * len(checked) / len(claims)) * min(1.0, 0.4 + 0.2 * len(claims))
    counts = {v: sum(1 for c in claims if c.verdict == v) for v in VERDICT_SCORES}
    head = (
        f"Of {len(claims)} check-worthy claims, {counts[evidence_pb2.VERDICT_SUPPORTED]} are "
        f"supported by wire reports, {counts[evidence_pb2.VERDICT_CONTRADICTED]} contradicted, "
        f"{counts[evidence_pb2.VERDICT_DISCUSSED]} discussed and "
        f"{counts[evidence_pb2.VERDICT_UNVERIFIED]} not found."
    )
    ordered = sorted(claims, key=lambda c: VERDICT_SCORES.get(c.verdict, 45.0))
    reasons = [head] + [_claim_reason(c) for c in ordered]
    evidence = [_link(e.story) for c in ordered for e in _stories(c)]
    return make_signal(KIND, score, confidence, reasons, evidence)
