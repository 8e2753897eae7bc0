"""Check-worthiness of sentences, and who a claim is attributed to.

Check-worthiness stacks two heads trained on ClaimBuster
(`python -m services.matcher.training.claims`): a calibrated linear model over word and
character n-grams, and the bottom three layers of all-MiniLM-L6-v2 fine-tuned for the task
(run by ONNX Runtime, `embeddings.py`). A logistic regression over their logits and its decision
threshold, fitted on debates neither head saw, make the small stack artifact
(`checkworthy.stack.json`) next to the heads' (`checkworthy.joblib`).

Attribution ("Peskov said", "according to Reuters") is rule-based: the speaker and the
credited outlet are cheap to read off the sentence and the scorer needs them to tell an
article's own claims from the claims it reports.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import joblib
import numpy as np

from services.matcher import embeddings
from services.matcher.lexical_head import compiled_head
from services.matcher.outlets import OUTLET_ALIASES, canonical_outlet

MODEL_PATH = Path(__file__).resolve().parent / "models" / "checkworthy.joblib"
ENCODER = "checkworthy"
"""The fine-tuned encoder (`models/checkworthy.onnx`) the artifact's head reads."""

_DIGITS = re.compile(r"\d")
_CLIP = 1e-6


def normalise(text: str) -> str:
    """Lower-cases and maps every digit to 0, so that figures generalise."""
    return _DIGITS.sub("0", text.lower())


def logit(proba: np.ndarray) -> np.ndarray:
    """log(p / (1 - p)), with p kept off 0 and 1."""
    clipped = np.clip(np.asarray(proba, dtype=np.float64), _CLIP, 1 - _CLIP)
    return np.asarray(np.log(clipped / (1 - clipped)), dtype=np.float64)


def stack_path(heads: Path) -> Path:
    """Where the stack fitted on the heads at `heads` is saved (`<name>.stack.json`)."""
    return heads.with_suffix(".stack.json")


def file_digest(path: Path) -> str:
    """SHA-256 of a file, hex: what ties a stack to the heads it was fitted on."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass(frozen=True)
class Stack:
    """A logistic regression over the two heads' logits, and its decision threshold (for F1
    of the check-worthy class at equal class priors). `heads_sha256`: the digest of the
    heads' artifact it was fitted on. `encode_from`: the lexical probability below which a
    sentence is not worth encoding (it scores 0): half the lowest lexical probability of a
    tuning sentence the stack accepts, so the encoder runs only where it can matter."""

    lexical_weight: float
    dense_weight: float
    bias: float
    threshold: float
    heads_sha256: str
    fitted_on: str = ""
    encode_from: float = 0.0

    def scores(self, lexical: np.ndarray, dense: np.ndarray) -> np.ndarray:
        """P(check-worthy) from the lexical and the MiniLM heads' probabilities."""
        z = self.bias + self.lexical_weight * logit(lexical) + self.dense_weight * logit(dense)
        return np.asarray(1 / (1 + np.exp(-z)), dtype=np.float64)

    def write(self, path: Path) -> None:
        """Saves the stack as JSON."""
        path.write_text(json.dumps(asdict(self), indent=1) + "\n", encoding="utf-8")

    @classmethod
    def read(cls, path: Path, heads: Path) -> Stack:
        """The stack saved at `path`; ValueError when it is malformed or was fitted on other
        heads than the artifact at `heads`."""
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            stack = cls(
                lexical_weight=float(raw["lexical_weight"]),
                dense_weight=float(raw["dense_weight"]),
                bias=float(raw["bias"]),
                threshold=float(raw["threshold"]),
                heads_sha256=str(raw["heads_sha256"]),
                fitted_on=str(raw.get("fitted_on", "")),
                encode_from=float(raw.get("encode_from", 0.0)),
            )
        except (ValueError, KeyError, TypeError) as error:
            raise ValueError(f"{path}: not a check-worthiness stack ({error!r})") from error
        if stack.heads_sha256 != file_digest(heads):
            raise ValueError(
                f"{path} was fitted on other heads than {heads.name}; "
                "run `make train-claims` to refit both"
            )
        return stack


