"""`credence`: score an article from the command line, in this process (the embedded
default: Celery eager, in-memory cache, no servers) or against a running stack (--server)."""

from __future__ import annotations

import importlib
import logging
import os
import sys
from pathlib import Path

import grpc
import typer
from credence.v1 import reliability_pb2, report_pb2

from services.cli.render import print_report, to_json
from services.common.cli_errors import exit_code, print_error
from services.common.errors import CredenceError, invalid_argument

app = typer.Typer(
    help="Credence scores how reliable a news article and its source are, and says why.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

_UNKNOWN_SITE = "https://unknown.invalid/"
_SUBCOMMANDS = (
    "services.fetcher.cli",
    "services.matcher.cli",
    "services.scorer.cli",
    "services.auth.cli",
    "services.cli.feedback",
    "services.cli.eval_articles",
    "services.cli.fit_weights",
)


class State:
    """Options given before the command."""

    server: str = ""
    api_key: str = ""
    tls_ca: str = ""


@app.callback()
def main(
    server: str = typer.Option(
        "", "--server", envvar="CREDENCE_SERVER", help="HOST:PORT of a running stack."
    ),
    api_key: str = typer.Option("", "--api-key", envvar="CREDENCE_API_KEY", help="API key."),
    tls_ca: str = typer.Option(
        "", "--tls-ca", envvar="CREDENCE_TLS_CA", help="Use TLS to --server, trusting this CA."
    ),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log to stderr."),
) -> None:
    """Runs in this process unless --server names a running stack."""
    State.server, State.api_key, State.tls_ca = server, api_key, tls_ca
    logging.basicConfig(level=logging.INFO if verbose else logging.ERROR, stream=sys.stderr)
    if not server:
        os.environ.setdefault("CREDENCE_EMBEDDED", "1")


def _read_target(target: str, url: str) -> tuple[str, str, str]:
    """(url, html, text) for a URL or a saved page/text file."""
    if target.startswith(("http://", "https://")):
        return target, "", ""
    path = Path(target)
    if not path.is_file():
        raise invalid_argument("TARGET", f"{target!r} is neither an http(s) URL nor a file")
    try:
        body = path.read_text(encoding="utf-8", errors="replace")
    except OSError as error:
        raise invalid_argument("TARGET", f"cannot read {target}: {error}") from error
    page_url = url or _UNKNOWN_SITE + path.name
    looks_html = path.suffix.lower() in (".html", ".htm", ".xhtml") or body.lstrip()[:1] == "<"
    return (page_url, body, "") if looks_html else (page_url, "", body)


def _score_embedded(url: str, html: str, text: str) -> report_pb2.Report:
    from services.common.urls import canonical_url, validate_url
    from services.pipeline import keys, runtime
    from services.pipeline.submit import JobInput, start_or_join
    from services.scorer.weights import MODEL_VERSION

    url = validate_url(url)
    canonical = canonical_url(url)
    body = html or text
    key = (
        keys.content_report_key(MODEL_VERSION, canonical, body)
        if body
        else keys.report_key(MODEL_VERSION, canonical)
    )
    job_id, _ = start_or_join(JobInput(url, key, html=html, text=text))
    record = runtime.job_records().get(job_id)
    if record is None or record.job.state != reliability_pb2.JOB_STATE_DONE:
        job = record.job if record else None
        raise CredenceError(
            grpc.StatusCode.FAILED_PRECONDITION,
            job.error_reason if job and job.error_reason else "JOB_FAILED",
            job.error_message if job and job.error_message else "the pipeline did not finish",
        )
    return record.report


def _score_remote(url: str, html: str, text: str, timeout_s: float) -> report_pb2.Report:
    from services.client import CredenceClient, Tls
    from services.common.tls import TlsConfigError

    try:
        tls = Tls(ca_file=State.tls_ca) if State.tls_ca else None
        client = CredenceClient(State.server, State.api_key, timeout_s=timeout_s, tls=tls)
    except TlsConfigError as error:
        raise invalid_argument("--tls-ca", str(error), "TLS_CA_UNREADABLE") from error
    with client:
        response: reliability_pb2.ScoreUrlResponse | reliability_pb2.ScoreArticleResponse
        if html or text:
            response = client.score_article(url, html=html, text=text)
        else:
            response = client.score_url(url)
        if response.HasField("report") and response.report.model_version:
            return response.report
        return client.wait_report(response.job, timeout_s)


@app.command()
def score(
    target: str = typer.Argument(..., help="An http(s) URL, or a saved .html or .txt file."),
    url: str = typer.Option("", "--url", help="For a file: the URL it was published at."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    timeout: float = typer.Option(60.0, "--timeout", help="Seconds to wait for the report."),
) -> None:
    """Score an article: its score, label and the reasons, with evidence."""
    try:
        page_url, html, text = _read_target(target, url)
        if State.server:
            report = _score_remote(page_url, html, text, timeout)
        else:
            report = _score_embedded(page_url, html, text)
    except CredenceError as error:
        print_error(error, as_json)
        raise typer.Exit(exit_code(error)) from None
    if as_json:
        print(to_json(report))
    else:
        print_report(report)


@app.command()
def config() -> None:
    """List every setting: its environment variable, current value and meaning."""
    from services.common.config import Settings

    settings = Settings()
    for name, field in Settings.model_fields.items():
        value = getattr(settings, name)
        print(f"CREDENCE_{name.upper()}={value}\n    {field.description or ''}")


def _register_subcommands() -> None:
    for module_name in _SUBCOMMANDS:
        importlib.import_module(module_name).register(app)


_register_subcommands()
