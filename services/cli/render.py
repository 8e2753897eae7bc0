"""How the CLI shows a report to a person (errors: `services.common.cli_errors`)."""

from __future__ import annotations

from collections.abc import Sequence

from credence.v1 import report_pb2
from google.protobuf import json_format
from google.protobuf.message import Message
from rich.console import Console
from rich.markup import escape

_LABELS: dict[int, tuple[str, str]] = {
    report_pb2.LABEL_HIGH_CREDIBILITY: ("High credibility", "green"),
    report_pb2.LABEL_GENERALLY_CREDIBLE: ("Generally credible", "green"),
    report_pb2.LABEL_PROCEED_WITH_CAUTION: ("Proceed with caution", "yellow"),
    report_pb2.LABEL_LOW_CREDIBILITY: ("Low credibility", "red"),
    report_pb2.LABEL_SATIRE: ("Satire", "magenta"),
}
_SIGNALS = {
    report_pb2.SIGNAL_KIND_SOURCE_REPUTATION: "Source reputation",
    report_pb2.SIGNAL_KIND_CORROBORATION: "Corroboration",
    report_pb2.SIGNAL_KIND_SOURCING: "Sourcing",
    report_pb2.SIGNAL_KIND_TRANSPARENCY: "Transparency",
    report_pb2.SIGNAL_KIND_PRESENTATION: "Presentation",
}
_STATES: dict[int, tuple[str, str]] = {
    report_pb2.CRITERION_STATE_YES: ("yes", "green"),
    report_pb2.CRITERION_STATE_NO: ("no", "red"),
    report_pb2.CRITERION_STATE_UNKNOWN: ("unknown", "white"),
}
_MAX_EVIDENCE = 3
_MAX_REASONS = 6
_MAX_COVERAGE = 12


def label_text(label: int) -> tuple[str, str]:
    """The human name and colour of a label band."""
    return _LABELS.get(label, ("Unrated", "white"))


def to_json(message: Message) -> str:
    """A proto as indented JSON with field names as in the proto."""
    return json_format.MessageToJson(message, preserving_proto_field_name=True, indent=2)


def print_report(report: report_pb2.Report, console: Console | None = None) -> None:
    """Score, label, confidence, the criteria table, then each signal with its reasons and
    evidence."""
    out = console or Console()
    name, colour = label_text(report.label)
    out.print(f"[bold]{escape(report.title or report.url)}[/bold]")
    out.print(f"{escape(report.canonical_url or report.url)}  ({escape(report.domain or '?')})")
    out.print(
        f"[bold {colour}]Score {report.score:.0f}/100 — {name}[/]"
        f"  confidence {report.confidence:.2f}  model {escape(report.model_version)}"
    )
    if report.language and report.language != "en":
        out.print(f"Language: {escape(report.language_name or report.language)}")
    if report.summary:
        out.print(escape(report.summary))
    print_criteria(report.criteria, out)
    for signal in report.signals:
        title = _SIGNALS.get(signal.kind, "Signal")
        if not signal.available:
            out.print(f"\n[bold]{title}[/bold]: unavailable (weight given to the others)")
        else:
            out.print(
                f"\n[bold]{title}[/bold]: {signal.score:.0f}/100"
                f"  weight {signal.weight:.2f}  confidence {signal.confidence:.2f}"
            )
        for reason in signal.reasons[:_MAX_REASONS]:
            out.print(f"  • {escape(reason)}")
        if len(signal.reasons) > _MAX_REASONS:
            out.print(f"  … and {len(signal.reasons) - _MAX_REASONS} more (--json shows all)")
        for link in signal.evidence[:_MAX_EVIDENCE]:
            out.print(f"    ↳ {escape(link.title)} {escape(link.url)}")
    if report.HasField("coverage"):
        print_coverage(report.coverage, out)


def print_criteria(criteria: Sequence[report_pb2.Criterion], out: Console) -> None:
    """The criteria table: yes / no / unknown and the line that says why."""
    if not criteria:
        return
    out.print("\n[bold]At a glance[/bold]")
    width = max(len(c.label) for c in criteria)
    for criterion in criteria:
        word, colour = _STATES.get(criterion.state, ("unknown", "white"))
        out.print(
            f"  {escape(criterion.label).ljust(width)}  [bold {colour}]{word:<7}[/]"
            f" {escape(criterion.detail)}"
        )


def print_coverage(coverage: report_pb2.Coverage, out: Console) -> None:
    """Who else reported the event (outlet, rating, date, link), and what no rated outlet
    reported."""
    if not (coverage.stories or coverage.searched or coverage.pending):
        return
    searched = "; ".join(coverage.searched) or "nothing searched"
    out.print(f"\n[bold]Coverage of this event[/bold] ({escape(searched)})")
    if coverage.pending:
        out.print("  A search is still running; the report will be recomputed when it lands.")
    for story in coverage.stories[:_MAX_COVERAGE]:
        rating = f"{story.rating_score:.0f}/100" if story.HasField("rating_score") else "not rated"
        day = (
            story.published_at.ToDatetime().date().isoformat()
            if story.published_at.seconds
            else "?"
        )
        out.print(f"  • {escape(story.outlet)} ({rating}, {day}): {escape(story.title)}")
        out.print(f"    {escape(story.url)}")
    if len(coverage.stories) > _MAX_COVERAGE:
        out.print(f"  … and {len(coverage.stories) - _MAX_COVERAGE} more (--json shows all)")
    for claim in coverage.unreported_claims:
        out.print(f"  ✗ No rated outlet reported: {escape(claim[:160])}")
