"""Helpers every signal uses: building the Signal message and clamping scores."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from credence.v1 import report_pb2

LEXICON_PATH = Path(__file__).with_name("lexicon.yaml")


def clamp(value: float, low: float = 0.0, high: float = 100.0) -> float:
    """`value` limited to [low, high]."""
    return min(high, max(low, value))


def make_signal(
    kind: report_pb2.SignalKind.ValueType,
    score: float,
    confidence: float,
    reasons: Iterable[str],
    evidence: Iterable[report_pb2.EvidenceLink] = (),
    *,
    available: bool = True,
) -> report_pb2.Signal:
    """A Signal with a clamped, rounded sub-score and confidence."""
    return report_pb2.Signal(
        kind=kind,
        score=round(clamp(score), 1),
        confidence=round(clamp(confidence, 0.0, 1.0), 3),
        available=available,
        reasons=list(reasons),
        evidence=list(evidence),
    )


def unavailable(kind: report_pb2.SignalKind.ValueType, reason: str) -> report_pb2.Signal:
    """A signal that could not be computed; it carries no score and no weight."""
    return make_signal(kind, 0.0, 0.0, [reason], available=False)


@lru_cache(maxsize=1)
def lexicon() -> dict[str, Any]:
    """The word lists of `lexicon.yaml` (loaded language, sensational terms, ...)."""
    data: dict[str, Any] = yaml.safe_load(LEXICON_PATH.read_text(encoding="utf-8"))
    return data


@lru_cache(maxsize=16)
def lexicon_pattern(group: str) -> re.Pattern[str]:
    """Any phrase of the lexicon's `group` as a whole word, longest first, any case."""
    phrases = sorted(lexicon()[group], key=len, reverse=True)
    alternatives = "|".join(re.escape(p) for p in phrases)
    return re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])", re.IGNORECASE)


def quote(text: str, limit: int = 90) -> str:
    """`text` shortened for a reason, in quotes."""
    text = " ".join(text.split())
    return f"\u201c{text if len(text) <= limit else text[: limit - 1] + '…'}\u201d"
