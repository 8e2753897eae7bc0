"""Trains the stance model on FNC-1: `python -m services.matcher.training.stance`.

Validation holds out 20% of the article bodies (split by Body ID, so no body is on both
sides), reports the FNC-1 weighted score and per-class F1, then refits on every pair and
writes `models/stance.joblib` with `models/stance.metrics.json` beside it. Seeds are fixed,
so the same data gives the same model.
"""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import classification_report, f1_score
from sklearn.model_selection import GroupShuffleSplit

from services.common.config import get_settings
from services.matcher.artifacts import save_artifact
from services.matcher.stance import LABELS, MODEL_PATH, StanceFeaturizer
from services.matcher.training.fnc import fnc_score, read_bodies, read_stances

_LOGGER = logging.getLogger(__name__)
SEED = 20231
# Related classes are rarer and worth three times more in the FNC-1 score.
CLASS_WEIGHT = {"agree": 2.0, "disagree": 4.0, "discuss": 1.0, "unrelated": 0.6}


def _classifier() -> HistGradientBoostingClassifier:
    return HistGradientBoostingClassifier(
        max_iter=250,
        learning_rate=0.1,
        max_leaf_nodes=31,
        l2_regularization=1.0,
        early_stopping=False,
        random_state=SEED,
    )


def _fit(
    rows: list[dict[str, str]], bodies: dict[int, str]
) -> tuple[StanceFeaturizer, HistGradientBoostingClassifier]:
    ids = sorted({int(r["Body ID"]) for r in rows})
    featurizer = StanceFeaturizer(seed=SEED).fit(
        [r["Headline"] for r in rows] + [bodies[i] for i in ids]
    )
    features = _features(featurizer, rows, bodies)
    labels = [r["Stance"] for r in rows]
    weights = np.asarray([CLASS_WEIGHT[label] for label in labels])
    classifier = _classifier().fit(features, labels, sample_weight=weights)
    return featurizer, classifier


def _features(
    featurizer: StanceFeaturizer, rows: list[dict[str, str]], bodies: dict[int, str]
) -> np.ndarray:
    views = {i: featurizer.body_view(bodies[i]) for i in {int(r["Body ID"]) for r in rows}}
    return featurizer.features(
        [r["Headline"] for r in rows], [views[int(r["Body ID"])] for r in rows]
    )


def train(data_dir: Path, out: Path, refit_all: bool = True) -> dict[str, Any]:
    """Trains, validates, writes the artifact and returns the metrics."""
    bodies = read_bodies(data_dir / "fnc1" / "train_bodies.csv")
    rows = read_stances(data_dir / "fnc1" / "train_stances.csv")
    groups = [int(r["Body ID"]) for r in rows]
    split = GroupShuffleSplit(n_splits=1, test_size=0.2, random_state=SEED)
    train_idx, val_idx = next(split.split(rows, groups=groups))
    start = time.perf_counter()
    featurizer, classifier = _fit([rows[i] for i in train_idx], bodies)
    val_rows = [rows[i] for i in val_idx]
    predicted = list(classifier.predict(_features(featurizer, val_rows, bodies)))
    gold = [r["Stance"] for r in val_rows]
    metrics: dict[str, Any] = {
        "fnc_score": round(fnc_score(gold, predicted), 2),
        "macro_f1": round(float(f1_score(gold, predicted, average="macro")), 4),
        "f1_per_class": {
            label: round(float(f), 4)
            for label, f in zip(
                LABELS, f1_score(gold, predicted, labels=list(LABELS), average=None), strict=True
            )
        },
        "train_pairs": len(train_idx),
        "validation_pairs": len(val_idx),
        "validation_split": f"GroupShuffleSplit by Body ID, 20%, seed {SEED}",
        "train_seconds": round(time.perf_counter() - start, 1),
    }
    print(classification_report(gold, predicted, digits=4))
    print(f"FNC-1 score on validation: {metrics['fnc_score']:.2f}%")
    if refit_all:
        start = time.perf_counter()
        featurizer, classifier = _fit(rows, bodies)
        metrics["refit_seconds"] = round(time.perf_counter() - start, 1)
        metrics["artifact_trained_on"] = "all pairs (validation figures from the held-out run)"
    save_artifact({"featurizer": featurizer, "classifier": classifier}, out, metrics)
    return metrics


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=get_settings().data_dir)
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    parser.add_argument("--no-refit", action="store_true", help="ship the 80%% model")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)
    train(args.data_dir, args.out, refit_all=not args.no_refit)


if __name__ == "__main__":
    main()
