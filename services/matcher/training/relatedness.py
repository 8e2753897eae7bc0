"""Trains the relatedness model: `make train-relatedness` (a few minutes on two cores).

Pairs come from CheckThat! 2020 (tweets against verified claims, hard and random
negatives) and FNC-1 (headlines against body leads); see `relatedness_data`. Each data set
is split by topic group, 80% fit and 20% held out. A logistic regression (each data set
weighted equally) is fitted on the fit pairs, with and without the embedding cosine. The
threshold is the lowest at which out-of-fold predictions on the fit pairs (grouped 5-fold)
reach the target precision on each data set; ROC AUC, precision and recall at that
threshold are then reported on the held-out pairs of each data set, which neither the
coefficients nor the threshold saw. The model that was measured is the one written.

It also reports the false-related rate on pairs that share words but not events: the
sample article's check-worthy claims against Reuters-21578 stories and FNC-1 leads, and
against the recorded coverage of its own event (whose distractor records are other events
of the same days), and the measured effect of adding the FNC-1 stance model's
P(unrelated) as a feature.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import precision_recall_curve, roc_auc_score
from sklearn.model_selection import GroupKFold

from services.common.config import get_settings
from services.matcher import embeddings
from services.matcher.relatedness import (
    FEATURES,
    LEXICAL_FEATURES,
    MODEL_PATH,
    Coefficients,
    IdfTable,
    RelatednessModel,
    claim_side,
    story_side,
    story_text,
)
from services.matcher.textutil import sentences
from services.matcher.training.relatedness_data import (
    FIT,
    FNC_LEAD_SENTENCES,
    HELD_OUT,
    Encode,
    PairSet,
    checkthat_pairs,
    fnc_pairs,
)

_LOGGER = logging.getLogger(__name__)
SEED = 2024
TARGET_PRECISION = 0.95
FOLDS = 5
POOL_SIZE = 1500  # verified claims besides the relevant ones; caps the encodings
MAX_FNC_BODIES = 600
SAMPLE = Path("samples") / "globalresearch-kremlin-drone-2023.txt"
COVERAGE = Path("wire") / "coverage-kremlin-drone-2023-05" / "records.jsonl"


@dataclass
class Featurised:
    """Feature rows (`FEATURES` order), labels, groups and sides of a data set's pairs."""

    name: str
    x: np.ndarray
    y: np.ndarray
    group: np.ndarray
    side: np.ndarray


def cached_encoder() -> Encode | None:
    """The packaged MiniLM with an in-memory cache of the texts already encoded."""
    model = embeddings.encoder()
    if model is None:
        return None
    cache: dict[str, np.ndarray] = {}

    def encode(texts: Sequence[str]) -> np.ndarray:
        missing = sorted({t for t in texts if t not in cache})
        if missing:
            for text, vector in zip(missing, model.encode(missing), strict=True):
                cache[text] = vector
        return np.vstack([cache[t] for t in texts]) if texts else np.zeros((0, 384))

    return encode


def featurise(data: PairSet, idf: IdfTable, encode: Encode | None) -> Featurised:
    """The features of every pair of `data` (cosine 0 when there is no encoder)."""
    model = RelatednessModel(_blank(FEATURES), _blank(LEXICAL_FEATURES), idf, use_encoder=False)
    claims = [claim_side(c, idf) for c in data.claims]
    stories = [story_side(s) for s in data.stories]
    by_claim: dict[int, list[int]] = defaultdict(list)
    for index, pair in enumerate(data.pairs):
        by_claim[pair.claim_id].append(index)
    claim_vectors = encode(data.claims) if encode else None
    story_vectors = encode(data.stories) if encode else None
    x = np.zeros((len(data.pairs), len(FEATURES)))
    for claim_id, indices in by_claim.items():
        story_ids = [data.pairs[i].story_id for i in indices]
        cosines = (
            story_vectors[story_ids] @ claim_vectors[claim_id]
            if claim_vectors is not None and story_vectors is not None
            else np.zeros(len(indices))
        )
        rows, _ = model.features(claims[claim_id], [stories[s] for s in story_ids], cosines)
        x[indices] = rows
    return Featurised(
        data.name,
        x,
        np.asarray([p.label for p in data.pairs]),
        np.asarray([f"{data.name}-{p.group}" for p in data.pairs]),
        np.asarray([p.side for p in data.pairs]),
    )


def _blank(features: Sequence[str]) -> Coefficients:
    zeros = np.zeros(len(features))
    return Coefficients(tuple(features), zeros, zeros + 1, zeros, 0.0, 0.5)


