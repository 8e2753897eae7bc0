"""The scorer's command-line commands, added to the `credence` app by `register`:

- `credence source DOMAIN [--json]`: one domain's reputation with every list's rating;
- `credence sources --json`: domains on stdin, one JSON line out per domain;
- `credence ratings download [--dest DIR]`: fetch the public lists for a fresh machine.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Annotated

import typer
from credence.v1 import report_pb2
from google.protobuf import json_format

from services.common.config import get_settings
from services.common.errors import CredenceError
from services.scorer.ratings.download import Downloaded, download_all
from services.scorer.ratings.kinds import KIND_KEYS, KIND_WORDS
from services.scorer.ratings.lists import RAW_BASE_URL
from services.scorer.ratings.store import RatingsStore
from services.scorer.signals.source_reputation import label_words

_LOGGER = logging.getLogger(__name__)

ratings_app = typer.Typer(help="Manage the source-rating lists.", no_args_is_help=True)


def _store() -> RatingsStore:
    data_dir = get_settings().data_dir
    if not (data_dir / "ratings").is_dir():
        typer.echo(
            f"No rating lists in {data_dir}/ratings; run `credence ratings download` first.",
            err=True,
        )
        raise typer.Exit(2)
    return RatingsStore.load(data_dir)


def rating_dict(rating: report_pb2.SourceRating) -> dict[str, object]:
    """The JSON form of a SourceRating (proto field names, defaults included); `kind` and
    each note's kind as their short keys (`satire`, `state_affiliated`, ...)."""
    out = json_format.MessageToDict(
        rating, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
    )
    out["kind"] = KIND_KEYS[rating.kind]
    out["kind_notes"] = [
        {**note, "kind": KIND_KEYS[proto.kind]}
        for note, proto in zip(out["kind_notes"], rating.kind_notes, strict=True)
    ]
    return out


def render(rating: report_pb2.SourceRating) -> str:
    """A readable description of a SourceRating."""
    kind_words = KIND_WORDS[rating.kind] if rating.kind else ""
    kind = f", {kind_words}" if kind_words and kind_words != label_words(rating.label) else ""
    head = (
        f"{rating.domain}: {rating.score:.0f}/100, {label_words(rating.label)}{kind}, "
        f"confidence {rating.confidence:.0%}"
    )
    lines = [head]
    if rating.kind:
        lines.append(f"  Kind: {KIND_WORDS[rating.kind]}")
        for note in rating.kind_notes:
            lines.append(
                f"    - {note.list_name}: {note.note} ({KIND_WORDS[note.kind]}) {note.url}"
            )
    if rating.estimated:
        lines.append("  No rating list covers this domain; the score is an ESTIMATE, not a rating:")
    elif not rating.known:
        lines.append("  No rating list covers this domain; the score is a neutral prior.")
        return "\n".join(lines)
    for r in rating.ratings:
        lines.append(f"  - {r.list_name}: {r.original_label} ({r.normalized:.2f} on 0-1)")
        lines.append(f"      as of {r.as_of}; licence: {r.licence}; {r.url}")
    return "\n".join(lines)


def source(
    domain: Annotated[str, typer.Argument(help="A domain or URL, e.g. reuters.com.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show a source's reputation from the open rating lists."""
    try:
        rating = _store().rate(domain)
    except CredenceError as error:
        typer.echo(json.dumps(error.to_dict()) if as_json else str(error), err=True)
        raise typer.Exit(2) from error
    typer.echo(json.dumps(rating_dict(rating)) if as_json else render(rating))


def sources(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON line per domain.")] = True,
) -> None:
    """Rate many domains: one domain or URL per line on stdin."""
    store = _store()
    for line in sys.stdin:
        domain = line.strip()
        if not domain or domain.startswith("#"):
            continue
        try:
            out: dict[str, object] = {"input": domain, **rating_dict(store.rate(domain))}
        except CredenceError as error:
            out = {"input": domain, "error": error.to_dict()}
        typer.echo(json.dumps(out) if as_json else render(store.rate(domain)))


@ratings_app.command("download")
def download(
    dest: Annotated[
        Path | None, typer.Option(help="Folder to write into (default: <data_dir>/ratings).")
    ] = None,
    base_url: Annotated[str, typer.Option(help="Where raw files are served from.")] = RAW_BASE_URL,
) -> None:
    """Download the public rating lists from their origin repositories."""
    target = dest or get_settings().data_dir / "ratings"

    def show(done: Downloaded) -> None:
        check = "sha256 ok" if done.verified else "no known sha256"
        typer.echo(f"{done.local_name}: {done.size} bytes ({check})")

    try:
        files = download_all(target, base_url=base_url, progress=show)
    except CredenceError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(1) from error
    typer.echo(f"{len(files)} files in {target}")


def register(app: typer.Typer) -> None:
    """Adds `source`, `sources` and `ratings download` to the `credence` app."""
    app.command("source")(source)
    app.command("sources")(sources)
    app.add_typer(ratings_app, name="ratings")
