"""What both wire index backends share: the words a query searches for, and the cosine
similarity of stored story embeddings."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from services.matcher.textutil import STOPWORDS, tokens

_MAX_QUERY_TERMS = 64


def query_terms(text: str) -> list[str]:
    """The words of a free-text query that are worth searching for, in order, once each."""
    seen: dict[str, None] = {}
    for raw in tokens(text):
        tok = raw.replace("'", "")
        if tok not in STOPWORDS and len(tok) > 1:
            seen.setdefault(tok, None)
    return list(seen)[:_MAX_QUERY_TERMS]


def cosine_similarities(vector: np.ndarray, stored: Mapping[str, np.ndarray]) -> dict[str, float]:
    """Cosine similarity of `vector` to each stored embedding."""
    norm = float(np.linalg.norm(vector)) or 1.0
    return {
        story_id: float(np.dot(vector, other) / (norm * (float(np.linalg.norm(other)) or 1.0)))
        for story_id, other in stored.items()
    }
