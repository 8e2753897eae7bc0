"""`credence eval articles --in DIR --out FILE`: scores a folder of articles as from an
unknown site, through the embedded pipeline, and measures the article-level judgement.

The folder holds `<id>.txt` files (the title on the first line, a blank line, then the
body) and optionally `labels.csv` (`id,label`, 1 = reliable; other columns are ignored).
The output CSV has `id,score` and one column per signal (empty when the signal was not
available); with labels, the ROC AUC of the score and of each signal is printed. No URL
reputation can help (every article is on `unknown.invalid`) and nothing is fetched: the
text is given, and on-demand wire search is switched off for the run.
"""

from __future__ import annotations

import csv
import math
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer
from credence.v1 import report_pb2

from services.common.errors import CredenceError, invalid_argument

UNKNOWN_SITE = "https://unknown.invalid/"
JOB_TIMEOUT_S = 600
SIGNAL_COLUMNS: dict[int, str] = {
    report_pb2.SIGNAL_KIND_SOURCE_REPUTATION: "source_reputation",
    report_pb2.SIGNAL_KIND_CORROBORATION: "corroboration",
    report_pb2.SIGNAL_KIND_SOURCING: "sourcing",
    report_pb2.SIGNAL_KIND_TRANSPARENCY: "transparency",
    report_pb2.SIGNAL_KIND_PRESENTATION: "presentation",
}


@dataclass(frozen=True)
class ArticleRow:
    """One scored article: its score and each signal's sub-score (None when unavailable);
    no score when the article could not be scored."""

    article_id: str
    score: float | None
    signals: dict[str, float | None]


def read_labels(folder: Path) -> dict[str, int]:
    """`labels.csv` as {id: 0 or 1}; empty when there is no such file."""
    path = folder / "labels.csv"
    if not path.exists():
        return {}
    labels: dict[str, int] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames or not {"id", "label"} <= set(reader.fieldnames):
            raise invalid_argument("--in", f"{path} needs the columns id,label")
        for line, row in enumerate(reader, start=2):
            value = (row["label"] or "").strip()
            if value not in ("0", "1"):
                raise invalid_argument("--in", f"{path} line {line}: label must be 0 or 1")
            labels[row["id"].strip()] = int(value)
    return labels


def article_files(folder: Path) -> list[Path]:
    """The folder's `<id>.txt` files, sorted by id."""
    if not folder.is_dir():
        raise invalid_argument("--in", f"{folder} is not a folder")
    files = sorted(folder.glob("*.txt"))
    if not files:
        raise invalid_argument("--in", f"{folder} holds no <id>.txt article")
    return files


def score_article(path: Path) -> ArticleRow:
    """The article's report, scored in this process as from an unknown site."""
    from services.cli.main import _score_embedded

    text = path.read_text(encoding="utf-8", errors="replace")
    report = _score_embedded(UNKNOWN_SITE + path.stem, "", text)
    signals: dict[str, float | None] = dict.fromkeys(SIGNAL_COLUMNS.values())
    for signal in report.signals:
        if signal.available and signal.kind in SIGNAL_COLUMNS:
            signals[SIGNAL_COLUMNS[signal.kind]] = signal.score
    return ArticleRow(path.stem, report.score, signals)


def roc_auc(values: list[float | None], labels: list[int]) -> tuple[float, int]:
    """ROC AUC of `values` against `labels` over the rows that have a value, and how many
    rows that is; NaN when one class is missing."""
    from sklearn.metrics import roc_auc_score

    pairs = [(v, y) for v, y in zip(values, labels, strict=True) if v is not None]
    if len({y for _, y in pairs}) < 2:
        return math.nan, len(pairs)
    return float(roc_auc_score([y for _, y in pairs], [v for v, _ in pairs])), len(pairs)


def write_rows(rows: list[ArticleRow], out: Path) -> None:
    """The CSV: id, score, then one column per signal (empty when unavailable)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "score", *SIGNAL_COLUMNS.values()])
        for row in rows:
            cells = ["" if v is None else f"{v:.1f}" for v in [row.score, *row.signals.values()]]
            writer.writerow([row.article_id, *cells])


def eval_articles(
    folder: Annotated[Path, typer.Option("--in", help="Folder of <id>.txt (and labels.csv).")],
    out: Annotated[Path, typer.Option("--out", help="CSV to write: id,score,<signals>.")],
) -> None:
    """Score a folder of articles as from an unknown site; print ROC AUCs when labelled."""
    os.environ["CREDENCE_WIRE_SEARCH"] = "off"
    # One article at a time on a busy machine: a long one must not fail for want of time.
    os.environ.setdefault("CREDENCE_JOB_TIMEOUT_S", str(JOB_TIMEOUT_S))
    try:
        files = article_files(folder)
        labels = read_labels(folder)
    except CredenceError as error:
        typer.echo(f"error: {error.reason}: {error.message}", err=True)
        raise typer.Exit(2) from None
    rows: list[ArticleRow] = []
    for i, path in enumerate(files, start=1):
        try:
            rows.append(score_article(path))
        except CredenceError as error:
            typer.echo(f"{path.name}: not scored: {error.reason}: {error.message}", err=True)
            rows.append(ArticleRow(path.stem, None, dict.fromkeys(SIGNAL_COLUMNS.values())))
        if i % 25 == 0:
            print(f"{i}/{len(files)} scored", file=sys.stderr)
    write_rows(rows, out)
    failed = sum(1 for r in rows if r.score is None)
    print(f"{len(rows) - failed} articles scored, {failed} not -> {out}")
    labelled = [r for r in rows if r.article_id in labels]
    if not labelled:
        return
    truth = [labels[r.article_id] for r in labelled]
    positives = sum(truth)
    print(f"ROC AUC on {len(labelled)} labelled articles ({positives} reliable):")
    auc, n = roc_auc([r.score for r in labelled], truth)
    print(f"  score                {auc:.3f}  (n={n})")
    for name in SIGNAL_COLUMNS.values():
        auc, n = roc_auc([r.signals[name] for r in labelled], truth)
        print(f"  {name:<20} {auc:.3f}  (n={n})")


def register(app: typer.Typer) -> None:
    """Adds `articles` to the `eval` command group."""
    from services.matcher.cli import eval_app

    eval_app.command("articles")(eval_articles)
