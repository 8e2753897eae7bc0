"""Checks the source-rating aggregation against Lin et al. (2023) PC1.

Lin's PC1 is itself one of the production lists, so it cannot judge itself: the Lin domains
are split (seeded) into a calibration part and a held-out part, and for every held-out domain
the aggregate of the OTHER lists only is compared with its PC1 (Spearman rank correlation)
and the share of held-out domains the other lists cover at all is reported. Each single list
is scored the same way, as are Burdisso et al.'s model scores, as baselines. Last, the
estimate for unlisted domains (`estimate.py`) is scored on the held-out domains no other list
covers, with the held-out Lin values hidden from its neighbour features, and the product's
view (the lists where they rate, the estimate elsewhere) on every held-out domain.

Run: `python -m services.scorer.ratings.evaluate [--data-dir DIR] [--holdout 0.3]`.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import time
from dataclasses import dataclass
from pathlib import Path

from scipy.stats import spearmanr

from services.common.config import get_settings
from services.scorer.ratings.estimate import DomainEstimator, EstimateContext
from services.scorer.ratings.loaders import Entry
from services.scorer.ratings.store import RatingsStore

_LOGGER = logging.getLogger(__name__)

LIN = "lin2023"


@dataclass(frozen=True)
class Figures:
    """Spearman rho and coverage of one scorer on one set of domains."""

    name: str
    rho: float
    covered: int
    total: int

    @property
    def coverage(self) -> float:
        """Covered share of the domains."""
        return self.covered / self.total if self.total else 0.0

    def line(self) -> str:
        """One printable line."""
        return (
            f"{self.name:<34} spearman={self.rho:6.3f}  coverage={self.coverage:6.1%} "
            f"({self.covered}/{self.total})"
        )


def split_lin(store: RatingsStore, holdout: float, seed: int) -> tuple[list[str], list[str]]:
    """(calibration, held-out) Lin domains, a seeded random split."""
    domains = sorted(
        h for h in store.hosts() if any(e.list_id == LIN for e in store.entries_for_host(h))
    )
    random.Random(seed).shuffle(domains)
    cut = round(len(domains) * holdout)
    return domains[cut:], domains[:cut]


def lin_value(store: RatingsStore, host: str) -> float:
    """The host's Lin PC1."""
    values = [e.normalized for e in store.entries_for_host(host) if e.list_id == LIN]
    return sum(values) / len(values)


def evaluate(
    store: RatingsStore, domains: list[str], name: str, keep: set[str] | None = None
) -> Figures:
    """Aggregate of the non-Lin lists (or only `keep`) against Lin PC1 on `domains`."""
    predicted: list[float] = []
    truth: list[float] = []
    for host in domains:
        _, entries = store.find(host)
        others: list[Entry] = [
            e for e in entries if e.list_id != LIN and (keep is None or e.list_id in keep)
        ]
        agg = store.aggregate(others)
        if agg is None:
            continue
        predicted.append(agg.score)
        truth.append(lin_value(store, host))
    varied = len(set(predicted)) > 1 and len(predicted) > 2
    rho = float(spearmanr(predicted, truth).statistic) if varied else float("nan")
    return Figures(name, rho, len(predicted), len(domains))


def model_baseline(data_dir: Path, store: RatingsStore, domains: list[str]) -> Figures | None:
    """Burdisso et al.'s model scores (p+fp-average) as a comparator, when present."""
    path = data_dir / "ratings" / "burdisso2024_reliability_scores.json"
    if not path.exists():
        return None
    scores = json.loads(path.read_text(encoding="utf-8"))
    pairs = [
        (float(scores[h]["p+fp-average"]), lin_value(store, h)) for h in domains if h in scores
    ]
    rho = float(spearmanr(*zip(*pairs, strict=True)).statistic) if len(pairs) > 2 else 0.0
    return Figures("burdisso2024 model scores (comparator)", rho, len(pairs), len(domains))


def estimate_figures(
    store: RatingsStore, data_dir: Path, held_out: list[str], model: DomainEstimator
) -> list[Figures]:
    """The estimate on the held-out domains no other list covers, and the lists-or-estimate
    rating of every held-out domain, against Lin PC1."""
    context = EstimateContext.build(store, data_dir, hide_lin=frozenset(held_out))
    listed: dict[str, float] = {}
    for host in held_out:
        _, entries = store.find(host)
        agg = store.aggregate([e for e in entries if e.list_id != LIN])
        if agg is not None:
            listed[host] = agg.score
    unlisted = [h for h in held_out if h not in listed]
    guessed = dict(zip(unlisted, model.predict(unlisted, context).tolist(), strict=True))
    truth = {h: lin_value(store, h) for h in held_out}

    def figures(name: str, values: dict[str, float], total: int) -> Figures:
        hosts = list(values)
        rho = spearmanr([values[h] for h in hosts], [truth[h] for h in hosts]).statistic
        return Figures(name, float(rho), len(hosts), total)

    return [
        figures("estimate, held-out domains no list rates", guessed, len(unlisted)),
        figures("lists, else the estimate (held out)", {**guessed, **listed}, len(held_out)),
    ]


def main(argv: list[str] | None = None) -> int:
    """Prints the load time, the aggregate's figures and each single list's."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--holdout", type=float, default=0.3)
    parser.add_argument("--seed", type=int, default=20230901)
    args = parser.parse_args(argv)
    data_dir: Path = args.data_dir or get_settings().data_dir
    start = time.perf_counter()
    store = RatingsStore.load(data_dir, use_cache=False)
    print(
        f"loaded {len(store)} rated hosts from {len(store.lists)} lists "
        f"in {time.perf_counter() - start:.2f}s"
    )
    calibration, held_out = split_lin(store, args.holdout, args.seed)
    print(
        f"Lin et al. 2023 domains here: {len(calibration) + len(held_out)} "
        f"(calibration {len(calibration)}, held out {len(held_out)})"
    )
    print("Aggregate of the other lists vs Lin PC1:")
    print("  " + evaluate(store, calibration, "calibration split").line())
    print("  " + evaluate(store, held_out, "held-out split").line())
    print("Single lists on the held-out split (naive baselines):")
    for list_id in store.lists:
        if list_id != LIN:
            print("  " + evaluate(store, held_out, list_id, keep={list_id}).line())
    baseline = model_baseline(data_dir, store, held_out)
    if baseline:
        print("  " + baseline.line())
    model = DomainEstimator.load()
    if model is not None:
        print(f"Estimate for unlisted domains ({model.trained_on}):")
        for line in estimate_figures(store, data_dir, held_out, model):
            print("  " + line.line())
    rated = sum(1 for h in store.hosts() if store.entries_for_host(h))
    print(f"Every host any list covers is rated: {rated}/{len(store)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
