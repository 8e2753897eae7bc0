"""The report on an article in a language the text models do not read: it names the
language, marks corroboration and presentation not assessed with that reason (their weight
goes to the other signals, the confidence drops), and still reads the byline, the dates and
the source."""

from __future__ import annotations

import pytest
from credence.v1 import article_pb2, report_pb2, scoring_pb2
from rich.console import Console

from services.cli.render import print_report
from services.scorer.report import Scorer
from tests.support.french_article import french_article

CLAIMS_REASON = (
    "The article is in French; claims are checked against wire reports only in English for now."
)
WORDING_REASON = (
    "The article is in French; its wording is read for loaded and sensational language only "
    "in English for now."
)


def _signal(report: report_pb2.Report, kind: int) -> report_pb2.Signal:
    return next(s for s in report.signals if s.kind == kind)


def _report(scorer: Scorer, article: article_pb2.Article) -> report_pb2.Report:
    request = scoring_pb2.ScoreRequest(article=article, match_available=True)
    return scorer.score(request).report


def test_french_report_names_its_language_and_what_was_not_assessed(scorer: Scorer) -> None:
    article = french_article()
    report = _report(scorer, article)
    assert (report.language, report.language_name) == ("fr", "French")
    corroboration = _signal(report, report_pb2.SIGNAL_KIND_CORROBORATION)
    presentation = _signal(report, report_pb2.SIGNAL_KIND_PRESENTATION)
    for signal, reason in ((corroboration, CLAIMS_REASON), (presentation, WORDING_REASON)):
        assert not signal.available and signal.weight == 0.0
        assert list(signal.reasons) == [reason]
    assert "The article is in French" in report.summary
    assert "Not assessed: corroboration, presentation" in report.summary
    transparency = " ".join(_signal(report, report_pb2.SIGNAL_KIND_TRANSPARENCY).reasons)
    assert "Shows when it was published (2023-05-03)" in transparency
    assert "Shows when it was last updated (2023-05-04)" in transparency
    assert "Names its author (Claire Dubois" in transparency
    assert _signal(report, report_pb2.SIGNAL_KIND_SOURCE_REPUTATION).available
    assert report.source.domain == "lemonde.fr" and report.source.known
    assert not report.coverage.stories

    # The same article read as English: every signal assessed, higher confidence.
    as_english = article_pb2.Article()
    as_english.CopyFrom(article)
    as_english.language = "en"
    english = _report(scorer, as_english)
    assert _signal(english, report_pb2.SIGNAL_KIND_PRESENTATION).available
    assert english.language_name == "English" and "The article is in" not in english.summary
    assert report.confidence < english.confidence
    # The weight of what was not assessed went to the other signals.
    assert sum(s.weight for s in report.signals) == pytest.approx(1.0, abs=1e-3)


def test_unknown_language_is_read_as_english(scorer: Scorer) -> None:
    article = french_article()
    article.language = ""
    report = _report(scorer, article)
    assert _signal(report, report_pb2.SIGNAL_KIND_PRESENTATION).available
    assert (report.language, report.language_name) == ("", "")


def test_printed_report_names_the_language(scorer: Scorer) -> None:
    console = Console(record=True, width=200)
    print_report(_report(scorer, french_article()), console)
    text = console.export_text()
    assert "Language: French" in text and CLAIMS_REASON in text
