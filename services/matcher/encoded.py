"""An article's sentences with their token ids and vectors, each computed at most once.

The matcher builds one `EncodedArticle` per request and passes it to every model that reads
sentence vectors (check-worthiness now; relatedness and retrieval read the same object), so
a sentence is tokenized once and encoded once per encoder, in one length-sorted batch of
just the sentences asked for (cheap filters run first and ask for fewer).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from services.matcher import embeddings


class EncodedArticle:
    """Sentences, and their token ids and vectors by encoder, filled in on first use."""

    def __init__(self, sentences: Sequence[str]) -> None:
        self.sentences = tuple(sentences)
        self._ids: dict[int, list[int]] = {}
        self._vectors: dict[tuple[str, int], np.ndarray] = {}

    def token_ids(self, rows: Sequence[int]) -> list[list[int]]:
        """The token ids of the sentences at `rows` (tokenized together, once each)."""
        missing = sorted({r for r in rows if r not in self._ids})
        if missing:
            ids = embeddings.token_ids([self.sentences[r] for r in missing])
            self._ids.update(zip(missing, ids, strict=True))
        return [self._ids[r] for r in rows]

    def vectors(self, encoder: embeddings.Encoder, rows: Sequence[int]) -> np.ndarray:
        """`encoder`'s vectors of the sentences at `rows`, one row each; those not yet
        encoded by it are encoded in one batch."""
        missing = sorted({r for r in rows if (encoder.name, r) not in self._vectors})
        if missing:
            fresh = encoder.encode_ids(self.token_ids(missing))
            for row, vector in zip(missing, fresh, strict=True):
                self._vectors[(encoder.name, row)] = vector
        out = np.zeros((len(rows), embeddings.DIMENSIONS), dtype=np.float32)
        for i, row in enumerate(rows):
            out[i] = self._vectors[(encoder.name, row)]
        return out
