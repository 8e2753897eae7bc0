"""A validation split of FNC-1 that predicts unseen data: disjoint bodies and disjoint topics.

FNC-1's competition test holds headlines and bodies about stories never seen in training.
A split by Body ID alone keeps the headlines (and the stories) of the validation bodies in
training and overestimates by about ten points. Here pairs are grouped into topics: the
connected components of the graph joining each headline to the bodies it is related to
(agree, disagree, discuss), with near-duplicate headlines and near-duplicate bodies joined
as well. Unrelated pairs join nothing: FNC-1 made them by pairing a headline with a random
body of another story. Whole topics are held out (about 20% of the pairs); an unrelated
pair whose headline and body fall on different sides is dropped, so that no body, headline
or topic is on both sides.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

from services.matcher.training.fnc import RELATED

HEADLINE_JACCARD = 0.8
"""Headlines sharing this share of their words are one headline reworded."""
BODY_COSINE = 0.9
"""Bodies this close in tf-idf are one article (FNC-1 holds copies of some)."""
SEED = 20231


@dataclass(frozen=True)
class StancePair:
    """One FNC-1 row: a headline, the ID of its body, and the gold stance."""

    headline: str
    body_id: int
    stance: str


@dataclass(frozen=True)
class TopicSplit:
    """Pair indices on each side, each pair's topic, and the pairs on neither side."""

    train: tuple[int, ...]
    validation: tuple[int, ...]
    dropped: tuple[int, ...]
    topics: tuple[int, ...]
    validation_topics: frozenset[int]


def _near_duplicates(matrix: sparse.csr_matrix, threshold: float, jaccard: bool) -> np.ndarray:
    """(i, j) index pairs of rows at least `threshold` alike (Jaccard of binary rows, or
    cosine of unit rows)."""
    overlap = (matrix @ matrix.T).tocoo()
    if jaccard:
        sizes = np.asarray(matrix.sum(axis=1)).ravel()
        union = sizes[overlap.row] + sizes[overlap.col] - overlap.data
        alike = overlap.data / np.maximum(union, 1)
    else:
        alike = overlap.data
    keep = (alike >= threshold) & (overlap.row < overlap.col)
    return np.stack([overlap.row[keep], overlap.col[keep]], axis=1)


def _components(
    pairs: Sequence[StancePair], bodies: dict[int, str]
) -> tuple[dict[str, int], dict[int, int]]:
    """The topic of every headline and of every body."""
    headlines = sorted({p.headline for p in pairs})
    body_ids = sorted({p.body_id for p in pairs})
    h_index = {h: i for i, h in enumerate(headlines)}
    b_index = {b: len(headlines) + i for i, b in enumerate(body_ids)}
    edges = [(h_index[p.headline], b_index[p.body_id]) for p in pairs if p.stance in RELATED]
    words = CountVectorizer(binary=True, stop_words="english").fit_transform(headlines)
    edges.extend(map(tuple, _near_duplicates(words.tocsr(), HEADLINE_JACCARD, jaccard=True)))
    texts = TfidfVectorizer(sublinear_tf=True).fit_transform([bodies[b] for b in body_ids])
    close = _near_duplicates(texts.tocsr(), BODY_COSINE, jaccard=False) + len(headlines)
    edges.extend(map(tuple, close))
    size = len(headlines) + len(body_ids)
    rows = np.asarray([e[0] for e in edges], dtype=np.int64)
    cols = np.asarray([e[1] for e in edges], dtype=np.int64)
    graph = sparse.coo_matrix((np.ones(len(edges)), (rows, cols)), shape=(size, size))
    _, labels = connected_components(graph, directed=False)
    return (
        {h: int(labels[i]) for h, i in h_index.items()},
        {b: int(labels[i]) for b, i in b_index.items()},
    )


def topic_split(
    pairs: Sequence[StancePair],
    bodies: dict[int, str],
    validation_share: float = 0.2,
    seed: int = SEED,
) -> TopicSplit:
    """Holds out whole topics until about `validation_share` of the pairs are held out."""
    if not 0.0 < validation_share < 1.0:
        raise ValueError(f"validation_share must be between 0 and 1, not {validation_share}")
    missing = sorted({p.body_id for p in pairs} - set(bodies))
    if missing:
        raise ValueError(f"pairs name bodies that are not given: {missing[:5]}")
    headline_topic, body_topic = _components(pairs, bodies)
    counts: dict[int, int] = {}
    for p in pairs:
        counts[headline_topic[p.headline]] = counts.get(headline_topic[p.headline], 0) + 1
    order = np.random.default_rng(seed).permutation(sorted(counts))
    held: set[int] = set()
    total = 0
    for topic in order:
        if total >= validation_share * len(pairs):
            break
        held.add(int(topic))
        total += counts[int(topic)]
    train: list[int] = []
    validation: list[int] = []
    dropped: list[int] = []
    for index, p in enumerate(pairs):
        head_held = headline_topic[p.headline] in held
        body_held = body_topic[p.body_id] in held
        if head_held != body_held:
            dropped.append(index)
        else:
            (validation if head_held else train).append(index)
    return TopicSplit(
        train=tuple(train),
        validation=tuple(validation),
        dropped=tuple(dropped),
        topics=tuple(headline_topic[p.headline] for p in pairs),
        validation_topics=frozenset(held),
    )


def pairs_from_rows(rows: Sequence[dict[str, str]]) -> list[StancePair]:
    """The typed pairs of FNC-1 stance rows (Headline, Body ID, Stance)."""
    return [StancePair(r["Headline"], int(r["Body ID"]), r.get("Stance", "")) for r in rows]
