"""Writing a trained model: the joblib artifact and, beside it, the metrics JSON that
records how it was validated. Both training commands end the same way."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import joblib


def save_artifact(model: object, out: Path, metrics: dict[str, Any]) -> None:
    """Writes `model` to `out`, adds its size to `metrics`, writes and prints the metrics."""
    out.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, out, compress=3)
    metrics["artifact_bytes"] = out.stat().st_size
    out.with_suffix(".metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    print(json.dumps(metrics, indent=2))
