"""Where the shipped text models live and how they are loaded: once per process."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from services.scorer.textmodels.hashed import HashedModel

MODELS_DIR = Path(__file__).resolve().parent
METRICS_PATH = MODELS_DIR / "metrics.json"
CLICKBAIT = "clickbait.npz"
SUBJECTIVITY = "subjectivity.npz"
PROPAGANDA = "propaganda.npz"
SPANS = "propaganda_spans.npz"
TECHNIQUES = "propaganda_techniques.npz"


@lru_cache(maxsize=8)
def model(name: str) -> HashedModel:
    """The shipped model `name` (one of the file names above)."""
    path = MODELS_DIR / name
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: run `make train-presentation`")
    return HashedModel.load(path)
