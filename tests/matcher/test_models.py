"""The committed models load and behave on a small fixed sample with known labels, and
their recorded validation figures are where they should be."""

from __future__ import annotations

import json

from services.matcher import claims, embeddings
from services.matcher.claims import CheckWorthinessModel, attribution, canonical_outlet
from services.matcher.retrieval import RETRIEVAL_MODEL_PATH, ClaimRetriever
from services.matcher.stance import StanceModel
from services.matcher.training.fnc import fnc_score

CHECKWORTHY = [
    ("We have lost 750,000 manufacturing jobs since 2001.", 1),
    ("The unemployment rate went from 7.8 percent to 10 percent in two years.", 1),
    ("Our deficit this year is $1.4 trillion, the largest in history.", 1),
    ("Thank you very much, and good evening to everyone here.", 0),
    ("I want to thank the moderator and the university for hosting us.", 0),
    ("Well, let me just say that I think that's a great question.", 0),
]


def test_checkworthiness_on_known_sentences(claims_model: CheckWorthinessModel) -> None:
    predicted = claims_model.labels([text for text, _ in CHECKWORTHY])
    assert predicted == [label for _, label in CHECKWORTHY]
    scores = claims_model.scores(["Thank you.", "Taxes rose by 12 percent in 2010."])
    assert scores[0] < scores[1]


def test_checkworthiness_metrics_recorded() -> None:
    metrics = json.loads(claims.MODEL_PATH.with_suffix(".metrics.json").read_text())
    assert metrics["at_equal_priors"]["f1_class1"] >= 0.87
    assert metrics["f1_class1"] >= 0.75
    assert metrics["weighted_f1"] >= 0.86
    assert metrics["lexical_only"]["at_equal_priors"]["f1_class1"] >= 0.82


CLAIM = "Russia says two drones targeting the Kremlin were shot down"
AGREE = (
    "Russia said on Wednesday two drones targeting the Kremlin overnight had been shot down "
    "by its air defences. Officials said the drones were disabled and crashed in the grounds."
)
UNRELATED = (
    "The central bank raised its benchmark interest rate by a quarter point on Wednesday, "
    "citing persistent inflation in services and a tight labour market."
)


def test_stance_on_known_pairs(stance_model: StanceModel) -> None:
    related, unrelated = stance_model.predict(CLAIM, [AGREE, UNRELATED])
    assert unrelated.label == "unrelated"
    assert related.label in {"agree", "discuss"}
    assert "drones" in related.passage
    assert abs(sum(related.probabilities.values()) - 1.0) < 1e-6


def test_fnc_score() -> None:
    assert fnc_score(["agree", "unrelated"], ["agree", "unrelated"]) == 100.0
    # related/unrelated right but wrong class: 0.25 of 1.0 for the related pair.
    assert fnc_score(["agree", "unrelated"], ["discuss", "unrelated"]) == 100 * 0.5 / 1.25


def test_attribution() -> None:
    who = attribution("Kremlin spokesman Dmitry Peskov said Ukraine acted on U.S. orders.")
    assert who.speaker == "Dmitry Peskov"
    assert attribution("Two drones were shot down, according to Reuters.").outlet == "Reuters"
    assert attribution("It rained.") == claims.Attribution()
    assert canonical_outlet("the New York Times") == "NYT"
    assert canonical_outlet(" MNBC ") == "MNBC"


def test_retrieval_encoder_is_fine_tuned_and_its_figures_recorded() -> None:
    metrics = json.loads(RETRIEVAL_MODEL_PATH.with_suffix(".metrics.json").read_text())
    assert metrics["dev_map_at_5"] >= 0.85
    assert metrics["dev_map_at_5"] > metrics["dev_map_at_5_frozen_minilm"]
    claims = [
        ("0", "Drinking bleach cures the coronavirus. Does Bleach Cure COVID-19?"),
        ("1", "A shark swam on a flooded highway in Houston. Shark on Houston Freeway"),
        ("2", "Eating carrots improves night vision. Carrots and Night Vision"),
    ]
    retriever = ClaimRetriever.trained([c for c, _ in claims], [t for _, t in claims])
    if not embeddings.available():
        return
    assert retriever.encoder is not None and retriever.encoder.name == "retrieval"
    ranked = retriever.rank("Unbelievable: a shark swimming down the freeway in Houston!", 3)
    assert ranked[0][0] == "1"
