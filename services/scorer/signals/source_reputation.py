"""Source reputation: what the open rating lists say about the article's site.

Each list that rates the domain becomes one reason naming the list and its label, so a
reader sees exactly who said what; the sub-score and confidence are the store's aggregate.
What kind of source it is (satire, state-affiliated media, a writer on a platform, ...) is
said right after the score, with who says so, because the score alone misleads for these.
"""

from __future__ import annotations

import logging

from credence.v1 import report_pb2

from services.scorer.ratings.kinds import KIND_WORDS, SATIRE, STATE, WRITER
from services.scorer.signals.common import make_signal

_LOGGER = logging.getLogger(__name__)

_BAND_WORDS = {
    report_pb2.LABEL_HIGH_CREDIBILITY: "high credibility",
    report_pb2.LABEL_GENERALLY_CREDIBLE: "generally credible",
    report_pb2.LABEL_PROCEED_WITH_CAUTION: "proceed with caution",
    report_pb2.LABEL_LOW_CREDIBILITY: "low credibility",
    report_pb2.LABEL_SATIRE: "satire",
}


_READ_FIRST = (SATIRE, STATE, WRITER)


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


def kind_reason(source: report_pb2.SourceRating) -> str:
    """ "<domain> is <kind> (<list>: <its words>; ...)", with what it means for the reader;
    empty when no list says what kind of source it is."""
    if source.kind == report_pb2.SOURCE_KIND_UNSPECIFIED:
        return ""
    said = [n for n in source.kind_notes if n.kind == source.kind]
    who = "; ".join(f"{n.list_name}: \u201c{n.note}\u201d" for n in said)
    text = f"{source.domain} is {KIND_WORDS[source.kind]} ({who})."
    if source.kind == SATIRE:
        text += " Its stories are not meant to be read as fact; the score is not a verdict on news."
    elif source.kind == STATE:
        text += " It may present a state's positions as news."
    elif source.kind == WRITER:
        text += " The writer is rated on their own; the platform's score is not used."
    return text


def kind_evidence(source: report_pb2.SourceRating) -> list[report_pb2.EvidenceLink]:
    """One link per statement of the source's main kind."""
    return [
        report_pb2.EvidenceLink(title=f"{n.list_name}: {n.note}", url=n.url, source=n.list)
        for n in source.kind_notes
        if n.kind == source.kind and n.url
    ]


def source_reputation(source: report_pb2.SourceRating) -> report_pb2.Signal:
    """The source-reputation signal from the domain's aggregated rating."""
    kind = report_pb2.SIGNAL_KIND_SOURCE_REPUTATION
    about_kind = [r for r in [kind_reason(source)] if r]
    if source.estimated:
        reason = (
            f"No rating list covers {source.domain}; Credence estimates {source.score:.0f}/100 "
            "from what can be known about the domain (its name, its TLD, graph reliability "
            "scores, rated sites of the same name). This is an estimate, not a rating, and "
            "counts with low confidence."
        )
        return make_signal(
            kind, source.score, source.confidence, [reason, *about_kind], kind_evidence(source)
        )
    if not source.known:
        reason = (
            f"No rating list covers {source.domain}; its reputation is unknown, so a neutral "
            f"prior of {source.score:.0f} is used with low confidence."
        )
        return make_signal(
            kind, source.score, source.confidence, [reason, *about_kind], kind_evidence(source)
        )
    lists = {r.list for r in source.ratings}
    head = (
        f"{source.domain} scores {source.score:.0f}/100 ({label_words(source.label)}) "
        f"across {len(lists)} rating lists."
    )
    by_list = [rating_reason(source.domain, r) for r in source.ratings]
    # Satire, state media and a platform's writer change how the score is read, so they come
    # before the lists; other kinds (a wire service, a conspiracy site) follow the lists.
    if source.kind in _READ_FIRST:
        reasons = [head, *about_kind, *by_list]
    else:
        reasons = [head, *by_list, *about_kind]
    evidence = kind_evidence(source) + [
        report_pb2.EvidenceLink(
            title=f"{r.list_name}: {r.original_label}", url=r.url, source=r.list
        )
        for r in source.ratings
    ]
    return make_signal(kind, source.score, source.confidence, reasons, evidence)
