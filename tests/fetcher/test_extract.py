"""Extraction from HTML and from plain text: real-world-like pages, the sample article in
both forms, hostile markup, and the validation of ExtractRequest."""

from __future__ import annotations

import html
from datetime import date
from pathlib import Path

import grpc
import pytest
from credence.v1 import article_pb2, fetcher_pb2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.bench_extract import make_pages
from services.common.config import Settings
from services.common.errors import CredenceError
from services.fetcher.core import Fetcher
from tests.fetcher.conftest import tight_policy
from tests.fetcher.zoo import ARTICLE_HTML
from tests.support.needs import need_path

pytestmark = pytest.mark.timeout(30)

SAMPLE_URL = "https://www.globalresearch.ca/kremlin-under-drone-attack/5817992"
BOILERPLATE = [
    "share button",
    "Daily Newsletter",
    "Disclaimer",
    "51 languages",
    "copyrighted material",
    "Become a Member",
    "media inquiries",
]


@pytest.fixture(scope="module")
def fetcher() -> Fetcher:
    return Fetcher(Settings(), policy=tight_policy())


@pytest.fixture(scope="module")
def sample_text() -> str:
    path = Settings().data_dir / "samples" / "globalresearch-kremlin-drone-2023.txt"
    need_path(path, "the data folder's sample article")
    return Path(path).read_text(encoding="utf-8")


def sample_as_html(text: str) -> str:
    """The sample rendered the way the site lays it out: the title, a share/newsletter box,
    the body paragraphs, then the author box and a footer with the disclaimer."""
    lines = [line.strip() for line in text.splitlines()]
    title, body = lines[0], [line for line in lines[1:] if line]
    paragraphs = "\n".join(f"<p>{html.escape(line)}</p>" for line in body)
    return f"""<!DOCTYPE html><html lang="en-US"><head><meta charset="utf-8">
<title>{html.escape(title)} - Global Research</title>
<meta property="og:site_name" content="Global Research - Centre for Research on Globalization">
<meta property="article:published_time" content="2023-05-03T12:00:00+00:00">
<meta property="article:modified_time" content="2023-05-04T08:00:00+00:00">
<link rel="canonical" href="{SAMPLE_URL}"></head><body>
<header><a href="/about-us">About</a><a href="/contact">Contact</a>
<div class="share">Share this: <a href="#">Facebook</a> <a href="#">Twitter</a></div></header>
<article><h1>{html.escape(title)}</h1>
<div class="author">By <a href="/author/michel-chossudovsky">Michel Chossudovsky</a></div>
{paragraphs}
</article>
<footer><p>Copyright © Global Research, 2023</p></footer></body></html>"""


def _extract(fetcher: Fetcher, **fields: str) -> article_pb2.Article:
    return fetcher.extract(fetcher_pb2.ExtractRequest(**fields)).article


def _citations(article: article_pb2.Article) -> set[tuple[str, date | None]]:
    return {
        (c.outlet, c.date.ToDatetime().date() if c.HasField("date") else None)
        for c in article.citations
    }


def _assert_sample(article: article_pb2.Article) -> None:
    assert article.title.startswith("The Kremlin under Drone Attack")
    assert article.domain == "globalresearch.ca"
    assert "The drone attack directed against the Kremlin" in article.text
    for phrase in BOILERPLATE:
        assert phrase not in article.text, phrase
    found = _citations(article)
    assert ("MNBC", date(2023, 5, 3)) in found
    assert ("WSWS", date(2023, 5, 4)) in found
    assert ("Reuters", date(2023, 5, 5)) in found
    assert article.published_at.ToDatetime().date() == date(2023, 5, 3)
    assert article.updated_at.ToDatetime().date() == date(2023, 5, 4)


def test_sample_as_text(fetcher: Fetcher, sample_text: str) -> None:
    article = _extract(fetcher, url=SAMPLE_URL, text=sample_text)
    _assert_sample(article)
    assert article.byline == "Michel Chossudovsky"
    assert {"author_bio", "disclaimer"} <= set(article.page_signals)


def test_sample_as_html(fetcher: Fetcher, sample_text: str) -> None:
    article = _extract(fetcher, url=SAMPLE_URL, html=sample_as_html(sample_text))
    _assert_sample(article)
    assert article.canonical_url == SAMPLE_URL
    assert article.site_name.startswith("Global Research")
    assert {"about_page", "contact_page", "disclaimer"} <= set(article.page_signals)


