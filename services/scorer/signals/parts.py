"""A signal made of parts: each part is a sub-score with its reasons, and the signal's
score is the weighted mean of its available parts, with the weights of `weights.yaml`
(`parts:`), fitted on rated articles by `make fit-weights`.

A part whose weight is zero (no effect found on rated articles) still shows what it found,
after the others and marked as not counted, so the reader sees the evidence without it
moving the score.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from credence.v1 import report_pb2

from services.scorer.signals.common import make_signal

NOT_COUNTED = " (Shown for information: not counted in the score.)"
NOTHING_TO_ASSESS = "The article holds too little text to assess this."


@dataclass(frozen=True)
class Part:
    """One part of a signal: a sub-score (higher is more reliable) and why."""

    name: str
    score: float
    reasons: tuple[str, ...]
    available: bool = True
    evidence: tuple[report_pb2.EvidenceLink, ...] = ()


def part_score(parts: Sequence[Part], weights: Mapping[str, float]) -> float | None:
    """The weighted mean of the available parts, or None when no weighted part is
    available."""
    used = [(weights.get(p.name, 0.0), p.score) for p in parts if p.available]
    total = sum(w for w, _ in used)
    if total <= 0:
        return None
    return sum(w * s for w, s in used) / total


def compose(
    kind: report_pb2.SignalKind.ValueType,
    parts: Sequence[Part],
    weights: Mapping[str, float],
    confidence: float,
    head: Sequence[str] = (),
) -> report_pb2.Signal:
    """The signal of `parts`: the weighted mean, reasons ordered by what costs the most
    points, the reasons of uncounted parts last."""
    score = part_score(parts, weights)
    if score is None:
        said = [p.reasons[0] for p in parts if p.reasons] or [NOTHING_TO_ASSESS]
        return make_signal(kind, 50.0, min(confidence, 0.2), [*head, *said])
    available = [p for p in parts if p.available]
    counted = sorted(
        (p for p in available if weights.get(p.name, 0.0) > 0),
        key=lambda p: weights.get(p.name, 0.0) * (100.0 - p.score),
        reverse=True,
    )
    shown = [*head] + [r for p in counted for r in p.reasons]
    for part in available:
        if weights.get(part.name, 0.0) <= 0 and part.reasons:
            shown.append(part.reasons[0].rstrip() + NOT_COUNTED)
    evidence = [e for p in available for e in p.evidence]
    return make_signal(kind, score, confidence, shown, evidence)
