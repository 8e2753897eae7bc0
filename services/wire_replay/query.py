"""The GDELT DOC 2.0 query language, approximated over a record's title and lead.

Grammar (whitespace separates clauses; every clause must hold):

    query   := clause (" " clause)*
    clause  := ["-"] atom | "(" atom (" OR " atom)* ")"
    atom    := word | '"' phrase '"' | "domain:" host | "domainis:" host | "sourcelang:" lang

Words and phrases match whole words, case- and accent-insensitively, with a plural "s"/"es"
and a possessive "'s" tolerated on either side. `domain:` matches the host and its
subdomains, `domainis:` the host only (a leading "www." is ignored on both sides).

Refusals use GDELT's own sentences, which it sends as an HTTP 200 plain-text body: a
one-character keyword, an unquoted keyword under 3 characters or a quoted phrase under 5,
OR outside parentheses, unbalanced parentheses, an illegal character in a keyword. The
operators GDELT has and the replay cannot honour (its records carry no country, theme or
tone) are refused with a sentence that names the replay."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

QUERY_TOO_SHORT_OR_LONG = "Your query was too short or too long."
PHRASE_TOO_SHORT = "The specified phrase is too short."
OR_OUTSIDE_PARENS = "Queries containing OR'd terms must be surrounded by ()."
PARENS_ERROR = "One or more of your parenthetical clauses had an error in it."
ILLEGAL_CHARACTER = (
    "One or more of your keywords contained an illegal character. "
    'To use a dash in a word, place it in quotes like "f-16".'
)
MAX_QUERY_CHARS = 1000

_MIN_WORD_CHARS = 3
_MIN_PHRASE_CHARS = 5
_LANGUAGE_CODES = {"eng": "english"}
_SUPPORTED_OPERATORS = ("domain", "domainis", "sourcelang")
_OPERATOR = re.compile(r"^([a-z]+[0-9]*):(.*)$", re.IGNORECASE)
_WORD_CHARS = re.compile(r"^[^\W_]+(?:['’.][^\W_]+)*\.?$")
_TOKEN = re.compile(r"[^\W_]+(?:'[^\W_]+)*")


class QueryError(ValueError):
    """A query the API refuses; the message is the plain-text body to answer with."""


@dataclass(frozen=True)
class Document:
    """What a query is matched against: normalised words, host and language."""

    words: tuple[str, ...]
    domain: str
    language: str

    @staticmethod
    def of(text: str, domain: str, language: str) -> Document:
        return Document(words=tuple(words_of(text)), domain=_host(domain), language=language)


@dataclass(frozen=True)
class Phrase:
    """One word or a quoted phrase: consecutive whole words."""

    words: tuple[str, ...]

    def matches(self, doc: Document) -> bool:
        size = len(self.words)
        return any(
            all(_same_word(q, w) for q, w in zip(self.words, doc.words[i : i + size], strict=True))
            for i in range(len(doc.words) - size + 1)
        )


@dataclass(frozen=True)
class DomainFilter:
    """`domain:` (host and subdomains) or `domainis:` (exact host)."""

    host: str
    exact: bool

    def matches(self, doc: Document) -> bool:
        if self.exact:
            return doc.domain == self.host
        return doc.domain == self.host or doc.domain.endswith("." + self.host)


@dataclass(frozen=True)
class LanguageFilter:
    """`sourcelang:`, by English name or ISO 639-2 code."""

    language: str

    def matches(self, doc: Document) -> bool:
        return doc.language.casefold() == self.language


Atom = Phrase | DomainFilter | LanguageFilter


@dataclass(frozen=True)
class Clause:
    """Any of the alternatives holds (one alternative outside parentheses), or none if negated."""

    alternatives: tuple[Atom, ...]
    negated: bool = False

    def matches(self, doc: Document) -> bool:
        return any(atom.matches(doc) for atom in self.alternatives) != self.negated


@dataclass(frozen=True)
class Query:
    """Every clause holds."""

    clauses: tuple[Clause, ...]

    def matches(self, doc: Document) -> bool:
        return all(clause.matches(doc) for clause in self.clauses)


def words_of(text: str) -> list[str]:
    """Lower-case, accent-free whole words; apostrophes dropped ("didn't" → "didnt"), a
    possessive "'s" removed ("Russia's" → "russia")."""
    folded = unicodedata.normalize("NFKD", text.replace("’", "'").replace("‘", "'"))
    plain = "".join(ch for ch in folded if not unicodedata.combining(ch)).casefold()
    words = []
    for token in _TOKEN.findall(plain):
        stem = token[:-2] if token.endswith("'s") else token
        words.append(stem.replace("'", ""))
    return words


def parse_gdelt(text: str) -> Query:
    """Parses a GDELT DOC 2.0 `query`, or raises QueryError with GDELT's refusal."""
    if not text.strip() or len(text) > MAX_QUERY_CHARS:
        raise QueryError(QUERY_TOO_SHORT_OR_LONG)
    tokens = _lex(text)
    if tokens.count("(") != tokens.count(")"):
        raise QueryError(PARENS_ERROR)
    clauses: list[Clause] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token == "(":
            close = _closing(tokens, i)
            clauses.append(Clause(_alternatives(tokens[i + 1 : close])))
            i = close + 1
            continue
        if token == ")":
            raise QueryError(PARENS_ERROR)
        if token == "OR":
            raise QueryError(OR_OUTSIDE_PARENS)
        negated = token.startswith("-") and len(token) > 1
        clauses.append(Clause((_atom(token[1:] if negated else token),), negated=negated))
        i += 1
    return Query(tuple(clauses))


