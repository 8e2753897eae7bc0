"""The stance model's gradient-boosted trees on ONNX Runtime answer what scikit-learn's
`predict_proba` does, and only classifiers the graph can hold are compiled."""

from __future__ import annotations

import joblib
import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression

from services.matcher.stance import MODEL_PATH, StanceModel
from services.matcher.tree_runtime import CompiledTrees, compiled


def _fitted(
    classes: int, missing: bool = False
) -> tuple[HistGradientBoostingClassifier, np.ndarray]:
    rng = np.random.default_rng(3)
    features = rng.normal(size=(600, 6))
    labels = (features[:, 0] > 0).astype(int) + (features[:, 1] > 0.5).astype(int)
    labels = labels % classes
    if missing:
        features[rng.random(features.shape) < 0.1] = np.nan
    model = HistGradientBoostingClassifier(max_iter=40, random_state=0).fit(features, labels)
    probe = rng.normal(size=(200, 6))
    if missing:
        probe[rng.random(probe.shape) < 0.1] = np.nan
    return model, probe


def test_the_graph_gives_scikit_learns_probabilities() -> None:
    model, probe = _fitted(3)
    trees = compiled(model)
    assert isinstance(trees, CompiledTrees)
    assert list(trees.classes_) == list(model.classes_)
    np.testing.assert_allclose(trees.predict_proba(probe), model.predict_proba(probe), atol=1e-6)


def test_missing_values_take_the_branch_the_trees_learnt() -> None:
    model, probe = _fitted(3, missing=True)
    trees = compiled(model)
    assert isinstance(trees, CompiledTrees)
    np.testing.assert_allclose(trees.predict_proba(probe), model.predict_proba(probe), atol=1e-6)


def test_no_rows_give_no_rows() -> None:
    model, _ = _fitted(3)
    trees = compiled(model)
    assert isinstance(trees, CompiledTrees)
    assert trees.predict_proba(np.zeros((0, 6))).shape == (0, 3)


def test_other_classifiers_are_served_as_they_are() -> None:
    binary, probe = _fitted(2)
    assert compiled(binary) is binary
    linear = LogisticRegression().fit(probe, (probe[:, 0] > 0).astype(int))
    assert compiled(linear) is linear


def test_the_served_stance_classifier_matches_the_artifact() -> None:
    bundle = joblib.load(MODEL_PATH)
    served = StanceModel.load().classifier
    assert isinstance(served, CompiledTrees)
    rows = np.random.default_rng(5).random((50, served.n_features_in_))
    np.testing.assert_allclose(
        served.predict_proba(rows), bundle["classifier"].predict_proba(rows), atol=1e-6
    )
