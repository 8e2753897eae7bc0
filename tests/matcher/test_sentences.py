"""An article's sentences: pysbd's rules where a paragraph holds several sentences, and a
paragraph with no sentence end before its last kept whole (pysbd is not run on it)."""

from __future__ import annotations

import pytest

from services.matcher import textutil
from services.matcher.textutil import sentences


def test_paragraphs_of_several_sentences_follow_pysbd() -> None:
    text = "Mr. Peskov said the U.S. was behind it. Kyiv denied it!\n\nOfficials met on Wednesday."
    assert sentences(text) == [
        "Mr. Peskov said the U.S. was behind it.",
        "Kyiv denied it!",
        "Officials met on Wednesday.",
    ]


def test_a_one_sentence_paragraph_is_kept_whole_without_pysbd(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[str] = []
    segmenter = textutil._segmenter()

    class Spy:
        def segment(self, text: str) -> list[str]:
            calls.append(text)
            return list(segmenter.segment(text))

    monkeypatch.setattr(textutil, "_segmenter", Spy)
    quoted = "He added: 'All we have are animal studies and a clear indication of change.'"
    assert sentences(f"{quoted}\nWe have one message: test, test, test.”") == [
        quoted,
        "We have one message: test, test, test.”",
    ]
    assert calls == []
    assert sentences("It rained. Then it stopped.") == ["It rained.", "Then it stopped."]
    assert calls == ["It rained. Then it stopped."]
