"""Presentation: how the article says what it says, in parts (`parts.py`):

- wording, a part each: a question headline, loaded words, sensational words, editorial
  insertions inside quotes ("[ Nonsense ]"), opinion not labelled as opinion, shouting in
  capitals, exclamation marks; each named with the words that triggered it;
- clickbait: how much the headline reads like clickbait (a learned headline model);
- subjectivity: how much of the text is the writer's opinion (a learned sentence model);
- propaganda: how much of the text uses propaganda techniques, with the spans found and
  the technique named (learned sentence, span and technique models);
- headline: whether the body uses the headline's terms (a headline the body does not back).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

from credence.v1 import article_pb2, report_pb2

from services.scorer.signals.common import lexicon, lexicon_pattern, quote
from services.scorer.signals.parts import Part, compose
from services.scorer.signals.text_reading import Reading, read
from services.scorer.weights import Weights, default_weights

_LOGGER = logging.getLogger(__name__)

KIND = report_pb2.SIGNAL_KIND_PRESENTATION
QUESTION_HEADLINE = 20.0
PER_SENSATIONAL, MAX_SENSATIONAL = 8.0, 24.0
PER_LOADED, MAX_LOADED = 8.0, 32.0
PER_INSERTION, MAX_INSERTION = 10.0, 20.0
UNLABELLED_OPINION = 15.0
CAPS_HEADLINE = 10.0
EXCLAMATIONS = 8.0
MIN_OPINION_HITS = 3
WORDING_COSTS = {
    "question_headline": QUESTION_HEADLINE,
    "loaded": MAX_LOADED,
    "sensational": MAX_SENSATIONAL,
    "insertions": MAX_INSERTION,
    "unlabelled_opinion": UNLABELLED_OPINION,
    "capitals": CAPS_HEADLINE,
    "exclamations": EXCLAMATIONS,
}
"""Each wording part and the most its findings cost: a part's sub-score falls from 100 to
0 as its findings' cost reaches that."""
_BRACKETS = re.compile(r"\[\s*([^\]\n]{1,60}?)\s*\]")
_CAPS_WORD = re.compile(r"\b[A-Z]{4,}\b")
# A question: a clause of 12 or more characters ending in "?". Only a clause's first
# character can start one (the lookbehind): without it each later character of a clause that
# ends otherwise was tried again, quadratic in the clause's length.
_QUESTION = re.compile(r"(?<![^.!?\n])[^.!?\n]{12,}\?")


@dataclass(frozen=True)
class Finding:
    """One presentation problem: its part, its cost (up to the part's most) and its reason."""

    part: str
    cost: float
    reason: str


def _hits(group: str, text: str) -> list[str]:
    found: dict[str, str] = {}
    for match in lexicon_pattern(group).finditer(text):
        found.setdefault(match.group(0).lower(), match.group(0))
    return list(found.values())


def question_headline(title: str) -> Finding | None:
    """A headline that asks instead of telling (Betteridge's law)."""
    if title.strip().endswith("?"):
        return Finding(
            "question_headline",
            QUESTION_HEADLINE,
            f"The headline is a question ({quote(title)}), a form that insinuates a claim "
            "without stating it.",
        )
    return None


def capitals_and_exclamations(title: str, text: str) -> list[Finding]:
    """Shouting: ALL CAPS words in the headline, exclamation marks."""
    out: list[Finding] = []
    caps = _CAPS_WORD.findall(title)
    if caps:
        out.append(
            Finding(
                "capitals",
                CAPS_HEADLINE,
                f"The headline shouts in capitals ({', '.join(caps[:3])}).",
            )
        )
    marks = title.count("!") + text.count("!")
    if "!" in title or marks >= 3:
        out.append(Finding("exclamations", EXCLAMATIONS, f"Uses exclamation marks ({marks})."))
    return out


def word_lists(title: str, text: str) -> list[Finding]:
    """Sensational and loaded words from the lexicon."""
    out: list[Finding] = []
    sensational = _hits("sensational", f"{title}\n{text}")
    if sensational:
        cost = min(MAX_SENSATIONAL, PER_SENSATIONAL * len(sensational))
        out.append(
            Finding(
                "sensational",
                cost,
                "Sensational wording: " + ", ".join(quote(w, 40) for w in sensational) + ".",
            )
        )
    loaded = _hits("loaded", f"{title}\n{text}")
    if loaded:
        cost = min(MAX_LOADED, PER_LOADED * len(loaded))
        out.append(
            Finding(
                "loaded",
                cost,
                "Loaded language that takes a side instead of describing: "
                + ", ".join(quote(w, 40) for w in loaded)
                + ".",
            )
        )
    return out


def editorial_insertions(text: str) -> Finding | None:
    """Evaluative words the writer inserted in square brackets, e.g. "[ Nonsense ]"."""
    editorial = {w.lower() for w in lexicon()["editorial"]}
    found = []
    for match in _BRACKETS.finditer(text):
        inner = match.group(1).strip()
        words = {w.lower() for w in re.findall(r"[\w!?]+", inner)}
        if words & editorial or inner.endswith(("!", "?")):
            found.append(match.group(0))
    if not found:
        return None
    cost = min(MAX_INSERTION, PER_INSERTION * len(found))
    shown = ", ".join(quote(f, 30) for f in dict.fromkeys(found))
    return Finding(
        "insertions",
        cost,
        f"Inserts its own verdicts into quoted material ({shown}, {len(found)} times), "
        "mixing comment with the record.",
    )


