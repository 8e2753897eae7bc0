"""Shared fixtures: the real ratings store (skipped when the data folder is absent), the
sample article and a Reuters-21578 story built as the fetcher would hand them over."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from credence.v1 import article_pb2, evidence_pb2
from google.protobuf import timestamp_pb2

from services.common.config import get_settings
from services.scorer.ratings import RatingsStore
from services.scorer.report import Scorer
from tests.support.needs import need_path

DATA_DIR: Path = get_settings().data_dir
RATINGS_DIR = DATA_DIR / "ratings"
SAMPLE = DATA_DIR / "samples" / "globalresearch-kremlin-drone-2023.txt"
REUTERS_SGM = DATA_DIR / "wire" / "reuters21578" / "reut2-000.sgm"


@pytest.fixture(scope="package")
def ratings_present() -> Path:
    """The data folder's rating lists (see tests.support.needs)."""
    return need_path(RATINGS_DIR, "the data folder's rating lists")


needs_ratings = pytest.mark.usefixtures("ratings_present")


def ts(year: int, month: int, day: int) -> timestamp_pb2.Timestamp:
    """A UTC midnight timestamp."""
    stamp = timestamp_pb2.Timestamp()
    stamp.FromDatetime(datetime(year, month, day, tzinfo=UTC))
    return stamp


@pytest.fixture(scope="package")
def store() -> RatingsStore:
    need_path(RATINGS_DIR, "the data folder's rating lists")
    return RatingsStore.load(DATA_DIR)


@pytest.fixture(scope="package")
def scorer(store: RatingsStore) -> Scorer:
    return Scorer(store)


def _sentence_with(text: str, needle: str) -> str:
    for line in text.splitlines():
        if needle in line:
            return line.strip()
    raise AssertionError(f"{needle!r} not in the sample")


@pytest.fixture(scope="package")
def sample_article() -> article_pb2.Article:
    need_path(SAMPLE, "the data folder's sample article")
    text = SAMPLE.read_text(encoding="utf-8")
    title, _, body = text.partition("\n")
    citations = [
        article_pb2.Citation(
            outlet="MNBC",
            date=ts(2023, 5, 3),
            kind="parenthetical",
            sentence=_sentence_with(text, "Source, MNBC, May 3, 2023"),
        ),
        article_pb2.Citation(
            outlet="WSWS",
            date=ts(2023, 5, 4),
            kind="parenthetical",
            sentence=_sentence_with(text, "(WSWS, May 4, 2023"),
        ),
        article_pb2.Citation(
            outlet="Reuters",
            date=ts(2023, 5, 5),
            kind="parenthetical",
            sentence=_sentence_with(text, "(See Reuters, May 5, 2023)"),
        ),
    ]
    url = "https://www.globalresearch.ca/kremlin-under-drone-attack-failed-attempt-assassinate-president-putin/5818337"
    return article_pb2.Article(
        url=url,
        canonical_url=url,
        domain="globalresearch.ca",
        title=title.strip(),
        text=body.strip(),
        byline="Prof Michel Chossudovsky",
        published_at=ts(2023, 5, 3),
        updated_at=ts(2023, 5, 4),
        language="en",
        site_name="Global Research",
        citations=citations,
    )


_REUTERS = re.compile(
    r"<REUTERS[^>]*>.*?<DATE>(?P<date>[^<]+)</DATE>.*?<TITLE>(?P<title>[^<]+)</TITLE>"
    r".*?<BODY>(?P<body>.*?)</BODY>",
    re.S,
)


@pytest.fixture(scope="package")
def reuters_story() -> tuple[article_pb2.Article, list[evidence_pb2.ClaimEvidence]]:
    need_path(REUTERS_SGM, "the data folder's Reuters-21578")
    raw = REUTERS_SGM.read_text(encoding="latin-1")
    match = next(m for m in _REUTERS.finditer(raw) if len(m.group("body")) > 1500)
    title = html.unescape(match.group("title")).strip().title()
    body = html.unescape(match.group("body")).replace("\x03", "").strip()
    body = re.sub(r"\s*Reuter\s*$", "", body)
    day = datetime.strptime(match.group("date").strip().split(".")[0], "%d-%b-%Y %H:%M:%S")
    url = "https://www.reuters.com/article/" + re.sub(r"\W+", "-", title.lower()).strip("-")
    article = article_pb2.Article(
        url=url,
        canonical_url=url,
        domain="reuters.com",
        title=title,
        text=body,
        published_at=ts(day.year, day.month, day.day),
        language="en",
        site_name="Reuters",
    )
    sentences = [s.strip() for s in re.split(r"(?<=\.)\s+", body) if len(s.strip()) > 40]
    claims = [_supported(sentences[i], i) for i in (0, 1)]
    return article, claims


def _supported(sentence: str, index: int) -> evidence_pb2.ClaimEvidence:
    story = evidence_pb2.WireStory(
        id=f"ap-{index}",
        outlet="AP",
        url=f"https://apnews.com/article/{index}",
        title=sentence[:60],
        source="rss",
    )
    return evidence_pb2.ClaimEvidence(
        claim=evidence_pb2.Claim(text=sentence, checkworthiness=0.8, sentence_index=index),
        evidence=[
            evidence_pb2.Evidence(
                story=story,
                stance=evidence_pb2.STANCE_AGREE,
                stance_confidence=0.85,
                retrieval_score=12.0,
            )
        ],
        verdict=evidence_pb2.VERDICT_SUPPORTED,
    )