def _weights(names: np.ndarray) -> np.ndarray:
    """Each data set weighs the same in the fit, whatever its number of pairs."""
    out = np.ones(len(names))
    for name in set(names.tolist()):
        mask = names == name
        out[mask] = len(names) / (2 * mask.sum())
    return out


def fit_coefficients(
    x: np.ndarray, y: np.ndarray, names: np.ndarray, columns: list[int]
) -> Coefficients:
    """A logistic regression on standardised `columns` of `x` (threshold still 0.5)."""
    sub = x[:, columns]
    mean, scale = sub.mean(axis=0), sub.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=1.0, max_iter=1000)
    model.fit((sub - mean) / scale, y, sample_weight=_weights(names))
    features = tuple(FEATURES[c] for c in columns)
    return Coefficients(features, mean, scale, model.coef_[0], float(model.intercept_[0]), 0.5)


def threshold_for(probabilities: np.ndarray, labels: np.ndarray, target: float) -> float:
    """The lowest threshold at which precision reaches `target` (and stays there above)."""
    precision, _, thresholds = precision_recall_curve(labels, probabilities)
    ok = np.flatnonzero(precision[:-1] >= target)
    # Precision is not monotonic: take the point past which it never falls below target.
    below = np.flatnonzero(precision[:-1] < target)
    start = below[-1] + 1 if below.size else 0
    ok = ok[ok >= start]
    return float(thresholds[ok[0]]) if ok.size else 1.0


def out_of_fold(
    x: np.ndarray, y: np.ndarray, names: np.ndarray, groups: np.ndarray, columns: list[int]
) -> np.ndarray:
    """Probabilities of each fit pair from a model fitted on the other folds (by group)."""
    out = np.zeros(len(y))
    for train_idx, test_idx in GroupKFold(n_splits=FOLDS).split(x, y, groups):
        fold = fit_coefficients(x[train_idx], y[train_idx], names[train_idx], columns)
        out[test_idx] = fold.probabilities(x[test_idx][:, columns])
    return out


def scores_at(probabilities: np.ndarray, labels: np.ndarray, threshold: float) -> dict[str, Any]:
    """ROC AUC, and precision and recall at `threshold`."""
    predicted = probabilities >= threshold
    hits = int((predicted & (labels == 1)).sum())
    both = len(set(labels.tolist())) == 2
    return {
        "roc_auc": round(float(roc_auc_score(labels, probabilities)), 4) if both else None,
        "precision": round(hits / max(int(predicted.sum()), 1), 4),
        "recall": round(hits / max(int(labels.sum()), 1), 4),
        "pairs": len(labels),
        "related_pairs": int(labels.sum()),
    }


def train_set(sets: list[Featurised], columns: list[int]) -> tuple[Coefficients, dict[str, Any]]:
    """Coefficients and threshold from the fit pairs; held-out figures per data set."""
    fit = [(s.x[s.side == FIT], s.y[s.side == FIT], s.group[s.side == FIT], s.name) for s in sets]
    x = np.vstack([f[0] for f in fit])
    y = np.concatenate([f[1] for f in fit])
    groups = np.concatenate([f[2] for f in fit])
    names = np.concatenate([np.full(len(f[1]), f[3]) for f in fit])
    oof = out_of_fold(x, y, names, groups, columns)
    per_set = {
        name: threshold_for(oof[names == name], y[names == name], TARGET_PRECISION)
        for name in sorted(set(names.tolist()))
    }
    threshold = max(per_set.values())
    coefficients = fit_coefficients(x, y, names, columns)
    coefficients = Coefficients(**{**coefficients.__dict__, "threshold": threshold})
    report: dict[str, Any] = {
        "threshold": round(threshold, 4),
        "threshold_per_data_set_out_of_fold": {k: round(v, 4) for k, v in per_set.items()},
        "fit_pairs": len(y),
    }
    for s in sets:
        held = s.side == HELD_OUT
        probabilities = coefficients.probabilities(s.x[held][:, columns])
        report[s.name] = scores_at(probabilities, s.y[held], threshold)
    return coefficients, report


def sample_claims(data_dir: Path) -> list[str]:
    """The check-worthy sentences of the sample article, as the matcher picks them."""
    from services.matcher.claims import CheckWorthinessModel

    pool = [
        s
        for s in sentences((data_dir / SAMPLE).read_text(encoding="utf-8"))
        if 8 <= len(s.split()) <= 60 and not s.rstrip("”\"' ").endswith("?")
    ]
    labels = CheckWorthinessModel.load().labels(pool)
    return [s for s, label in zip(pool, labels, strict=True) if label == 1]


