"""Source reputation: what the open rating lists say about the article's site.

Each list that rates the domain becomes one reason naming the list and its label, so a
reader sees exactly who said what; the sub-score and confidence are the store's aggregate.
"""

from __future__ import annotations

import logging

from credence.v1 import report_pb2

from services.scorer.signals.common import make_signal

_LOGGER = logging.getLogger(__name__)

_BAND_WORDS = {
    report_pb2.LABEL_HIGH_CREDIBILITY: "high credibility",
    report_pb2.LABEL_GENERALLY_CREDIBLE: "generally credible",
    report_pb2.LABEL_PROCEED_WITH_CAUTION: "proceed with caution",
    report_pb2.LABEL_LOW_CREDIBILITY: "low credibility",
}


def label_words(label: report_pb2.Label.ValueType) -> str:
    """The band's name in plain English."""
    return _BAND_WORDS.get(label, "unrated")


def rating_reason(domain: str, rating: report_pb2.Rating) -> str:
    """ "<list> rates <domain> as <label>" with the blacklist spelled out."""
    label = rating.original_label
    if "spam blacklist" in label:
        head = label.split(", on Wikipedia's spam blacklist")[0]
        text = f"rates {domain} as {head} and it is on Wikipedia's spam blacklist"
    else:
        text = f"rates {domain} as {label}"
    return f"{rating.list_name} {text}."


def source_reputation(source: report_pb2.SourceRating) -> report_pb2.Signal:
    """The source-reputation signal from the domain's aggregated rating."""
    kind = report_pb2.SIGNAL_KIND_SOURCE_REPUTATION
    if not source.known:
        reason = (
            f"No rating list covers {source.domain}; its reputation is unknown, so a neutral "
            f"prior of {source.score:.0f} is used with low confidence."
        )
        return make_signal(kind, source.score, source.confidence, [reason])
    lists = {r.list for r in source.ratings}
    head = (
        f"{source.domain} scores {source.score:.0f}/100 ({label_words(source.label)}) "
        f"across {len(lists)} rating lists."
    )
    reasons = [head] + [rating_reason(source.domain, r) for r in source.ratings]
    evidence = [
        report_pb2.EvidenceLink(
            title=f"{r.list_name}: {r.original_label}", url=r.url, source=r.list
        )
        for r in source.ratings
    ]
    return make_signal(kind, source.score, source.confidence, reasons, evidence)
