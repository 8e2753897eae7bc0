"""Stance of a wire story towards a claim (agree / disagree / discuss / unrelated).

The model is trained on FNC-1 (`make train-stance`, `training/stance.py`): hand-made
features (tf-idf and latent-semantic similarity of the claim to the story and to its best
sentences, word and n-gram overlap, refuting and hedging words near the matching passage)
fed to a gradient-boosted tree ensemble (served on ONNX Runtime, `tree_runtime.py`),
stacked (a logistic regression over both models' log-probabilities) with a cross-encoder
that reads the claim beside the story's passage most alike it (`stance_cross.py`, ONNX).
The same `StanceFeaturizer` is used to train and to serve, and is stored with both
classifiers in one joblib artifact. Without the cross-encoder the feature model answers
alone.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import joblib
import numpy as np
from scipy import sparse
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer

from services.matcher import stance_cross
from services.matcher.ngram_tfidf import NgramTfidf, counted
from services.matcher.stance_cross import CROSS_PATH, CrossEncoder
from services.matcher.textutil import content_tokens, quick_sentences, tokens
from services.matcher.tree_runtime import compiled

_LOGGER = logging.getLogger(__name__)

LABELS = ("agree", "disagree", "discuss", "unrelated")
"""The FNC-1 stance classes, in the order of every probability row."""

MODEL_PATH = Path(__file__).resolve().parent / "models" / "stance.joblib"

REFUTING = (
    "fake", "fraud", "hoax", "false", "deny", "denies", "denied", "not", "despite", "nope",
    "doubt", "doubts", "bogus", "debunk", "debunked", "debunks", "prank", "pranks", "retract",
    "retracts", "retracted", "refute", "refutes", "refuted", "reject", "rejects", "rejected",
    "dismiss", "dismissed", "lie", "lies", "lying", "lied", "untrue", "misleading", "never",
    "no", "nothing", "baseless", "satire", "debunking", "falsely", "isn't", "wasn't", "didn't",
)  # fmt: skip
HEDGING = (
    "alleged", "allegedly", "reportedly", "reported", "reports", "claim", "claims", "claimed",
    "rumor", "rumors", "rumour", "rumours", "unconfirmed", "unverified", "apparently",
    "purportedly", "possibly", "may", "might", "could", "suggests", "according", "sources",
    "believed", "speculation", "speculated", "if", "appears", "seems", "supposedly", "unclear",
)  # fmt: skip
_REFUTING = frozenset(REFUTING)
_HEDGING = frozenset(HEDGING)
_BODY_CHARS = 6000
_VIEW_CACHE = 2048  # body views kept; each is a few KB
_TOP_SENTENCES = 3
PASSAGE_SENTENCES = 2


def _cosine_sparse(a: sparse.csr_matrix, b: sparse.csr_matrix) -> np.ndarray:
    """Row-wise cosine of two equally long sparse matrices."""
    dots = np.asarray(a.multiply(b).sum(axis=1)).ravel()
    na = np.sqrt(np.asarray(a.multiply(a).sum(axis=1)).ravel())
    nb = np.sqrt(np.asarray(b.multiply(b).sum(axis=1)).ravel())
    return np.asarray(dots / np.maximum(na * nb, 1e-9))


def _cosine_dense(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise cosine of two equally long dense matrices."""
    dots = (a * b).sum(axis=1)
    return np.asarray(
        dots / np.maximum(np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1), 1e-9)
    )


@dataclass
class BodyView:
    """What the featurizer needs of one story body, computed once per body."""

    text: str
    sentences: list[str]
    tfidf: sparse.csr_matrix
    sentence_tfidf: sparse.csr_matrix
    svd: np.ndarray
    tokens: set[str]
    lead_tokens: set[str]
    grams: set[tuple[str, ...]]
    refuting: float
    hedging: float


