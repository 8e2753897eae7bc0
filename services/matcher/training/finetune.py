"""Fine-tuning the top layers of the packaged all-MiniLM-L6-v2, for sentence classification
(check-worthiness) or as a bi-encoder (claim retrieval). Training time only: `pip install
-e '.[train]'` brings PyTorch, and serving never imports it.

The model is all-MiniLM-L6-v2's forward pass (mean pooling, unit length), or that of its
bottom `depth` layers (a shallower encoder costs proportionally less to serve): the lower
layers stay frozen, the top `layers` are trained (with a linear head on the pooled vector,
for a classifier), and the result is a dict of numpy arrays under the safetensors names. Only the
changed layers are stored, in float16, which keeps an artifact small enough to commit;
`export_onnx.py` loads them over the packaged weights (`Model.load`) and exports the same
network to the ONNX graph that serving runs.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from services.matcher.claims import HEAD_BIAS, HEAD_WEIGHT
from services.matcher.embeddings import MAX_TOKENS
from services.matcher.encoder_weights import read_safetensors

_LOGGER = logging.getLogger(__name__)
HIDDEN = 384
HEADS = 12
LAYERS = 6
# Cosines times this are the logits of the bi-encoder's loss (sentence-transformers' 20).
SIMILARITY_SCALE = 20.0


@dataclass(frozen=True)
class Recipe:
    """How to fine-tune: encoder depth (MiniLM's bottom `depth` layers are kept), trained
    layers (the top ones of those), epochs, batch size, learning rates, seed."""

    layers: int = 3
    epochs: int = 3
    batch: int = 32
    encoder_lr: float = 4e-5
    head_lr: float = 1e-3
    seed: int = 13
    depth: int = LAYERS


def fine_tune(
    folder: Path, texts: Sequence[str], labels: Sequence[int], recipe: Recipe
) -> dict[str, np.ndarray]:
    """Trains the top layers and a two-class head; returns their weights (float16, numpy
    layout of the safetensors file, head as `classifier.*`)."""
    import torch
    from torch.nn import functional

    model = _new_model(folder, recipe.layers, recipe.seed, recipe.depth)
    ids = _token_ids(folder, texts)
    targets = torch.tensor(list(labels), dtype=torch.long)

    def loss(rows: np.ndarray) -> Any:
        tokens, mask = _pad([ids[i] for i in rows])
        return functional.cross_entropy(model(tokens, mask), targets[rows])

    _fit(model, recipe, len(ids), loss)
    return model.export()


def fine_tune_pairs(
    folder: Path,
    queries: Sequence[str],
    documents: Sequence[str],
    pairs: Sequence[tuple[int, int, int]],
    recipe: Recipe,
) -> dict[str, np.ndarray]:
    """Trains the top layers as a bi-encoder on (query, relevant document, hard negative)
    index triples: each query must score its document above the batch's other documents
    and every hard negative (cross-entropy over scaled cosines). Returns the layers'
    weights (float16, numpy layout of the safetensors file)."""
    import torch
    from torch.nn import functional

    model = _new_model(folder, recipe.layers, recipe.seed, recipe.depth)
    query_ids = _token_ids(folder, queries)
    document_ids = _token_ids(folder, documents)

    def loss(rows: np.ndarray) -> Any:
        tokens, mask = _pad([query_ids[pairs[i][0]] for i in rows])
        docs = [pairs[i][1] for i in rows] + [pairs[i][2] for i in rows]
        doc_tokens, doc_mask = _pad([document_ids[d] for d in docs])
        scores = SIMILARITY_SCALE * model.embed(tokens, mask) @ model.embed(doc_tokens, doc_mask).T
        return functional.cross_entropy(scores, torch.arange(len(rows)))

    _fit(model, recipe, len(pairs), loss)
    return model.export(with_head=False)


def _fit(model: Any, recipe: Recipe, count: int, loss: Callable[[np.ndarray], Any]) -> None:
    """AdamW with a one-cycle schedule over `recipe.epochs` shuffled passes of `count`
    examples; `loss` gives a batch's loss from its example indices."""
    import torch

    head = list(model.head.parameters())
    body = [p for p in model.parameters() if p.requires_grad and all(p is not h for h in head)]
    optimiser = torch.optim.AdamW(
        [{"params": body, "lr": recipe.encoder_lr}, {"params": head, "lr": recipe.head_lr}],
        weight_decay=0.01,
    )
    steps = recipe.epochs * math.ceil(count / recipe.batch)
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimiser, max_lr=[recipe.encoder_lr, recipe.head_lr], total_steps=steps, pct_start=0.1
    )
    rng = np.random.default_rng(recipe.seed)
    start = time.perf_counter()
    for epoch in range(recipe.epochs):
        order = rng.permutation(count)
        for begin in range(0, count, recipe.batch):
            value = loss(order[begin : begin + recipe.batch])
            optimiser.zero_grad()
            value.backward()
            optimiser.step()
            schedule.step()
        _LOGGER.info("epoch %d done after %.0fs", epoch + 1, time.perf_counter() - start)


