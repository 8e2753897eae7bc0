"""Gradient-boosted trees on ONNX Runtime.

scikit-learn's HistGradientBoostingClassifier predicts tree by tree from Python: the stance
model's 250 iterations of 4 trees cost some 10 ms a call however few the rows, and the
matcher calls it for every claim that has candidate stories. The same trees as one ONNX
`TreeEnsembleClassifier` answer in a fraction of a millisecond with the same probabilities
(thresholds and leaf values kept in double precision).

The graph is built from the fitted classifier when the model loads (no file to keep in step
with the artifact). skl2onnx would be the usual converter, but its 1.20 release fails on
scikit-learn 1.9's trees (it mixes booleans into an integer attribute), so the graph is
written here with `onnx.helper` from the predictors' node arrays.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper
from sklearn.ensemble import HistGradientBoostingClassifier

ML_OPSET = 3
"""ai.onnx.ml opset 3: thresholds and weights as double tensors."""


@dataclass(frozen=True)
class _Trees:
    """The node and leaf arrays of a TreeEnsembleClassifier, tree by tree concatenated."""

    tree_ids: list[int] = field(default_factory=list)
    node_ids: list[int] = field(default_factory=list)
    features: list[int] = field(default_factory=list)
    modes: list[str] = field(default_factory=list)
    thresholds: list[float] = field(default_factory=list)
    true_ids: list[int] = field(default_factory=list)
    false_ids: list[int] = field(default_factory=list)
    missing_true: list[int] = field(default_factory=list)
    leaf_trees: list[int] = field(default_factory=list)
    leaf_nodes: list[int] = field(default_factory=list)
    leaf_classes: list[int] = field(default_factory=list)
    leaf_values: list[float] = field(default_factory=list)


class CompiledTrees:
    """A fitted HistGradientBoostingClassifier's `predict_proba` on ONNX Runtime; `classes_`
    as the classifier's."""

    def __init__(self, classifier: HistGradientBoostingClassifier) -> None:
        self.classes_ = classifier.classes_
        self.n_features_in_ = int(classifier.n_features_in_)
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self._session = ort.InferenceSession(
            graph_of(classifier).SerializeToString(), options, providers=["CPUExecutionProvider"]
        )
        self._input = self._session.get_inputs()[0].name

    def predict_proba(self, features: Any) -> np.ndarray:
        """One row of class probabilities per row of `features`."""
        rows = np.ascontiguousarray(np.asarray(features, dtype=np.float64))
        if rows.shape[0] == 0:
            return np.zeros((0, len(self.classes_)))
        _labels, proba = self._session.run(None, {self._input: rows})
        return np.asarray(proba, dtype=np.float64)


def compiled(classifier: object) -> object:
    """The classifier on ONNX Runtime when it is a numeric HistGradientBoostingClassifier
    of several classes, else the classifier itself."""
    if (
        isinstance(classifier, HistGradientBoostingClassifier)
        and getattr(classifier, "is_categorical_", None) is None
        and len(classifier.classes_) > 2
    ):
        return CompiledTrees(classifier)
    return classifier


def graph_of(classifier: HistGradientBoostingClassifier) -> onnx.ModelProto:
    """The classifier's trees as one TreeEnsembleClassifier with a softmax, its baseline as
    the base values (the multi-class loss of scikit-learn's gradient boosting)."""
    trees = _trees(classifier)
    classes = len(classifier.classes_)
    width = int(classifier.n_features_in_)
    baseline = np.asarray(classifier._baseline_prediction, dtype=np.float64).reshape(-1)
    node = helper.make_node(
        "TreeEnsembleClassifier",
        ["features"],
        ["label", "probabilities"],
        domain="ai.onnx.ml",
        classlabels_int64s=list(range(classes)),
        nodes_treeids=trees.tree_ids,
        nodes_nodeids=trees.node_ids,
        nodes_featureids=trees.features,
        nodes_modes=trees.modes,
        nodes_values_as_tensor=numpy_helper.from_array(
            np.asarray(trees.thresholds, dtype=np.float64), "nodes_values"
        ),
        nodes_truenodeids=trees.true_ids,
        nodes_falsenodeids=trees.false_ids,
        nodes_missing_value_tracks_true=trees.missing_true,
        class_treeids=trees.leaf_trees,
        class_nodeids=trees.leaf_nodes,
        class_ids=trees.leaf_classes,
        class_weights_as_tensor=numpy_helper.from_array(
            np.asarray(trees.leaf_values, dtype=np.float64), "class_weights"
        ),
        base_values_as_tensor=numpy_helper.from_array(baseline, "base_values"),
        post_transform="SOFTMAX",
    )
    graph = helper.make_graph(
        [node],
        "trees",
        [helper.make_tensor_value_info("features", TensorProto.DOUBLE, [None, width])],
        [
            helper.make_tensor_value_info("label", TensorProto.INT64, [None]),
            helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [None, classes]),
        ],
    )
    return helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("ai.onnx.ml", ML_OPSET)],
    )


def _trees(classifier: HistGradientBoostingClassifier) -> _Trees:
    """Every predictor's nodes: iteration i's tree for class k is tree i * classes + k."""
    out = _Trees()
    classes = len(classifier.classes_)
    for iteration, predictors in enumerate(classifier._predictors):
        for k, predictor in enumerate(predictors):
            _add_tree(out, iteration * classes + k, k, predictor.nodes)
    return out


def _add_tree(out: _Trees, tree: int, label: int, nodes: np.ndarray) -> None:
    count = len(nodes)
    leaf = nodes["is_leaf"].astype(bool)
    out.tree_ids.extend([tree] * count)
    out.node_ids.extend(range(count))
    out.features.extend(np.where(leaf, 0, nodes["feature_idx"]).astype(int).tolist())
    out.modes.extend("LEAF" if is_leaf else "BRANCH_LEQ" for is_leaf in leaf)
    out.thresholds.extend(np.where(leaf, 0.0, nodes["num_threshold"]).tolist())
    out.true_ids.extend(np.where(leaf, 0, nodes["left"]).astype(int).tolist())
    out.false_ids.extend(np.where(leaf, 0, nodes["right"]).astype(int).tolist())
    out.missing_true.extend(np.where(leaf, 0, nodes["missing_go_to_left"]).astype(int).tolist())
    leaves = np.flatnonzero(leaf)
    out.leaf_trees.extend([tree] * len(leaves))
    out.leaf_nodes.extend(leaves.astype(int).tolist())
    out.leaf_classes.extend([label] * len(leaves))
    out.leaf_values.extend(nodes["value"][leaves].astype(float).tolist())
