"""The report's criteria table: seven yes/no/unknown questions a reader can check at a
glance, each with one line that says why. They are read from the signals the report was
computed from (and the article fields those signals read), so that every client shows the
same table and none has to infer it from the wording of reasons.

A criterion is unknown when the signal behind it was not assessed (an unavailable signal,
a language the models do not read) or when its sub-score falls between the two bands.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from credence.v1 import article_pb2, report_pb2

from services.scorer.signals.presentation import (
    capitals_and_exclamations,
    editorial_insertions,
    is_opinion_section,
    question_headline,
    unlabelled_opinion,
)
from services.scorer.signals.source_reputation import label_words
from services.scorer.signals.sourcing import NONEXISTENT_OUTLET
from services.scorer.signals.transparency import WIRE_DOMAINS

YES = report_pb2.CRITERION_STATE_YES
NO = report_pb2.CRITERION_STATE_NO
UNKNOWN = report_pb2.CRITERION_STATE_UNKNOWN
# A sub-score (or a source's rating) of YES_FROM or more meets a criterion, one under NO_BELOW
# fails it; between the two the evidence points neither way.
YES_FROM = 60.0
NO_BELOW = 50.0
# The headline matches the body when at least this share of its content words is in the text.
HEADLINE_WORDS_IN_TEXT = 0.5
MIN_TEXT_CHARS = 400
_WORD = re.compile(r"[^\W\d_]{4,}")
_STEM_CHARS = 5
_CORRECTIONS_AND_CONTACT = {
    "corrections_policy": "a corrections policy",
    "correction_notice": "a correction notice",
    "contact_page": "a contact page",
    "contact_info": "contact details",
}
_OTHER_PAGE_SIGNALS = {
    "about_page": "an about page",
    "ownership_disclosure": "its ownership",
    "editorial_policy": "an editorial policy",
    "masthead": "a masthead",
}


@dataclass(frozen=True)
class Verdict:
    """A criterion's state and the line that says why."""

    state: report_pb2.CriterionState.ValueType
    detail: str


@dataclass(frozen=True)
class Inputs:
    """What the criteria are judged on: the report's signals and source, and the article."""

    report: report_pb2.Report
    article: article_pb2.Article

    def signal(self, kind: report_pb2.SignalKind.ValueType) -> report_pb2.Signal | None:
        """The report's signal of `kind`, if it has one."""
        return next((s for s in self.report.signals if s.kind == kind), None)


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return text if text.endswith((".", "!", "?", "\u201d")) else text + "."


def _by_score(signal: report_pb2.Signal | None, missing: str) -> Verdict:
    """yes at YES_FROM or more, no under NO_BELOW, unknown between or when not assessed;
    the line is the signal's first reason (its summary)."""
    if signal is None:
        return Verdict(UNKNOWN, missing)
    detail = _sentence(signal.reasons[0]) if signal.reasons else missing
    if not signal.available:
        return Verdict(UNKNOWN, detail)
    if signal.score >= YES_FROM:
        return Verdict(YES, detail)
    return Verdict(NO if signal.score < NO_BELOW else UNKNOWN, detail)


def rated_by_lists(inputs: Inputs) -> Verdict:
    """Do the independent rating lists rate the site as credible?"""
    source = inputs.report.source
    site = source.domain or inputs.report.domain or "this site"
    if not source.known:
        estimate = " (its score is an estimate)" if source.estimated else ""
        return Verdict(UNKNOWN, f"No open rating list rates {site}{estimate}.")
    count = len({r.list for r in source.ratings})
    lists = f"{count} independent list{'' if count == 1 else 's'}" if count else "open lists"
    detail = f"Rated {label_words(source.label)} ({source.score:.0f}/100) by {lists}."
    return Verdict(YES if source.score >= YES_FROM else NO, detail)


def corroborated(inputs: Inputs) -> Verdict:
    """Are the article's check-worthy claims backed by wire reports?"""
    signal = inputs.signal(report_pb2.SIGNAL_KIND_CORROBORATION)
    return _by_score(signal, "The claims were not checked against wire reports.")


def checkable_sources(inputs: Inputs) -> Verdict:
    """Does the article cite real outlets whose stories can be found?"""
    signal = inputs.signal(report_pb2.SIGNAL_KIND_SOURCING)
    verdict = _by_score(signal, "The article's citations were not checked.")
    if signal is not None and any(NONEXISTENT_OUTLET in reason for reason in signal.reasons):
        return Verdict(NO, verdict.detail)
    return verdict