def _token_ids(folder: Path, texts: Sequence[str]) -> list[list[int]]:
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.enable_truncation(MAX_TOKENS)
    return [e.ids for e in tokenizer.encode_batch(list(texts))]


def _pad(ids: list[list[int]]) -> tuple[Any, Any]:
    import torch

    width = max(len(i) for i in ids)
    tokens = torch.zeros(len(ids), width, dtype=torch.long)
    mask = torch.zeros(len(ids), width)
    for row, seq in enumerate(ids):
        tokens[row, : len(seq)] = torch.tensor(seq)
        mask[row, : len(seq)] = 1.0
    return tokens, mask


def _model_class() -> Any:
    """The torch module, defined on first use so that importing this file needs no torch."""
    import torch
    from torch import nn
    from torch.nn import functional

    class Layer(nn.Module):
        def __init__(self, weights: dict[str, Any], prefix: str) -> None:
            super().__init__()
            self.prefix = prefix
            self.names = [
                "attention.self.query",
                "attention.self.key",
                "attention.self.value",
                "attention.output.dense",
                "intermediate.dense",
                "output.dense",
            ]
            self.dense = nn.ModuleDict()
            for name in self.names:
                weight = weights[f"{prefix}{name}.weight"]
                linear = nn.Linear(weight.shape[1], weight.shape[0])
                linear.weight.data = weight.clone()
                linear.bias.data = weights[f"{prefix}{name}.bias"].clone()
                self.dense[name.replace(".", "_")] = linear
            self.norms = nn.ModuleDict()
            for name in ("attention.output.LayerNorm", "output.LayerNorm"):
                norm = nn.LayerNorm(HIDDEN, eps=1e-12)
                norm.weight.data = weights[f"{prefix}{name}.weight"].clone()
                norm.bias.data = weights[f"{prefix}{name}.bias"].clone()
                self.norms[name.replace(".", "_")] = norm

        def forward(self, x: Any, bias: Any) -> Any:
            batch, width, _ = x.shape
            d = self.dense

            def split(t: Any) -> Any:
                return t.view(batch, width, HEADS, HIDDEN // HEADS).transpose(1, 2)

            q = split(d["attention_self_query"](x))
            k = split(d["attention_self_key"](x))
            v = split(d["attention_self_value"](x))
            scores = q @ k.transpose(-1, -2) / math.sqrt(HIDDEN // HEADS) + bias
            context = (scores.softmax(-1) @ v).transpose(1, 2).reshape(batch, width, HIDDEN)
            x = self.norms["attention_output_LayerNorm"](x + d["attention_output_dense"](context))
            inner = functional.gelu(d["intermediate_dense"](x))
            return self.norms["output_LayerNorm"](x + d["output_dense"](inner))

        def export(self) -> dict[str, np.ndarray]:
            out: dict[str, np.ndarray] = {}
            for name in self.names:
                linear = self.dense[name.replace(".", "_")]
                out[f"{self.prefix}{name}.weight"] = linear.weight.detach().numpy()
                out[f"{self.prefix}{name}.bias"] = linear.bias.detach().numpy()
            for name in ("attention.output.LayerNorm", "output.LayerNorm"):
                norm = self.norms[name.replace(".", "_")]
                out[f"{self.prefix}{name}.weight"] = norm.weight.detach().numpy()
                out[f"{self.prefix}{name}.bias"] = norm.bias.detach().numpy()
            return out

    class Model(nn.Module):
        def __init__(self, folder: Path, trained: int, depth: int = LAYERS) -> None:
            super().__init__()
            arrays = read_safetensors(folder / "model.safetensors")
            weights = {name: torch.from_numpy(array) for name, array in arrays.items()}
            self.embeddings = {k: v for k, v in weights.items() if k.startswith("embeddings.")}
            for name, tensor in self.embeddings.items():  # module state: ONNX initializers
                self.register_buffer(name.replace(".", "_"), tensor)
            if not 0 <= trained <= depth <= LAYERS:
                raise ValueError(f"{trained} trained layers of {depth} (at most {LAYERS})")
            self.first_trained = depth - trained
            self.layers = nn.ModuleList(Layer(weights, f"encoder.layer.{i}.") for i in range(depth))
            for index, layer in enumerate(self.layers):
                layer.requires_grad_(index >= self.first_trained)
            self.head = nn.Linear(HIDDEN, 2)

        def forward(self, tokens: Any, mask: Any) -> Any:
            return self.head(self.embed(tokens, mask))

        def embed(self, tokens: Any, mask: Any) -> Any:
            e = self.embeddings
            x = (
                e["embeddings.word_embeddings.weight"][tokens]
                + e["embeddings.position_embeddings.weight"][: tokens.shape[1]][None]
                + e["embeddings.token_type_embeddings.weight"][0]
            )
            norm = (e["embeddings.LayerNorm.weight"], e["embeddings.LayerNorm.bias"])
            x = functional.layer_norm(x, (HIDDEN,), *norm, 1e-12)
            bias = (1.0 - mask)[:, None, None, :] * -1e9
            with torch.no_grad():
                for layer in self.layers[: self.first_trained]:
                    x = layer(x, bias)
            for layer in self.layers[self.first_trained :]:
                x = layer(x, bias)
            pooled = (x * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)
            return functional.normalize(pooled, dim=-1)

        def load(self, weights: dict[str, np.ndarray]) -> None:
            """Overwrites the layers (and head) named in `weights`, as `export` wrote them."""
            state = {}
            for name, array in weights.items():
                tensor = torch.from_numpy(np.asarray(array, dtype=np.float32))
                if name in (HEAD_WEIGHT, HEAD_BIAS):
                    state["head." + name.split(".")[-1]] = tensor
                    continue
                index, rest = name.removeprefix("encoder.layer.").split(".", 1)
                module, _, kind = rest.rpartition(".")
                group = "norms" if module.endswith("LayerNorm") else "dense"
                key = module.replace(".", "_")
                state[f"layers.{index}.{group}.{key}.{kind}"] = tensor
            unknown = self.load_state_dict(state, strict=False).unexpected_keys
            if unknown:
                raise ValueError(f"weights for no layer of the model: {unknown[:3]}")

        def export(self, with_head: bool = True) -> dict[str, np.ndarray]:
            out: dict[str, np.ndarray] = {}
            for layer in self.layers[self.first_trained :]:
                out.update(layer.export())
            if with_head:
                out[HEAD_WEIGHT] = self.head.weight.detach().numpy()
                out[HEAD_BIAS] = self.head.bias.detach().numpy()
            return {name: array.astype(np.float16) for name, array in out.items()}

    return Model


def _new_model(folder: Path, trained: int, seed: int = 0, depth: int = LAYERS) -> Any:
    import torch

    torch.manual_seed(seed)
    return _model_class()(folder, trained, depth)
