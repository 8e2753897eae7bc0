"""Trains the text models of the presentation signal and validates each on data it never
saw, then writes them next to this module with their figures (`metrics.json`):

- clickbait headlines: a stratified 80/20 split (seed 17) of Chakraborty et al. (2016),
  with casing, final punctuation and non-ASCII characters normalised away (the shortcuts the
  data's README names); ROC AUC;
- subjective sentences: trained on the official CheckThat! 2023 train file, the
  regularisation and threshold chosen on its dev file, macro-F1 reported on the 2023 test
  file and the 2024 test file; the shipped model is refitted on train + dev;
- propaganda sentences (any technique span in the sentence), the span finder (a span's
  words against words outside every span) and the technique namer: trained on the PTC train
  articles, validated on the PTC dev articles (no article in both), then refitted on both.

Run: `make train-presentation` (`python -m services.scorer.textmodels.train`); a few
minutes on one core.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, precision_recall_fscore_support, roc_auc_score
from sklearn.model_selection import train_test_split

from services.common.config import get_settings
from services.scorer.textmodels import datasets
from services.scorer.textmodels.datasets import Labelled
from services.scorer.textmodels.hashed import HashedModel, features
from services.scorer.textmodels.store import (
    CLICKBAIT,
    METRICS_PATH,
    MODELS_DIR,
    PROPAGANDA,
    SPANS,
    SUBJECTIVITY,
    TECHNIQUES,
)

SEED = 17
C_GRID = (0.3, 1.0, 3.0, 10.0)


def fit(
    texts: Sequence[str],
    labels: Sequence[int] | Sequence[str],
    c: float,
    word_ngrams: int = 2,
    char_ngrams: tuple[int, int] = (2, 5),
) -> HashedModel:
    """A logistic model over hashed n-grams of `texts`."""
    matrix = features(texts, word_ngrams, char_ngrams)
    model = LogisticRegression(C=c, max_iter=2000, class_weight="balanced")
    model.fit(matrix, list(labels))
    return HashedModel(
        coef=np.atleast_2d(model.coef_),
        intercept=np.atleast_1d(model.intercept_),
        classes=tuple(str(c) for c in model.classes_),
        word_ngrams=word_ngrams,
        char_ngrams=char_ngrams,
    )


def _texts(rows: Sequence[Labelled]) -> list[str]:
    return [r.text for r in rows]


def _labels(rows: Sequence[Labelled]) -> list[int]:
    return [r.label for r in rows]


def _best_c(train: Sequence[Labelled], valid: Sequence[Labelled]) -> tuple[float, float]:
    """The C of `C_GRID` with the best validation ROC AUC, and that AUC."""
    scored = []
    for c in C_GRID:
        model = fit(_texts(train), _labels(train), c)
        scored.append((roc_auc_score(_labels(valid), model.probability(_texts(valid))), c))
    auc, c = max(scored)
    return c, float(auc)


def train_clickbait(data_dir: Path) -> dict[str, object]:
    """Clickbait headlines: stratified split, AUC; shipped model fitted on all."""
    rows = datasets.clickbait(data_dir)
    train, valid = train_test_split(rows, test_size=0.2, random_state=SEED, stratify=_labels(rows))
    c, auc = _best_c(train, valid)
    fit(_texts(rows), _labels(rows), c).save(MODELS_DIR / CLICKBAIT)
    return {
        "data": datasets.CLICKBAIT_DIR,
        "split": "stratified 80/20, seed 17, lower-cased, final punctuation and non-ASCII removed",
        "validation_roc_auc": round(auc, 4),
        "n_train": len(train),
        "n_validation": len(valid),
        "C": c,
    }


def _macro(model: HashedModel, rows: Sequence[Labelled], threshold: float) -> dict[str, float]:
    predicted = (model.probability(_texts(rows)) >= threshold).astype(int)
    truth = _labels(rows)
    p, r, f, _ = precision_recall_fscore_support(truth, predicted, average="binary")
    return {
        "macro_f1": round(float(f1_score(truth, predicted, average="macro")), 4),
        "subj_precision": round(float(p), 4),
        "subj_recall": round(float(r), 4),
        "subj_f1": round(float(f), 4),
        "roc_auc": round(float(roc_auc_score(truth, model.probability(_texts(rows)))), 4),
    }


def train_subjectivity(data_dir: Path) -> dict[str, object]:
    """Subjective sentences: C and threshold on the official dev file, figures on test."""
    train = datasets.subjectivity(data_dir, "train")
    dev = datasets.subjectivity(data_dir, "dev")
    c, _ = _best_c(train, dev)
    model = fit(_texts(train), _labels(train), c)
    dev_p = model.probability(_texts(dev))
    thresholds = np.linspace(0.2, 0.8, 61)
    threshold = float(
        max(
            thresholds,
            key=lambda t: f1_score(_labels(dev), (dev_p >= t).astype(int), average="macro"),
        )
    )
    figures: dict[str, object] = {
        "data": datasets.SUBJECTIVITY_DIR,
        "split": "official: trained on 2023 train, C and threshold chosen on 2023 dev",
        "C": c,
        "threshold": round(threshold, 3),
        "dev_2023": _macro(model, dev, threshold),
        "test_2023_trained_on_train": _macro(
            model, datasets.subjectivity(data_dir, "test"), threshold
        ),
    }
    shipped = fit(_texts(train) + _texts(dev), _labels(train) + _labels(dev), c)
    shipped.save(MODELS_DIR / SUBJECTIVITY)
    figures["test_2023"] = _macro(shipped, datasets.subjectivity(data_dir, "test"), threshold)
    figures["test_2024"] = _macro(shipped, datasets.subjectivity(data_dir, "test2024"), threshold)
    return figures


def _propaganda_rows(
    articles: Sequence[datasets.PropagandaArticle],
) -> tuple[list[Labelled], list[Labelled], list[Labelled]]:
    """Sentences, span-vs-outside windows, and technique-labelled spans."""
    sentences = [row for a in articles for row in datasets.sentence_rows(a)]
    spans = [row for a in articles for row in datasets.span_rows(a)]
    lengths = [len(r.text.split()) for r in spans]
    random.Random(SEED).shuffle(lengths)
    outside = [row for a in articles for row in datasets.outside_windows(a, lengths)]
    windows = [Labelled(r.text, 1) for r in spans] + outside
    return sentences, windows, spans


def train_propaganda(data_dir: Path) -> dict[str, object]:
    """Propaganda sentences, spans and techniques: validated on the PTC dev articles."""
    train = datasets.propaganda(data_dir, "train")
    dev = datasets.propaganda(data_dir, "dev")
    sentences, windows, spans = _propaganda_rows(train)
    dev_sentences, dev_windows, dev_spans = _propaganda_rows(dev)
    c, sentence_auc = _best_c(sentences, dev_sentences)
    span_c, span_auc = _best_c(windows, dev_windows)
    technique = fit(_texts(spans), [r.group for r in spans], 3.0, word_ngrams=2, char_ngrams=(0, 0))
    accuracy = float(
        np.mean(
            [
                p == r.group
                for p, r in zip(technique.best_class(_texts(dev_spans)), dev_spans, strict=True)
            ]
        )
    )
    every = list(train) + list(dev)
    all_sentences, all_windows, all_spans = _propaganda_rows(every)
    fit(_texts(all_sentences), _labels(all_sentences), c).save(MODELS_DIR / PROPAGANDA)
    fit(_texts(all_windows), _labels(all_windows), span_c).save(MODELS_DIR / SPANS)
    fit(
        _texts(all_spans), [r.group for r in all_spans], 3.0, word_ngrams=2, char_ngrams=(0, 0)
    ).save(MODELS_DIR / TECHNIQUES)
    return {
        "data": datasets.PROPAGANDA_DIR,
        "split": "by article: trained on the 371 PTC train articles, validated on the 75 dev "
        "articles; shipped models refitted on both",
        "sentence_roc_auc": round(sentence_auc, 4),
        "span_window_roc_auc": round(span_auc, 4),
        "technique_accuracy_on_gold_spans": round(accuracy, 4),
        "n_train_sentences": len(sentences),
        "n_validation_sentences": len(dev_sentences),
        "C": c,
        "span_C": span_c,
    }


def main(argv: Sequence[str] | None = None) -> None:
    """Trains, validates and writes every text model and `metrics.json`."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=get_settings().data_dir)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    metrics: dict[str, object] = {
        "clickbait": train_clickbait(args.data_dir),
        "subjectivity": train_subjectivity(args.data_dir),
        "propaganda": train_propaganda(args.data_dir),
    }
    metrics["seconds"] = round(time.perf_counter() - started, 1)
    METRICS_PATH.write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(metrics, indent=2))


if __name__ == "__main__":
    main()
