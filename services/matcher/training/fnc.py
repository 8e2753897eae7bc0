"""The FNC-1 data format and its official weighted score, shared by training and `credence
eval stance` so that both report the same number."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

from services.matcher.stance import LABELS

RELATED = frozenset(LABELS[:3])


def read_bodies(path: Path) -> dict[int, str]:
    """Body ID → article body."""
    with path.open(encoding="utf-8", newline="") as handle:
        return {int(row["Body ID"]): row["articleBody"] for row in csv.DictReader(handle)}


def read_stances(path: Path) -> list[dict[str, str]]:
    """The stance rows as dicts (Headline, Body ID and, in labelled files, Stance)."""
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def fnc_score(gold: Sequence[str], predicted: Sequence[str]) -> float:
    """The FNC-1 weighted score as a percentage of the best possible total."""
    score = best = 0.0
    for g, p in zip(gold, predicted, strict=True):
        best += 0.25 + (0.75 if g in RELATED else 0.0)
        if (g in RELATED) == (p in RELATED):
            score += 0.25
        if g in RELATED and g == p:
            score += 0.75
    return 100.0 * score / best if best else 0.0
