"""`credence fit-weights [--data DIR] [--dry-run]`: fits the weights of the presentation and
sourcing parts on the Fakespeak-ENG articles (fact-checker ratings), each scored as from an
unknown site, and writes them into `weights.yaml` with the figures of the fit
(`services/scorer/models/article_weights.metrics.json`).

The requests are built as `credence eval articles` builds them; the fit and its grouped
cross-validation are `services.scorer.fitting`.
"""

from __future__ import annotations

import csv
import json
import os
import sys
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from services.common.errors import CredenceError, invalid_argument

if TYPE_CHECKING:
    from services.scorer.fitting import Figures

DATA_FOLDER = "fakespeak_eng"
METRICS_NAME = "article_weights.metrics.json"


def publishers(folder: Path) -> dict[str, str]:
    """{id: publisher} from the folder's `meta.csv` (`original_source`)."""
    path = folder / "meta.csv"
    if not path.exists():
        raise invalid_argument("--data", f"{path} is missing (the publishers to group by)")
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames or not {"id", "original_source"} <= set(reader.fieldnames):
            raise invalid_argument("--data", f"{path} needs the columns id,original_source")
        return {row["id"]: row["original_source"].strip().lower() or row["id"] for row in reader}


def summary(figures: Figures) -> str:
    """The fit's headline figures, one per line."""
    lines = [
        f"{figures.n} articles ({figures.reliable} reliable) from {figures.publishers} publishers",
        f"report score, {len(figures.fold_aucs)}-fold CV grouped by publisher: ROC AUC "
        f"{figures.grouped_cv_auc:.3f} (folds {', '.join(f'{a:.3f}' for a in figures.fold_aucs)})",
        f"  publisher-matched subset ({figures.matched_n} articles of the "
        f"{figures.matched_publishers} publishers with both labels): {figures.matched_auc:.3f}",
        f"  with the weights before this fit (in-sample): {figures.before_auc:.3f}",
    ]
    lines += [f"  {name:<34} {auc:.3f}" for name, auc in figures.signal_aucs.items()]
    lines += [f"  {name:<34} {auc:.3f}" for name, auc in figures.part_aucs.items()]
    return "\n".join(lines)


def fit_weights(
    data: Annotated[
        Path | None, typer.Option("--data", help="Folder of <id>.txt, labels.csv, meta.csv.")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Measure only; leave weights.yaml as it is.")
    ] = False,
) -> None:
    """Fit the article signals' weights on rated articles (grouped by publisher)."""
    os.environ["CREDENCE_WIRE_SEARCH"] = "off"
    from services.cli.eval_articles import _scorer, article_files, read_labels, score_request
    from services.common.config import get_settings
    from services.scorer import fitting
    from services.scorer.weights import WEIGHTS_PATH

    folder = data or get_settings().data_dir / DATA_FOLDER
    try:
        files = article_files(folder)
        labels = read_labels(folder)
        groups = publishers(folder)
    except CredenceError as error:
        typer.echo(f"error: {error.reason}: {error.message}", err=True)
        raise typer.Exit(2) from None
    scorer = _scorer()
    rows = []
    for i, path in enumerate(files, start=1):
        if path.stem not in labels:
            continue
        case = fitting.Case(
            path.stem, labels[path.stem], groups.get(path.stem, path.stem), score_request(path)
        )
        rows.append(fitting.read_case(scorer, case))
        if i % 50 == 0:
            print(f"{i}/{len(files)} read", file=sys.stderr)
    figures = fitting.measure(rows, scorer.weights)
    weights = fitting.fitted_weights(scorer.weights, fitting.fit_coefficients(rows))
    report = {
        "data": folder.name,
        "split": f"{fitting.FOLDS}-fold cross-validation grouped by publisher (meta.csv "
        "original_source); every article scored as from an unknown site",
        **asdict(figures),
        "weights": {"signals": weights.signals, "parts": weights.parts},
    }
    print(json.dumps(report, indent=2))
    print(summary(figures))
    if dry_run:
        return
    note = (
        "Part weights of the presentation and sourcing signals (parts.py), and those two\n"
        "signals' weights above: fitted by `make fit-weights` (services/scorer/fitting.py) on\n"
        f"{figures.n} Fakespeak-ENG articles; grouped-by-publisher CV ROC AUC of the report\n"
        f"score {figures.grouped_cv_auc:.3f}. See docs/article-signals.md."
    )
    fitting.write_weights(WEIGHTS_PATH, weights, note)
    metrics = WEIGHTS_PATH.parent / "models" / METRICS_NAME
    metrics.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {WEIGHTS_PATH} and {metrics}")


def register(app: typer.Typer) -> None:
    """Adds `fit-weights` to the app."""
    app.command("fit-weights")(fit_weights)
