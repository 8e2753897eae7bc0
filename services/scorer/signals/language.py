"""Signals that read the article's words with an English model (corroboration: claims picked
and matched by English models; presentation: an English lexicon) are not assessed for an
article in another language: the signal is marked unavailable with a reason naming the
language, so its weight goes to the others and the report's confidence drops, instead of
reporting what an English model makes of French text. Source reputation, transparency
(byline, dates) and sourcing (links, named outlets) do not depend on the language."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from credence.v1 import report_pb2

from services.common import languages
from services.scorer.signals.common import unavailable

NOT_ASSESSED: dict[int, Callable[[str], str]] = {
    report_pb2.SIGNAL_KIND_CORROBORATION: languages.claims_not_assessed,
    report_pb2.SIGNAL_KIND_PRESENTATION: languages.wording_not_assessed,
}
"""For each language-bound signal, why it is not assessed in a language ("" when it is)."""


def for_language(signals: Sequence[report_pb2.Signal], language: str) -> list[report_pb2.Signal]:
    """`signals`, with the language-bound ones replaced by "not assessed" when the article's
    language has no model for them."""
    out = []
    for signal in signals:
        reason = NOT_ASSESSED[signal.kind](language) if signal.kind in NOT_ASSESSED else ""
        out.append(unavailable(signal.kind, reason) if reason else signal)
    return out


def not_assessed_note(language: str) -> str:
    """The summary's sentence on signals left out for the language, or ""."""
    if languages.has_models(language):
        return ""
    return (
        f"The article is in {languages.described(language)}: its claims and wording are "
        "not assessed, since those models read only English for now."
    )
