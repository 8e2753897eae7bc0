"""The scorer's CLI commands, and `credence ratings download` against a local HTTP server
that serves the lists under the same raw-URL layout as GitHub."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from services.scorer.cli import register
from services.scorer.ratings.lists import ALL_FILES, DataFile
from tests.scorer.conftest import RATINGS_DIR, needs_ratings

runner = CliRunner()


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    application = typer.Typer()

    @application.callback()
    def main() -> None:
        """credence"""

    register(application)
    return application


@needs_ratings
def test_source_readable(app: typer.Typer) -> None:
    result = runner.invoke(app, ["source", "www.globalresearch.ca"])
    assert result.exit_code == 0, result.output
    assert "globalresearch.ca:" in result.output and "low credibility" in result.output
    assert "Wikipedia: Reliable sources/Perennial sources" in result.output
    assert "licence" in result.output and "as of" in result.output


@needs_ratings
def test_source_json(app: typer.Typer) -> None:
    result = runner.invoke(app, ["source", "reuters.com", "--json"])
    data = json.loads(result.output)
    assert data["domain"] == "reuters.com" and data["known"] is True
    assert data["score"] >= 80 and data["ratings"][0]["list_name"]


@needs_ratings
def test_source_bad_domain(app: typer.Typer) -> None:
    result = runner.invoke(app, ["source", "not a domain"])
    assert result.exit_code == 2 and "INVALID_ARGUMENT" in result.output


@needs_ratings
def test_sources_json_lines(app: typer.Typer) -> None:
    stdin = "reuters.com\nhttps://www.globalresearch.ca/x\nunrated-example-site.net\nnot a domain\n"
    result = runner.invoke(app, ["sources", "--json"], input=stdin)
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [line["input"] for line in lines][:3] == [
        "reuters.com",
        "https://www.globalresearch.ca/x",
        "unrated-example-site.net",
    ]
    assert lines[0]["known"] and lines[0]["ratings"]
    assert (
        lines[1]["domain"] == "globalresearch.ca" and lines[1]["label"] == "LABEL_LOW_CREDIBILITY"
    )
    assert lines[2]["known"] is False and lines[2]["estimated"] is True
    assert lines[3]["error"]["reason"] == "INVALID_ARGUMENT"


def _handler(files: dict[str, Path]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = files.get(self.path)
            if path is None:
                self.send_error(404)
                return
            body = path.read_bytes()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            return

    return Handler


@pytest.fixture
def raw_server() -> Iterator[str]:
    files = {f"/{f.repo}/{f.commit}/{f.path}": RATINGS_DIR / f.local_name for f in ALL_FILES}
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(files))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@needs_ratings
def test_ratings_download(app: typer.Typer, raw_server: str, tmp_path: Path) -> None:
    dest = tmp_path / "ratings"
    result = runner.invoke(
        app, ["ratings", "download", "--dest", str(dest), "--base-url", raw_server]
    )
    assert result.exit_code == 0, result.output
    for data_file in ALL_FILES:
        got = dest / data_file.local_name
        assert got.read_bytes() == (RATINGS_DIR / data_file.local_name).read_bytes()
        if data_file.sha256:
            assert hashlib.sha256(got.read_bytes()).hexdigest() == data_file.sha256
    assert "sha256 ok" in result.output


@needs_ratings
def test_ratings_download_rejects_wrong_content(raw_server: str, tmp_path: Path) -> None:
    from services.common.errors import CredenceError
    from services.scorer.ratings.download import download_all

    wrong = DataFile(
        ALL_FILES[0].repo, ALL_FILES[0].commit, ALL_FILES[0].path, "x.jsonl", sha256="0" * 64
    )
    with pytest.raises(CredenceError) as caught:
        download_all(tmp_path, base_url=raw_server, files=[wrong])
    assert "SHA-256" in caught.value.message and not (tmp_path / "x.jsonl").exists()
    missing = DataFile("nobody/nothing", "0" * 40, "none.csv", "none.csv")
    with pytest.raises(CredenceError) as caught:
        download_all(tmp_path, base_url=raw_server, files=[missing])
    assert "404" in caught.value.message


def test_urls_are_pinned_raw_github() -> None:
    for data_file in ALL_FILES:
        url = data_file.raw_url()
        assert url.startswith("https://raw.githubusercontent.com/") and data_file.commit in url
