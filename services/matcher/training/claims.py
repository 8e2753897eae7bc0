"""Trains the check-worthiness model on ClaimBuster: `make train-claims` (PyPI's PyTorch for
the fine-tuning, CPU only; about ten minutes on two idle cores).

Two heads: a calibrated linear SVM over word and character n-grams, and the bottom three
layers of all-MiniLM-L6-v2 (the packaged model), fine-tuned, with a linear head
(`finetune.py`, `RECIPE`). A
logistic regression over their logits (the stack) combines them. The data are split by
debate (`debate_split.py`): whole debates are held out for validation (about 20 %) and for
tuning (about 12 %), and the heads are fitted on the rest. The stack and every decision
threshold are fitted on the tuning debates, never on validation. The artifacts are the
models that were validated, so the figures describe what ships: the heads
(`checkworthy.joblib`) and the stack (`checkworthy.stack.json`).

Thresholds maximise F1 of the check-worthy class at equal class priors (negatives weighted
by positives/negatives; the stack is fitted with the same weights): ClaimBuster's test set is
balanced while its training file holds one check-worthy sentence in four, and in the product
a missed claim loses evidence while an extra one only costs a search. The validation debates
are reported as they are and at equal priors, for the stack, for each head alone (the
lexical head is the fallback when the MiniLM package is missing) and for the former fixed
mix, and written with the artifact as a metrics JSON.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import time
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import joblib
import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import classification_report, f1_score
from sklearn.pipeline import Pipeline, make_union
from sklearn.svm import LinearSVC

from services.common.config import get_settings
from services.matcher import embeddings
from services.matcher.artifacts import save_artifact
from services.matcher.claims import (
    ENCODER,
    MODEL_PATH,
    CheckWorthinessModel,
    Stack,
    file_digest,
    logit,
    normalise,
    stack_path,
)
from services.matcher.training import export_onnx, finetune
from services.matcher.training.debate_split import split_by_debate

_LOGGER = logging.getLogger(__name__)
SEED = 13
RECIPE = finetune.Recipe(layers=3, depth=3)
"""MiniLM's bottom three layers, all fine-tuned: half the encoder's serving CPU of the six,
within 0.005 of their F1 on the validation debates (docs/wire-evidence.md)."""
_THRESHOLDS = np.arange(0.1, 0.81, 0.025)
_STACK_THRESHOLDS = np.arange(0.05, 0.951, 0.01)
_WEIGHTS = np.arange(0.0, 1.01, 0.1)


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


def balanced_weights(labels: np.ndarray) -> np.ndarray:
    """Sample weights that give both classes the same total weight."""
    positives = max(int(labels.sum()), 1)
    negatives = max(len(labels) - positives, 1)
    return np.where(labels == 1, 1.0, positives / negatives)


def _balanced_f1(labels: np.ndarray, proba: np.ndarray, threshold: float) -> float:
    predicted = (proba >= threshold).astype(int)
    return float(f1_score(labels, predicted, sample_weight=balanced_weights(labels)))


def best_threshold(
    labels: np.ndarray, proba: np.ndarray, thresholds: np.ndarray = _THRESHOLDS
) -> float:
    """The threshold of `thresholds` with the best check-worthy F1 at equal class priors."""
    f1s = [_balanced_f1(labels, proba, t) for t in thresholds]
    return float(round(thresholds[int(np.argmax(f1s))], 3))


def best_mix(labels: np.ndarray, lexical: np.ndarray, dense: np.ndarray) -> tuple[float, float]:
    """The dense head's weight and the threshold with the best F1 at equal priors."""
    best = (-1.0, 0.5, 0.5)
    for weight in _WEIGHTS:
        mixed = (1 - weight) * lexical + weight * dense
        threshold = best_threshold(labels, mixed)
        best = max(best, (_balanced_f1(labels, mixed, threshold), float(weight), threshold))
    return round(best[1], 2), best[2]


