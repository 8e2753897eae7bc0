"""Fits the weights of the presentation and sourcing parts (`weights.yaml`, `parts:` and
those two signals' weights) on articles rated by fact-checkers, each scored as from an
unknown site, and measures the fit honestly: 5-fold cross-validation grouped by publisher
(no site in both training and validation), ROC AUC of the report score itself.

The fit is a logistic regression on the parts' sub-scores with non-negative coefficients
(a part may only ever raise the score of a more reliable-looking article) and an L2 penalty
(a part that never fires in the data keeps the mean weight of its signal's parts);
a signal's weight is the sum of its parts' coefficients and each part's weight its own
coefficient, so the report's weighted mean is the fitted linear score up to the other
signals' constant share. Source reputation (an unknown site), corroboration (needs wire
evidence) and transparency (page metadata) keep their weights.

The command is `make fit-weights` (`credence fit-weights`), which builds the score requests
through the fetcher and matcher exactly as `credence eval articles` does.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from credence.v1 import report_pb2, scoring_pb2
from scipy.optimize import minimize
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GroupKFold

from services.scorer.report import Scorer, combine, validate
from services.scorer.signals.parts import Part
from services.scorer.signals.presentation import presentation_parts, presentation_signal
from services.scorer.signals.sourcing import CitedOutlet, sourcing_parts, sourcing_signal
from services.scorer.weights import PART_NAMES, Weights

FOLDS = 5
L2 = 1.0
NEUTRAL = 0.5
FITTED = ("presentation", "sourcing")
COLUMNS = tuple((signal, part) for signal in FITTED for part in PART_NAMES[signal])


@dataclass(frozen=True)
class Case:
    """One rated article: its score request, label (1 = reliable) and publisher."""

    article_id: str
    label: int
    publisher: str
    request: scoring_pb2.ScoreRequest


@dataclass(frozen=True)
class Scored:
    """A case read once: the signals that are not fitted, and the fitted signals' parts."""

    case: Case
    fixed: tuple[report_pb2.Signal, ...]
    parts: dict[str, tuple[Part, ...]]
    cited: tuple[CitedOutlet, ...]

    def column(self, signal: str, part: str) -> float:
        """The part's sub-score on 0..1 (neutral when unavailable)."""
        for p in self.parts[signal]:
            if p.name == part and p.available:
                return p.score / 100.0
        return NEUTRAL


@dataclass(frozen=True)
class Figures:
    """What the fit measured."""

    n: int
    reliable: int
    publishers: int
    grouped_cv_auc: float
    fold_aucs: tuple[float, ...]
    matched_auc: float
    matched_n: int
    matched_publishers: int
    before_auc: float
    part_aucs: dict[str, float] = field(default_factory=dict)
    signal_aucs: dict[str, float] = field(default_factory=dict)


def read_case(scorer: Scorer, case: Case) -> Scored:
    """The case's signals and parts under the scorer's store."""
    request = case.request
    domain = validate(request)
    source = scorer.store.rate(domain)
    signals = scorer.signals(request, source)
    fixed = tuple(
        s
        for s in signals
        if s.kind not in (report_pb2.SIGNAL_KIND_PRESENTATION, report_pb2.SIGNAL_KIND_SOURCING)
    )
    article = request.article
    source_parts, cited = sourcing_parts(
        article, request.citation_checks, scorer.store, scorer.outlets
    )
    return Scored(
        case=case,
        fixed=fixed,
        parts={"presentation": tuple(presentation_parts(article)), "sourcing": tuple(source_parts)},
        cited=tuple(cited),
    )


def report_score(scored: Scored, weights: Weights) -> float:
    """The report score of the case under `weights` (as `Scorer.score` computes it)."""
    signals = [report_pb2.Signal() for _ in scored.fixed]
    for copy, original in zip(signals, scored.fixed, strict=True):
        copy.CopyFrom(original)
    text = scored.case.request.article.text
    signals.append(presentation_signal(scored.parts["presentation"], text, weights))
    signals.append(sourcing_signal(scored.parts["sourcing"], scored.cited, text, weights))
    return combine(signals, weights).score


def _matrix(rows: Sequence[Scored]) -> np.ndarray:
    return np.array([[r.column(s, p) for s, p in COLUMNS] for r in rows])


def fit_coefficients(rows: Sequence[Scored]) -> np.ndarray:
    """Non-negative logistic coefficients of the parts (per unit of 0..1 sub-score). A part
    that never varies in `rows` cannot be estimated: it gets the mean coefficient of its
    signal's weighted parts instead of a zero that the data never asked for."""
    x = _matrix(rows)
    y = np.array([r.case.label for r in rows], dtype=float)
    mean, scale = x.mean(axis=0), x.std(axis=0)
    constant = scale == 0
    scale[constant] = 1.0
    z = (x - mean) / scale
    positives = y.mean()
    sample = np.where(y == 1, 0.5 / positives, 0.5 / (1 - positives))

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = theta[:-1], theta[-1]
        margin = z @ w + b
        p = 1.0 / (1.0 + np.exp(-margin))
        eps = 1e-12
        value = -np.sum(sample * (y * np.log(p + eps) + (1 - y) * np.log(1 - p + eps)))
        value += 0.5 * L2 * float(w @ w)
        residual = sample * (p - y)
        grad = np.append(z.T @ residual + L2 * w, residual.sum())
        return float(value), grad

    start = np.zeros(x.shape[1] + 1)
    bounds = [(0.0, None)] * x.shape[1] + [(None, None)]
    result = minimize(loss, start, jac=True, method="L-BFGS-B", bounds=bounds)
    coef: np.ndarray = result.x[:-1] / scale
    for i in np.flatnonzero(constant):
        same = [j for j, (s, _) in enumerate(COLUMNS) if s == COLUMNS[i][0] and coef[j] > 0]
        coef[i] = float(np.mean(coef[same])) if same else 0.0
    return coef


