"""Word and character n-gram tf-idf counted with numpy gives scikit-learn's features, for the
served vectorizers and for small ones fitted here, whatever the text."""

from __future__ import annotations

import joblib
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from services.matcher.claims import MODEL_PATH, normalise
from services.matcher.ngram_tfidf import NgramTfidf

TEXTS = [
    "Unemployment fell to 3.4 percent in January, the lowest since 1969.",
    "Peskov said “two drones” were shot down — a claim Kyiv denied.",
    "",
    "tabs\tand\n\nnewlines   and   spaces",
    "naïve café, 😀 and a lone \ud800 surrogate",
    "\x00 a NUL inside",
    "x",
    "the senator voted against the bill the senator wrote",
]
CORPUS = [*TEXTS[:2], "The senator voted against the bill 14 times.", "Thank you all.", "\x00 x"]


def _assert_same(vectorizer: TfidfVectorizer, texts: list[str]) -> None:
    assert NgramTfidf.fits(vectorizer)
    expected = vectorizer.transform(texts).toarray()
    found = NgramTfidf(vectorizer).transform(texts).toarray()
    np.testing.assert_allclose(found, expected, atol=1e-12)


def test_the_served_vectorizers_give_scikit_learns_features() -> None:
    union = joblib.load(MODEL_PATH)["pipeline"].named_steps["features"]
    for _, vectorizer in union.transformer_list:
        _assert_same(vectorizer, TEXTS)
        empty = NgramTfidf(vectorizer).transform([])
        assert empty.shape == (0, len(vectorizer.vocabulary_))


def test_vectorizers_fitted_here_give_scikit_learns_features() -> None:
    for options in (
        {"analyzer": "char", "ngram_range": (1, 3)},
        {
            "analyzer": "char",
            "ngram_range": (1, 5),
            "sublinear_tf": True,
            "preprocessor": normalise,
        },
        {"analyzer": "char", "ngram_range": (2, 4), "use_idf": False, "lowercase": False},
        {"analyzer": "char", "ngram_range": (1, 2), "min_df": 2, "strip_accents": "unicode"},
        {"analyzer": "word", "ngram_range": (1, 3), "sublinear_tf": True},
        {"analyzer": "word", "ngram_range": (2, 2), "lowercase": False},
        {"analyzer": "word", "stop_words": "english", "sublinear_tf": True},
    ):
        _assert_same(TfidfVectorizer(**options).fit(CORPUS), TEXTS)


def test_other_vectorizers_are_left_to_scikit_learn() -> None:
    corpus = ["drones over moscow", "moscow denied drones"]
    assert not NgramTfidf.fits(TfidfVectorizer(analyzer="char_wb").fit(corpus))
    assert not NgramTfidf.fits(
        TfidfVectorizer(stop_words="english", ngram_range=(1, 2)).fit(corpus)
    )
    assert not NgramTfidf.fits(TfidfVectorizer(token_pattern=r"\S+").fit(corpus))
    assert not NgramTfidf.fits(TfidfVectorizer(tokenizer=str.split).fit(corpus))
    assert not NgramTfidf.fits(TfidfVectorizer(analyzer="char", norm="l1").fit(corpus))
    assert not NgramTfidf.fits(TfidfVectorizer(binary=True).fit(corpus))
    assert not NgramTfidf.fits(TfidfVectorizer(analyzer="char"))
    assert not NgramTfidf.fits(None)
