"""Word and character n-gram tf-idf of many sentences at once, counted with numpy.

scikit-learn's `TfidfVectorizer` builds every n-gram of every sentence as a Python string and
looks each up in its vocabulary one at a time: for the check-worthiness head's character
n-grams that was nine tenths of the lexical head's time on an article. Here each symbol (a
character, or a word) is a small code, its rank in the vocabulary's alphabet; an n-gram is
its codes packed into one integer; and the vocabulary is a sorted array of such integers, so
the n-grams of all the sentences are found with array operations and one binary search. An
n-gram holding a symbol outside the alphabet cannot be in the vocabulary and is dropped, as
it is there. The tf-idf arithmetic (sublinear tf, idf, l2 norm) is the vectorizer's, so the
features are the same.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

_DEFAULT_TOKENS = r"(?u)\b\w\w+\b"
"""scikit-learn's token pattern: its words hold no space, so a term's words are its parts."""
_KEY_BITS = 60
"""Bits an n-gram's codes may take; its length takes the bits above them."""


def _alphabet(vectorizer: TfidfVectorizer) -> list[str]:
    """The symbols the vocabulary's terms are made of, sorted."""
    terms = vectorizer.vocabulary_
    if vectorizer.analyzer == "char":
        return sorted({char for term in terms for char in term})
    return sorted({word for term in terms for word in term.split(" ")})