class CheckWorthinessModel:
    """The trained heads and thresholds. With the fine-tuned MiniLM encoder available the
    lexical head and the MiniLM head are stacked (or, without a stack, mixed by the
    artifact's weight); otherwise the lexical head alone is used with its own threshold."""

    def __init__(
        self,
        pipeline: Any,
        threshold: float,
        finetuned: dict[str, np.ndarray] | None = None,
        embedding_weight: float = 0.5,
        lexical_threshold: float | None = None,
        *,
        encoder: embeddings.Encoder | None = None,
        stack: Stack | None = None,
    ) -> None:
        """`finetuned`: the artifact's fine-tuned weights (the head's among them);
        `encoder`: the fine-tuned encoder they belong to (None: lexical head alone);
        `stack`: how to combine the two heads (None: mixed by `embedding_weight`)."""
        self.pipeline = pipeline
        self._head = compiled_head(pipeline)
        self.finetuned = finetuned
        self.embedding_weight = embedding_weight
        self.encoder = encoder if finetuned is not None else None
        use_both = self.encoder is not None
        self.stack = stack if use_both else None
        if self.stack is not None:
            threshold = self.stack.threshold
        self.threshold = threshold if use_both else (lexical_threshold or threshold)

    @classmethod
    def from_bundle(
        cls,
        bundle: dict[str, Any],
        encoder: embeddings.Encoder | None = None,
        stack: Stack | None = None,
    ) -> CheckWorthinessModel:
        """The model from the artifact's dict, with `encoder` or the committed one."""
        finetuned = bundle.get("finetuned")
        if encoder is None and finetuned is not None:
            encoder = embeddings.encoder(ENCODER)
        return cls(
            bundle["pipeline"],
            float(bundle["threshold"]),
            finetuned,
            float(bundle.get("embedding_weight", 0.5)),
            bundle.get("lexical_threshold"),
            encoder=encoder,
            stack=stack,
        )

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> CheckWorthinessModel:
        """Loads the artifacts written by `training.claims`: the heads at `path` and the
        stack beside them (`<name>.stack.json`) when there is one."""
        saved = stack_path(path)
        stack = Stack.read(saved, path) if saved.is_file() else None
        return cls.from_bundle(joblib.load(path), stack=stack)

    def lexical_scores(self, sentences: Sequence[str]) -> np.ndarray:
        """The n-gram head's probabilities alone."""
        if self._head is not None:
            return self._head.positive_proba(sentences)
        proba = self.pipeline.predict_proba(list(sentences))
        return np.asarray(proba[:, 1], dtype=np.float64)

    def dense_scores(
        self, sentences: Sequence[str], vectors: np.ndarray | None = None
    ) -> np.ndarray | None:
        """The fine-tuned MiniLM head's probabilities, or None without the model;
        `vectors`: the sentences already encoded by `self.encoder`."""
        if self.encoder is None or self.finetuned is None:
            return None
        if vectors is None:
            vectors = self.encoder.encode(sentences)
        return head_probabilities(vectors, self.finetuned)

    def worth_encoding(self, lexical: np.ndarray) -> np.ndarray:
        """Which sentences, by their lexical probabilities, go to the encoder: with a stack,
        those at or above its `encode_from`; the others cannot be check-worthy and score 0."""
        cutoff = self.stack.encode_from if self.stack is not None else 0.0
        return np.asarray(lexical >= cutoff)

    def scores(
        self,
        sentences: Sequence[str],
        encode: Callable[[Sequence[int]], np.ndarray] | None = None,
    ) -> np.ndarray:
        """The probability that each sentence is a check-worthy factual claim. `encode`
        gives `self.encoder`'s vectors of the sentences at the given positions (default:
        encodes them here)."""
        if not sentences:
            return np.zeros(0)
        lexical = self.lexical_scores(sentences)
        if self.encoder is None or self.finetuned is None:
            return lexical
        if self.stack is None and self.embedding_weight <= 0:
            return lexical
        rows: list[int] = np.flatnonzero(self.worth_encoding(lexical)).tolist()
        out = np.zeros(len(sentences), dtype=np.float64)
        if not rows:
            return out
        if encode is None:
            vectors = self.encoder.encode([sentences[r] for r in rows])
        else:
            vectors = encode(rows)
        dense = head_probabilities(vectors, self.finetuned)
        out[rows] = self.combine(lexical[rows], dense)
        return out

    def combine(self, lexical: np.ndarray, dense: np.ndarray) -> np.ndarray:
        """Both heads' probabilities made one: the stack, else the artifact's fixed mix."""
        if self.stack is not None:
            return self.stack.scores(lexical, dense)
        if self.embedding_weight >= 1:  # the lexical head is only the fallback then
            return dense
        return (1 - self.embedding_weight) * lexical + self.embedding_weight * dense

    def labels(self, sentences: Sequence[str]) -> list[int]:
        """1 for check-worthy, 0 otherwise."""
        return [int(s >= self.threshold) for s in self.scores(sentences)]