def _report(name: str, gold: np.ndarray, predicted: np.ndarray) -> dict[str, Any]:
    print(f"-- {name}")
    print(classification_report(gold, predicted, digits=4))
    weights = balanced_weights(gold)
    return {
        "f1_class1": round(float(f1_score(gold, predicted)), 4),
        "macro_f1": round(float(f1_score(gold, predicted, average="macro")), 4),
        "weighted_f1": round(float(f1_score(gold, predicted, average="weighted")), 4),
        "at_equal_priors": {
            "f1_class1": round(float(f1_score(gold, predicted, sample_weight=weights)), 4),
            "macro_f1": round(
                float(f1_score(gold, predicted, average="macro", sample_weight=weights)), 4
            ),
        },
    }


def _cache_key(tag: str, texts: list[str], labels: list[int]) -> str:
    digest = hashlib.sha256(tag.encode())
    for text, label in zip(texts, labels, strict=True):
        digest.update(f"{label}\t{text}\n".encode())
    return digest.hexdigest()[:16]


def fine_tune_cached(
    folder: Path, texts: list[str], labels: list[int], recipe: finetune.Recipe, cache: Path
) -> dict[str, np.ndarray]:
    """`finetune.fine_tune`, kept in `cache` under a digest of the recipe and the data: a
    rerun on the same sentences (or one interrupted after the fine-tuning) reuses it."""
    path = cache / f"checkworthy-{_cache_key(repr(recipe), texts, labels)}.npz"
    if path.is_file():
        _LOGGER.info("reusing the fine-tuned layers in %s", path)
        with np.load(path) as stored:
            return {name: stored[name] for name in stored.files}
    tuned = finetune.fine_tune(folder, texts, labels, recipe)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, **tuned)  # type: ignore[arg-type]
    return tuned


def fit_lexical_cached(texts: list[str], labels: list[int], cache: Path) -> Pipeline:
    """`build_pipeline()` fitted on the sentences, kept in `cache` like the fine-tuning."""
    path = cache / f"checkworthy-lexical-{_cache_key('lexical', texts, labels)}.joblib"
    if path.is_file():
        _LOGGER.info("reusing the lexical head in %s", path)
        cached: Pipeline = joblib.load(path)
        return cached
    pipeline = build_pipeline().fit(texts, labels)
    path.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(pipeline, path)
    return pipeline


def fit_stack(labels: np.ndarray, lexical: np.ndarray, dense: np.ndarray, fitted_on: str) -> Stack:
    """The logistic regression over both heads' logits at equal class priors, and its
    threshold with the best check-worthy F1 at equal priors, on the same sentences (the
    heads' digest is left empty until their artifact is written)."""
    features = np.column_stack([logit(lexical), logit(dense)])
    regression = LogisticRegression(C=1.0).fit(
        features, labels, sample_weight=balanced_weights(labels)
    )
    (lexical_weight, dense_weight), bias = regression.coef_[0], regression.intercept_[0]
    stack = Stack(
        round(float(lexical_weight), 6),
        round(float(dense_weight), 6),
        round(float(bias), 6),
        0.5,
        "",
        fitted_on,
    )
    scores = stack.scores(lexical, dense)
    threshold = best_threshold(labels, scores, _STACK_THRESHOLDS)
    return replace(stack, threshold=threshold, encode_from=encode_from(lexical, scores, threshold))


def encode_from(lexical: np.ndarray, scores: np.ndarray, threshold: float) -> float:
    """Half the lowest lexical probability of a sentence the stack accepts: below it, the
    encoder is not run (on the tuning blocks no accepted sentence comes near)."""
    accepted = lexical[scores >= threshold]
    return round(float(accepted.min()) / 2, 4) if len(accepted) else 0.0


def _stack_fields(stack: Stack | None) -> dict[str, Any] | None:
    if stack is None:
        return None
    return {k: v for k, v in asdict(stack).items() if k != "heads_sha256"}


