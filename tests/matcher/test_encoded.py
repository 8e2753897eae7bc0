"""An encoded article tokenizes and encodes each sentence at most once per encoder, in one
batch of the sentences asked for."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import numpy as np

from services.matcher.embeddings import DIMENSIONS
from services.matcher.encoded import EncodedArticle


class CountingEncoder:
    def __init__(self, name: str) -> None:
        self.name = name
        self.batches: list[int] = []

    def encode_ids(self, ids: Sequence[Sequence[int]]) -> np.ndarray:
        self.batches.append(len(ids))
        return np.full((len(ids), DIMENSIONS), float(len(self.batches)), dtype=np.float32)


def test_each_sentence_is_encoded_once_per_encoder() -> None:
    article = EncodedArticle(["One.", "Two.", "Three.", "Four."])
    first, second = CountingEncoder("a"), CountingEncoder("b")
    vectors = article.vectors(cast(Any, first), [0, 2])
    assert vectors.shape == (2, DIMENSIONS) and first.batches == [2]
    again = article.vectors(cast(Any, first), [2, 0, 3])
    assert first.batches == [2, 1]  # only sentence 3 was new
    assert np.array_equal(again[0], vectors[1]) and np.array_equal(again[1], vectors[0])
    article.vectors(cast(Any, second), [0])
    assert second.batches == [1]
    assert article.vectors(cast(Any, first), []).shape == (0, DIMENSIONS)
