"""How the CLI shows a report and an error to a person."""

from __future__ import annotations

import json
import sys

from credence.v1 import report_pb2
from google.protobuf import json_format
from google.protobuf.message import Message
from rich.console import Console
from rich.markup import escape

from services.common.errors import CredenceError

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
_MAX_EVIDENCE = 3
_MAX_REASONS = 6


def label_text(label: int) -> tuple[str, str]:
    """The human name and colour of a label band."""
    return _LABELS.get(label, ("Unrated", "white"))


def to_json(message: Message) -> str:
    """A proto as indented JSON with field names as in the proto."""
    return json_format.MessageToJson(message, preserving_proto_field_name=True, indent=2)


def print_report(report: report_pb2.Report, console: Console | None = None) -> None:
    """Score, label, confidence, then each signal with its reasons and evidence."""
    out = console or Console()
    name, colour = label_text(report.label)
    out.print(f"[bold]{escape(report.title or report.url)}[/bold]")
    out.print(f"{escape(report.canonical_url or report.url)}  ({escape(report.domain or '?')})")
    out.print(
        f"[bold {colour}]Score {report.score:.0f}/100 — {name}[/]"
        f"  confidence {report.confidence:.2f}  model {escape(report.model_version)}"
    )
    if report.summary:
        out.print(escape(report.summary))
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


def print_error(error: CredenceError, as_json: bool) -> None:
    """The error on stderr: its reason and message, or the JSON error object."""
    if as_json:
        print(json.dumps({"error": error.to_dict()}), file=sys.stderr)
    else:
        print(f"error: {error.reason}: {error.message}", file=sys.stderr)


def exit_code(error: CredenceError) -> int:
    """2 for bad input, 1 for everything else."""
    import grpc

    return 2 if error.code == grpc.StatusCode.INVALID_ARGUMENT else 1
