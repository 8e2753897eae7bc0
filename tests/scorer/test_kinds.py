"""Source kinds: satire has its own band, state media is named as such, a writer on a
platform is rated on their own, wire services and fact-checkers are said to be so, each
statement with who makes it; in `credence source`, `sources --json` and the report."""

from __future__ import annotations

import json

import pytest
import typer
from credence.v1 import article_pb2, report_pb2, scoring_pb2
from typer.testing import CliRunner

from services.scorer.cli import register
from services.scorer.ratings import RatingsStore
from services.scorer.ratings.kinds import (
    CONSPIRACY,
    FACT_CHECKER,
    PLATFORM,
    SATIRE,
    STATE,
    WIRE,
    WRITER,
    KindsCatalogue,
    mbfc_kinds,
    opensources_kinds,
    rsp_kinds,
)
from services.scorer.report import Scorer
from tests.scorer.conftest import needs_ratings

runner = CliRunner()


def test_rsp_summary_kinds() -> None:
    onion = "''The Onion'' is a [[List of satirical news websites|satirical news website]]. X."
    assert [k.kind for k in rsp_kinds(onion)] == [SATIRE]
    assert "satirical news website" in rsp_kinds(onion)[0].note
    dw = "Deutsche Welle is a German [[State media|state-owned]] [[international broadcaster]]."
    assert [k.kind for k in rsp_kinds(dw)] == [STATE]
    ap = "The Associated Press is a [[news agency]]. There is consensus that it is reliable."
    assert [k.kind for k in rsp_kinds(ap)] == [WIRE]
    # "reputation for fact-checking" is a judgement, not a kind; a BBC note on UGC projects
    # further down the summary does not make the BBC a platform.
    judged = "There is consensus that X does not have a reputation for fact-checking."
    assert rsp_kinds(judged) == ()
    bbc = "BBC is a publicly funded broadcaster. It excludes [[WP:UGC|user-generated content]]."
    assert rsp_kinds(bbc) == ()


def test_list_categories() -> None:
    assert [k.kind for k in opensources_kinds(["bias", "state", "fake"])] == [STATE]
    assert [k.kind for k in opensources_kinds(["satire"])] == [SATIRE]
    assert [k.kind for k in mbfc_kinds("right conspiracy-pseudoscience", "website")] == [CONSPIRACY]
    assert [k.kind for k in mbfc_kinds("least biased", "news agency")] == [WIRE]


def test_platform_pages() -> None:
    catalogue = KindsCatalogue.load()
    page = catalogue.platform_page("https://medium.com/@someone/a-post-123")
    assert page is not None and page.writer == "medium.com/@someone"
    page = catalogue.platform_page("someone.substack.com")
    assert page is not None and page.writer == "someone.substack.com"
    page = catalogue.platform_page("https://www.youtube.com/watch?v=abc")
    assert page is not None and page.writer == "" and page.has_path
    page = catalogue.platform_page("youtube.com")
    assert page is not None and not page.has_path
    assert catalogue.platform_page("https://www.bbc.co.uk/news") is None


@needs_ratings
def test_satire_has_its_own_band(store: RatingsStore) -> None:
    rating = store.rate("theonion.com")
    assert rating.kind == SATIRE and rating.label == report_pb2.LABEL_SATIRE
    lists = {n.list for n in rating.kind_notes}
    assert {"opensources", "wikipedia_rsp"} <= lists


@needs_ratings
@pytest.mark.parametrize("domain", ["rt.com", "sputniknews.com"])
def test_state_media_said_so(store: RatingsStore, domain: str) -> None:
    rating = store.rate(domain)
    assert rating.kind == STATE and rating.known
    assert any(n.list == "opensources" and n.note == "state" for n in rating.kind_notes)


@needs_ratings
def test_writer_on_a_platform_is_rated_alone(store: RatingsStore) -> None:
    platform = store.rate("medium.com")
    assert platform.known and platform.kind == PLATFORM
    writer = store.rate("https://medium.com/@someone/a-post")
    assert writer.domain == "medium.com/@someone" and writer.kind == WRITER
    assert not writer.known and not writer.ratings and writer.score == 50.0
    blog = store.rate("someone.substack.com")
    assert blog.kind == WRITER and not blog.known


@needs_ratings
def test_wire_and_fact_checker(store: RatingsStore) -> None:
    assert store.rate("reuters.com").kind == WIRE
    assert store.rate("apnews.com").kind == WIRE
    assert store.rate("snopes.com").kind == FACT_CHECKER


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    application = typer.Typer()

    @application.callback()
    def main() -> None:
        """credence"""

    register(application)
    return application


@needs_ratings
def test_cli_shows_kind(app: typer.Typer) -> None:
    result = runner.invoke(app, ["source", "theonion.com"])
    assert result.exit_code == 0 and "theonion.com: 26/100, satire" in result.output
    assert "OpenSources (frozen April 2017): satire" in result.output
    lines = "rt.com\nsputniknews.com\nmedium.com/@someone\nreuters.com\ntheonion.com\n"
    result = runner.invoke(app, ["sources", "--json"], input=lines)
    kinds = [json.loads(line)["kind"] for line in result.output.splitlines()]
    assert kinds == [
        "state_affiliated",
        "state_affiliated",
        "platform_writer",
        "wire_service",
        "satire",
    ]


def _article(url: str, title: str) -> scoring_pb2.ScoreRequest:
    text = "The mayor said on Monday that the bridge would reopen next week. " * 5
    article = article_pb2.Article(url=url, canonical_url=url, title=title, text=text)
    return scoring_pb2.ScoreRequest(article=article)


@needs_ratings
def test_report_names_the_kind(scorer: Scorer) -> None:
    onion = scorer.score(_article("https://www.theonion.com/a-story", "Area man")).report
    assert onion.label == report_pb2.LABEL_SATIRE and "(satire)" in onion.summary
    reasons = onion.signals[0].reasons
    assert "theonion.com is satire" in reasons[1] and "not meant to be read as fact" in reasons[1]
    rt = scorer.score(_article("https://www.rt.com/news/1-x/", "Story")).report
    assert "rt.com is state-affiliated media" in rt.signals[0].reasons[1]
    writer = scorer.score(_article("https://medium.com/@someone/a-post", "Post")).report
    assert writer.source.domain == "medium.com/@someone" and not writer.source.known
    assert any("platform's score is not used" in r for r in writer.signals[0].reasons)
