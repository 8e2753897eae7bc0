"""Sourcing: where the article says its information comes from, in parts (`parts.py`):

- outlets: does each cited outlet exist, is it reputable, and did the matcher find the cited
  story? Citing an outlet that does not exist ("MNBC") is a finding in its own right and
  weighs heavily;
- attributed: the share of sentences that quote or attribute what they say, against the
  writer's own assertions;
- named sources: statements attributed to people or bodies by name ("said Jane Doe");
- anonymous: attributions to sources no reader can check ("sources said", "officials who
  declined to be named"), against the named ones;
- quotes: direct quotations;
- links: links (and written-out URLs) to the material the article rests on;
- diversity: how many different named sources speak.

The parts read from the text use English patterns: for an article in another language
only the outlets count.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass

from credence.v1 import article_pb2, matcher_pb2, report_pb2

from services.common import languages
from services.common.domains import registrable_domain
from services.scorer.ratings import KnownOutlets, RatingsStore
from services.scorer.signals.common import quote
from services.scorer.signals.parts import Part, compose
from services.scorer.signals.text_reading import Reading, read
from services.scorer.weights import Weights, default_weights

_LOGGER = logging.getLogger(__name__)

KIND = report_pb2.SIGNAL_KIND_SOURCING
NONEXISTENT_SCORE = 0.0
FOUND_BONUS = 10.0
NOT_FOUND_PENALTY = 10.0
_MAX_LINKS = 10
MIN_SENTENCES = 3
"""Below this many sentences the text is too short to read its sourcing from."""
# Patterns that name an outlet for sure ("Source, MNBC, May 3, 2023", "(Reuters, May 5)").
# Elsewhere ("according to X", "X said") an unknown name is most likely a person.
_OUTLET_ONLY_KINDS = frozenset({"source_line", "parenthetical", "link"})


@dataclass(frozen=True)
class CitedOutlet:
    """One citation resolved: its domain (empty when unknown) and its sub-score."""

    outlet: str
    domain: str
    score: float
    reason: str
    evidence: report_pb2.EvidenceLink | None = None


def _check_for(
    citation: article_pb2.Citation, checks: Sequence[matcher_pb2.CitationCheck]
) -> matcher_pb2.CitationCheck | None:
    for check in checks:
        same = check.citation.outlet == citation.outlet
        if same and (check.citation.sentence == citation.sentence or not citation.sentence):
            return check
    return None


def _resolve_domain(citation: article_pb2.Citation, outlets: KnownOutlets) -> str:
    if citation.url:
        domain = registrable_domain(citation.url)
        if domain:
            return domain
    match = outlets.resolve(citation.outlet)
    return match.domain if match else ""


def _unknown(citation: article_pb2.Citation, outlets: KnownOutlets) -> CitedOutlet:
    hint = outlets.suggest(citation.outlet)
    maybe = f" (perhaps {hint} was meant)" if hint else ""
    reason = (
        f"The article cites \u201c{citation.outlet}\u201d as a source, but no news outlet of "
        f"that name is known{maybe}; a citation of an outlet that does not exist cannot be "
        "checked and suggests careless or invented sourcing."
    )
    return CitedOutlet(citation.outlet, "", NONEXISTENT_SCORE, reason)


def assess_citation(
    citation: article_pb2.Citation,
    check: matcher_pb2.CitationCheck | None,
    store: RatingsStore,
    outlets: KnownOutlets,
) -> CitedOutlet:
    """One citation's sub-score and reason."""
    domain = _resolve_domain(citation, outlets)
    if not domain:
        return _unknown(citation, outlets)
    rating = store.rate(domain)
    score = rating.score if rating.known else 50.0
    standing = f"rated {rating.score:.0f}/100" if rating.known else "not rated by any list"
    reason = f"Cites {citation.outlet} ({domain}, {standing})"
    link = None
    if check is not None and check.found:
        score += FOUND_BONUS
        reason += f"; a matching {check.story.outlet or citation.outlet} story was found"
        link = report_pb2.EvidenceLink(
            title=f"{check.story.outlet}: {check.story.title}",
            url=check.story.url,
            source=check.story.source,
        )
    elif check is not None and check.status == matcher_pb2.CITATION_STATUS_NOT_FOUND:
        score -= NOT_FOUND_PENALTY
        reason += "; its coverage near the cited date was searched and no matching story found"
    elif check is not None and check.status == matcher_pb2.CITATION_STATUS_NOT_CHECKED:
        reason += "; whether such a story exists could not be checked in time"
    return CitedOutlet(citation.outlet, domain, max(0.0, min(100.0, score)), reason + ".", link)


def _link_outlets(article: article_pb2.Article, store: RatingsStore) -> list[CitedOutlet]:
    own = article.domain or registrable_domain(article.canonical_url or article.url)
    seen: dict[str, CitedOutlet] = {}
    for link in article.links:
        domain = link.domain or registrable_domain(link.url)
        if not domain or domain == own or domain in seen:
            continue
        rating = store.rate(domain)
        if rating.known:
            reason = f"Links to {domain} (rated {rating.score:.0f}/100)."
            seen[domain] = CitedOutlet(domain, domain, rating.score, reason)
        if len(seen) >= _MAX_LINKS:
            break
    return list(seen.values())


def _saturating(count: float, scale: float) -> float:
    """0 for none, rising towards 100 as `count` grows past `scale`."""
    return 100.0 * (1.0 - math.exp(-count / scale))


