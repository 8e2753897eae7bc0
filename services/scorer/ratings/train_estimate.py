"""Trains the estimate for unlisted domains (`estimate.py`) on the calibration part of the
Lin et al. domains and validates it on the held-out part (the split of `evaluate.py`), then
ships the validated model. The held-out domains' Lin values are hidden from the features
(their neighbours' ratings) in training and validation alike. Takes a minute on 2 cores.

Run: `make train-domain-estimate` (`python -m services.scorer.ratings.train_estimate`).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import Ridge
from sklearn.model_selection import cross_val_predict

from services.common.config import get_settings
from services.scorer.ratings.estimate import (
    ESTIMATE_PATH,
    DomainEstimator,
    EstimateContext,
    name_text,
)
from services.scorer.ratings.evaluate import estimate_figures, evaluate, lin_value, split_lin
from services.scorer.ratings.store import RatingsStore

RIDGE_ALPHA = 3.0
SEED = 13


def fit(store: RatingsStore, context: EstimateContext, hosts: list[str]) -> DomainEstimator:
    """The model fitted on `hosts` (their Lin PC1 as the target)."""
    target = np.array([lin_value(store, h) for h in hosts])
    vectorizer = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True
    )
    names = vectorizer.fit_transform([name_text(h) for h in hosts])
    ridge = Ridge(alpha=RIDGE_ALPHA)
    # The booster learns from out-of-fold name scores, as it will meet unseen names.
    name_scores = cross_val_predict(ridge, names, target, cv=5)
    ridge.fit(names, target)
    dense = np.array([context.features(h) for h in hosts], dtype=float)
    booster = HistGradientBoostingRegressor(
        max_iter=300, learning_rate=0.05, max_leaf_nodes=15, random_state=SEED
    )
    booster.fit(np.column_stack([dense, name_scores]), target)
    trained_on = f"{len(hosts)} Lin et al. 2023 calibration domains"
    return DomainEstimator(vectorizer, ridge, booster, trained_on)


def main(argv: list[str] | None = None) -> int:
    """Fits, validates, writes the model and its metrics."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--holdout", type=float, default=0.3)
    parser.add_argument("--seed", type=int, default=20230901)
    parser.add_argument("--out", type=Path, default=ESTIMATE_PATH)
    args = parser.parse_args(argv)
    data_dir: Path = args.data_dir or get_settings().data_dir
    start = time.perf_counter()
    store = RatingsStore.load(data_dir, use_cache=False)
    calibration, held_out = split_lin(store, args.holdout, args.seed)
    context = EstimateContext.build(store, data_dir, hide_lin=frozenset(held_out))
    model = fit(store, context, calibration)
    seconds = time.perf_counter() - start
    before = evaluate(store, held_out, "lists only (held out)")
    after = estimate_figures(store, data_dir, held_out, model)
    model.save(args.out)
    metrics = {
        "split": f"Lin domains in the data folder, seed {args.seed}, {args.holdout:.0%} held out",
        "trained_on": model.trained_on,
        "held_out_domains": len(held_out),
        "train_seconds": round(seconds, 1),
        "figures": [
            {"name": f.name, "spearman": round(f.rho, 4), "covered": f.covered, "of": f.total}
            for f in [before, *after]
        ],
        "artifact_bytes": args.out.stat().st_size,
    }
    args.out.with_suffix(".metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    for line in [before, *after]:
        print(line.line())
    print(f"wrote {args.out} ({metrics['artifact_bytes']} bytes) in {seconds:.0f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
