"""Readers of the training sets of the text models (shared data folder, never shipped):
clickbait headlines, subjective and objective news sentences, and news articles with their
propaganda spans. Each reader returns typed rows; the shortcuts each README warns about are
handled by `hashed.normalise` (casing, final punctuation, non-ASCII characters)."""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

CLICKBAIT_DIR = "clickbait_chakraborty2016"
SUBJECTIVITY_DIR = "checkthat2023_subjectivity"
PROPAGANDA_DIR = "ptc_semeval2020"


@dataclass(frozen=True)
class Labelled:
    """One text and its label (1: clickbait, subjective, or inside a propaganda span)."""

    text: str
    label: int
    group: str = ""


@dataclass(frozen=True)
class Span:
    """A propaganda span of an article: offsets and technique."""

    start: int
    end: int
    technique: str


@dataclass(frozen=True)
class PropagandaArticle:
    """A PTC article: its id, text and spans."""

    article_id: str
    text: str
    spans: tuple[Span, ...]


def need(path: Path) -> Path:
    """`path`, or a clear error naming the missing data."""
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: the training data lives in the data folder")
    return path


def clickbait(data_dir: Path) -> list[Labelled]:
    """The 32,000 headlines, 1 = clickbait."""
    folder = need(data_dir / CLICKBAIT_DIR)
    rows: list[Labelled] = []
    for name, label in (("clickbait_data", 1), ("non_clickbait_data", 0)):
        text = need(folder / name).read_text(encoding="utf-8")
        rows += [Labelled(line.strip(), label) for line in text.splitlines() if line.strip()]
    return rows


def subjectivity(data_dir: Path, split: str) -> list[Labelled]:
    """A CheckThat! subjectivity split ("train", "dev", "test", "test2024"), 1 = SUBJ."""
    folder = need(data_dir / SUBJECTIVITY_DIR)
    files = {
        "train": ("clef2023/train_en.tsv", False),
        "dev": ("clef2023/dev_en.tsv", False),
        "test": ("clef2023/test_en_gold.tsv", True),
        "test2024": ("clef2025_extra/dev_test_en.tsv", True),
    }
    name, has_header = files[split]
    with need(folder / name).open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter="\t")
        if has_header:
            next(reader)
        return [Labelled(row[1], int(row[2] == "SUBJ")) for row in reader if len(row) >= 3]


def propaganda(data_dir: Path, split: str) -> list[PropagandaArticle]:
    """The PTC articles of "train" or "dev" with their technique spans."""
    folder = need(data_dir / PROPAGANDA_DIR)
    spans: dict[str, list[Span]] = defaultdict(list)
    labels = need(folder / f"{split}-task-flc-tc.labels").read_text(encoding="utf-8")
    for line in labels.splitlines():
        parts = line.split("\t")
        if len(parts) == 4:
            spans[parts[0]].append(Span(int(parts[2]), int(parts[3]), parts[1]))
    out = []
    for path in sorted(need(folder / f"{split}-articles").glob("article*.txt")):
        article_id = path.stem.removeprefix("article")
        text = path.read_text(encoding="utf-8")
        out.append(PropagandaArticle(article_id, text, tuple(spans.get(article_id, []))))
    return out


def sentence_rows(article: PropagandaArticle) -> list[Labelled]:
    """The article's lines (one sentence each), 1 when a span overlaps the line."""
    rows = []
    offset = 0
    for line in article.text.split("\n"):
        end = offset + len(line)
        if line.strip():
            hit = any(s.start < end and s.end > offset for s in article.spans)
            rows.append(Labelled(line, int(hit), article.article_id))
        offset = end + 1
    return rows


def span_rows(article: PropagandaArticle) -> list[Labelled]:
    """Each span's text (cut at the line end) with its technique's index in `techniques`."""
    out = []
    for span in article.spans:
        text = article.text[span.start : span.end].split("\n")[0].strip()
        if text:
            out.append(Labelled(text, 1, span.technique))
    return out


def outside_windows(article: PropagandaArticle, lengths: list[int]) -> list[Labelled]:
    """Word windows of the given lengths drawn from lines no span touches (negatives)."""
    out = []
    rows = [r for r in sentence_rows(article) if not r.label]
    for i, row in enumerate(rows):
        words = row.text.split()
        size = lengths[i % len(lengths)] if lengths else 4
        for start in range(0, max(1, len(words) - size + 1), max(1, size)):
            out.append(Labelled(" ".join(words[start : start + size]), 0, article.article_id))
    return out