def train(data_dir: Path, out: Path, recipe: finetune.Recipe) -> dict[str, Any]:
    """Trains, validates, writes the artifacts and returns the metrics."""
    rows = json.loads((data_dir / "claimbuster" / "train.json").read_text(encoding="utf-8"))
    texts = np.asarray([str(r["text"]) for r in rows], dtype=object)
    labels = np.asarray([int(r["label"]) for r in rows])
    split = split_by_debate([int(r["sentence_id"]) for r in rows])
    fit, tune, validation = split.fit, split.tune, split.validation
    start = time.perf_counter()
    cache = get_settings().state_dir / "training"
    fit_texts, fit_labels = list(texts[fit]), [int(v) for v in labels[fit]]
    pipeline = fit_lexical_cached(fit_texts, fit_labels, cache)
    lexical = CheckWorthinessModel(pipeline, 0.5)
    lexical_tune = lexical.lexical_scores(texts[tune])
    bundle: dict[str, Any] = {
        "pipeline": pipeline,
        "lexical_threshold": best_threshold(labels[tune], lexical_tune),
        "finetuned": None,
        "embedding_weight": 0.0,
    }
    bundle["threshold"] = bundle["lexical_threshold"]
    val_texts = list(texts[validation])
    gold = labels[validation]
    metrics: dict[str, Any] = {}
    model = None
    folder = embeddings.model_dir()
    if folder is not None:
        _LOGGER.info(
            "fine-tuning the top %d MiniLM layers on %d sentences", recipe.layers, len(fit)
        )
        tuned = fine_tune_cached(folder, fit_texts, fit_labels, recipe, cache)
        encoder = export_onnx.encoder_for(ENCODER, tuned, recipe.depth)
        probe = CheckWorthinessModel(pipeline, 0.5, tuned, encoder=encoder)
        dense_tune = probe.dense_scores(list(texts[tune]))
        dense_val = probe.dense_scores(val_texts)
        if dense_tune is not None and dense_val is not None:
            weight, threshold = best_mix(labels[tune], lexical_tune, dense_tune)
            bundle.update(
                finetuned=tuned,
                encoder_depth=recipe.depth,
                embedding_weight=weight,
                threshold=threshold,
            )
            lexical_val = lexical.lexical_scores(val_texts)
            dense_threshold = best_threshold(labels[tune], dense_tune)
            mixed = (1 - weight) * lexical_val + weight * dense_val
            metrics["minilm_only"] = {
                **_report("MiniLM head alone", gold, (dense_val >= dense_threshold).astype(int)),
                "threshold": dense_threshold,
            }
            metrics["fixed_mix"] = {
                **_report("fixed mix (former model)", gold, (mixed >= threshold).astype(int)),
                "threshold": threshold,
                "embedding_weight": weight,
            }
            stack = fit_stack(
                labels[tune], lexical_tune, dense_tune, f"tuning blocks {list(split.tune_blocks)}"
            )
            model = CheckWorthinessModel.from_bundle(bundle, encoder, stack)
    if model is None:
        model = CheckWorthinessModel.from_bundle(bundle)
    metrics = {
        **_report("model", gold, np.asarray(model.labels(val_texts))),
        "threshold": model.threshold,
        "stack": _stack_fields(model.stack),
        "finetuned_layers": recipe.layers if bundle["finetuned"] else 0,
        "encoder_depth": recipe.depth if bundle["finetuned"] else 0,
        "epochs": recipe.epochs,
        **metrics,
        "lexical_only": {
            **_report(
                "lexical head alone (fallback)",
                gold,
                (model.lexical_scores(val_texts) >= bundle["lexical_threshold"]).astype(int),
            ),
            "threshold": bundle["lexical_threshold"],
        },
        "fit_sentences": len(fit),
        "tune_sentences": len(tune),
        "validation_sentences": len(validation),
        "splits": split.describe(),
        "train_seconds": round(time.perf_counter() - start, 1),
        "artifacts_trained_on": "heads on the fit blocks, the stack on the tuning blocks",
    }
    save_artifact(bundle, out, metrics)
    stack_path(out).unlink(missing_ok=True)
    if model.stack is not None:
        replace(model.stack, heads_sha256=file_digest(out)).write(stack_path(out))
    return metrics


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=get_settings().data_dir)
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    parser.add_argument("--layers", type=int, default=RECIPE.layers)
    parser.add_argument("--epochs", type=int, default=RECIPE.epochs)
    parser.add_argument("--depth", type=int, default=RECIPE.depth, help="MiniLM layers kept (of 6)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)
    recipe = finetune.Recipe(layers=args.layers, epochs=args.epochs, depth=args.depth)
    train(args.data_dir, args.out, recipe)


if __name__ == "__main__":
    main()
