"""Trains the check-worthiness model on ClaimBuster: `python -m services.matcher.train_claims`.

Two heads: a calibrated linear SVM over word and character n-grams, and (when the packaged
MiniLM model is installed) a logistic regression over sentence embeddings; their
probabilities are averaged. A stratified 20% validation split is held out; each decision
threshold (both heads, and the lexical head alone as the fallback) is chosen by 5-fold
cross-validation on the training part only, so the validation figures are not tuned on.
F1 of the check-worthy class, macro-F1 and weighted F1 are reported, the model is refit on
every sentence and written to `models/checkworthy.joblib` with a metrics JSON beside it.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import classification_report, f1_score
from sklearn.model_selection import cross_val_predict, train_test_split
from sklearn.pipeline import Pipeline, make_union
from sklearn.svm import LinearSVC

from services.common.config import get_settings
from services.matcher import embeddings
from services.matcher.artifacts import save_artifact
from services.matcher.claims import MODEL_PATH, CheckWorthinessModel, normalise

_LOGGER = logging.getLogger(__name__)
SEED = 13
# Share of the embedding head in the averaged probability.
EMBEDDING_WEIGHT = 0.5
ProbaPair = tuple[np.ndarray, np.ndarray | None]


def build_pipeline() -> Pipeline:
    """Word 1-3-grams and character 1-5-grams into a calibrated linear SVM."""
    features = make_union(
        TfidfVectorizer(
            ngram_range=(1, 3), sublinear_tf=True, preprocessor=normalise, max_features=60000
        ),
        TfidfVectorizer(
            analyzer="char",
            ngram_range=(1, 5),
            sublinear_tf=True,
            min_df=2,
            preprocessor=normalise,
            max_features=120000,
        ),
    )
    classifier = CalibratedClassifierCV(LinearSVC(C=0.3, random_state=SEED), cv=5)
    return Pipeline([("features", features), ("classifier", classifier)])


def _embedding_head() -> LogisticRegression:
    return LogisticRegression(C=1.0, max_iter=3000, random_state=SEED)


def _best_threshold(labels: np.ndarray, proba: np.ndarray) -> float:
    grid = np.arange(0.2, 0.61, 0.025)
    f1s = [f1_score(labels, (proba >= t).astype(int)) for t in grid]
    return float(round(grid[int(np.argmax(f1s))], 3))


def _cv_proba(texts: list[str], vectors: np.ndarray | None, labels: np.ndarray) -> ProbaPair:
    lexical = cross_val_predict(build_pipeline(), texts, labels, cv=5, method="predict_proba")
    if vectors is None:
        return lexical[:, 1], None
    dense = cross_val_predict(_embedding_head(), vectors, labels, cv=5, method="predict_proba")
    return lexical[:, 1], dense[:, 1]


def _fit(texts: list[str], vectors: np.ndarray | None, labels: np.ndarray) -> dict[str, Any]:
    lexical_cv, dense_cv = _cv_proba(texts, vectors, labels)
    bundle: dict[str, Any] = {
        "pipeline": build_pipeline().fit(texts, labels),
        "lexical_threshold": _best_threshold(labels, lexical_cv),
        "embedding_head": None,
        "embedding_weight": EMBEDDING_WEIGHT,
    }
    bundle["threshold"] = bundle["lexical_threshold"]
    if vectors is not None and dense_cv is not None:
        bundle["embedding_head"] = _embedding_head().fit(vectors, labels)
        mixed = (1 - EMBEDDING_WEIGHT) * lexical_cv + EMBEDDING_WEIGHT * dense_cv
        bundle["threshold"] = _best_threshold(labels, mixed)
    return bundle


def _report(name: str, gold: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    print(f"-- {name}")
    print(classification_report(gold, predicted, digits=4))
    return {
        "f1_class1": round(float(f1_score(gold, predicted)), 4),
        "macro_f1": round(float(f1_score(gold, predicted, average="macro")), 4),
        "weighted_f1": round(float(f1_score(gold, predicted, average="weighted")), 4),
    }


def train(data_dir: Path, out: Path) -> dict[str, Any]:
    """Trains, validates, writes the artifact and returns the metrics."""
    rows = json.loads((data_dir / "claimbuster" / "train.json").read_text(encoding="utf-8"))
    texts = [str(r["text"]) for r in rows]
    labels = np.asarray([int(r["label"]) for r in rows])
    start = time.perf_counter()
    encoder = embeddings.encoder()
    vectors = encoder.encode(texts) if encoder is not None else None
    encode_seconds = round(time.perf_counter() - start, 1)
    tr, va = train_test_split(
        np.arange(len(texts)), test_size=0.2, random_state=SEED, stratify=labels
    )
    start = time.perf_counter()
    sub = _fit([texts[i] for i in tr], None if vectors is None else vectors[tr], labels[tr])
    model = CheckWorthinessModel.from_bundle(sub)
    val_texts = [texts[i] for i in va]
    val_vectors = None if vectors is None else vectors[va]
    metrics: dict[str, Any] = {
        **_report("model", labels[va], np.asarray(model.labels(val_texts, val_vectors))),
        "threshold": sub["threshold"],
        "embeddings": vectors is not None,
        "lexical_only": _report(
            "lexical head alone (fallback)",
            labels[va],
            (model.lexical_scores(val_texts) >= sub["lexical_threshold"]).astype(int),
        ),
        "train_sentences": len(tr),
        "validation_sentences": len(va),
        "validation_split": f"stratified 20%, seed {SEED}",
        "encode_seconds": encode_seconds,
        "train_seconds": round(time.perf_counter() - start, 1),
    }
    start = time.perf_counter()
    final = _fit(texts, vectors, labels)
    metrics["refit_seconds"] = round(time.perf_counter() - start, 1)
    metrics["artifact_trained_on"] = "all sentences (validation figures from the held-out run)"
    save_artifact(final, out, metrics)
    return metrics


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=get_settings().data_dir)
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)
    train(args.data_dir, args.out)


if __name__ == "__main__":
    main()