def test_citation_sentences_and_kinds(fetcher: Fetcher, sample_text: str) -> None:
    article = _extract(fetcher, url=SAMPLE_URL, text=sample_text)
    by_outlet = {c.outlet: c for c in article.citations}
    assert by_outlet["MNBC"].kind == "source_line"
    assert by_outlet["MNBC"].sentence == "Source, MNBC, May 3, 2023"
    assert by_outlet["the New York Times"].kind == "told"
    assert "Peskov" in by_outlet["Reuters"].sentence
    assert by_outlet["Zelensky"].kind == "quote"


def test_extract_equals_fetch_output_for_html(fetcher: Fetcher) -> None:
    page = ARTICLE_HTML.replace("{canonical}", "https://courier.example.co.uk/bridge")
    article = _extract(fetcher, url="https://courier.example.co.uk/bridge?utm_source=x", html=page)
    assert article.domain == "example.co.uk"
    assert article.canonical_url == "https://courier.example.co.uk/bridge"
    assert article.url == "https://courier.example.co.uk/bridge?utm_source=x"
    again = _extract(fetcher, url="https://courier.example.co.uk/bridge?utm_source=x", html=page)
    assert again == article


def test_json_ld_metadata_and_opinion_section(fetcher: Fetcher) -> None:
    page = (
        """<html><head><script type="application/ld+json">
    {"@context": "https://schema.org", "@graph": [{"@type": "WebSite", "name": "X"},
     {"@type": "OpinionNewsArticle", "headline": "We must act now",
      "author": [{"@type": "Person", "name": "Sam Writer"}],
      "datePublished": "2024-01-02T03:04:05Z", "dateModified": "2024-01-03T00:00:00Z",
      "publisher": {"@type": "Organization", "name": "The Example Post"}}]}
    </script><title>We must act now</title></head><body><article><h1>We must act now</h1>
    <p>"""
        + "This is an opinion piece about a matter of public interest. " * 8
        + """</p>
    <p>Correction: an earlier version misstated the date of the vote.</p></article>
    <a href="/ethics">Ethics policy</a></body></html>"""
    )
    article = _extract(fetcher, url="https://www.example.com/opinion/act", html=page)
    assert article.section == "Opinion"
    assert article.byline == "Sam Writer"
    assert article.published_at.ToJsonString() == "2024-01-02T03:04:05Z"
    assert article.updated_at.ToJsonString() == "2024-01-03T00:00:00Z"
    assert {"opinion_label", "correction_notice", "editorial_policy"} <= set(article.page_signals)


def test_content_hash_ignores_whitespace(fetcher: Fetcher) -> None:
    one = _extract(fetcher, text="Title\n\nA body  with   spaces.\n")
    two = _extract(fetcher, text="Title\nA body with spaces.")
    assert one.content_hash == two.content_hash


@pytest.mark.parametrize(
    ("fields", "field", "reason"),
    [
        ({}, "html", "EXTRACT_INPUT_MISSING"),
        ({"html": "<p>a</p>", "text": "a"}, "text", "EXTRACT_INPUT_AMBIGUOUS"),
        ({"text": "   \n "}, "html", "EXTRACT_INPUT_MISSING"),
        ({"text": "x" * 2_000_000}, "text", "INPUT_TOO_LARGE"),
        ({"url": "javascript:alert(1)", "text": "a"}, "url", "URL_UNSUPPORTED_SCHEME"),
    ],
)
def test_bad_extract_requests_name_the_field(
    fetcher: Fetcher, fields: dict[str, str], field: str, reason: str
) -> None:
    with pytest.raises(CredenceError) as caught:
        fetcher.extract(fetcher_pb2.ExtractRequest(**fields))
    assert caught.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert caught.value.reason == reason
    assert caught.value.field_violations[0][0] == field


@pytest.mark.parametrize(
    "page",
    [
        "<div>" * 5000 + "deep text inside many divs, quite a lot of it really" + "</div>" * 5000,
        "<html><body><p>unclosed <b><i>tags <table><tr><td>cell <p>more text here",
        "\x00\x01<html>\ufffd<body>nul bytes and <p>text</p></body>",
        "<html><body>" + "<p>Subscribe to our newsletter</p>" * 50 + "</body></html>",
        "<p>" + "word " * 180_000 + "</p>",
        "<?xml version='1.0' encoding='latin-1'?><html><body><p>xml declared</p></body></html>",
    ],
    ids=["deep", "malformed", "nul", "boilerplate", "huge", "xml-decl"],
)
def test_hostile_html_never_crashes(fetcher: Fetcher, page: str) -> None:
    try:
        article = _extract(fetcher, url="https://example.com/a", html=page)
    except CredenceError as error:
        assert error.reason in {"NO_ARTICLE_TEXT", "EXTRACTION_FAILED"}
    else:
        assert article.text and "newsletter" not in article.text.lower()


_TAGS = st.sampled_from(["p", "div", "article", "span", "a", "h1", "script", "table", "td", "b"])
_TEXT = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=80)