def is_opinion_section(section: str) -> bool:
    """True when the page's section labels it as opinion (comment, editorial, ...)."""
    lowered = section.strip().lower()
    return bool(lowered) and any(s in lowered for s in lexicon()["opinion_sections"])


def unlabelled_opinion(article: article_pb2.Article) -> Finding | None:
    """Opinion markers and rhetorical questions in an article not labelled as opinion."""
    if is_opinion_section(article.section):
        return None
    body = "\n".join(
        line
        for line in article.text.splitlines()
        if not line.lstrip().startswith(("Q ", "Q\t", "“", '"'))
    )
    markers = _hits("opinion_markers", body)
    questions = _QUESTION.findall(body)
    if len(markers) + len(questions) < MIN_OPINION_HITS:
        return None
    examples = [quote(m, 40) for m in markers[:3]] + [quote(q.strip(), 60) for q in questions[:2]]
    return Finding(
        "unlabelled_opinion",
        UNLABELLED_OPINION,
        "Argues a point of view ("
        + "; ".join(examples)
        + f"; {len(questions)} rhetorical questions) "
        "but is not labelled as opinion or analysis.",
    )


def wording(article: article_pb2.Article) -> list[Part]:
    """The lexicon's findings, one part each: question headline, loaded and sensational
    words, editorial insertions, unlabelled opinion, capitals, exclamation marks."""
    title, text = article.title, article.text
    findings = [
        f
        for f in (question_headline(title), editorial_insertions(text), unlabelled_opinion(article))
        if f
    ]
    findings += word_lists(title, text) + capitals_and_exclamations(title, text)
    by_part = {f.part: f for f in findings}
    parts = []
    for name, most in WORDING_COSTS.items():
        found = by_part.get(name)
        if found is None:
            parts.append(Part(name, 100.0, ()))
        else:
            parts.append(Part(name, 100.0 * (1.0 - min(1.0, found.cost / most)), (found.reason,)))
    return parts


def clickbait(title: str, reading: Reading) -> Part:
    """The headline model's view of the headline."""
    if not title.strip():
        return Part("clickbait", 50.0, (), available=False)
    p = reading.clickbait
    if p >= 0.5:
        reason = (
            f"The headline {quote(title)} reads like clickbait ({p:.0%} by the headline model)."
        )
    else:
        reason = f"The headline reads like a news headline, not clickbait ({p:.0%})."
    return Part("clickbait", 100.0 * (1.0 - p), (reason,))


def subjectivity(reading: Reading) -> Part:
    """How much of the writer's own voice the sentence model reads as opinion."""
    if not reading.own_sentences:
        return Part("subjectivity", 50.0, (), available=False)
    share = reading.subjective_mean
    if reading.subjective:
        examples = "; ".join(quote(f.sentence, 80) for f in reading.subjective[:2])
        reason = (
            f"Much of what the writer states in their own voice reads as opinion rather than "
            f"report ({share:.0%} by the sentence model), e.g. {examples}."
        )
    else:
        reason = (
            f"What the writer states in their own voice reads as report rather than opinion "
            f"({share:.0%} subjective)."
        )
    return Part("subjectivity", 100.0 * (1.0 - share), (reason,))


def propaganda(reading: Reading) -> Part:
    """The writer's own sentences that use propaganda techniques, with span and technique."""
    if not reading.own_sentences:
        return Part("propaganda", 50.0, (), available=False)
    share = reading.propaganda_mean
    if reading.propaganda:
        spans = "; ".join(
            f"{quote(f.span, 60)} ({f.technique.lower()})" for f in reading.propaganda[:3]
        )
        reason = (
            f"Uses propaganda techniques in its own voice ({share:.0%} of its own sentences by "
            f"the propaganda model): "
            f"{spans}."
        )
    else:
        reason = f"No sentence reads as a propaganda technique ({share:.0%})."
    return Part("propaganda", 100.0 * (1.0 - share), (reason,))


def headline(reading: Reading) -> Part:
    """Whether the body uses the headline's terms."""
    terms, missing = reading.headline_terms, reading.headline_missing
    if len(terms) < 2:
        return Part("headline", 50.0, (), available=False)
    if missing:
        reason = (
            f"The body never uses {len(missing)} of the headline's {len(terms)} terms ("
            + ", ".join(quote(m, 30) for m in missing[:4])
            + "): the headline claims more than the text backs."
        )
    else:
        reason = "The body uses every term of the headline."
    return Part("headline", 100.0 * (1.0 - len(missing) / len(terms)), (reason,))


def presentation_parts(article: article_pb2.Article) -> list[Part]:
    """Every part of the presentation signal."""
    reading = read(article.title, article.text, len(article.links))
    return [
        *wording(article),
        clickbait(article.title, reading),
        subjectivity(reading),
        propaganda(reading),
        headline(reading),
    ]


def presentation_signal(parts: Sequence[Part], text: str, weights: Weights) -> report_pb2.Signal:
    """The signal of the parts (surer on a longer text)."""
    confidence = 0.7 if len(text) > 400 else 0.4
    return compose(KIND, parts, weights.parts["presentation"], confidence)


def presentation(article: article_pb2.Article, weights: Weights | None = None) -> report_pb2.Signal:
    """The presentation signal from the headline and the text."""
    parts = presentation_parts(article)
    return presentation_signal(parts, article.text, weights or default_weights())