_OUTLET_NAMES = sorted(OUTLET_ALIASES, key=len, reverse=True)
_OUTLET_RE = re.compile(
    r"\b(?:according to|reported by|told|(?:\(|\bsee\s+))\s*(?P<outlet>"
    + "|".join(re.escape(n) for n in _OUTLET_NAMES)
    + r")\b",
    re.IGNORECASE,
)
_OUTLET_ANY = re.compile(
    r"\b(?P<outlet>" + "|".join(re.escape(n) for n in _OUTLET_NAMES if len(n) > 3) + r"|AP|NYT)\b"
)
_NAME = r"(?:[A-Z][a-z'’\-]+|[A-Z]\.)(?:\s+(?:[A-Z][a-z'’\-]+|[A-Z]\.))*"
_SAID_AFTER = re.compile(
    r"(?P<name>" + _NAME + r")\s+(?:said|says|stated|told|claimed|declared|added|"
    r"wrote|announced|retorted|insisted|denied|argued)\b"
)
_SAID_BEFORE = re.compile(
    r"\b(?:said|says|stated|declared|retorted|added)\s+(?P<name>" + _NAME + r")\b"
)
_NOT_SPEAKERS = frozenset({"The", "He", "She", "It", "They", "We", "This", "That", "There"})


@dataclass(frozen=True)
class Attribution:
    """Who a sentence credits: a person and/or an outlet (empty when none)."""

    speaker: str = ""
    outlet: str = ""


def attribution(sentence: str) -> Attribution:
    """Reads the speaker ("Peskov said") and credited outlet ("according to Reuters")."""
    outlet = ""
    match = _OUTLET_RE.search(sentence) or _OUTLET_ANY.search(sentence)
    if match:
        outlet = canonical_outlet(match.group("outlet"))
    speaker = ""
    for pattern in (_SAID_AFTER, _SAID_BEFORE):
        found = pattern.search(sentence)
        if found and found.group("name").split()[0] not in _NOT_SPEAKERS:
            speaker = found.group("name")
            break
    if speaker and canonical_outlet(speaker) == outlet:
        speaker = ""
    return Attribution(speaker=speaker, outlet=outlet)


HEAD_WEIGHT = "classifier.weight"
HEAD_BIAS = "classifier.bias"


def head_probabilities(vectors: np.ndarray, weights: dict[str, np.ndarray]) -> np.ndarray:
    """P(class 1) from the exported head over unit-length vectors."""
    logits = vectors @ weights[HEAD_WEIGHT].astype(np.float32).T + weights[HEAD_BIAS].astype(
        np.float32
    )
    logits -= logits.max(axis=1, keepdims=True)
    exp = np.exp(logits)
    return np.asarray(exp[:, 1] / exp.sum(axis=1), dtype=np.float64)
