"""`credence feedback list`: the readers' "this rating looks wrong" notes the edge stored
(newest first), for operators reviewing ratings."""

from __future__ import annotations

import json
import time
from dataclasses import asdict

import typer

from services.common.cli_errors import exit_code, print_error
from services.common.config import get_settings
from services.common.errors import CredenceError
from services.common.feedback import FeedbackStore

feedback_app = typer.Typer(help="Readers' feedback on ratings.", no_args_is_help=True)


def _when(stamp: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(stamp))


@feedback_app.command("list")
def list_feedback(
    limit: int = typer.Option(50, "--limit", min=1, max=10_000, help="How many notes."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List the newest notes: when, client, score, URL and the reader's note."""
    try:
        records = FeedbackStore(get_settings().state_url).latest(limit)
    except CredenceError as error:
        print_error(error, as_json)
        raise typer.Exit(exit_code(error)) from None
    if as_json:
        print(json.dumps([asdict(r) for r in records], ensure_ascii=False))
        return
    if not records:
        print("no feedback yet")
    for r in records:
        score = f"{r.score:g}" if r.score is not None else "-"
        print(f"{_when(r.received_at)}  {r.client}  score {score}  {r.url}")
        if r.note:
            print(f"    {r.note}")


def register(app: typer.Typer) -> None:
    """Adds `feedback` to the `credence` app."""
    app.add_typer(feedback_app, name="feedback")