def other_events(
    model: RelatednessModel,
    claims: list[str],
    stories: list[str],
    encode: Encode | None,
    *,
    shortlist: int,
    sample: int,
    rng: np.random.Generator,
) -> dict[str, Any]:
    """False-related rate of `claims` against stories of other events: every pair with the
    lexical coefficients; with the embedding ones, per claim the `shortlist` lexically
    closest stories plus `sample` random ones (to cap encodings)."""
    sides = [story_side(s) for s in stories]
    lexical_related = 0
    embedding_pairs = embedding_related = 0
    worst = (0.0, "", "")
    random_rows = rng.permutation(len(stories))[:sample]
    for claim in claims:
        side = claim_side(claim, model.idf)
        rows, _ = model.features(side, sides, None)
        lexical = model.lexical.probabilities(rows)
        lexical_related += int((lexical >= model.lexical.threshold).sum())
        if encode is None:
            continue
        chosen = sorted(
            set(np.argsort(-rows[:, LEXICAL_FEATURES.index("idf_share")])[:shortlist].tolist())
            | set(random_rows.tolist())
        )
        cosines = encode([stories[i] for i in chosen]) @ encode([claim])[0]
        full, _ = model.features(side, [sides[i] for i in chosen], cosines)
        probabilities = model.with_embeddings.probabilities(full)
        embedding_pairs += len(chosen)
        embedding_related += int((probabilities >= model.with_embeddings.threshold).sum())
        best = int(np.argmax(probabilities))
        if probabilities[best] > worst[0]:
            worst = (float(probabilities[best]), claim, stories[chosen[best]])
    out: dict[str, Any] = {
        "stories": len(stories),
        "lexical_pairs": len(claims) * len(stories),
        "lexical_false_related": lexical_related,
    }
    if encode is not None:
        out |= {
            "embedding_pairs": embedding_pairs,
            "embedding_false_related": embedding_related,
            "embedding_highest": {
                "probability": round(worst[0], 4),
                "claim": worst[1][:160],
                "story": worst[2][:160],
            },
        }
    return out


def coverage_report(
    model: RelatednessModel, claims: list[str], data_dir: Path, encode: Encode | None
) -> dict[str, Any]:
    """Per coverage topic: how many records at least one sample claim judges related (the
    distractor topic should have none), and the related pairs of distractors."""
    records = [
        json.loads(line) for line in (data_dir / COVERAGE).read_text().splitlines() if line.strip()
    ]
    texts = [story_text(r["title"], r["lead"], 1) for r in records]
    story_vectors = encode(texts) if encode else None
    related = np.zeros((len(claims), len(records)), dtype=bool)
    for row, claim in enumerate(claims):
        judged = model.judge(
            claim,
            texts,
            claim_vector=encode([claim])[0] if encode else None,
            story_vectors=story_vectors,
        )
        related[row] = [j.related for j in judged]
    topics: dict[str, dict[str, int]] = defaultdict(lambda: {"records": 0, "related": 0})
    for column, record in enumerate(records):
        topics[record["topic"]]["records"] += 1
        topics[record["topic"]]["related"] += int(related[:, column].any())
    distractors = [i for i, r in enumerate(records) if r["topic"] == "distractor"]
    return {
        "by_topic": dict(sorted(topics.items())),
        "distractor_related_pairs": int(related[:, distractors].sum()),
        "distractor_pairs": len(distractors) * len(claims),
    }


def stance_ablation(sets: PairSet, features: Featurised) -> dict[str, Any]:
    """Held-out ROC AUC on CheckThat! with and without the FNC-1 stance model's
    P(unrelated) as an extra feature (FNC-1 itself is left out: the stance model was
    trained on all of its pairs)."""
    from services.matcher.stance import LABELS, StanceModel

    stance = StanceModel.load()
    claims = [sets.claims[p.claim_id] for p in sets.pairs]
    stories = [sets.stories[p.story_id] for p in sets.pairs]
    unrelated = stance.predict_proba(claims, stories)[:, LABELS.index("unrelated")]
    fit, held = features.side == FIT, features.side == HELD_OUT
    out = {}
    for name, x in (("without", features.x), ("with", np.hstack([features.x, unrelated[:, None]]))):
        mean, scale = x[fit].mean(axis=0), x[fit].std(axis=0) + 1e-9
        model = LogisticRegression(max_iter=1000).fit((x[fit] - mean) / scale, features.y[fit])
        probabilities = model.predict_proba((x[held] - mean) / scale)[:, 1]
        out[f"checkthat_held_out_roc_auc_{name}_stance"] = round(
            float(roc_auc_score(features.y[held], probabilities)), 4
        )
    return out