def outlets_part(
    article: article_pb2.Article,
    checks: Sequence[matcher_pb2.CitationCheck],
    store: RatingsStore,
    outlets: KnownOutlets,
) -> tuple[Part, list[CitedOutlet]]:
    """The cited outlets' part (unavailable when the article cites and links to none)."""
    cited = [
        assess_citation(c, _check_for(c, checks), store, outlets)
        for c in article.citations
        if c.kind in _OUTLET_ONLY_KINDS or _resolve_domain(c, outlets)
    ]
    cited += _link_outlets(article, store)
    if not cited:
        reason = (
            "The article cites no outlets and links to no rated sources, so no cited outlet "
            "can be checked."
        )
        return Part("outlets", 50.0, (reason,), available=False), cited
    missing = [c for c in cited if not c.domain]
    score = sum(c.score for c in cited) / len(cited)
    reasons = [c.reason for c in missing] + [c.reason for c in cited if c.domain]
    evidence = tuple(c.evidence for c in cited if c.evidence is not None)
    return Part("outlets", score, tuple(reasons), evidence=evidence), cited


def text_parts(reading: Reading, english: bool = True) -> list[Part]:
    """The parts read from the text: named and anonymous sources, quotes, links, diversity
    (unavailable for a text too short, or not in English: the patterns read English)."""
    named, count = reading.named_sources, reading.named_attributions
    unnamed = reading.anonymous
    shown = ", ".join(quote(n, 30) for n in named[:4])
    named_reason = (
        f"Attributes {count} statement{'s' if count != 1 else ''} to named sources ({shown})."
        if count
        else "Attributes no statement to a named person or body."
    )
    if unnamed:
        anonymous_reason = (
            f"Rests on {len(unnamed)} anonymous attribution{'s' if len(unnamed) != 1 else ''} ("
            + ", ".join(quote(a, 40) for a in dict.fromkeys(a.lower() for a in unnamed))
            + ") that no reader can check."
        )
    else:
        anonymous_reason = "Rests on no anonymous source."
    quotes_reason = (
        f"Quotes its sources directly ({reading.quotes} quotations)."
        if reading.quotes
        else "Quotes no one directly."
    )
    links_reason = (
        f"Links to {reading.links} source{'s' if reading.links != 1 else ''}."
        if reading.links
        else "Links to no source material."
    )
    diversity_reason = (
        f"{len(named)} different named source{'s' if len(named) != 1 else ''} speak."
        if named
        else "No named source speaks."
    )
    anonymous_score = 100.0 * (count + 1) / (count + len(unnamed) + 1)
    readable = english and reading.sentences >= MIN_SENTENCES
    reported = reading.sentences - reading.own_sentences
    share = reported / reading.sentences if reading.sentences else 0.0
    attributed_reason = (
        f"{reported} of its {reading.sentences} sentences quote or attribute what they say "
        f"({share:.0%}); the rest is the writer's own assertion."
    )
    return [
        Part("attributed", 100.0 * share, (attributed_reason,), readable),
        Part("named_sources", _saturating(count, 4.0), (named_reason,), readable),
        Part("anonymous", anonymous_score, (anonymous_reason,), readable),
        Part("quotes", _saturating(reading.quotes, 3.0), (quotes_reason,), readable),
        Part("links", _saturating(reading.links, 2.0), (links_reason,), readable),
        Part("diversity", _saturating(len(named), 3.0), (diversity_reason,), readable),
    ]


def sourcing_parts(
    article: article_pb2.Article,
    checks: Sequence[matcher_pb2.CitationCheck],
    store: RatingsStore,
    outlets: KnownOutlets,
) -> tuple[list[Part], list[CitedOutlet]]:
    """Every part of the sourcing signal, and the cited outlets behind the first."""
    outlet_part, cited = outlets_part(article, checks, store, outlets)
    reading = read(article.title, article.text, len(article.links))
    english = languages.has_models(article.language)
    return [outlet_part, *text_parts(reading, english)], cited


def sourcing_confidence(cited: Sequence[CitedOutlet], text: str) -> float:
    """More cited outlets, or a longer text to read attributions in, make a surer signal."""
    from_text = 0.5 if len(text) > 400 else 0.3
    return max(from_text, min(0.9, 0.4 + 0.1 * len(cited))) if cited else from_text


NONEXISTENT_OUTLET = "name an outlet that does not exist"


def sourcing_signal(
    parts: Sequence[Part], cited: Sequence[CitedOutlet], text: str, weights: Weights
) -> report_pb2.Signal:
    """The signal of the parts; an outlet that does not exist caps it at the outlets'
    sub-score, since invented sourcing is not offset by quotes elsewhere."""
    head = []
    missing = [c for c in cited if not c.domain]
    if cited:
        line = f"{len(cited)} cited source{'s' if len(cited) != 1 else ''} checked"
        if missing:
            line += f"; {len(missing)} {NONEXISTENT_OUTLET}: " + ", ".join(
                quote(c.outlet, 40) for c in missing
            )
        head.append(line + ".")
    signal = compose(
        KIND, parts, weights.parts["sourcing"], sourcing_confidence(cited, text), head=head
    )
    outlets = next((p for p in parts if p.name == "outlets" and p.available), None)
    if missing and outlets is not None and outlets.score < signal.score:
        signal.score = round(outlets.score, 1)
    return signal


def sourcing(
    article: article_pb2.Article,
    checks: Sequence[matcher_pb2.CitationCheck],
    store: RatingsStore,
    outlets: KnownOutlets,
    weights: Weights | None = None,
) -> report_pb2.Signal:
    """The sourcing signal from the article's citations, their checks, links and text."""
    parts, cited = sourcing_parts(article, checks, store, outlets)
    return sourcing_signal(parts, cited, article.text, weights or default_weights())
