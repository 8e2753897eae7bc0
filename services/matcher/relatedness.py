"""Whether a wire story is about the same matter as a claim, as a calibrated probability.

Topical overlap is not sameness: a 1987 story about a ferry disaster shares words with a
2024 bridge collapse, and an oil-depot drone strike shares "drone attack" with the Kremlin
incident of the same week. The matcher therefore counts a story as evidence only when this
model judges it related. It is a logistic regression over a few cheap, robust features of
the (claim, story) pair: the cosine of their MiniLM sentence embeddings, how many of the
claim's key entities the story mentions, and the plain and idf-weighted share of the
claim's content words found in the story. It is trained on claim-versus-story pairs
(CheckThat! 2020 tweets against fact-checked claims, FNC-1 headlines against article
leads) by `make train-relatedness`, which chooses the decision threshold for high
precision on held-out pairs.

Serving needs numpy only: the coefficients, feature means and scales, the threshold and a
small idf table live in `models/relatedness.json`. Two coefficient sets are stored: one
with the embedding cosine and one without, used when the packaged MiniLM is not installed.
Stories are best given as title plus lead (`story_text`), the form the model was trained
on.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from services.matcher import embeddings
from services.matcher.entities import entities, mentioned, words_of
from services.matcher.textutil import content_tokens, quick_sentences

MODEL_PATH = Path(__file__).resolve().parent / "models" / "relatedness.json"

LEXICAL_FEATURES = (
    "entity_share",
    "entities_shared",
    "claim_without_entities",
    "word_share",
    "idf_share",
    "story_word_share",
)
"""The features that need no sentence encoder, in the order of every feature row."""
FEATURES = ("cosine", *LEXICAL_FEATURES)
"""All features: the embedding cosine first, then the lexical ones."""

LEAD_SENTENCES = 2
_MAX_SHARED = 5  # more shared entities than this adds nothing


@dataclass(frozen=True)
class Relatedness:
    """The model's judgement of one (claim, story) pair."""

    probability: float  # calibrated P(same matter)
    shared_entities: frozenset[str]
    related: bool  # probability >= model threshold


@dataclass(frozen=True)
class Coefficients:
    """One logistic regression over standardised features, and its decision threshold."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    threshold: float

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Coefficients:
        """The coefficient set as stored in the model JSON."""
        features = tuple(raw["features"])
        mean, scale, coef = (
            np.asarray(raw[k], dtype=np.float64) for k in ("mean", "scale", "coef")
        )
        if any(a.shape != (len(features),) for a in (mean, scale, coef)):
            raise ValueError("relatedness model: mean, scale and coef must match the features")
        return cls(features, mean, scale, coef, float(raw["intercept"]), float(raw["threshold"]))

    def to_json(self) -> dict[str, Any]:
        """The stored form (plain lists, rounded for a readable diff)."""
        return {
            "features": list(self.features),
            "mean": [round(float(v), 6) for v in self.mean],
            "scale": [round(float(v), 6) for v in self.scale],
            "coef": [round(float(v), 6) for v in self.coef],
            "intercept": round(self.intercept, 6),
            "threshold": round(self.threshold, 4),
        }

    def probabilities(self, rows: np.ndarray) -> np.ndarray:
        """P(related) for feature rows whose columns are `self.features`."""
        z = ((rows - self.mean) / self.scale) @ self.coef + self.intercept
        return np.asarray(1.0 / (1.0 + np.exp(-z)))


@dataclass(frozen=True)
class IdfTable:
    """Inverse document frequencies of common words; any other word is rare (`default`)."""

    words: dict[str, float]
    default: float

    def __call__(self, word: str) -> float:
        return self.words.get(word, self.default)

    @classmethod
    def fit(cls, documents: Sequence[str], keep: int = 4000) -> IdfTable:
        """The idf of the `keep` most frequent content words of `documents`."""
        counts: dict[str, int] = {}
        for doc in documents:
            for word in set(content_tokens(doc)):
                counts[word] = counts.get(word, 0) + 1
        n = len(documents)
        common = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:keep]
        words = {w: round(math.log((n + 1) / (df + 1)) + 1.0, 3) for w, df in common}
        return cls(words, round(math.log(n + 1) + 1.0, 3))


@dataclass(frozen=True)
class ClaimSide:
    """What the features need of a claim, computed once per claim."""

    entities: frozenset[str]
    words: frozenset[str]
    idf_total: float


def story_text(title: str, body: str, sentences: int = LEAD_SENTENCES) -> str:
    """A story as the model reads it: the title and the first sentences of the body."""
    lead = " ".join(quick_sentences(body[:2000])[:sentences])
    return f"{title.strip()}. {lead}".strip(". ") if title.strip() else lead


def claim_side(claim: str, idf: IdfTable) -> ClaimSide:
    """The claim's entities and content words."""
    words = frozenset(content_tokens(claim))
    return ClaimSide(frozenset(entities(claim)), words, sum(idf(w) for w in words))


@dataclass(frozen=True)
class StorySide:
    """What the features need of a story, computed once per story."""

    words: frozenset[str]  # every normalised word, for entity mentions
    content: frozenset[str]


