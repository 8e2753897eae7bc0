"""`credence eval articles`: a labelled folder built from the Fakespeak-ENG dev set is scored
as from an unknown site; the CSV has one column per signal and the AUCs are printed; bad
folders are clear errors."""

from __future__ import annotations

import csv
import math
import shutil
from pathlib import Path

import pytest

from services.cli.eval_articles import roc_auc
from tests.support.needs import need_path
from tests.test_cli import credence

pytestmark = pytest.mark.timeout(600)

COLUMNS = ["id", "score", "source_reputation", "corroboration", "sourcing", "transparency"]
PARTS = [
    "question_headline",
    "loaded",
    "sensational",
    "insertions",
    "unlabelled_opinion",
    "capitals",
    "exclamations",
    "clickbait",
    "subjectivity",
    "propaganda",
    "headline",
    "outlets",
    "attributed",
    "named_sources",
    "anonymous",
    "quotes",
    "links",
    "diversity",
]


def _labelled_folder(data_dir: Path, into: Path, per_class: int = 2) -> dict[str, str]:
    source = data_dir / "fakespeak_eng"
    need_path(source / "labels.csv", "Fakespeak-ENG in the data folder")
    with (source / "labels.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    picked = [r for r in rows if r["label"] == "1"][:per_class]
    picked += [r for r in rows if r["label"] == "0"][:per_class]
    into.mkdir()
    for row in picked:
        shutil.copy(source / f"{row['id']}.txt", into / f"{row['id']}.txt")
    with (into / "labels.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "label"])
        writer.writerows([r["id"], r["label"]] for r in picked)
    return {r["id"]: r["label"] for r in picked}


def test_eval_articles_writes_scores_and_aucs(data_dir: Path, tmp_path: Path) -> None:
    labels = _labelled_folder(data_dir, tmp_path / "articles")
    out = tmp_path / "scores.csv"
    result = credence(
        "eval",
        "articles",
        "--in",
        str(tmp_path / "articles"),
        "--out",
        str(out),
        env={"CREDENCE_STATE_DIR": str(tmp_path / "state")},
    )
    assert result.returncode == 0, result.stderr
    with out.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == [*COLUMNS, "presentation", *PARTS]
        rows = list(reader)
    assert {r["id"] for r in rows} == set(labels)
    for row in rows:
        assert 0 <= float(row["score"]) <= 100
        # As from an unknown site: the source's reputation is the neutral prior.
        assert row["source_reputation"] in ("", "50.0")
    assert "ROC AUC on 4 labelled articles (2 reliable)" in result.stdout
    for column in ("presentation", *PARTS):
        assert f"  {column} " in result.stdout
    for row in rows:
        for part in ("clickbait", "subjectivity", "propaganda"):
            assert 0 <= float(row[part]) <= 100


def test_eval_articles_bad_folder(tmp_path: Path) -> None:
    result = credence("eval", "articles", "--in", str(tmp_path / "nope"), "--out", "x.csv")
    assert result.returncode == 2 and "is not a folder" in result.stderr
    (tmp_path / "a.txt").write_text("Title\n\nBody.\n", encoding="utf-8")
    (tmp_path / "labels.csv").write_text("id,label\na,yes\n", encoding="utf-8")
    result = credence("eval", "articles", "--in", str(tmp_path), "--out", "x.csv")
    assert result.returncode == 2 and "label must be 0 or 1" in result.stderr


def test_roc_auc_ignores_missing_values() -> None:
    auc, n = roc_auc([0.9, None, 0.1, 0.8], [1, 0, 0, 1])
    assert auc == 1.0 and n == 3
    auc, n = roc_auc([0.5, 0.4], [1, 1])
    assert math.isnan(auc) and n == 2  # one class only
