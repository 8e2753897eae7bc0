"""The compiled lexical head gives the committed pipeline's probabilities, and a pipeline of
another shape is served as it is."""

from __future__ import annotations

import joblib
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from services.matcher.claims import MODEL_PATH, CheckWorthinessModel
from services.matcher.lexical_head import CompiledLexicalHead, compiled_head

SENTENCES = [
    "Unemployment fell to 3.4 percent in January, the lowest since 1969.",
    "I think we should all take a moment to thank our volunteers.",
    "The senator voted against the bill 14 times over six years.",
    "Thank you.",
    "Russia said two drones targeting the Kremlin were shot down overnight.",
    "",
]


def test_the_compiled_head_gives_the_pipelines_probabilities() -> None:
    pipeline = joblib.load(MODEL_PATH)["pipeline"]
    head = compiled_head(pipeline)
    assert isinstance(head, CompiledLexicalHead)
    np.testing.assert_allclose(
        head.positive_proba(SENTENCES), pipeline.predict_proba(SENTENCES)[:, 1], atol=1e-12
    )
    assert head.positive_proba([]).shape == (0,)


def test_the_served_model_reads_through_the_compiled_head() -> None:
    model = CheckWorthinessModel.load()
    expected = model.pipeline.predict_proba(SENTENCES)[:, 1]
    np.testing.assert_allclose(model.lexical_scores(SENTENCES), expected, atol=1e-12)


def test_a_pipeline_of_another_shape_is_not_compiled() -> None:
    other = Pipeline([("features", TfidfVectorizer()), ("classifier", LogisticRegression())]).fit(
        SENTENCES[:4], [1, 0, 1, 0]
    )
    assert compiled_head(other) is None
    assert compiled_head(None) is None
    model = CheckWorthinessModel(other, threshold=0.5)
    np.testing.assert_allclose(
        model.lexical_scores(SENTENCES), other.predict_proba(SENTENCES)[:, 1], atol=1e-12
    )