def story_side(story: str) -> StorySide:
    """The story's words and content words."""
    return StorySide(words_of(story), frozenset(content_tokens(story)))


def lexical_row(
    claim: ClaimSide, story: StorySide, idf: IdfTable
) -> tuple[list[float], frozenset[str]]:
    """The lexical features of one pair (in `LEXICAL_FEATURES` order) and the shared
    entities."""
    shared = frozenset(mentioned(set(claim.entities), story.words))
    story_words = story.content
    common = claim.words & story_words
    row = [
        len(shared) / len(claim.entities) if claim.entities else 0.0,
        float(min(len(shared), _MAX_SHARED)),
        0.0 if claim.entities else 1.0,
        len(common) / len(claim.words) if claim.words else 0.0,
        sum(idf(w) for w in common) / claim.idf_total if claim.idf_total else 0.0,
        len(common) / len(story_words) if story_words else 0.0,
    ]
    return row, shared


class RelatednessModel:
    """The stored relatedness model. With the packaged MiniLM (or precomputed vectors) the
    coefficient set with the embedding cosine is used, otherwise the lexical one; each
    has its own threshold."""

    def __init__(
        self,
        with_embeddings: Coefficients,
        lexical: Coefficients,
        idf: IdfTable,
        use_encoder: bool = True,
    ) -> None:
        self.with_embeddings = with_embeddings
        self.lexical = lexical
        self.idf = idf
        self.encoder = embeddings.encoder() if use_encoder else None

    @property
    def threshold(self) -> float:
        """The threshold of the coefficient set used when no vectors are given."""
        return (self.with_embeddings if self.encoder else self.lexical).threshold

    @classmethod
    def from_json(cls, raw: dict[str, Any], use_encoder: bool = True) -> RelatednessModel:
        """The model from the stored JSON object."""
        try:
            idf = IdfTable(
                {str(k): float(v) for k, v in raw["idf"]["words"].items()},
                float(raw["idf"]["default"]),
            )
            return cls(
                Coefficients.from_json(raw["with_embeddings"]),
                Coefficients.from_json(raw["lexical"]),
                idf,
                use_encoder,
            )
        except (KeyError, TypeError) as exc:
            raise ValueError(f"relatedness model: missing or malformed field {exc}") from exc

    @classmethod
    def load(cls, path: Path = MODEL_PATH, use_encoder: bool = True) -> RelatednessModel:
        """Loads the model written by `make train-relatedness`; `use_encoder=False` judges
        with the lexical coefficients unless vectors are passed in."""
        return cls.from_json(json.loads(path.read_text(encoding="utf-8")), use_encoder)

    def to_json(self) -> dict[str, Any]:
        """The stored form."""
        return {
            "with_embeddings": self.with_embeddings.to_json(),
            "lexical": self.lexical.to_json(),
            "idf": {"default": self.idf.default, "words": self.idf.words},
        }

    def features(
        self,
        claim: ClaimSide,
        stories: Sequence[StorySide],
        cosines: np.ndarray | None,
    ) -> tuple[np.ndarray, list[frozenset[str]]]:
        """Feature rows (`FEATURES` order with cosines, else `LEXICAL_FEATURES`) and the
        entities each story shares with the claim."""
        rows, shared = [], []
        for story in stories:
            row, common = lexical_row(claim, story, self.idf)
            rows.append(row)
            shared.append(common)
        matrix = np.asarray(rows, dtype=np.float64).reshape(len(stories), len(LEXICAL_FEATURES))
        if cosines is not None:
            matrix = np.hstack([np.asarray(cosines, dtype=np.float64)[:, None], matrix])
        return matrix, shared

    def judge(
        self,
        claim: str,
        stories: Sequence[str],
        *,
        claim_vector: np.ndarray | None = None,
        story_vectors: np.ndarray | None = None,
    ) -> list[Relatedness]:
        """Whether each story is about the same matter as the claim. Vectors, when given,
        are the unit MiniLM embeddings of the claim and of the stories (in order)."""
        if not stories:
            return []
        cosines = self._cosines(claim, stories, claim_vector, story_vectors)
        sides = [story_side(story) for story in stories]
        rows, shared = self.features(claim_side(claim, self.idf), sides, cosines)
        coefficients = self.lexical if cosines is None else self.with_embeddings
        probabilities = coefficients.probabilities(rows)
        return [
            Relatedness(float(p), common, bool(p >= coefficients.threshold))
            for p, common in zip(probabilities, shared, strict=True)
        ]

    def _cosines(
        self,
        claim: str,
        stories: Sequence[str],
        claim_vector: np.ndarray | None,
        story_vectors: np.ndarray | None,
    ) -> np.ndarray | None:
        if story_vectors is not None and len(story_vectors) != len(stories):
            raise ValueError(
                f"story_vectors has {len(story_vectors)} rows for {len(stories)} stories"
            )
        if claim_vector is None and self.encoder is not None:
            claim_vector = self.encoder.encode([claim])[0]
        if story_vectors is None and self.encoder is not None:
            story_vectors = self.encoder.encode(list(stories))
        if claim_vector is None or story_vectors is None:
            return None
        return np.asarray(story_vectors, dtype=np.float64) @ np.asarray(
            claim_vector, dtype=np.float64
        )
