"""A small text classifier that ships as one `.npz` file: hashed word and character n-grams
(no vocabulary to store) and a logistic model's coefficients. Loading takes milliseconds and
scoring a sentence takes microseconds, so a report can read every sentence of an article.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import numpy.typing as npt
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.preprocessing import normalize

WORD_BITS = 17
CHAR_BITS = 17
_NUMBER = re.compile(r"\d+")
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})

Floats = npt.NDArray[np.float64]


def normalise(text: str) -> str:
    """Lower case, ASCII quotes, accents dropped, digits folded, final punctuation gone:
    what the training sets betray through casing and punctuation is not learnt."""
    text = unicodedata.normalize("NFKD", text.translate(_QUOTES))
    text = text.encode("ascii", "ignore").decode("ascii").lower()
    return _NUMBER.sub("0", " ".join(text.split())).rstrip(" .?!")


@dataclass(frozen=True)
class HashedModel:
    """Hashed n-gram features and a logistic model over them (one row of coefficients per
    class when there are more than two classes)."""

    coef: Floats
    intercept: Floats
    classes: tuple[str, ...]
    word_ngrams: int = 2
    char_ngrams: tuple[int, int] = (2, 5)

    @cached_property
    def _word(self) -> HashingVectorizer:
        return HashingVectorizer(
            n_features=2**WORD_BITS,
            ngram_range=(1, self.word_ngrams),
            alternate_sign=False,
            norm=None,
            lowercase=False,
            token_pattern=r"(?u)\b\w+\b|[\"'!?]",
        )

    @cached_property
    def _char(self) -> HashingVectorizer | None:
        if self.char_ngrams[1] <= 0:
            return None
        return HashingVectorizer(
            n_features=2**CHAR_BITS,
            analyzer="char_wb",
            ngram_range=self.char_ngrams,
            alternate_sign=False,
            norm=None,
            lowercase=False,
        )

    def features(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """The texts' feature rows (sublinear counts, unit length)."""
        return features(texts, self.word_ngrams, self.char_ngrams)

    def decision(self, texts: Sequence[str]) -> Floats:
        """Raw scores: one per text (two classes) or one per text and class."""
        if not texts:
            return np.zeros((0,) if len(self.classes) == 2 else (0, len(self.classes)))
        scores = np.asarray(self.features(texts) @ self.coef.T) + self.intercept
        return scores[:, 0] if len(self.classes) == 2 else scores

    def probability(self, texts: Sequence[str]) -> Floats:
        """P(the second class) for a binary model."""
        return 1.0 / (1.0 + np.exp(-self.decision(texts)))

    def best_class(self, texts: Sequence[str]) -> list[str]:
        """The most likely class of each text (a multi-class model)."""
        return [self.classes[i] for i in np.argmax(self.decision(texts), axis=1)]

    def save(self, path: Path) -> None:
        """Writes the model as a compressed `.npz` (float16 coefficients)."""
        np.savez_compressed(
            path,
            coef=self.coef.astype(np.float16),
            intercept=self.intercept,
            classes=np.array(self.classes),
            shape=np.array([self.word_ngrams, *self.char_ngrams]),
        )

    @classmethod
    def load(cls, path: Path) -> HashedModel:
        """Reads a model written by `save`."""
        with np.load(path, allow_pickle=False) as data:
            word, low, high = (int(v) for v in data["shape"])
            return cls(
                coef=np.atleast_2d(data["coef"].astype(np.float64)),
                intercept=data["intercept"].astype(np.float64),
                classes=tuple(str(c) for c in data["classes"]),
                word_ngrams=word,
                char_ngrams=(low, high),
            )


_VECTORIZERS: dict[tuple[int, int, int], tuple[HashingVectorizer, HashingVectorizer | None]] = {}


def features(
    texts: Sequence[str], word_ngrams: int, char_ngrams: tuple[int, int]
) -> sparse.csr_matrix:
    """Hashed word and character n-gram rows of the normalised texts."""
    key = (word_ngrams, *char_ngrams)
    if key not in _VECTORIZERS:
        probe = HashedModel(np.zeros((1, 1)), np.zeros(1), ("0", "1"), word_ngrams, char_ngrams)
        _VECTORIZERS[key] = (probe._word, probe._char)
    word, char = _VECTORIZERS[key]
    clean = [normalise(t) for t in texts]
    blocks = [word.transform(clean)]
    if char is not None:
        blocks.append(char.transform(clean))
    else:
        blocks.append(sparse.csr_matrix((len(clean), 2**CHAR_BITS)))
    matrix = sparse.hstack(blocks, format="csr")
    matrix.data = np.log1p(matrix.data)
    normalised: sparse.csr_matrix = normalize(matrix)
    return normalised
