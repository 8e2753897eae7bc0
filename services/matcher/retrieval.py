"""Retrieval of already fact-checked claims for a query (CheckThat! 2020 task 2), used by
`credence eval retrieve`: BM25 from tantivy fused with tf-idf cosine over character
n-grams (spelling variants) and, when the packaged MiniLM model is installed, the cosine of
sentence embeddings (paraphrases BM25 misses) from MiniLM fine-tuned on the task's train
tweets (`make train-retrieval`, which also chooses the fusion weights on held-out train
tweets and reports MAP@5 on dev).
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import joblib
import numpy as np
import tantivy
from sklearn.feature_extraction.text import TfidfVectorizer

from services.matcher import embeddings
from services.matcher.index_text import query_terms

CANDIDATES = 100
RETRIEVAL_MODEL_PATH = Path(__file__).resolve().parent / "models" / "retrieval.joblib"
ENCODER = "retrieval"
"""The fine-tuned encoder (`models/retrieval.onnx`) the artifact's fusion weights belong to."""


@dataclass(frozen=True)
class Weights:
    """Fusion weights of the similarity scores (BM25 scaled to 0-1 per query)."""

    bm25: float = 0.5
    word: float = 0.0
    char: float = 0.5
    embedding: float = 2.0


LEXICAL_WEIGHTS = Weights(bm25=1.0, word=0.0, char=2.0, embedding=0.0)


class ClaimRetriever:
    """Ranks a fixed set of verified claims for free-text queries."""

    def __init__(
        self,
        ids: Sequence[str],
        texts: Sequence[str],
        weights: Weights | None = None,
        use_embeddings: bool = True,
        encoder: embeddings.Encoder | None = None,
    ) -> None:
        """`encoder`: the fine-tuned one of `train_retrieval` (default: the packaged model
        as it is); `use_embeddings=False` ranks lexically only."""
        self.ids = list(ids)
        if use_embeddings and encoder is None:
            encoder = embeddings.encoder("minilm")
        self.encoder = encoder if use_embeddings else None
        self.weights = weights or (Weights() if self.encoder else LEXICAL_WEIGHTS)
        self.vectors = self.encoder.encode(texts) if self.encoder else None
        self.word = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, stop_words="english")
        self.char = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True)
        # Word n-grams measured no help (weight 0 everywhere): built only when weighted.
        self.word_matrix = self.word.fit_transform(texts) if self.weights.word else None
        self.char_matrix = self.char.fit_transform(texts)
        builder = tantivy.SchemaBuilder()
        builder.add_integer_field("row", stored=True, indexed=True)
        builder.add_text_field("text", stored=False, tokenizer_name="en_stem")
        self._index = tantivy.Index(builder.build())
        writer = self._index.writer(64 * 1024 * 1024, 1)
        for row, text in enumerate(texts):
            writer.add_document(tantivy.Document.from_dict({"row": row, "text": text}))
        writer.commit()
        writer.wait_merging_threads()
        self._index.reload()

    @classmethod
    def trained(
        cls, ids: Sequence[str], texts: Sequence[str], path: Path = RETRIEVAL_MODEL_PATH
    ) -> ClaimRetriever:
        """The retriever with the committed fine-tuned encoder and its fusion weights (the
        packaged model as it is, with default weights, when the artifact is absent)."""
        if not path.is_file():
            return cls(ids, texts)
        bundle = joblib.load(path)
        tuned = embeddings.encoder(ENCODER)
        if tuned is None:  # no encoder can run here: its weights would not fit lexical fusion
            return cls(ids, texts, use_embeddings=False)
        return cls(ids, texts, Weights(**bundle["weights"]), encoder=tuned)

    def _bm25(self, query: str) -> np.ndarray:
        scores = np.zeros(len(self.ids))
        terms = query_terms(query)
        if not terms:
            return scores
        searcher = self._index.searcher()
        parsed = self._index.parse_query(" ".join(terms), ["text"])
        for score, address in searcher.search(parsed, CANDIDATES).hits:
            scores[int(searcher.doc(address)["row"][0])] = score
        return scores

    def similarities(self, query: str) -> dict[str, np.ndarray]:
        """Each claim's similarity to the query, by measure (BM25 scaled to 0-1). The tweet
        is used as given: its author and date help BM25 (measured)."""
        bm25 = self._bm25(query)
        if bm25.max() > 0:
            bm25 = bm25 / bm25.max()
        parts = {
            "bm25": bm25,
            "char": (self.char_matrix @ self.char.transform([query]).T).toarray().ravel(),
        }
        if self.word_matrix is not None:
            parts["word"] = (self.word_matrix @ self.word.transform([query]).T).toarray().ravel()
        if self.encoder is not None and self.vectors is not None:
            parts["embedding"] = self.vectors @ self.encoder.encode([query])[0]
        return parts

    @staticmethod
    def fuse(parts: dict[str, np.ndarray], weights: Weights) -> np.ndarray:
        """The weighted sum of the similarities."""
        fused = weights.bm25 * parts["bm25"] + weights.char * parts["char"]
        for name, weight in (("word", weights.word), ("embedding", weights.embedding)):
            if name in parts:
                fused = fused + weight * parts[name]
        return np.asarray(fused)

    def top(self, scores: np.ndarray, k: int) -> list[str]:
        """The ids of the `k` best scores."""
        return [self.ids[i] for i in np.argsort(-scores)[:k]]

    def rank(self, query: str, k: int) -> list[tuple[str, float]]:
        """The `k` best claim ids for the query with their fused scores."""
        fused = self.fuse(self.similarities(query), self.weights)
        top = np.argsort(-fused)[:k]
        return [(self.ids[i], float(fused[i])) for i in top]


def read_queries(path: Path) -> list[tuple[str, str]]:
    """(tweet_id, tweet_content) rows of a `tweets.queries.tsv` file."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter="\t")
        next(reader, None)
        return [(r[0], r[1]) for r in reader if len(r) >= 2]


def read_qrels(path: Path) -> dict[str, set[str]]:
    """tweet_id → relevant vclaim ids."""
    out: dict[str, set[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 4 and parts[3] != "0":
            out.setdefault(parts[0], set()).add(parts[2])
    return out


def average_precision_at(ranked: Sequence[str], relevant: set[str], k: int) -> float:
    """AP@k as the CheckThat! scorer computes it (divided by the number of relevant)."""
    hits = total = 0.0
    for i, doc in enumerate(ranked[:k], start=1):
        if doc in relevant:
            hits += 1
            total += hits / i
    return total / len(relevant) if relevant else 0.0


def map_at(run: dict[str, list[str]], qrels: dict[str, set[str]], k: int = 5) -> float:
    """MAP@k over the queries of `qrels`."""
    aps = [average_precision_at(run.get(q, []), rel, k) for q, rel in qrels.items()]
    return float(np.mean(aps)) if aps else 0.0
