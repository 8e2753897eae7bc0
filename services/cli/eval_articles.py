"""`credence eval articles --in DIR --out FILE`: scores a folder of articles as from an
unknown site, through the embedded pipeline, and measures the article-level judgement.

The folder holds `<id>.txt` files (the title on the first line, a blank line, then the
body) and optionally `labels.csv` (`id,label`, 1 = reliable; other columns are ignored).
The output CSV has `id,score`, one column per signal and one per part of the presentation
and sourcing signals (clickbait, subjectivity, propaganda, named sources, ...; empty when
not available); with labels, the ROC AUC of the score and of each column is printed. No URL
reputation can help (every article is on `unknown.invalid`) and nothing is fetched: the
text is given, and on-demand wire search is switched off for the run.

The stages run in this process one after the other, with every model loaded once, as the
embedded pipeline runs them: extract, then score. The match stage (claims and their wire
evidence) runs only with `--match`: without wire search it finds no evidence, so
corroboration is unavailable either way, and its claim model is most of the time an article
takes. `credence fit-weights` builds its requests the same way.
"""

from __future__ import annotations

import csv
import math
import os
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from credence.v1 import fetcher_pb2, matcher_pb2, report_pb2, scoring_pb2

from services.common.errors import CredenceError, invalid_argument
from services.scorer.weights import PART_NAMES

if TYPE_CHECKING:
    from services.pipeline.stages import LocalStages
    from services.scorer.report import Scorer

UNKNOWN_SITE = "https://unknown.invalid/"
STAGE_TIMEOUT_S = 600
SIGNAL_COLUMNS: dict[int, str] = {
    report_pb2.SIGNAL_KIND_SOURCE_REPUTATION: "source_reputation",
    report_pb2.SIGNAL_KIND_CORROBORATION: "corroboration",
    report_pb2.SIGNAL_KIND_SOURCING: "sourcing",
    report_pb2.SIGNAL_KIND_TRANSPARENCY: "transparency",
    report_pb2.SIGNAL_KIND_PRESENTATION: "presentation",
}
PART_COLUMNS = tuple(part for parts in PART_NAMES.values() for part in parts)
COLUMNS = (*SIGNAL_COLUMNS.values(), *PART_COLUMNS)


@dataclass(frozen=True)
class ArticleRow:
    """One scored article: its score and each signal's and part's sub-score (None when
    unavailable); no score when the article could not be scored."""

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


@lru_cache(maxsize=1)
def _stages() -> LocalStages:
    from services.common.config import get_settings
    from services.pipeline.stages import LocalStages

    return LocalStages(get_settings())


@lru_cache(maxsize=1)
def _scorer() -> Scorer:
    from services.common.config import get_settings
    from services.scorer.ratings import RatingsStore
    from services.scorer.report import Scorer

    return Scorer(RatingsStore.load(get_settings().data_dir))


def score_request(path: Path, with_match: bool = False) -> scoring_pb2.ScoreRequest:
    """The article's score request, as from an unknown site: extracted (and matched when
    asked) in this process as the embedded pipeline does."""
    text = path.read_text(encoding="utf-8", errors="replace")
    stages = _stages()
    extract = fetcher_pb2.ExtractRequest(url=UNKNOWN_SITE + path.stem, text=text)
    article = stages.extract(extract, STAGE_TIMEOUT_S).article
    from services.pipeline.stages import score_request as request_for

    if not with_match:
        return request_for(article, None)
    match = stages.match(matcher_pb2.MatchRequest(article=article), STAGE_TIMEOUT_S)
    return request_for(article, match if match.ByteSize() else None)


def score_article(path: Path, with_match: bool = False) -> ArticleRow:
    """The article's report and its parts, scored in this process as from an unknown site."""
    from services.scorer.signals.presentation import presentation_parts
    from services.scorer.signals.sourcing import sourcing_parts

    request = score_request(path, with_match)
    scorer = _scorer()
    report = scorer.score(request).report
    values: dict[str, float | None] = dict.fromkeys(COLUMNS)
    for signal in report.signals:
        if signal.available and signal.kind in SIGNAL_COLUMNS:
            values[SIGNAL_COLUMNS[signal.kind]] = signal.score
    if values["presentation"] is not None:
        for part in presentation_parts(request.article):
            values[part.name] = part.score if part.available else None
    parts, _ = sourcing_parts(
        request.article, request.citation_checks, scorer.store, scorer.outlets
    )
    for part in parts:
        values[part.name] = part.score if part.available else None
    return ArticleRow(path.stem, report.score, values)


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
        writer.writerow(["id", "score", *COLUMNS])
        for row in rows:
            cells = ["" if v is None else f"{v:.1f}" for v in [row.score, *row.signals.values()]]
            writer.writerow([row.article_id, *cells])


def eval_articles(
    folder: Annotated[Path, typer.Option("--in", help="Folder of <id>.txt (and labels.csv).")],
    out: Annotated[Path, typer.Option("--out", help="CSV to write: id,score,<signals>.")],
    with_match: Annotated[
        bool, typer.Option("--match", help="Also run the matcher (claims, corroboration).")
    ] = False,
) -> None:
    """Score a folder of articles as from an unknown site; print ROC AUCs when labelled."""
    os.environ["CREDENCE_WIRE_SEARCH"] = "off"
    try:
        files = article_files(folder)
        labels = read_labels(folder)
    except CredenceError as error:
        typer.echo(f"error: {error.reason}: {error.message}", err=True)
        raise typer.Exit(2) from None
    rows: list[ArticleRow] = []
    for i, path in enumerate(files, start=1):
        try:
            rows.append(score_article(path, with_match))
        except CredenceError as error:
            typer.echo(f"{path.name}: not scored: {error.reason}: {error.message}", err=True)
            rows.append(ArticleRow(path.stem, None, dict.fromkeys(COLUMNS)))
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
    for name in COLUMNS:
        auc, n = roc_auc([r.signals[name] for r in labelled], truth)
        print(f"  {name:<20} {auc:.3f}  (n={n})")


def register(app: typer.Typer) -> None:
    """Adds `articles` to the `eval` command group."""
    from services.matcher.cli import eval_app

    eval_app.command("articles")(eval_articles)
