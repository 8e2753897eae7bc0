"""The learned text models and the text readings of the article signals: clickbait,
subjectivity and propaganda (with spans and techniques), named against anonymous sources,
quotes, links and headline terms the body never uses; the part weights and their fit."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from credence.v1 import article_pb2, report_pb2, scoring_pb2

from services.scorer import fitting
from services.scorer.signals.parts import NOT_COUNTED, Part, compose
from services.scorer.signals.presentation import presentation
from services.scorer.signals.sourcing import text_parts
from services.scorer.signals.text_reading import (
    anonymous,
    attributions,
    headline_terms,
    read,
    sentences,
)
from services.scorer.textmodels.hashed import normalise
from services.scorer.textmodels.store import CLICKBAIT, PROPAGANDA, SUBJECTIVITY, model
from services.scorer.weights import WEIGHTS_PATH, Weights

REPORT = (
    "The city council approved the budget on Tuesday by a vote of seven to two. "
    "The plan raises spending on schools by four percent, Mayor Jane Smith said. "
    "\u201cWe listened to parents and teachers for a year,\u201d said council member Tom Reyes. "
    "The budget takes effect in July, according to the city finance office."
)


def test_clickbait_model_reads_headlines_not_their_casing() -> None:
    bait = "You Won't Believe What This Celebrity Did Next"
    news = "Senate passes budget bill after long debate over school funding"
    p = model(CLICKBAIT).probability([bait, news, bait.lower(), bait.upper()])
    assert p[0] > 0.8 and p[1] < 0.2
    assert p[0] == pytest.approx(p[2]) == pytest.approx(p[3])
    assert normalise("Is It True?") == normalise("is it true")


def test_subjectivity_and_propaganda_models_rank_sentences() -> None:
    opinion = "This is without doubt the most shameful and disgusting decision I have ever seen."
    fact = "The committee met on Monday and approved the budget by a vote of seven to two."
    assert np.diff(model(SUBJECTIVITY).probability([fact, opinion]))[0] > 0
    loaded = "These traitors and globalist criminals want to destroy our great nation forever!"
    assert np.diff(model(PROPAGANDA).probability([fact, loaded]))[0] > 0


def test_propaganda_reading_names_a_span_and_a_technique() -> None:
    text = REPORT + (
        " These traitors and globalist criminals want to destroy our great nation forever!"
        " Only a fool would believe the lying mainstream media and their evil puppet masters."
    )
    reading = read("Council approves budget", text)
    assert reading.propaganda, reading
    first = reading.propaganda[0]
    assert first.span and first.span in first.sentence and first.technique
    signal = presentation(article_pb2.Article(title="Council approves budget", text=text))
    assert first.span in " ".join(signal.reasons)


def test_named_and_anonymous_sources() -> None:
    names, count = attributions(REPORT)
    assert count >= 2 and any("Smith" in n for n in names) and any("Reyes" in n for n in names)
    unnamed = anonymous(
        "Sources said the deal was off. An official who declined to be named confirmed it; "
        "people familiar with the matter agreed."
    )
    assert [u.lower() for u in unnamed] == [
        "sources said",
        "declined to be named",
        "people familiar with",
    ]
    assert attributions("He said it was fine. They told us so.") == ([], 0)


def test_sourcing_text_parts_read_english_only() -> None:
    reading = read("Council approves budget", REPORT)
    english = {p.name: p.available for p in text_parts(reading)}
    french = {p.name: p.available for p in text_parts(reading, english=False)}
    assert all(english.values()) and not any(french.values())


def test_headline_terms_the_body_never_uses() -> None:
    terms, missing = headline_terms("Council approves secret vaccine budget", REPORT)
    assert "council" in terms and "approves" not in missing
    assert missing == ["secret", "vaccine"]


def test_sentences_split_at_sentence_ends() -> None:
    text = 'He left the room early. "She stayed home today," he said. OK.\nA new paragraph starts.'
    assert sentences(text) == [
        "He left the room early.",
        '"She stayed home today," he said.',
        "A new paragraph starts.",
    ]  # sentences under four words ("OK.") are not read


def test_zero_weight_parts_are_shown_but_not_counted() -> None:
    parts = [
        Part("wording", 90.0, ("Fine wording.",)),
        Part("clickbait", 10.0, ("The headline reads like clickbait.",)),
    ]
    signal = compose(
        report_pb2.SIGNAL_KIND_PRESENTATION, parts, {"wording": 1.0, "clickbait": 0.0}, 0.7
    )
    assert signal.score == 90.0
    assert signal.reasons[-1].endswith(NOT_COUNTED)
    nothing = compose(report_pb2.SIGNAL_KIND_PRESENTATION, [], {}, 0.7)
    assert nothing.score == 50.0 and nothing.confidence <= 0.2 and nothing.reasons


def test_part_weights_are_checked() -> None:
    data = {"model_version": "x", "signals": dict.fromkeys(fitting.FITTED, 1.0)}
    data["signals"] |= {"source_reputation": 1.0, "corroboration": 1.0, "transparency": 1.0}
    assert Weights.from_mapping(data).parts["sourcing"]["quotes"] == 1.0
    with pytest.raises(ValueError, match=r"parts\.presentation"):
        Weights.from_mapping({**data, "parts": {"presentation": {"wording": -1}}})
    with pytest.raises(ValueError, match=r"parts\.sourcing"):
        Weights.from_mapping({**data, "parts": {"sourcing": {"vibes": 1}}})


def _scored(label: int, publisher: str, quality: float, i: int) -> fitting.Scored:
    request = scoring_pb2.ScoreRequest(
        article=article_pb2.Article(title="t", text="x" * 500, url=f"https://u.invalid/{i}")
    )
    case = fitting.Case(str(i), label, publisher, request)
    parts = {
        name: tuple(Part(p, 50.0, ("r",)) for p in fitting.PART_NAMES[name])
        for name in fitting.FITTED
    }
    parts["presentation"] = (Part("question_headline", quality, ("r",)), *parts["presentation"][1:])
    parts["sourcing"] = (
        *parts["sourcing"][:2],
        Part("anonymous", 100 - quality, ("r",)),
        *parts["sourcing"][3:],
    )
    return fitting.Scored(case, (), parts, ())


def test_fit_is_non_negative_and_cross_validated_by_publisher(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    rows = [
        _scored(label, f"site{i % 12}", 50 + 30 * (label - 0.5) + rng.normal(0, 10), i)
        for i, label in enumerate([1, 0, 0] * 40)
    ]
    coef = fitting.fit_coefficients(rows)
    assert (coef >= 0).all()
    named = dict(zip(fitting.COLUMNS, coef, strict=True))
    assert named[("presentation", "question_headline")] > 0
    assert named[("sourcing", "anonymous")] == 0  # it points the wrong way: kept at zero
    base = Weights.load()
    figures = fitting.measure(rows, base)
    assert figures.grouped_cv_auc > 0.8 and len(figures.fold_aucs) == fitting.FOLDS
    assert figures.publishers == 12
    weights = fitting.fitted_weights(base, coef)
    share = sum(base.signals[n] for n in fitting.FITTED)
    assert sum(weights.signals[n] for n in fitting.FITTED) == pytest.approx(share, abs=1e-3)
    copy = tmp_path / "weights.yaml"
    copy.write_text(WEIGHTS_PATH.read_text(encoding="utf-8"), encoding="utf-8")
    fitting.write_weights(copy, weights, "Part weights: a test.")
    again = Weights.load(copy)
    assert again.parts == weights.parts and again.bands == base.bands
    assert again.list_weights == base.list_weights
    assert "# Part weights: a test." in copy.read_text(encoding="utf-8")
