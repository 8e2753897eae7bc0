"""`credence fetch`: the article readable or as JSON, and a precise error with a non-zero
exit and no stack trace."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import typer
from typer.testing import CliRunner

from services.common.config import get_settings
from services.fetcher.cli import register
from tests.fetcher.zoo import Zoo

pytestmark = pytest.mark.timeout(30)


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch) -> Iterator[typer.Typer]:
    monkeypatch.setenv("CREDENCE_FETCH_TIMEOUT_S", "3")
    get_settings.cache_clear()
    cli = typer.Typer()
    register(cli)
    cli.command("noop", hidden=True)(lambda: None)  # keep `fetch` a sub-command
    yield cli
    get_settings.cache_clear()


def test_fetch_prints_the_article(
    app: typer.Typer, zoo: Zoo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CREDENCE_ALLOW_LOOPBACK", "true")
    result = CliRunner().invoke(app, ["fetch", zoo.url("/article")])
    assert result.exit_code == 0, result.output
    assert "Council approves new river bridge" in result.stdout
    assert "[according_to] Reuters" in result.stdout


def test_fetch_json(app: typer.Typer, zoo: Zoo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CREDENCE_ALLOW_LOOPBACK", "true")
    result = CliRunner().invoke(app, ["fetch", zoo.url("/article"), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["article"]["byline"] == "Jane Holloway"


def test_loopback_is_refused_without_configuration(app: typer.Typer, zoo: Zoo) -> None:
    result = CliRunner().invoke(app, ["fetch", zoo.url("/article")])
    assert result.exit_code == 1
    assert "FETCH_BLOCKED_PRIVATE_ADDRESS" in result.stderr
    assert "Traceback" not in result.output
