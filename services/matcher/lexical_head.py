"""The check-worthiness lexical head, served without scikit-learn's per-call overhead.

The head is a scikit-learn pipeline: word and character n-gram tf-idf side by side, then
five sigmoid-calibrated linear SVMs (one per cross-validation fold) whose probabilities are
averaged. Asked through the pipeline, every call pays for a FeatureUnion's job dispatch and
five rounds of input validation, about as much as the arithmetic for an article's topic group
of sentences. Here the n-grams are counted with numpy (`ngram_tfidf.py`: the same features
in a fifth of the time), the five SVMs' weights are one matrix, so the decision values are
one sparse product, and the calibration is the same sigmoid (`1 / (1 + exp(a * f + b))`)
averaged over the folds.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import sparse
from scipy.special import expit
from sklearn.calibration import CalibratedClassifierCV
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from services.matcher.ngram_tfidf import counted


class CompiledLexicalHead:
    """P(check-worthy) of sentences from a fitted pipeline of a FeatureUnion of vectorizers
    and a sigmoid-calibrated, cross-validated LinearSVC."""

    def __init__(self, pipeline: Pipeline) -> None:
        union: FeatureUnion = pipeline.named_steps["features"]
        calibrated: CalibratedClassifierCV = pipeline.named_steps["classifier"]
        self._vectorizers = [counted(step) for _, step in union.transformer_list]
        folds = calibrated.calibrated_classifiers_
        self._weights = np.column_stack([f.estimator.coef_.ravel() for f in folds])
        self._intercepts = np.asarray([float(f.estimator.intercept_[0]) for f in folds])
        self._a = np.asarray([float(f.calibrators[0].a_) for f in folds])
        self._b = np.asarray([float(f.calibrators[0].b_) for f in folds])

    def positive_proba(self, sentences: Sequence[str]) -> np.ndarray:
        """P(class 1) per sentence, as the pipeline's `predict_proba(...)[:, 1]`."""
        if not sentences:
            return np.zeros(0)
        texts = list(sentences)
        features = sparse.hstack([v.transform(texts) for v in self._vectorizers]).tocsr()
        decisions = features @ self._weights + self._intercepts
        proba = expit(-(self._a * decisions + self._b))
        return np.asarray(proba.mean(axis=1), dtype=np.float64)


def compiled_head(pipeline: Any) -> CompiledLexicalHead | None:
    """The compiled head when `pipeline` has the shape it reads (binary, sigmoid-calibrated
    LinearSVCs over a FeatureUnion without weights), else None (serve the pipeline)."""
    if not isinstance(pipeline, Pipeline) or set(pipeline.named_steps) != {
        "features",
        "classifier",
    }:
        return None
    union, calibrated = pipeline.named_steps["features"], pipeline.named_steps["classifier"]
    if not isinstance(union, FeatureUnion) or union.transformer_weights:
        return None
    if not isinstance(calibrated, CalibratedClassifierCV) or calibrated.method != "sigmoid":
        return None
    folds = getattr(calibrated, "calibrated_classifiers_", [])
    if len(calibrated.classes_) != 2 or not folds:
        return None
    if not all(isinstance(f.estimator, LinearSVC) and len(f.calibrators) == 1 for f in folds):
        return None
    return CompiledLexicalHead(pipeline)