@st.composite
def html_pages(draw: st.DrawFn) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 30))):
        tag = draw(_TAGS)
        kind = draw(st.integers(0, 3))
        if kind == 0:
            parts.append(f"<{tag}>")
        elif kind == 1:
            parts.append(f"</{tag}>")
        elif kind == 2:
            parts.append(f'<{tag} href="{draw(_TEXT)}">')
        parts.append(draw(_TEXT))
    return "".join(parts)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(page=html_pages(), as_text=st.booleans())
def test_generated_pages_return_or_raise_credence_error(page: str, as_text: bool) -> None:
    fetcher = Fetcher(Settings(), policy=tight_policy())
    request = fetcher_pb2.ExtractRequest(url="https://example.org/x")
    if as_text:
        request.text = page
    else:
        request.html = page
    try:
        article = fetcher.extract(request).article
    except CredenceError as error:
        assert error.reason in {
            "NO_ARTICLE_TEXT",
            "EXTRACTION_FAILED",
            "EXTRACT_INPUT_MISSING",
        }
    else:
        assert article.text.strip()
        assert len(article.content_hash) == 64


def test_control_characters_in_html_are_dropped_not_fatal() -> None:
    from services.fetcher.htmlpage import extract_html

    html = (
        "<html><body><article><p>The council\x00 met on\nMonday\x01 and approved the plan "
        "for new schools after a long debate among its members.</p></article></body></html>"
    )
    draft = extract_html(html, "https://example.com/news/a")
    assert "council met on Monday and approved" in draft.text


def test_a_full_news_page_keeps_the_article_and_drops_the_chrome(fetcher: Fetcher) -> None:
    page = make_pages(1)[0]
    article = _extract(fetcher, url="https://example.com/a/0", html=page)
    assert article.title == "Council approves new river bridge"
    assert article.byline == "Jane Holloway"
    assert article.text.startswith("The city council voted on Tuesday")
    for chrome in ("Sign up to our newsletter", "Most read", "More stories", "Share on", "gtag"):
        assert chrome not in article.text, chrome
    assert {"Reuters", "the BBC", "Riverside Gazette"} <= {c.outlet for c in article.citations}
    assert {"about_page", "contact_page", "corrections_policy"} <= set(article.page_signals)


def test_fields_the_page_does_not_declare_are_read_from_the_page(fetcher: Fetcher) -> None:
    body = "<p>" + "The port reopened after a week of repairs, officials said. " * 6 + "</p>"
    page = (
        "<html><head><title>Harbour reopens after storm | Coastal Times</title></head><body>"
        "<header><a href='/'>Coastal Times</a></header><article><h1>Harbour reopens after "
        "storm</h1><div class='article-byline'>By Ann Shore</div>"
        "<time datetime='2023-05-04T08:00:00Z'>May 4, 2023</time>"
        f"{body}<p>Updated: May 6, 2023</p></article></body></html>"
    )
    article = _extract(fetcher, url="https://coastal.example.com/news/harbour", html=page)
    assert article.title == "Harbour reopens after storm"
    assert article.byline == "Ann Shore"
    assert article.published_at.ToDatetime().date() == date(2023, 5, 4)
    assert article.updated_at.ToDatetime().date() == date(2023, 5, 6)
    assert article.language == "en"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (
            "Le port rouvre\n\nLe port a rouvert lundi après une semaine de réparations, a "
            "indiqué l'autorité portuaire, qui craignait des dégâts plus lourds.",
            "fr",
        ),
        (
            "Der Hafen öffnet wieder\n\nDer Hafen wurde am Montag nach einer Woche voller "
            "Reparaturen wieder geöffnet, teilte die Hafenbehörde mit.",
            "de",
        ),
        (
            "Harbour reopens\n\nThe harbour reopened on Monday after a week of repairs, the "
            "port authority said, and damage was lighter than feared.",
            "en",
        ),
    ],
)
def test_the_language_of_plain_text_is_identified(
    fetcher: Fetcher, text: str, language: str
) -> None:
    assert _extract(fetcher, text=text).language == language


def test_a_citation_keeps_its_whole_sentence_across_abbreviations(fetcher: Fetcher) -> None:
    text = (
        "Bridge vote\n\nThe U.S. Army left on Jan. 5. Dr. A. B. Jones told the New York Times "
        "that Mr. Smith had signed the order at 5 p.m. on Monday. Nobody else spoke."
    )
    article = _extract(fetcher, text=text)
    cited = {c.outlet: c.sentence for c in article.citations}
    assert cited["the New York Times"] == (
        "Dr. A. B. Jones told the New York Times that Mr. Smith had signed the order at 5 p.m. "
        "on Monday."
    )
