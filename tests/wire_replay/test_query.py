"""The query language without the data folder: words, phrases, groups and refusals."""

from __future__ import annotations

import pytest

from services.wire_replay.query import (
    PHRASE_TOO_SHORT,
    Document,
    QueryError,
    parse_gdelt,
    parse_keywords,
    words_of,
)

DOC = Document.of(
    "Kremlin ‘lying’ about U.S. involvement in Moscow drone strikes, Zelenskyy didn't say."
    " Russia’s Peskov: Café",
    "www.politico.com",
    "English",
)


def test_words_are_folded_and_possessives_dropped() -> None:
    assert words_of("Russia’s DIDN'T Café U.S.") == ["russia", "didnt", "cafe", "u", "s"]


@pytest.mark.parametrize(
    "query",
    [
        "kremlin drone",
        "Russia",
        "russias",  # a slug's "russias" and a page's "Russia's" meet
        "strike",
        '"moscow drone strikes"',
        "U.S.",
        "cafe",
        "(Belgrade OR Peskov)",
        "domain:politico.com",
        "domainis:politico.com",
        "-Belgrade",
        '-"drone Moscow"',
        "sourcelang:English",
    ],
)
def test_matches(query: str) -> None:
    assert parse_gdelt(query).matches(DOC), query


@pytest.mark.parametrize(
    "query",
    [
        "Belgrade",
        "kremlin Belgrade",
        '"drone moscow"',
        "domainis:com",
        "domain:tico.com",
        "-Peskov",
    ],
)
def test_does_not_match(query: str) -> None:
    assert not parse_gdelt(query).matches(DOC), query


def test_short_quoted_phrase_is_refused_but_a_short_unquoted_word_is_not() -> None:
    with pytest.raises(QueryError, match=PHRASE_TOO_SHORT):
        parse_gdelt('"Kyiv" drone')
    assert parse_gdelt("Kyiv drone").clauses


def test_nyt_keywords_are_lenient() -> None:
    assert parse_keywords("Peskov (lying) OR").matches(DOC)
    assert not parse_keywords("Peskov Belgrade").matches(DOC)
    assert parse_keywords("").matches(DOC)
