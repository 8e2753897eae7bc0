"""Percentiles and small helpers shared by the benchmark and the load test."""

from __future__ import annotations

import json
import statistics
from pathlib import Path
from typing import Any


def percentile(values: list[float], q: float) -> float:
    """The `q`-th percentile (0-100) of `values`, interpolated; 0 for no values."""
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=1000, method="inclusive")[int(q * 10) - 1]


def summary_ms(seconds: list[float]) -> dict[str, float]:
    """p50, p90, p99 and max of latencies given in seconds, in milliseconds."""
    return {
        "p50_ms": round(percentile(seconds, 50) * 1000, 3),
        "p90_ms": round(percentile(seconds, 90) * 1000, 3),
        "p99_ms": round(percentile(seconds, 99) * 1000, 3),
        "max_ms": round(max(seconds, default=0.0) * 1000, 3),
    }


def merge_results(results: dict[str, Any], output: Path, repo: Path) -> None:
    """Merges `results` into the JSON file `output` (keeping the keys other parts wrote)
    and says where."""
    merged: dict[str, Any] = json.loads(output.read_text()) if output.is_file() else {}
    merged.update(results)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(merged, indent=2) + "\n")
    shown = output.relative_to(repo) if output.is_relative_to(repo) else output
    print(f"\nmerged into {shown}")
