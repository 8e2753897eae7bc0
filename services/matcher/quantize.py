"""int8 encoders, built at install time from the float32 graphs where that kept held-out
quality (`INT8`).

The committed float32 graph (`models/<name>.onnx`, its weights written by `make install`)
is constant-folded by ONNX Runtime's basic optimizations, so every MatMul reads its weight
directly, then every MatMul is quantized dynamically (int8 weights, one scale per output
channel; activations quantized per batch at run time) with `onnxruntime.quantization`. The
result, `models/<name>.int8.onnx` (not committed: rebuilt from the float32 graph), is what
serving and training's measurements run. Activations share one scale per call, so int8
graphs run one text per call (`embeddings.QUANTIZED_BATCH`): in batches of 16 a sentence's
check-worthiness moved by up to 0.26 with its batch mates.

Measured on the check-worthiness validation debates (ClaimBuster, whole debates held out:
`training/debate_split.py`, 1,626 sentences), the served stack with float32 → int8 (batches
of 16, every sentence encoded): F1 of the check-worthy class 0.8319 → 0.8315, at equal
priors 0.9016 → 0.9007, macro 0.8824 → 0.8822; CPU per article's candidates about halved
(318 → 157 ms). As served now (int8 one sentence per call, and only the sentences past the
stack's lexical cut encoded, 67 % of them): 0.8342, at equal priors 0.9018, macro 0.8843.
The encoder now keeps three of MiniLM's six layers (`training/claims.RECIPE`); its int8 and
float32 graphs give the same labels on those debates (0.8294, at equal priors 0.8990).
The retrieval encoder stays float32: its figures (`credence eval retrieve`) must not move.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
from pathlib import Path

_LOGGER = logging.getLogger(__name__)

INT8 = frozenset({"checkworthy"})
"""The encoders served int8."""


def int8_path(graph: Path) -> Path:
    """Where the int8 graph of the float32 graph at `graph` is written."""
    return graph.with_name(f"{graph.stem}.int8.onnx")


def _stamp_path(graph: Path) -> Path:
    return graph.with_name(f"{graph.stem}.int8.source")


def _source_digest(graph: Path) -> str:
    """What the int8 graph is built from: the float32 graph and its external weights."""
    digest = hashlib.sha256(graph.read_bytes())
    weights = graph.with_suffix(".weights")
    if weights.is_file():
        digest.update(weights.read_bytes())
    return digest.hexdigest()


def quantize(source: Path, out: Path) -> None:
    """Writes the int8 graph of the float32 graph at `source` (external weights beside it)."""
    import onnxruntime
    from onnxruntime.quantization import QuantType, quantize_dynamic

    with tempfile.TemporaryDirectory() as tmp:
        folded = Path(tmp) / "folded.onnx"
        options = onnxruntime.SessionOptions()
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_BASIC
        options.optimized_model_filepath = str(folded)
        options.add_session_config_entry(
            "session.optimized_model_external_initializers_file_name", "folded.weights"
        )
        options.intra_op_num_threads = 1
        onnxruntime.InferenceSession(str(source), options, providers=["CPUExecutionProvider"])
        quantize_dynamic(
            folded,
            out,
            per_channel=True,
            weight_type=QuantType.QInt8,
            op_types_to_quantize=["MatMul"],
        )


def write(graph: Path) -> bool:
    """Writes the int8 graph of the float32 graph at `graph` when missing or built from
    another; True when written."""
    source = _source_digest(graph)
    if current(graph, source) is not None:
        return False
    quantize(graph, int8_path(graph))
    _stamp_path(graph).write_text(source + "\n")
    return True


def current(graph: Path, source: str | None = None) -> Path | None:
    """The int8 graph of the float32 graph at `graph`, when built from it as it is now."""
    stamp = _stamp_path(graph)
    if not int8_path(graph).is_file() or not stamp.is_file():
        return None
    source = source or _source_digest(graph)
    return int8_path(graph) if stamp.read_text().strip() == source else None
