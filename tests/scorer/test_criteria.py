"""The criteria table: each of the seven criteria says yes, no or unknown for the right
reason, unknown when its signal was not assessed; the sample article and a Reuters wire
story get the tables a reader would expect."""

from __future__ import annotations

from credence.v1 import article_pb2, evidence_pb2, report_pb2, scoring_pb2

from services.scorer.criteria import CRITERIA, criteria
from services.scorer.report import Scorer
from services.scorer.signals.sourcing import NONEXISTENT_OUTLET
from tests.scorer.conftest import ts

YES = report_pb2.CRITERION_STATE_YES
NO = report_pb2.CRITERION_STATE_NO
UNKNOWN = report_pb2.CRITERION_STATE_UNKNOWN
IDS = [
    "rated_by_lists",
    "corroborated",
    "checkable_sources",
    "news_not_opinion",
    "headline_matches_body",
    "author_and_dates",
    "corrections_and_contact",
]
BODY = (
    "The city council approved the new budget on Tuesday after a two-hour debate. "
    "The budget raises spending on schools by four percent and cuts the road programme. "
) * 4


def _signal(kind: int, score: float, reason: str, available: bool = True) -> report_pb2.Signal:
    return report_pb2.Signal(kind=kind, score=score, available=available, reasons=[reason])


def _report(**scores: float) -> report_pb2.Report:
    kinds = {
        "corroboration": report_pb2.SIGNAL_KIND_CORROBORATION,
        "sourcing": report_pb2.SIGNAL_KIND_SOURCING,
        "presentation": report_pb2.SIGNAL_KIND_PRESENTATION,
    }
    return report_pb2.Report(
        domain="example.com",
        source=report_pb2.SourceRating(domain="example.com"),
        signals=[_signal(kinds[k], v, f"{k} reason") for k, v in scores.items()],
    )


def _article(**fields: object) -> article_pb2.Article:
    values: dict[str, object] = {"title": "Council approves budget for schools", "text": BODY}
    values.update(fields)
    return article_pb2.Article(**values)  # type: ignore[arg-type]


def _table(report: report_pb2.Report, article: article_pb2.Article) -> dict[str, tuple[int, str]]:
    return {c.id: (c.state, c.detail) for c in criteria(report, article)}


def test_seven_criteria_in_order_each_with_a_label_and_a_line() -> None:
    table = criteria(_report(), _article())
    assert [c.id for c in table] == IDS == [c[0] for c in CRITERIA]
    assert all(c.label and c.detail and c.state != 0 for c in table)


def test_rated_by_lists() -> None:
    report = _report()
    assert _table(report, _article())["rated_by_lists"] == (
        UNKNOWN,
        "No open rating list rates example.com.",
    )
    report.source.CopyFrom(
        report_pb2.SourceRating(
            domain="example.com",
            known=True,
            score=82.0,
            label=report_pb2.LABEL_HIGH_CREDIBILITY,
            ratings=[report_pb2.Rating(list="a"), report_pb2.Rating(list="b")],
        )
    )
    state, detail = _table(report, _article())["rated_by_lists"]
    assert state == YES and "(82/100) by 2 independent lists" in detail
    report.source.score = 30.0
    assert _table(report, _article())["rated_by_lists"][0] == NO


def test_signal_scores_make_yes_no_and_unknown() -> None:
    table = _table(_report(corroboration=95, sourcing=40), _article())
    assert table["corroborated"] == (YES, "corroboration reason.")
    assert table["checkable_sources"] == (NO, "sourcing reason.")
    assert _table(_report(sourcing=55), _article())["checkable_sources"][0] == UNKNOWN
    missing = _table(_report(), _article())
    assert missing["corroborated"][0] == UNKNOWN and missing["checkable_sources"][0] == UNKNOWN


def test_citing_an_outlet_that_does_not_exist_is_no_whatever_the_score() -> None:
    report = _report(sourcing=70)
    report.signals[0].reasons[0] = f"3 cited sources checked; 1 {NONEXISTENT_OUTLET}: “MNBC”."
    state, detail = _table(report, _article())["checkable_sources"]
    assert state == NO and "MNBC" in detail


def test_an_unavailable_signal_is_unknown_with_its_reason() -> None:
    report = _report()
    report.signals.append(
        _signal(report_pb2.SIGNAL_KIND_CORROBORATION, 0, "Matcher unavailable", available=False)
    )
    report.signals.append(
        _signal(report_pb2.SIGNAL_KIND_PRESENTATION, 0, "Not assessed in French", False)
    )
    table = _table(report, _article())
    assert table["corroborated"] == (UNKNOWN, "Matcher unavailable.")
    assert table["news_not_opinion"] == (UNKNOWN, "Not assessed in French.")
    assert table["headline_matches_body"] == (UNKNOWN, "Not assessed in French.")


