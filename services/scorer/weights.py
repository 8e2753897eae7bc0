"""The scoring model's parameters, read from `weights.yaml` so that weights are data: the
signal weights, the weights of the parts of the presentation and sourcing signals (fitted by
`fitting.py`), the label bands, the rating-list weights and the model version."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml
from credence.v1 import report_pb2

_LOGGER = logging.getLogger(__name__)

WEIGHTS_PATH = Path(__file__).with_name("weights.yaml")
SIGNAL_NAMES = ("source_reputation", "corroboration", "sourcing", "transparency", "presentation")
PART_NAMES: dict[str, tuple[str, ...]] = {
    "presentation": (
        "question_headline",
        "loaded",
        "sensational",
        "insertions",
        "unlabelled_opinion",
        "capitals",
        "exclamations",
        "clickbait",
        "subjectivity",
        "propaganda",
        "headline",
    ),
    "sourcing": (
        "outlets",
        "attributed",
        "named_sources",
        "anonymous",
        "quotes",
        "links",
        "diversity",
    ),
}


@dataclass(frozen=True)
class Bands:
    """The lowest score of each label band."""

    high_credibility: float = 80.0
    generally_credible: float = 60.0
    proceed_with_caution: float = 40.0

    def label(self, score: float) -> report_pb2.Label.ValueType:
        """The band `score` falls in."""
        if score >= self.high_credibility:
            return report_pb2.LABEL_HIGH_CREDIBILITY
        if score >= self.generally_credible:
            return report_pb2.LABEL_GENERALLY_CREDIBLE
        if score >= self.proceed_with_caution:
            return report_pb2.LABEL_PROCEED_WITH_CAUTION
        return report_pb2.LABEL_LOW_CREDIBILITY


@dataclass(frozen=True)
class Weights:
    """Every parameter of the scoring model."""

    model_version: str
    signals: dict[str, float]
    parts: dict[str, dict[str, float]] = field(default_factory=lambda: _parts({}))
    confidence_floor: float = 0.25
    bands: Bands = field(default_factory=Bands)
    unknown_prior: float = 50.0
    unknown_confidence: float = 0.05
    estimate_confidence: float = 0.15
    family_weights: dict[str, float] = field(default_factory=dict)
    list_weights: dict[str, float] = field(default_factory=dict)

    @classmethod
    def from_mapping(cls, data: dict[str, object]) -> Weights:
        """Builds and checks the weights from the parsed YAML."""
        signals = _numbers(_mapping(data, "signals"))
        missing = [name for name in SIGNAL_NAMES if name not in signals]
        if missing or any(v < 0 for v in signals.values()) or sum(signals.values()) <= 0:
            raise ValueError(f"weights: signals must give every one of {SIGNAL_NAMES} >= 0")
        bands = Bands(**_numbers(_mapping(data, "bands")))
        parts = _parts(_mapping(data, "parts"))
        ratings = _mapping(data, "ratings")
        return cls(
            model_version=str(data["model_version"]),
            signals=signals,
            parts=parts,
            confidence_floor=_number(data, "confidence_floor", 0.25),
            bands=bands,
            unknown_prior=_number(ratings, "unknown_prior", 50.0),
            unknown_confidence=_number(ratings, "unknown_confidence", 0.05),
            estimate_confidence=_number(ratings, "estimate_confidence", 0.15),
            family_weights=_numbers(_mapping(ratings, "family_weights")),
            list_weights=_numbers(_mapping(ratings, "list_weights")),
        )

    @classmethod
    def load(cls, path: Path = WEIGHTS_PATH) -> Weights:
        """Reads a weights file."""
        return cls.from_mapping(yaml.safe_load(path.read_text(encoding="utf-8")))


def _parts(data: dict[str, object]) -> dict[str, dict[str, float]]:
    """Each composite signal's part weights; a missing part weighs 1, a negative one fails."""
    out: dict[str, dict[str, float]] = {}
    for signal, names in PART_NAMES.items():
        given = _numbers(_mapping(data, signal))
        unknown = set(given) - set(names)
        if unknown or any(v < 0 for v in given.values()):
            raise ValueError(f"weights: parts.{signal} takes {names}, each >= 0")
        out[signal] = {name: given.get(name, 1.0) for name in names}
    return out


def _mapping(data: dict[str, object], key: str) -> dict[str, object]:
    value = data.get(key) or {}
    if not isinstance(value, dict):
        raise ValueError(f"weights: {key} must be a mapping")
    return value


def _number(data: dict[str, object], key: str, default: float) -> float:
    value = data.get(key, default)
    if not isinstance(value, int | float):
        raise ValueError(f"weights: {key} must be a number")
    return float(value)


def _numbers(data: dict[str, object]) -> dict[str, float]:
    return {str(k): _number(data, k, 0.0) for k in data}


@lru_cache(maxsize=1)
def default_weights() -> Weights:
    """The weights shipped with this version of Credence."""
    return Weights.load()


MODEL_VERSION = default_weights().model_version