class NgramTfidf:
    """The tf-idf features of a fitted word or character n-gram `TfidfVectorizer`."""

    def __init__(self, vectorizer: TfidfVectorizer) -> None:
        self._chars = vectorizer.analyzer == "char"
        self._preprocess: Callable[[str], str] = vectorizer.build_preprocessor()
        self._tokenize: Callable[[str], list[str]] = vectorizer.build_tokenizer()
        self._white_spaces = vectorizer._white_spaces
        self._low, self._high = vectorizer.ngram_range
        alphabet = _alphabet(vectorizer)
        self._bits = max(1, len(alphabet).bit_length())
        self._codes_of = {symbol: code for code, symbol in enumerate(alphabet, start=1)}
        self._char_codes = np.zeros(max(map(ord, alphabet)) + 1 if self._chars else 0, np.int64)
        if self._chars:
            self._char_codes[[ord(char) for char in alphabet]] = np.arange(1, len(alphabet) + 1)
        vocabulary: dict[str, int] = vectorizer.vocabulary_
        terms = list(vocabulary)
        keys = np.asarray([self._term_key(term) for term in terms], dtype=np.int64)
        order = np.argsort(keys)
        self._keys = keys[order]
        self._columns = np.asarray([vocabulary[t] for t in terms], dtype=np.int64)[order]
        self._width = len(vocabulary)
        self._sublinear = bool(vectorizer.sublinear_tf)
        self._idf = vectorizer.idf_ if vectorizer.use_idf else None

    @staticmethod
    def fits(vectorizer: object) -> bool:
        """True for the vectorizers this class reproduces: fitted, character n-grams or word
        n-grams of the default tokenizer (with stop words only for single words: a stop
        word is outside the vocabulary's alphabet), an l2 norm, and n-grams that pack into
        one 64-bit integer."""
        if not isinstance(vectorizer, TfidfVectorizer):
            return False
        if not getattr(vectorizer, "vocabulary_", None):
            return False
        if vectorizer.analyzer == "word":
            if vectorizer.tokenizer is not None:
                return False
            if vectorizer.stop_words is not None and vectorizer.ngram_range[1] > 1:
                return False  # n-grams there span the stop words taken out between words
            if vectorizer.token_pattern != _DEFAULT_TOKENS:
                return False
        elif vectorizer.analyzer != "char":
            return False
        if vectorizer.binary or vectorizer.norm != "l2":
            return False
        if vectorizer.use_idf and not hasattr(vectorizer, "idf_"):
            return False
        bits = max(1, len(_alphabet(vectorizer)).bit_length())
        return bool(bits * vectorizer.ngram_range[1] <= _KEY_BITS)

    def _term_key(self, term: str) -> int:
        symbols = term if self._chars else term.split(" ")
        key = len(symbols)
        for symbol in symbols:
            key = (key << self._bits) | self._codes_of[symbol]
        return key

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """The features of `texts`, one row each, as `vectorizer.transform(texts)`."""
        codes, text_of = self._symbol_codes(texts)
        found = [self._ngrams(codes, n) for n in range(self._low, self._high + 1)]
        keys = np.concatenate([k for k, _ in found])
        positions = np.concatenate([p for _, p in found])
        order = np.argsort(keys)  # sorted queries make the binary search cache-friendly
        keys, positions = keys[order], positions[order]
        slots = np.searchsorted(self._keys, keys)
        slots[slots == len(self._keys)] = 0
        known = self._keys[slots] == keys
        counts = sparse.csr_matrix(
            (
                np.ones(int(known.sum()), dtype=np.float64),
                (text_of[positions[known]], self._columns[slots[known]]),
            ),
            shape=(len(texts), self._width),
        )
        counts.sum_duplicates()
        return self._weighted(counts)

    def _symbol_codes(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """The codes of the texts' symbols one after the other, a 0 (outside the alphabet,
        so no n-gram spans two texts) after each; and the text each code belongs to."""
        if self._chars:
            return self._char_symbol_codes(texts)
        per_text = [
            [self._codes_of.get(word, 0) for word in self._tokenize(self._preprocess(text))]
            for text in texts
        ]
        codes = np.fromiter((code for words in per_text for code in (*words, 0)), dtype=np.int64)
        lengths = [len(words) + 1 for words in per_text]
        return codes, np.repeat(np.arange(len(texts)), lengths)

    def _char_symbol_codes(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        cleaned = [self._white_spaces.sub(" ", self._preprocess(text)) + "\x00" for text in texts]
        encoded = "".join(cleaned).encode("utf-32-le", errors="surrogatepass")
        points = np.frombuffer(encoded, dtype=np.uint32).astype(np.int64)
        inside = points < len(self._char_codes)
        codes = np.where(inside, self._char_codes[np.where(inside, points, 0)], 0)
        if self._codes_of.get("\x00"):  # a NUL inside the alphabet: separate with a 0 anyway
            ends = np.cumsum([len(c) for c in cleaned]) - 1
            codes[ends] = 0
        return codes, np.repeat(np.arange(len(texts)), [len(c) for c in cleaned])

    def _ngrams(self, codes: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
        """The keys of the n-grams of length `n` made only of the alphabet's symbols, and
        where each starts."""
        count = len(codes) - n + 1
        if count <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        keys = np.full(count, n, dtype=np.int64)
        valid = np.ones(count, dtype=bool)
        for offset in range(n):
            window = codes[offset : offset + count]
            keys = (keys << self._bits) | window
            valid &= window > 0
        return keys[valid], np.flatnonzero(valid)

    def _weighted(self, counts: sparse.csr_matrix) -> sparse.csr_matrix:
        """TfidfTransformer's arithmetic: sublinear tf, times idf, rows to unit length."""
        if self._sublinear:
            np.log(counts.data, counts.data)
            counts.data += 1
        if self._idf is not None:
            counts.data *= self._idf[counts.indices]
        norms = np.sqrt(np.asarray(counts.multiply(counts).sum(axis=1)).ravel())
        norms[norms == 0] = 1
        counts.data /= np.repeat(norms, np.diff(counts.indptr))
        return counts


def counted(vectorizer: TfidfVectorizer) -> NgramTfidf | TfidfVectorizer:
    """`vectorizer` counted with numpy when `NgramTfidf` reproduces it, else itself: either
    answers `transform(texts)` with the same features."""
    return NgramTfidf(vectorizer) if NgramTfidf.fits(vectorizer) else vectorizer
