"""`credence fetch URL [--json]`: fetch and extract one article in this process (the
embedded default, no servers), printing it readably or as JSON, or the precise error."""

from __future__ import annotations

import asyncio
import json
import sys

import typer
from credence.v1 import article_pb2, fetcher_pb2
from google.protobuf import json_format

from services.common.cache import MemoryCache
from services.common.config import get_settings
from services.common.errors import CredenceError
from services.fetcher.core import Fetcher


def register(app: typer.Typer) -> None:
    """Adds the `fetch` command to the credence CLI."""
    app.command("fetch")(fetch_command)


def fetch_command(
    url: str = typer.Argument(..., help="The http or https URL of the article."),
    as_json: bool = typer.Option(False, "--json", help="Print the FetchResponse as JSON."),
) -> None:
    """Fetch a URL safely and print the article extracted from it. Loopback addresses are
    refused unless CREDENCE_ALLOW_LOOPBACK=true."""
    fetcher = Fetcher(get_settings(), MemoryCache())
    try:
        response = asyncio.run(fetcher.fetch(fetcher_pb2.FetchRequest(url=url)))
    except CredenceError as error:
        print(json.dumps(error.to_dict()) if as_json else f"error: {error}", file=sys.stderr)
        raise typer.Exit(code=2 if error.transient else 1) from None
    if as_json:
        print(json_format.MessageToJson(response, indent=2))
    else:
        print(render(response))


def render(response: fetcher_pb2.FetchResponse) -> str:
    """A readable page: the metadata, the citations, the links, then the text."""
    article = response.article
    lines = [
        article.title or "(no title)",
        "",
        *_field_lines(article, response),
    ]
    if article.citations:
        lines += ["", "Citations:"]
        lines += [f"  - {_citation(c)}" for c in article.citations]
    if article.links:
        lines += ["", f"Links ({len(article.links)}):"]
        lines += [f"  - {link.anchor_text or link.url} <{link.url}>" for link in article.links[:20]]
    lines += ["", article.text]
    return "\n".join(lines)


def _field_lines(article: article_pb2.Article, response: fetcher_pb2.FetchResponse) -> list[str]:
    fields = [
        ("URL", response.final_url),
        ("Canonical", article.canonical_url),
        ("Domain", article.domain),
        ("Site", article.site_name),
        ("Byline", article.byline),
        ("Published", _time(article, "published_at")),
        ("Updated", _time(article, "updated_at")),
        ("Section", article.section),
        ("Language", article.language),
        ("Signals", ", ".join(article.page_signals)),
        ("HTTP", f"{response.http_status} {response.content_type}"),
    ]
    return [f"{name + ':':<11}{value}" for name, value in fields if value.strip()]


def _time(article: article_pb2.Article, name: str) -> str:
    if not article.HasField(name):  # type: ignore[arg-type]
        return ""
    return str(getattr(article, name).ToJsonString())


def _citation(citation: article_pb2.Citation) -> str:
    date = f", {citation.date.ToJsonString()[:10]}" if citation.HasField("date") else ""
    return f"[{citation.kind}] {citation.outlet}{date}: {citation.sentence[:160]}"