@dataclass(frozen=True)
class _ClaimSide:
    """What the featurizer needs of one claim, computed once however many bodies it meets."""

    tfidf: np.ndarray
    """The claim's tf-idf row, dense: a body's sentences are scored against it."""
    tokens: list[str]
    content: frozenset[str]
    grams: frozenset[tuple[str, ...]]
    refuting: float
    hedging: float


class StanceFeaturizer:
    """Turns (claim, body) pairs into a dense feature matrix."""

    def __init__(self, max_features: int = 10000, svd_dims: int = 48, seed: int = 0) -> None:
        self.tfidf = TfidfVectorizer(
            max_features=max_features, stop_words="english", sublinear_tf=True, ngram_range=(1, 1)
        )
        self.svd = TruncatedSVD(n_components=svd_dims, random_state=seed)

    def __getstate__(self) -> dict[str, object]:
        state = dict(self.__dict__)
        state.pop("_counted", None)  # derived from `tfidf`; not pickled with the model
        return state

    def fit(self, texts: Sequence[str]) -> StanceFeaturizer:
        """Fits the vocabulary and the latent space on headlines and bodies."""
        self.__dict__.pop("_counted", None)
        matrix = self.tfidf.fit_transform(texts)
        self.svd.fit(matrix)
        self.svd.components_ = self.svd.components_.astype(np.float32)
        return self

    @cached_property
    def _counted(self) -> NgramTfidf | TfidfVectorizer:
        """`tfidf`, counted with numpy where it can be (`ngram_tfidf.counted`)."""
        return counted(self.tfidf)

    def _vectorize(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """`self.tfidf.transform(texts)`."""
        return self._counted.transform(list(texts))

    def claim_vectors(self, claims: Sequence[str]) -> dict[str, sparse.csr_matrix]:
        """The tf-idf row of each distinct claim, in one pass: computed once for the
        features, the passages and the best passage of every body a claim meets."""
        unique = list(dict.fromkeys(claims))
        matrix = self._vectorize(unique)
        return {claim: matrix[row] for row, claim in enumerate(unique)}

    def body_view(self, body: str) -> BodyView:
        """Pre-computes the body side of the features."""
        text = body[:_BODY_CHARS]
        sents = quick_sentences(text) or [text]
        toks = tokens(text)
        content = content_tokens(text)
        matrix = self._vectorize([text, *sents])
        tfidf = matrix[:1]
        return BodyView(
            text=text,
            sentences=sents,
            tfidf=tfidf,
            sentence_tfidf=matrix[1:],
            svd=self.svd.transform(tfidf)[0],
            tokens=set(content),
            lead_tokens=set(content[:60]),
            grams=_grams(toks),
            refuting=sum(t in _REFUTING for t in toks) / max(len(toks), 1) * 100,
            hedging=sum(t in _HEDGING for t in toks) / max(len(toks), 1) * 100,
        )

    def features(
        self,
        claims: Sequence[str],
        views: Sequence[BodyView],
        vectors: dict[str, sparse.csr_matrix] | None = None,
    ) -> np.ndarray:
        """One feature row per (claim, body view) pair (`vectors`: the claims'
        `claim_vectors`, computed here when not given)."""
        vectors = vectors if vectors is not None else self.claim_vectors(claims)
        unique = list(dict.fromkeys(claims))
        row_of = {claim: row for row, claim in enumerate(unique)}
        rows = [row_of[claim] for claim in claims]
        unique_tfidf = sparse.vstack([vectors[claim] for claim in unique]).tocsr()
        unique_svd = self.svd.transform(unique_tfidf)
        sides = [self._claim_side(claim, unique_tfidf[row]) for row, claim in enumerate(unique)]
        head_tfidf = unique_tfidf[rows]
        head_svd = unique_svd[rows]
        body_tfidf = sparse.vstack([v.tfidf for v in views]).tocsr()
        body_svd = np.vstack([v.svd for v in views])
        cos = _cosine_sparse(head_tfidf, body_tfidf)
        cos_svd = _cosine_dense(head_svd, body_svd)
        hand = np.asarray(
            [
                self._pair_row(claim, sides[row], view)
                for claim, row, view in zip(claims, rows, views, strict=True)
            ],
            dtype=np.float64,
        )
        return np.hstack(
            [cos[:, None], cos_svd[:, None], hand, head_svd, body_svd, head_svd * body_svd]
        ).astype(np.float32)

    def best_passage(
        self, claim: str, view: BodyView, vector: sparse.csr_matrix | None = None
    ) -> tuple[str, float]:
        """The body sentence most similar to the claim, and its similarity (`vector`: the
        claim's row of `claim_vectors`, computed here when not given)."""
        sims = self._sentence_similarities(claim, view, vector)
        best = int(np.argmax(sims)) if sims.size else 0
        return view.sentences[best], float(sims[best]) if sims.size else 0.0

    def passage(
        self,
        claim: str,
        view: BodyView,
        sentences: int = PASSAGE_SENTENCES,
        vector: sparse.csr_matrix | None = None,
    ) -> str:
        """The body's `sentences` sentences most alike the claim, in the body's order: what
        the cross-encoder reads beside the claim (`vector` as in `best_passage`)."""
        sims = self._sentence_similarities(claim, view, vector)
        if not sims.size:
            return view.text
        best = sorted(np.argsort(-sims, kind="stable")[:sentences])
        return " ".join(view.sentences[i] for i in best)

    def _sentence_similarities(
        self, claim: str, view: BodyView, vector: sparse.csr_matrix | None
    ) -> np.ndarray:
        if vector is None:
            vector = self.claim_vectors([claim])[claim]
        return np.asarray((view.sentence_tfidf @ vector.T).toarray().ravel())

    @staticmethod
    def _claim_side(claim: str, tfidf: sparse.csr_matrix) -> _ClaimSide:
        toks = tokens(claim)
        return _ClaimSide(
            tfidf=tfidf.toarray().ravel(),
            tokens=toks,
            content=frozenset(content_tokens(claim)),
            grams=frozenset(_grams(toks)),
            refuting=sum(float(t in _REFUTING) for t in toks),
            hedging=sum(float(t in _HEDGING) for t in toks),
        )

    def _pair_row(self, claim: str, side: _ClaimSide, view: BodyView) -> list[float]:
        sims = view.sentence_tfidf @ side.tfidf
        order = np.argsort(-sims)[:_TOP_SENTENCES]
        top_text = " ".join(view.sentences[i] for i in order)
        top_toks = tokens(top_text)
        n_top = max(len(top_toks), 1)
        overlap = len(side.content & view.tokens)
        return [
            float(sims.max()) if sims.size else 0.0,
            float(np.sort(sims)[-_TOP_SENTENCES:].mean()) if sims.size else 0.0,
            overlap / max(len(side.content), 1),
            overlap / max(len(side.content | view.tokens), 1),
            len(side.content & view.lead_tokens) / max(len(side.content), 1),
            len(side.grams & view.grams) / max(len(side.grams), 1),
            side.refuting,
            side.hedging,
            view.refuting,
            view.hedging,
            sum(t in _REFUTING for t in top_toks) / n_top * 100,
            sum(t in _HEDGING for t in top_toks) / n_top * 100,
            float(side.refuting % 2),
            float(sum(t in _REFUTING for t in top_toks) % 2),
            float("?" in claim),
            float(len(side.tokens)),
            float(np.log1p(len(view.text))),
        ]


def _grams(toks: Sequence[str]) -> set[tuple[str, ...]]:
    out: set[tuple[str, ...]] = set()
    for n in (2, 3):
        out.update(tuple(toks[i : i + n]) for i in range(len(toks) - n + 1))
    return out


@dataclass
class StancePrediction:
    """The stance of one story towards one claim."""

    label: str
    confidence: float
    passage: str
    probabilities: dict[str, float]


def stack_inputs(feature_proba: np.ndarray, cross_log_proba: np.ndarray) -> np.ndarray:
    """What the stack reads: both models' log-probabilities side by side."""
    return np.hstack([np.log(np.clip(feature_proba, 1e-6, 1.0)), cross_log_proba])


class StanceModel:
    """The trained featurizer, feature classifier and (when the cross-encoder can run here)
    the stack over both, loaded from the committed artifacts."""

    def __init__(
        self,
        featurizer: StanceFeaturizer,
        classifier: object,
        stacker: object | None = None,
        cross: CrossEncoder | None = None,
    ) -> None:
        self.featurizer = featurizer
        self.classifier = compiled(classifier)
        self.stacker = stacker if cross is not None else None
        self.cross = cross if stacker is not None else None
        # The same wire stories come back for many claims: their body side is computed once.
        self._views: OrderedDict[str, BodyView] = OrderedDict()
        self._views_lock = threading.Lock()

    def _view(self, body: str) -> BodyView:
        with self._views_lock:
            view = self._views.get(body)
            if view is not None:
                self._views.move_to_end(body)
                return view
        view = self.featurizer.body_view(body)
        with self._views_lock:
            self._views[body] = view
            if len(self._views) > _VIEW_CACHE:
                self._views.popitem(last=False)
        return view

    @classmethod
    def load(cls, path: Path = MODEL_PATH, cross_path: Path = CROSS_PATH) -> StanceModel:
        """Loads the artifacts written by `make train-stance`; without the cross-encoder
        (graph or MiniLM package missing) the feature model answers alone."""
        bundle = joblib.load(path)
        stacker = bundle.get("stacker")
        cross = stance_cross.load(cross_path) if stacker is not None else None
        return cls(bundle["featurizer"], bundle["classifier"], stacker, cross)

    @property
    def stacked(self) -> bool:
        """True when the cross-encoder and the stack answer, not the features alone."""
        return self.cross is not None

    def predict_proba(
        self, claims: Sequence[str], bodies: Sequence[str], features_only: bool = False
    ) -> np.ndarray:
        """Class probabilities in `LABELS` order, one row per pair (`features_only`: the
        feature model's, cheaper: for screening many pairs)."""
        views = [self._view(b) for b in bodies]
        return self._proba(list(claims), views, features_only)

    def _proba(
        self,
        claims: list[str],
        views: Sequence[BodyView],
        features_only: bool = False,
        vectors: dict[str, sparse.csr_matrix] | None = None,
    ) -> np.ndarray:
        if not claims:
            return np.zeros((0, len(LABELS)))
        vectors = vectors if vectors is not None else self.featurizer.claim_vectors(claims)
        features = self.featurizer.features(claims, views, vectors)
        proba = in_label_order(self.classifier, self.classifier.predict_proba(features))  # type: ignore[attr-defined]
        if self.cross is None or features_only:
            return proba
        passages = [
            self.featurizer.passage(c, v, vector=vectors[c])
            for c, v in zip(claims, views, strict=True)
        ]
        x = stack_inputs(proba, self.cross.log_proba(claims, passages))
        return in_label_order(self.stacker, self.stacker.predict_proba(x))  # type: ignore[attr-defined]

    def predict(self, claim: str, bodies: Sequence[str]) -> list[StancePrediction]:
        """The stance of every body towards one claim, with its best passage."""
        if not bodies:
            return []
        views = [self._view(b) for b in bodies]
        vectors = self.featurizer.claim_vectors([claim])
        proba = self._proba([claim] * len(views), views, vectors=vectors)
        out = []
        for row, view in zip(proba, views, strict=True):
            best = int(np.argmax(row))
            passage, _ = self.featurizer.best_passage(claim, view, vectors[claim])
            out.append(
                StancePrediction(
                    label=LABELS[best],
                    confidence=float(row[best]),
                    passage=passage,
                    probabilities={label: float(p) for label, p in zip(LABELS, row, strict=True)},
                )
            )
        return out


def in_label_order(model: object, proba: np.ndarray) -> np.ndarray:
    """A classifier's probability columns in `LABELS` order."""
    classes = list(model.classes_)  # type: ignore[attr-defined]
    return np.asarray(proba[:, [classes.index(label) for label in LABELS]])
