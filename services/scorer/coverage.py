"""The coverage view of a report: who else reported the article's event, how each is rated,
and which of the article's central claims no rated outlet reported."""

from __future__ import annotations

from collections.abc import Sequence

from credence.v1 import evidence_pb2, matcher_pb2, report_pb2

from services.scorer.signals.corroboration import Rate, outlet_name, searched_line

CENTRAL_CLAIMS = 5
"""The most check-worthy claims looked at for "no rated outlet reported it"."""


def covering_story(story: evidence_pb2.WireStory, rate: Rate) -> report_pb2.CoveringStory:
    """One story of the coverage with its publisher's rating."""
    out = report_pb2.CoveringStory(
        outlet=outlet_name(story),
        domain=story.publisher_domain,
        url=story.url,
        title=story.title,
        wire_origin=story.wire_origin,
    )
    if story.HasField("published_at"):
        out.published_at.CopyFrom(story.published_at)
    if story.publisher_domain:
        rating = rate(story.publisher_domain)
        if rating.known:
            out.rating_score = round(rating.score, 1)
            out.rating_label = rating.label
    return out


def unreported_claims(claims: Sequence[evidence_pb2.ClaimEvidence], rate: Rate) -> list[str]:
    """The central claims (most check-worthy) that no rated outlet reported, of those
    checked."""
    checked = [c for c in claims if c.verdict != evidence_pb2.VERDICT_NOT_CHECKED and c.verdict]
    central = sorted(checked, key=lambda c: -c.claim.checkworthiness)[:CENTRAL_CLAIMS]
    out = []
    for item in sorted(central, key=lambda c: c.claim.sentence_index):
        stories = [e.story for e in item.evidence if e.stance != evidence_pb2.STANCE_UNRELATED]
        rated = [
            s
            for s in stories
            if s.wire_origin or (s.publisher_domain and rate(s.publisher_domain).known)
        ]
        if not rated:
            out.append(item.claim.text)
    return out


def coverage(
    stories: Sequence[evidence_pb2.WireStory],
    claims: Sequence[evidence_pb2.ClaimEvidence],
    searches: Sequence[matcher_pb2.SourceSearch],
    pending: bool,
    rate: Rate,
) -> report_pb2.Coverage:
    """The report's coverage block."""
    line = searched_line(searches)
    return report_pb2.Coverage(
        stories=[covering_story(s, rate) for s in stories],
        unreported_claims=unreported_claims(claims, rate) if searches or stories else [],
        searched=[
            part.strip() for part in line.removeprefix("Wire sources: ").rstrip(".").split(",")
        ]
        if line
        else [],
        pending=pending,
    )