def other_events_report(
    model: RelatednessModel, data_dir: Path, encode: Encode | None, rng: np.random.Generator
) -> dict[str, Any]:
    """The sample article's claims against Reuters-21578, FNC-1 leads and its coverage."""
    from services.matcher.sources.local import Fnc1BodiesAdapter, ReutersAdapter

    claims = sample_claims(data_dir)
    reuters = [
        story_text(s.title, s.body)
        for s in ReutersAdapter(data_dir / "wire" / "reuters21578").stories()
    ]
    bodies = [
        story_text("", s.body, FNC_LEAD_SENTENCES)
        for s in Fnc1BodiesAdapter(data_dir / "fnc1" / "train_bodies.csv").stories()
    ]
    return {
        "claims": len(claims),
        "reuters21578": other_events(
            model, claims, reuters, encode, shortlist=20, sample=300, rng=rng
        ),
        "fnc1_bodies": other_events(
            model, claims, bodies, encode, shortlist=20, sample=300, rng=rng
        ),
        "coverage_kremlin_drone": coverage_report(model, claims, data_dir, encode),
    }


def train(
    data_dir: Path,
    out: Path,
    *,
    small: bool = False,
    hard_sets: bool = True,
    use_encoder: bool = True,
) -> dict[str, Any]:
    """Builds the pairs, fits, measures, writes the model JSON and its metrics."""
    start = time.perf_counter()
    rng = np.random.default_rng(SEED)
    encode = cached_encoder() if use_encoder else None
    checkthat = checkthat_pairs(
        data_dir / "checkthat2020",
        encode,
        rng,
        pool_size=100 if small else POOL_SIZE,
        max_tweets=40 if small else None,
    )
    fnc = fnc_pairs(data_dir / "fnc1", rng, max_bodies=40 if small else MAX_FNC_BODIES)
    idf = IdfTable.fit(checkthat.stories + checkthat.claims + fnc.stories + fnc.claims)
    _LOGGER.info("pairs: %d CheckThat!, %d FNC-1", len(checkthat.pairs), len(fnc.pairs))
    sets = [featurise(checkthat, idf, encode), featurise(fnc, idf, encode)]
    _LOGGER.info("features ready after %.0f s", time.perf_counter() - start)
    lexical_columns = [FEATURES.index(f) for f in LEXICAL_FEATURES]
    all_columns = list(range(len(FEATURES)))
    lexical, lexical_report = train_set(sets, lexical_columns)
    full, full_report = (
        train_set(sets, all_columns) if encode is not None else (lexical, lexical_report)
    )
    model = RelatednessModel(full, lexical, idf, use_encoder=False)
    metrics: dict[str, Any] = {
        "target_precision": TARGET_PRECISION,
        "with_embeddings": full_report if encode is not None else "encoder not installed",
        "lexical": lexical_report,
        "coefficients": {
            "with_embeddings": dict(
                zip(full.features, np.round(full.coef, 4).tolist(), strict=True)
            ),
            "lexical": dict(zip(lexical.features, np.round(lexical.coef, 4).tolist(), strict=True)),
        },
        "splits": (
            "per data set 80% fit / 20% held out by topic group (CheckThat!: verified claim and"
            " its tweets; FNC-1: headline topic and its bodies), seed "
            f"{SEED}; threshold from grouped {FOLDS}-fold out-of-fold predictions on fit"
        ),
        "pairs": {
            s.name: {"fit": int((s.side == FIT).sum()), "held_out": int((s.side == HELD_OUT).sum())}
            for s in sets
        },
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(model.to_json(), indent=1, sort_keys=True) + "\n")
    if hard_sets:
        _LOGGER.info("model written; measuring on other events")
        metrics["other_events"] = other_events_report(model, data_dir, encode, rng)
        metrics["stance_feature"] = stance_ablation(checkthat, sets[0])
    metrics["train_seconds"] = round(time.perf_counter() - start, 1)
    out.with_suffix(".metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    print(json.dumps(metrics, indent=2))
    return metrics


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=get_settings().data_dir)
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    parser.add_argument("--small", action="store_true", help="a quick run on a few pairs")
    parser.add_argument(
        "--no-hard-sets", action="store_true", help="skip the other-events and stance reports"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)
    train(args.data_dir, args.out, small=args.small, hard_sets=not args.no_hard_sets)


if __name__ == "__main__":
    main()