def _presentation_assessed(inputs: Inputs, what: str) -> Verdict | None:
    """unknown when the wording was not assessed (no model for the language) or the text is
    too short to judge; None when it was."""
    signal = inputs.signal(report_pb2.SIGNAL_KIND_PRESENTATION)
    if signal is None or not signal.available:
        reason = signal.reasons[0] if signal is not None and signal.reasons else ""
        return Verdict(UNKNOWN, _sentence(reason) if reason else f"{what} was not assessed.")
    return None


def news_not_opinion(inputs: Inputs) -> Verdict:
    """Is opinion labelled as such, and kept out of the reporting?"""
    not_assessed = _presentation_assessed(inputs, "The mix of news and opinion")
    if not_assessed:
        return not_assessed
    article = inputs.article
    if is_opinion_section(article.section):
        return Verdict(YES, f"The page labels it as {article.section.strip()}, not as news.")
    found = unlabelled_opinion(article) or editorial_insertions(article.text)
    if found:
        return Verdict(NO, _sentence(found.reason))
    if len(article.text) < MIN_TEXT_CHARS:
        return Verdict(UNKNOWN, "Too little text to judge how news and opinion are kept apart.")
    return Verdict(YES, "No unlabelled opinion and no verdicts inserted into quotes were found.")


def _stems(text: str) -> set[str]:
    return {w.lower()[:_STEM_CHARS] for w in _WORD.findall(text)}


def headline_matches_body(inputs: Inputs) -> Verdict:
    """Does the headline state, without insinuation or shouting, what the text reports?"""
    title = inputs.article.title.strip()
    if not title:
        return Verdict(UNKNOWN, "The page has no headline.")
    not_assessed = _presentation_assessed(inputs, "The headline")
    if not_assessed:
        return not_assessed
    problem = question_headline(title) or next(iter(capitals_and_exclamations(title, "")), None)
    if problem:
        return Verdict(NO, _sentence(problem.reason))
    words = _stems(title)
    if not words:
        return Verdict(UNKNOWN, "The headline has no words to compare with the text.")
    shared = len(words & _stems(inputs.article.text))
    if shared < HEADLINE_WORDS_IN_TEXT * len(words):
        return Verdict(
            NO, f"Only {shared} of the headline's {len(words)} key words appear in the text."
        )
    return Verdict(
        YES,
        f"The headline states its point, and {shared} of its {len(words)} key words "
        "appear in the text.",
    )


def author_and_dates(inputs: Inputs) -> Verdict:
    """Does the page name its author and say when it was published?"""
    article = inputs.article
    byline = article.byline.strip()
    wire = inputs.report.domain in WIRE_DOMAINS
    dated = article.HasField("published_at") and article.published_at.seconds != 0
    if byline:
        who = f"Names its author ({byline})"
    elif wire:
        who = "Carries no byline (usual for a news agency's own copy)"
    else:
        who = "Names no author"
    when = (
        f"shows when it was published ({article.published_at.ToDatetime().date().isoformat()})"
        if dated
        else "shows no publication date"
    )
    return Verdict(YES if (byline or wire) and dated else NO, f"{who} and {when}.")


def corrections_and_contact(inputs: Inputs) -> Verdict:
    """Does the page point to a corrections policy or a way to contact the publisher?"""
    shown = {s.strip() for s in inputs.article.page_signals}
    found = [words for name, words in _CORRECTIONS_AND_CONTACT.items() if name in shown]
    others = [words for name, words in _OTHER_PAGE_SIGNALS.items() if name in shown]
    if found:
        return Verdict(YES, "The page shows " + _listing(found + others) + ".")
    also = f" (it shows {_listing(others)})" if others else ""
    return Verdict(NO, f"No corrections policy or contact page was found{also}.")


def _listing(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


Judge = Callable[[Inputs], Verdict]

# (id, label, judge), in the order the table shows them.
CRITERIA: tuple[tuple[str, str, Judge], ...] = (
    ("rated_by_lists", "Rated credible by independent lists", rated_by_lists),
    ("corroborated", "Claims corroborated by wire reports", corroborated),
    ("checkable_sources", "Cites real, checkable sources", checkable_sources),
    ("news_not_opinion", "Separates news from opinion", news_not_opinion),
    ("headline_matches_body", "Headline matches the body", headline_matches_body),
    ("author_and_dates", "Names author and dates", author_and_dates),
    ("corrections_and_contact", "Corrections and contact pages", corrections_and_contact),
)


def criteria(report: report_pb2.Report, article: article_pb2.Article) -> list[report_pb2.Criterion]:
    """The criteria table of `report` (its signals and source already set) for `article`."""
    inputs = Inputs(report, article)
    out = []
    for criterion_id, label, judge in CRITERIA:
        verdict = judge(inputs)
        out.append(
            report_pb2.Criterion(
                id=criterion_id, label=label, state=verdict.state, detail=verdict.detail
            )
        )
    return out