def parse_keywords(text: str) -> Query:
    """A lenient reading for the NYT `q`: its words and quoted phrases, all required."""
    clauses = []
    for token in _lex(text):
        if token in ("(", ")", "OR"):
            continue
        words = tuple(words_of(token))
        if words:
            clauses.append(Clause((Phrase(words),)))
    return Query(tuple(clauses))


def _lex(text: str) -> list[str]:
    """Splits into "(", ")", quoted phrases (kept with their quotes and any leading "-" or
    "name:"), and bare words."""
    tokens: list[str] = []
    current = ""
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == '"':
            end = text.find('"', i + 1)
            if end < 0:
                raise QueryError(PARENS_ERROR)
            current += text[i : end + 1]
            i = end + 1
            continue
        if ch.isspace() or ch in "()":
            if current:
                tokens.append(current)
                current = ""
            if ch in "()":
                tokens.append(ch)
        else:
            current += ch
        i += 1
    if current:
        tokens.append(current)
    return tokens


def _closing(tokens: Sequence[str], start: int) -> int:
    for j in range(start + 1, len(tokens)):
        if tokens[j] == ")":
            return j
        if tokens[j] == "(":
            break
    raise QueryError(PARENS_ERROR)


def _alternatives(tokens: Sequence[str]) -> tuple[Atom, ...]:
    """`a OR b OR c` inside parentheses: atoms at even places, OR between them."""
    if not tokens or len(tokens) % 2 == 0:
        raise QueryError(PARENS_ERROR)
    atoms = []
    for place, token in enumerate(tokens):
        if place % 2:
            if token != "OR":
                raise QueryError(PARENS_ERROR)
        elif token == "OR" or token.startswith("-"):
            raise QueryError(PARENS_ERROR)
        else:
            atoms.append(_atom(token))
    return tuple(atoms)


def _atom(token: str) -> Atom:
    if token.startswith('"'):
        return _phrase(token[1:-1])
    operator = _OPERATOR.match(token)
    if operator:
        return _operator(operator.group(1).casefold(), operator.group(2).strip('"'))
    if len(token) < 2:
        raise QueryError(QUERY_TOO_SHORT_OR_LONG)
    if not _WORD_CHARS.match(token):
        raise QueryError(ILLEGAL_CHARACTER)
    if len(token) < _MIN_WORD_CHARS:
        raise QueryError(PHRASE_TOO_SHORT)
    return Phrase(tuple(words_of(token)))


def _phrase(text: str) -> Phrase:
    words = tuple(words_of(text))
    if len(text.strip()) < _MIN_PHRASE_CHARS or not words:
        raise QueryError(PHRASE_TOO_SHORT)
    return Phrase(words)


def _operator(name: str, value: str) -> Atom:
    if name not in _SUPPORTED_OPERATORS:
        raise QueryError(
            f"The wire replay does not support the operator {name}: (it serves recorded"
            f" coverage and honours only {', '.join(op + ':' for op in _SUPPORTED_OPERATORS)})."
        )
    if not value:
        raise QueryError(QUERY_TOO_SHORT_OR_LONG)
    if name == "sourcelang":
        language = value.casefold()
        return LanguageFilter(_LANGUAGE_CODES.get(language, language))
    return DomainFilter(_host(value), exact=name == "domainis")


def _host(value: str) -> str:
    host = value.strip().casefold().rstrip(".")
    return host.removeprefix("www.")


def _same_word(query: str, word: str) -> bool:
    """Equal, or equal but for a plural "s"/"es" on either side."""
    if query == word:
        return True
    longer, shorter = (query, word) if len(query) > len(word) else (word, query)
    return longer in (shorter + "s", shorter + "es")
