"""Which article languages the text models can read, and the names the report gives them.

The check-worthiness, stance and same-event models and the presentation lexicon are
English; an article in another language is not run through them (their findings would be
nonsense), and the report says why instead. An article whose language is unknown (a text
too short to identify) is read as English, as it always was."""

from __future__ import annotations

import re

from babel import Locale, UnknownLocaleError

MODEL_LANGUAGES = frozenset({"en"})
"""The languages the English-only models are trained for (ISO 639-1)."""

_PRIMARY = re.compile(r"\s*([A-Za-z]{2,3})(?:[-_]|\s*$)")


def primary(code: str) -> str:
    """The primary language subtag, lower-case: "fr-FR" and "FR" give "fr"; "" when none."""
    match = _PRIMARY.match(code or "")
    return match.group(1).lower() if match else ""


def has_models(code: str) -> bool:
    """Whether the text models read articles in this language (unknown counts as English)."""
    language = primary(code)
    return not language or language in MODEL_LANGUAGES


def english_name(code: str) -> str:
    """The language's English name ("French" for "fr"); "" when the code names no language
    babel knows."""
    try:
        return str(Locale.parse(primary(code)).get_language_name("en") or "")
    except (UnknownLocaleError, ValueError, TypeError):
        return ""


def described(code: str) -> str:
    """ "French", or "a language other than English (xx)" for a code babel does not know."""
    return english_name(code) or f"a language other than English ({primary(code) or code})"


def claims_not_assessed(code: str) -> str:
    """Why an article's claims are not checked against wire reports, or "" when they are."""
    if has_models(code):
        return ""
    return (
        f"The article is in {described(code)}; claims are checked against wire reports "
        "only in English for now."
    )


def wording_not_assessed(code: str) -> str:
    """Why an article's wording is not read for loaded or sensational language, or ""."""
    if has_models(code):
        return ""
    return (
        f"The article is in {described(code)}; its wording is read for loaded and "
        "sensational language only in English for now."
    )
