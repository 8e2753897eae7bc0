"""`credence eval ...` and `credence index build` through Typer, on tiny hand-written files."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from services.matcher.cli import register
from services.matcher.index import open_index
from tests.matcher.conftest import needs_wire

runner = CliRunner()


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    root = typer.Typer()

    @root.callback()
    def main() -> None:
        """Test root."""

    register(root)
    return root


def test_eval_stance(app: typer.Typer, tmp_path: Path) -> None:
    bodies = tmp_path / "bodies.csv"
    stances = tmp_path / "stances.csv"
    out = tmp_path / "pred.csv"
    bodies.write_text(
        "Body ID,articleBody\n"
        '1,"Russia said two drones targeting the Kremlin were shot down overnight by air '
        'defences, and called it an attempt on the life of President Putin."\n'
        '2,"The central bank raised interest rates by a quarter point on Wednesday."\n'
    )
    stances.write_text(
        "Headline,Body ID,Stance\n"
        "Two drones targeting the Kremlin shot down,1,agree\n"
        "Two drones targeting the Kremlin shot down,2,unrelated\n"
    )
    result = runner.invoke(
        app,
        ["eval", "stance", "--stances", str(stances), "--bodies", str(bodies), "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open()))
    assert [r["Body ID"] for r in rows] == ["1", "2"]
    assert rows[1]["Stance"] == "unrelated"
    assert "FNC-1 score" in result.output


def test_eval_checkworthy(app: typer.Typer, tmp_path: Path) -> None:
    source = tmp_path / "in.json"
    out = tmp_path / "out.json"
    source.write_text(
        json.dumps(
            [
                {"text": "Unemployment fell from 10 percent to 5 percent since 2010.", "label": 1},
                {"text": "Thank you all for coming tonight.", "label": 0},
            ]
        )
    )
    result = runner.invoke(app, ["eval", "checkworthy", "--in", str(source), "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = json.loads(out.read_text())
    assert [r["prediction"] for r in rows] == [1, 0]
    assert "macro-F1" in result.output
    source.write_text('{"not": "a list"}')
    bad = runner.invoke(app, ["eval", "checkworthy", "--in", str(source), "--out", str(out)])
    assert bad.exit_code == 2


def test_eval_retrieve(app: typer.Typer, tmp_path: Path) -> None:
    vclaims = tmp_path / "vclaims.tsv"
    queries = tmp_path / "queries.tsv"
    qrels = tmp_path / "qrels"
    run = tmp_path / "run"
    claims = [
        ("0", "Drinking bleach cures the coronavirus.", "Does Bleach Cure COVID-19?"),
        ("1", "Barack Obama was born in Kenya.", "Was Obama Born in Kenya?"),
        ("2", "A shark swam on a flooded highway in Houston.", "Shark on Houston Freeway"),
        ("3", "The moon landing was staged in a studio.", "Was the Moon Landing Faked?"),
        ("4", "Bill Gates wants to microchip people with vaccines.", "Gates Microchip Plot"),
        ("5", "Eating carrots improves night vision.", "Carrots and Night Vision"),
    ]
    vclaims.write_text("\tvclaim\ttitle\n" + "".join("\t".join(c) + "\n" for c in claims))
    queries.write_text(
        "\ttweet_content\n"
        "10\tLook at this shark swimming on the Houston highway after the flood!"
        " — X (@x) May 1, 2020\n"
        "11\tObama was really born in Kenya, wake up — Y (@y) May 2, 2020\n"
    )
    qrels.write_text("10\t0\t2\t1\n11\t0\t1\t1\n")
    result = runner.invoke(
        app,
        [
            "eval",
            "retrieve",
            "--queries",
            str(queries),
            "--vclaims",
            str(vclaims),
            "--out",
            str(run),
            "--qrels",
            str(qrels),
        ],
    )
    assert result.exit_code == 0, result.output
    lines = [line.split("\t") for line in run.read_text().splitlines()]
    assert len(lines) == 12  # 2 queries × 6 claims (fewer than the depth of 10)
    assert lines[0][:4] == ["10", "Q0", "2", "1"]
    assert "MAP@5: 1.0000" in result.output


@needs_wire
def test_index_build(app: typer.Typer, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    args = [
        "index",
        "build",
        "--source",
        "reuters21578",
        "--limit",
        "30",
        "--index-dir",
        str(index_dir),
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "30 added" in result.output
    again = runner.invoke(app, args)
    assert "0 added, 30 skipped" in again.output
    assert open_index(index_dir).stats().by_source == {"reuters21578": 30}
    stats = runner.invoke(app, ["index", "stats", "--index-dir", str(index_dir)])
    assert json.loads(stats.output)["stories"] == 30
    assert json.loads(stats.output)["outdated"] is False
    bad = runner.invoke(app, ["index", "build", "--source", "bbc", "--index-dir", str(index_dir)])
    assert bad.exit_code == 2