def fitted_weights(base: Weights, coef: np.ndarray) -> Weights:
    """`base` with the parts' weights and the two signals' weights from `coef`; the two
    signals keep their combined share of the total."""
    share = sum(base.signals[name] for name in FITTED)
    per_signal = {
        name: {p: float(c) for (s, p), c in zip(COLUMNS, coef, strict=True) if s == name}
        for name in FITTED
    }
    mass = {name: sum(parts.values()) for name, parts in per_signal.items()}
    total = sum(mass.values())
    signals = dict(base.signals)
    parts = {name: dict(values) for name, values in base.parts.items()}
    for name in FITTED:
        signals[name] = round(share * mass[name] / total, 4) if total > 0 else base.signals[name]
        if mass[name] > 0:
            parts[name] = {p: round(c / mass[name], 4) for p, c in per_signal[name].items()}
    return replace(base, signals=signals, parts=parts)


def _auc(scores: Sequence[float], labels: Sequence[int]) -> float:
    if len(set(labels)) < 2:
        return math.nan
    return float(roc_auc_score(list(labels), list(scores)))


def cross_validate(rows: Sequence[Scored], base: Weights) -> tuple[list[float], list[float]]:
    """Out-of-fold report scores (grouped by publisher) and each fold's AUC."""
    groups = [r.case.publisher for r in rows]
    out = [0.0] * len(rows)
    fold_aucs = []
    splitter = GroupKFold(n_splits=FOLDS)
    for train, valid in splitter.split(rows, groups=groups):
        weights = fitted_weights(base, fit_coefficients([rows[i] for i in train]))
        for i in valid:
            out[i] = report_score(rows[i], weights)
        fold_aucs.append(_auc([out[i] for i in valid], [rows[i].case.label for i in valid]))
    return out, fold_aucs


def measure(rows: Sequence[Scored], base: Weights) -> Figures:
    """Grouped-CV AUC of the report score, on the publisher-matched subset, before the fit,
    and each part's and signal's own AUC."""
    labels = [r.case.label for r in rows]
    oof, fold_aucs = cross_validate(rows, base)
    by_publisher: dict[str, set[int]] = {}
    for r in rows:
        by_publisher.setdefault(r.case.publisher, set()).add(r.case.label)
    mixed = {p for p, seen in by_publisher.items() if len(seen) == 2}
    matched = [i for i, r in enumerate(rows) if r.case.publisher in mixed]
    part_aucs = {f"{s}.{p}": _auc([r.column(s, p) for r in rows], labels) for s, p in COLUMNS}
    signal_aucs = {}
    for signal in ("presentation", "sourcing"):
        scores = [_signal_score(r, signal, base) for r in rows]
        signal_aucs[signal] = _auc(scores, labels)
    signal_aucs["transparency"] = _auc(
        [_fixed_score(r, report_pb2.SIGNAL_KIND_TRANSPARENCY) for r in rows], labels
    )
    return Figures(
        n=len(rows),
        reliable=sum(labels),
        publishers=len(by_publisher),
        grouped_cv_auc=_auc(oof, labels),
        fold_aucs=tuple(round(a, 4) for a in fold_aucs),
        matched_auc=_auc([oof[i] for i in matched], [labels[i] for i in matched]),
        matched_n=len(matched),
        matched_publishers=len(mixed),
        before_auc=_auc([report_score(r, base) for r in rows], labels),
        part_aucs=part_aucs,
        signal_aucs=signal_aucs,
    )


def _signal_score(scored: Scored, signal: str, weights: Weights) -> float:
    text = scored.case.request.article.text
    if signal == "sourcing":
        return sourcing_signal(scored.parts["sourcing"], scored.cited, text, weights).score
    return presentation_signal(scored.parts["presentation"], text, weights).score


def _fixed_score(scored: Scored, kind: int) -> float:
    return next((s.score for s in scored.fixed if s.kind == kind and s.available), 50.0)


def write_weights(path: Path, weights: Weights, note: str) -> None:
    """Rewrites the fitted values of `path` in place, keeping its comments and layout."""
    text = path.read_text(encoding="utf-8")
    for name in FITTED:
        text = re.sub(rf"(?m)^(  {name}:) [0-9.]+$", rf"\g<1> {weights.signals[name]:.4f}", text)
    block = [f"# {line}" for line in note.splitlines()] + ["parts:"]
    for name in FITTED:
        block.append(f"  {name}:")
        block += [f"    {p}: {w:.4f}" for p, w in weights.parts[name].items()]
    parts_block = "\n".join(block) + "\n"
    pattern = re.compile(r"(?m)^# Part weights[^\n]*\n(?:#[^\n]*\n)*parts:\n(?:  [^\n]*\n)*")
    if pattern.search(text):
        text = pattern.sub(lambda _: parts_block, text)
    else:
        text = text.replace(
            "\n# A signal's effective weight",
            "\n" + parts_block + "\n# A signal's effective weight",
            1,
        )
    path.write_text(text, encoding="utf-8")
    Weights.load(path)
