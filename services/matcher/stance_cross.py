"""The cross-encoder half of the stance model: all-MiniLM-L6-v2 fine-tuned on FNC-1 to read
a claim and a body passage together, run by ONNX Runtime.

Its graph (`models/stance_cross.onnx`, int8) is written by `make train-stance`
(`training/stance_cross.py`); it maps `input_ids`, `attention_mask` and `token_type_ids`
(batch × tokens) of "[CLS] claim [SEP] passage [SEP]" to four logits in `LABELS` order.
The passage is the body's sentences most alike the claim (`StanceFeaturizer.passage`). The
tokenizer is the packaged MiniLM's, so serving needs onnxruntime and tokenizers, never
PyTorch. When the package or the graph is missing, `load()` gives None and the stance
model uses its features alone.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from services.matcher import embeddings

if TYPE_CHECKING:
    from tokenizers import Encoding, Tokenizer

_LOGGER = logging.getLogger(__name__)
CROSS_PATH = embeddings.MODELS_DIR / "stance_cross.onnx"
MAX_PAIR_TOKENS = 64
"""Claim and passage together, in word pieces: what training used."""
CLASSES = 4


def pair_tokenizer(max_tokens: int = MAX_PAIR_TOKENS) -> Tokenizer | None:
    """The packaged tokenizer, truncating (claim, passage) pairs to `max_tokens`."""
    return embeddings.load_tokenizer(max_tokens)


def encode_pairs(
    tokenizer: Tokenizer, claims: Sequence[str], passages: Sequence[str]
) -> list[Encoding]:
    """The token ids and segment ids of each (claim, passage) pair."""
    return list(tokenizer.encode_batch(list(zip(claims, passages, strict=True))))


class CrossEncoder:
    """The ONNX cross-encoder: (claim, passage) pairs to log-probabilities of the labels."""

    def __init__(
        self,
        model: Path | bytes,
        tokenizer: Tokenizer,
        threads: int | None = None,
        batch: int = embeddings.QUANTIZED_BATCH,
    ):
        """`batch`: pairs per call; the committed graph is int8, so one (its answer for a
        pair must not depend on the other pairs of the call)."""
        self._session = embeddings.session(model, threads)
        self._tokenizer = tokenizer
        self._batch_size = batch

    def log_proba(self, claims: Sequence[str], passages: Sequence[str]) -> np.ndarray:
        """One row of log-probabilities (`LABELS` order) per pair, run shortest first."""
        encoded = encode_pairs(self._tokenizer, claims, passages)
        out = np.zeros((len(encoded), CLASSES), dtype=np.float32)
        order = np.argsort([len(e.ids) for e in encoded], kind="stable")
        for start in range(0, len(order), self._batch_size):
            rows = order[start : start + self._batch_size]
            out[rows] = self._batch([encoded[i] for i in rows])
        return out

    def _batch(self, encoded: list[Encoding]) -> np.ndarray:
        width = max(1, *(len(e.ids) for e in encoded))
        shape = (len(encoded), width)
        tokens, types, mask = (np.zeros(shape, dtype=np.int64) for _ in range(3))
        for row, e in enumerate(encoded):
            tokens[row, : len(e.ids)] = e.ids
            types[row, : len(e.ids)] = e.type_ids
            mask[row, : len(e.ids)] = 1
        mask[:, 0] = 1
        (logits,) = self._session.run(
            None, {"input_ids": tokens, "attention_mask": mask, "token_type_ids": types}
        )
        logits = np.asarray(logits, dtype=np.float64)
        shifted = logits - logits.max(axis=1, keepdims=True)
        return np.asarray(shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True)))


def load(path: Path = CROSS_PATH, max_tokens: int = MAX_PAIR_TOKENS) -> CrossEncoder | None:
    """The committed cross-encoder, or None when it cannot run here."""
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        return None
    tokenizer = pair_tokenizer(max_tokens)
    if tokenizer is None or not path.is_file():
        _LOGGER.info("stance cross-encoder unavailable (model package or graph missing)")
        return None
    return CrossEncoder(path, tokenizer)
