"""An estimate for the domains no list rates: a model predicting Lin et al.'s quality score
from what can be known about a domain without any list's rating of it.

Features: the domain's name and TLD (character n-grams, through a ridge regression), its
graph reliability scores of Burdisso et al. (NAACL 2024) when it has them, the ratings of
its rated neighbours (hosts that share its name under another suffix: `news-front.su` for
`news-front.info`), and the shape of the name (labels, digits, hyphens, length). A gradient
boosting model combines them. It is trained by `train_estimate.py` on the calibration part
of the Lin domains and validated on the held-out part (see MAPPING.md); the estimate is
always labelled as one (`SourceRating.estimated`) and carries a low confidence.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import joblib
import numpy as np

from services.common.domains import registrable_domain
from services.scorer.ratings.lists import EXTRA_FILES, LISTS_BY_ID
from services.scorer.ratings.loaders import Entry


class RatedHosts(Protocol):
    """What the estimate reads of the ratings store: each rated host's aggregate."""

    def hosts(self) -> list[str]: ...
    def entries_for_host(self, host: str) -> list[Entry]: ...
    def aggregate(self, entries: Iterable[Entry]) -> HasScore | None: ...


class HasScore(Protocol):
    """An aggregate rating: its score, 0 to 1."""

    @property
    def score(self) -> float: ...


_LOGGER = logging.getLogger(__name__)

ESTIMATE_PATH = Path(__file__).resolve().parents[1] / "models" / "domain_estimate.joblib"
GRAPH_SCORES = "burdisso2024_reliability_scores.json"
GRAPH_FIELDS = (
    "f-reliability",
    "p-reliability",
    "fp-reliability",
    "i-reliability",
    "p+fp-average",
    "pagerank",
)
ESTIMATE_LIST = "credence_estimate"
ESTIMATE_NAME = "Credence's estimate for domains no list rates"
ESTIMATE_LICENCE = (
    "model trained on Lin et al. (2023) PC1; graph scores of Burdisso et al. (2024), Apache-2.0"
)
_LIN = "lin2023"


def name_label(host: str) -> str:
    """The name part of a host's registrable domain: `news-front` for `fr.news-front.info`."""
    return (registrable_domain(host) or host).split(".")[0]


def name_text(host: str) -> str:
    """The host as the character n-grams see it, with its ends and dots marked."""
    return "^" + host.replace(".", " .") + "$"


@dataclass(frozen=True)
class EstimateContext:
    """What is known around the domains: graph scores and the rated hosts by name label."""

    graph: dict[str, dict[str, float]]
    neighbours: dict[str, list[tuple[str, float]]]

    @classmethod
    def build(
        cls, store: RatedHosts, data_dir: Path, hide_lin: frozenset[str] = frozenset()
    ) -> EstimateContext:
        """From the store's aggregates (without the Lin ratings of `hide_lin`, the held-out
        domains when validating) and the graph scores in the data folder, when present."""
        neighbours: dict[str, list[tuple[str, float]]] = defaultdict(list)
        for host in store.hosts():
            entries = store.entries_for_host(host)
            if host in hide_lin:
                entries = [e for e in entries if e.list_id != _LIN]
            agg = store.aggregate(entries)
            if agg is not None:
                neighbours[name_label(host)].append((host, agg.score))
        path = data_dir / "ratings" / GRAPH_SCORES
        graph: dict[str, dict[str, float]] = {}
        if path.exists():
            graph = json.loads(path.read_text(encoding="utf-8"))
        return cls(graph, dict(neighbours))

    def features(self, host: str) -> list[float]:
        """The dense features of one host (the name's n-grams are apart)."""
        scores = self.graph.get(host) or self.graph.get(registrable_domain(host) or host)
        graph = [float(scores[f]) for f in GRAPH_FIELDS] + [1.0] if scores else [0.0] * 7
        rated = [v for other, v in self.neighbours.get(name_label(host), ()) if other != host]
        near = [float(np.mean(rated)), 1.0, float(len(rated))] if rated else [0.5, 0.0, 0.0]
        shape = [host.count("."), sum(c.isdigit() for c in host), host.count("-"), len(host)]
        return graph + near + [float(v) for v in shape]


@dataclass
class DomainEstimator:
    """The fitted model: n-gram vectoriser and ridge for the name, boosting on top."""

    vectorizer: Any
    ridge: Any
    booster: Any
    trained_on: str

    def predict(self, hosts: list[str], context: EstimateContext) -> np.ndarray:
        """The estimated 0–1 quality of each host."""
        text = self.ridge.predict(self.vectorizer.transform([name_text(h) for h in hosts]))
        dense = np.array([context.features(h) for h in hosts], dtype=float)
        out: np.ndarray = self.booster.predict(np.column_stack([dense, text]))
        return np.clip(out, 0.0, 1.0)

    def save(self, path: Path = ESTIMATE_PATH) -> None:
        """Writes the model with joblib."""
        path.parent.mkdir(parents=True, exist_ok=True)
        joblib.dump(self, path, compress=3)

    @classmethod
    def load(cls, path: Path = ESTIMATE_PATH) -> DomainEstimator | None:
        """The shipped model, or None when there is none."""
        if not path.exists():
            _LOGGER.warning("no domain estimate model at %s; unlisted domains stay neutral", path)
            return None
        model = joblib.load(path)
        if not isinstance(model, cls):
            raise TypeError(f"{path} does not hold a DomainEstimator")
        return model


def graph_scores_url() -> str:
    """Where the graph scores the estimate reads come from."""
    graph = next(f for f in EXTRA_FILES if f.local_name == GRAPH_SCORES)
    return f"https://github.com/{graph.repo}/blob/{graph.commit}/{graph.path}"


def lin_url() -> str:
    """Where the Lin et al. scores the model learnt from come from."""
    return LISTS_BY_ID[_LIN].url