def test_news_and_opinion() -> None:
    report = _report(presentation=90)
    assert _table(report, _article())["news_not_opinion"][0] == YES
    labelled = _table(report, _article(section="Opinion"))["news_not_opinion"]
    assert labelled == (YES, "The page labels it as Opinion, not as news.")
    inserted = BODY + '\n"We acted in self-defence [ Nonsense ]," the minister said.'
    state, detail = _table(report, _article(text=inserted))["news_not_opinion"]
    assert state == NO and "[ Nonsense ]" in detail
    assert _table(report, _article(text="Short."))["news_not_opinion"][0] == UNKNOWN


def test_headline() -> None:
    report = _report(presentation=90)
    state, detail = _table(report, _article())["headline_matches_body"]
    assert state == YES and "key words appear in the text" in detail
    asks = _table(report, _article(title="Did the council approve the budget?"))
    assert asks["headline_matches_body"][0] == NO and "question" in asks["headline_matches_body"][1]
    shouts = _table(report, _article(title="Council SLASHES road budget"))
    assert shouts["headline_matches_body"][0] == NO
    elsewhere = _table(report, _article(title="Minister resigns over hospital scandal"))
    assert elsewhere["headline_matches_body"] == (
        NO,
        "Only 0 of the headline's 5 key words appear in the text.",
    )
    assert _table(report, _article(title=""))["headline_matches_body"][0] == UNKNOWN


def test_author_and_dates() -> None:
    report = _report()
    both = _table(report, _article(byline="Jane Doe", published_at=ts(2024, 3, 1)))
    assert both["author_and_dates"] == (
        YES,
        "Names its author (Jane Doe) and shows when it was published (2024-03-01).",
    )
    no_date = _table(report, _article(byline="Jane Doe"))["author_and_dates"]
    assert no_date[0] == NO and "shows no publication date" in no_date[1]
    assert _table(report, _article(published_at=ts(2024, 3, 1)))["author_and_dates"][0] == NO
    report.domain = "reuters.com"
    wire = _table(report, _article(published_at=ts(2024, 3, 1)))["author_and_dates"]
    assert wire[0] == YES and "no byline" in wire[1]


def test_corrections_and_contact() -> None:
    report = _report()
    shown = _table(report, _article(page_signals=["about_page", "corrections_policy"]))
    assert shown["corrections_and_contact"] == (
        YES,
        "The page shows a corrections policy and an about page.",
    )
    about_only = _table(report, _article(page_signals=["about_page"]))
    assert about_only["corrections_and_contact"] == (
        NO,
        "No corrections policy or contact page was found (it shows an about page).",
    )
    assert _table(report, _article())["corrections_and_contact"][0] == NO


def _not_reported(text: str) -> evidence_pb2.ClaimEvidence:
    return evidence_pb2.ClaimEvidence(
        claim=evidence_pb2.Claim(text=text, checkworthiness=0.9),
        verdict=evidence_pb2.VERDICT_NOT_REPORTED,
    )


def test_sample_article_table(scorer: Scorer, sample_article: article_pb2.Article) -> None:
    article = article_pb2.Article()
    article.CopyFrom(sample_article)
    article.page_signals.extend(["author_bio", "contact_info", "disclaimer"])
    claims = [_not_reported("Two unmanned aerial vehicles targeted the Kremlin.")]
    request = scoring_pb2.ScoreRequest(article=article, claims=claims, match_available=True)
    report = scorer.score(request).report
    states = {c.id: c.state for c in report.criteria}
    assert states == {
        "rated_by_lists": NO,
        "corroborated": NO,
        "checkable_sources": NO,
        "news_not_opinion": NO,
        "headline_matches_body": NO,
        "author_and_dates": YES,
        "corrections_and_contact": YES,
    }
    details = {c.id: c.detail for c in report.criteria}
    assert "MNBC" in details["checkable_sources"]
    assert "question" in details["headline_matches_body"]
    assert "Chossudovsky" in details["author_and_dates"]
    assert details["corrections_and_contact"] == "The page shows contact details."


def test_reuters_story_table(
    scorer: Scorer, reuters_story: tuple[article_pb2.Article, list[evidence_pb2.ClaimEvidence]]
) -> None:
    article, claims = reuters_story
    request = scoring_pb2.ScoreRequest(article=article, claims=claims, match_available=True)
    states = {c.id: c.state for c in scorer.score(request).report.criteria}
    assert states["rated_by_lists"] == YES
    assert states["corroborated"] == YES
    assert states["headline_matches_body"] == YES
    assert states["author_and_dates"] == YES


def test_cli_shows_the_table() -> None:
    from rich.console import Console

    from services.cli.render import print_report

    report = _report(corroboration=95)
    report.criteria.extend(criteria(report, _article(byline="Jane Doe")))
    console = Console(record=True, width=200)
    print_report(report, console)
    lines = console.export_text().splitlines()
    row = next(line for line in lines if "Claims corroborated by wire reports" in line)
    assert row.split()[-3:] == ["yes", "corroboration", "reason."]
    assert any("Names author and dates" in line and " no " in line for line in lines)
