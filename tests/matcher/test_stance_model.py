"""The stance model serves its cross-encoder and stack without PyTorch, falls back to its
features when the cross-encoder cannot run, and records figures on the topic split."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from services.matcher import embeddings, stance, stance_cross
from services.matcher.stance import LABELS, StanceModel
from tests.support.needs import missing

CLAIM = "Russia says Ukraine tried to kill Putin with a drone attack on the Kremlin"
STORIES = [
    "Russia said on Wednesday two drones targeting the Kremlin overnight had been shot down "
    "by its air defences. Officials said the drones were disabled and crashed in the grounds.",
    "The central bank raised its benchmark interest rate by a quarter point on Wednesday, "
    "citing persistent inflation in services and a tight labour market.",
]
_WITHOUT_TORCH = """
import sys


class BlockTorch:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "torch":
            raise ImportError("torch is blocked in this test")


sys.meta_path.insert(0, BlockTorch())
from services.matcher.stance import StanceModel
model = StanceModel.load()
assert model.stacked, "the cross-encoder did not load"
related, unrelated = model.predict(sys.argv[1], sys.argv[2:])
print(related.label, unrelated.label)
assert not [name for name in sys.modules if name.split(".")[0] == "torch"]
"""


@pytest.fixture(scope="module")
def cross_present() -> None:
    if not embeddings.available() or not stance_cross.CROSS_PATH.is_file():
        missing("the packaged MiniLM and models/stance_cross.onnx", "make install")


@pytest.mark.usefixtures("cross_present")
def test_serving_needs_no_torch() -> None:
    result = subprocess.run(
        [sys.executable, "-c", _WITHOUT_TORCH, CLAIM, *STORIES],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert result.returncode == 0, result.stderr
    related, unrelated = result.stdout.split()
    assert unrelated == "unrelated"
    assert related in {"agree", "discuss"}


@pytest.mark.usefixtures("cross_present")
def test_stack_and_fallback_give_probabilities() -> None:
    model = StanceModel.load()
    assert model.stacked
    stacked = model.predict_proba([CLAIM] * 2, STORIES)
    alone = model.predict_proba([CLAIM] * 2, STORIES, features_only=True)
    for proba in (stacked, alone):
        assert proba.shape == (2, len(LABELS))
        assert np.allclose(proba.sum(axis=1), 1.0)
        assert proba[1].argmax() == LABELS.index("unrelated")
    assert model.predict_proba([], []).shape == (0, len(LABELS))


def test_without_the_graph_the_features_answer(tmp_path: Path) -> None:
    model = StanceModel.load(cross_path=tmp_path / "absent.onnx")
    assert not model.stacked
    related, unrelated = model.predict(CLAIM, STORIES)
    assert unrelated.label == "unrelated"
    assert related.label in {"agree", "discuss"}


def test_metrics_name_the_topic_split() -> None:
    metrics = json.loads(stance.MODEL_PATH.with_suffix(".metrics.json").read_text())
    assert "topics" in metrics["validation_split"]
    assert metrics["fnc_score"] > metrics["features_only"]["fnc_score"]
    assert metrics["fnc_score"] >= 78.0


def test_a_claims_features_do_not_depend_on_its_batch() -> None:
    featurizer = StanceModel.load().featurizer
    views = [featurizer.body_view(story) for story in STORIES]
    batch = featurizer.features([CLAIM, CLAIM, STORIES[1][:80]], [*views, views[0]])
    alone = [featurizer.features([CLAIM], [views[0]]), featurizer.features([CLAIM], [views[1]])]
    np.testing.assert_array_equal(batch[:2], np.vstack(alone))
    assert np.isfinite(batch).all()


def test_the_served_vectorizer_is_not_saved_with_the_featurizer() -> None:
    featurizer = StanceModel.load().featurizer
    featurizer.body_view(STORIES[0])
    assert "_counted" in featurizer.__dict__
    assert "_counted" not in pickle.loads(pickle.dumps(featurizer)).__dict__
