"""The matcher's commands for the `credence` CLI: `credence eval stance|retrieve|checkworthy`
run the trained models on benchmark files, and `credence index build` fills the local wire
index from the data folder. `register(app)` adds them to the CLI's Typer app."""

from __future__ import annotations

import csv
import json
import logging
from pathlib import Path
from typing import Annotated

import typer

from services.common.config import get_settings

_LOGGER = logging.getLogger(__name__)

eval_app = typer.Typer(help="Run the matcher's models on benchmark files.", no_args_is_help=True)
index_app = typer.Typer(
    help="Manage the wire index (the folder, or the database of CREDENCE_INDEX_URL).",
    no_args_is_help=True,
)


@eval_app.command("stance")
def eval_stance(
    stances: Annotated[Path, typer.Option(help="FNC-1 stances CSV (Headline, Body ID[, Stance]).")],
    bodies: Annotated[Path, typer.Option(help="FNC-1 bodies CSV (Body ID, articleBody).")],
    out: Annotated[Path, typer.Option(help="Where to write the rows with a predicted Stance.")],
) -> None:
    """Predicts each (headline, body) row's stance; prints the FNC-1 score if labelled."""
    from services.matcher.stance import LABELS, StanceModel
    from services.matcher.training.fnc import fnc_score, read_bodies, read_stances

    model = StanceModel.load()
    rows = read_stances(stances)
    body_text = read_bodies(bodies)
    missing = sorted({r["Body ID"] for r in rows if int(r["Body ID"]) not in body_text})
    if missing:
        raise typer.BadParameter(f"Body IDs not in {bodies}: {', '.join(missing[:5])}")
    if not model.stacked:
        typer.echo("the stance cross-encoder cannot run here: the feature model answers alone")
    proba = model.predict_proba(
        [r["Headline"] for r in rows], [body_text[int(r["Body ID"])] for r in rows]
    )
    predicted = [LABELS[i] for i in proba.argmax(axis=1)]
    gold = [r.get("Stance", "") for r in rows]
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Headline", "Body ID", "Stance"])
        for row, label in zip(rows, predicted, strict=True):
            writer.writerow([row["Headline"], row["Body ID"], label])
    typer.echo(f"wrote {len(rows)} predictions to {out}")
    if all(g in LABELS for g in gold):
        typer.echo(f"FNC-1 score: {fnc_score(gold, predicted):.2f}%")


@eval_app.command("retrieve")
def eval_retrieve(  # noqa: PLR0917 (Typer options)
    queries: Annotated[Path, typer.Option(help="CheckThat! 2020 tweets.queries.tsv.")],
    vclaims: Annotated[Path, typer.Option(help="verified_claims.docs.tsv.")],
    out: Annotated[Path, typer.Option(help="Where to write the TREC run.")],
    depth: Annotated[int, typer.Option(help="Claims ranked per query.", min=5, max=1000)] = 10,
    qrels: Annotated[Path | None, typer.Option(help="Gold pairs, to print MAP@5.")] = None,
    tag: Annotated[str, typer.Option(help="Run tag (last column).")] = "credence",
) -> None:
    """Ranks the verified claims for every tweet and writes `qid Q0 docid rank score tag`."""
    from services.matcher.retrieval import ClaimRetriever, map_at, read_qrels, read_queries
    from services.matcher.sources.local import read_vclaims

    claims = read_vclaims(vclaims)
    retriever = ClaimRetriever.trained([c[0] for c in claims], [f"{c[1]} {c[2]}" for c in claims])
    run: dict[str, list[str]] = {}
    with out.open("w", encoding="utf-8") as handle:
        for qid, text in read_queries(queries):
            ranked = retriever.rank(text, depth)
            run[qid] = [doc for doc, _ in ranked]
            for rank, (doc, score) in enumerate(ranked, start=1):
                handle.write(f"{qid}\tQ0\t{doc}\t{rank}\t{score:.6f}\t{tag}\n")
    typer.echo(f"wrote {len(run)} rankings to {out}")
    if qrels is not None:
        typer.echo(f"MAP@5: {map_at(run, read_qrels(qrels), 5):.4f}")


@eval_app.command("checkworthy")
def eval_checkworthy(
    in_: Annotated[Path, typer.Option("--in", help="JSON array of {text[, label]} objects.")],
    out: Annotated[
        Path, typer.Option(help="Where to write the objects with score and prediction.")
    ],
) -> None:
    """Scores every sentence; prints F1s when the input is labelled."""
    from sklearn.metrics import f1_score

    from services.matcher.claims import CheckWorthinessModel

    try:
        rows = json.loads(in_.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise typer.BadParameter(f"cannot read {in_}: {error}") from error
    if not isinstance(rows, list) or not all(isinstance(r, dict) and "text" in r for r in rows):
        raise typer.BadParameter(f"{in_} must hold a JSON array of objects with a 'text' field")
    model = CheckWorthinessModel.load()
    scores = model.scores([str(r["text"]) for r in rows])
    for row, score in zip(rows, scores, strict=True):
        row["score"] = round(float(score), 6)
        row["prediction"] = int(score >= model.threshold)
    out.write_text(json.dumps(rows, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    typer.echo(f"wrote {len(rows)} scored sentences to {out}")
    if rows and all("label" in r for r in rows):
        gold = [int(r["label"]) for r in rows]
        pred = [r["prediction"] for r in rows]
        typer.echo(
            f"F1(class 1): {f1_score(gold, pred):.4f}  "
            f"macro-F1: {f1_score(gold, pred, average='macro'):.4f}  "
            f"weighted F1: {f1_score(gold, pred, average='weighted'):.4f}"
        )


@index_app.command("build")
def index_build(
    source: Annotated[str, typer.Option(help="reuters21578, fnc1 or checkthat.")] = "reuters21578",
    limit: Annotated[
        int | None, typer.Option(help="Load at most this many stories.", min=1)
    ] = None,
    data_dir: Annotated[Path | None, typer.Option(help="The data folder.")] = None,
    index_dir: Annotated[
        Path | None, typer.Option(help="The index folder (instead of CREDENCE_INDEX_URL).")
    ] = None,
) -> None:
    """Loads a corpus of the data folder into the wire index (skipping held ones)."""
    from services.matcher.index import open_index
    from services.matcher.ingest import LOCAL_SOURCES, ingest, local_adapter
    from services.matcher.sources.base import SourceError

    if source not in LOCAL_SOURCES:
        raise typer.BadParameter(f"--source must be one of {', '.join(LOCAL_SOURCES)}")
    settings = get_settings()
    index = open_index(index_dir or settings.index_location, settings.index_pool_size)
    try:
        added, skipped = ingest(local_adapter(source, data_dir or settings.data_dir, limit), index)
    except SourceError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from error
    typer.echo(f"{source}: {added} added, {skipped} skipped; index holds {index.count()} stories")


@index_app.command("stats")
def index_stats(
    index_dir: Annotated[
        Path | None, typer.Option(help="The index folder (instead of CREDENCE_INDEX_URL).")
    ] = None,
) -> None:
    """Prints what the wire index holds."""
    from services.matcher.index import open_index

    stats = open_index(index_dir or get_settings().index_location).stats()
    typer.echo(
        json.dumps(
            {
                "stories": stats.stories,
                "by_source": stats.by_source,
                "size_bytes": stats.size_bytes,
                "outdated": stats.outdated,
            },
            indent=2,
        )
    )


def register(app: typer.Typer) -> None:
    """Adds the `eval` and `index` command groups to the CLI."""
    app.add_typer(eval_app, name="eval")
    app.add_typer(index_app, name="index")
