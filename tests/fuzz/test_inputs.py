"""Property-based fuzzing of the inputs strangers control: URLs, citation text and every
front-door request field. Whatever arrives, the answer is a result or INVALID_ARGUMENT (or
NOT_FOUND for unknown jobs) naming the field, never a crash, INTERNAL or a hang. The front
door is called over real gRPC on loopback; requests that would pass validation are not sent
(they would start jobs), so only the refusal path is fuzzed there."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import grpc
import pytest
from credence.v1 import reliability_pb2, reliability_pb2_grpc
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from services.common.cache import MemoryCache
from services.common.config import Settings
from services.common.errors import CredenceError, from_rpc_error
from services.common.server import GrpcServer
from services.common.urls import canonical_url, validate_url
from services.fetcher.citations import find_citations
from services.gateway import front_door
from services.pipeline.jobs import JobRecords
from services.scorer.ratings import RatingsStore
from services.scorer.report import Scorer

_URL_PARTS = st.sampled_from(
    [
        "http://",
        "https://",
        "ftp://",
        "//",
        "http:",
        "a.b",
        "[::1]",
        ":0",
        ":99999",
        "@",
        "/",
        "?q=1",
        "#f",
        "%",
        "%00",
        "user:pw@",
        "xn--",
        " ",
        "\t",
        "\u00e9",
        "\ud7ff",
        "..",
        "a",
    ]
)
urls = st.one_of(
    st.text(max_size=80),
    st.lists(_URL_PARTS, max_size=8).map("".join),
    st.builds(lambda a, b: f"https://{a}/{b}", st.text(max_size=30), st.text(max_size=30)),
)
_FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_FUZZ
@given(urls)
def test_validate_url_accepts_or_names_the_field(url: str) -> None:
    try:
        value = validate_url(url)
    except CredenceError as error:
        assert error.code == grpc.StatusCode.INVALID_ARGUMENT
        assert error.field_violations[0][0] == "url"
        assert error.reason.startswith("URL_")
        return
    canonical = canonical_url(value)
    assert canonical_url(validate_url(canonical)) == canonical


_CITATION_WORDS = st.sampled_from(
    [
        "according to",
        "Reuters",
        "(AP, May 5, 2023)",
        "said",
        "told",
        "reported",
        "the",
        "New York Times",
        "\n",
        ".",
        ",",
        "(",
        ")",
        "Source:",
        "2023",
        "MNBC",
        "“",
        "”",
        " ",
    ]
)


@_FUZZ
@given(st.one_of(st.text(max_size=400), st.lists(_CITATION_WORDS, max_size=60).map(" ".join)))
def test_find_citations_never_crashes(text: str) -> None:
    found = find_citations(text, limit=20)
    assert len(found) <= 20
    for citation in found:
        assert citation.outlet.strip()
        assert citation.kind


class _FrontDoor:
    """The front door served from a background thread's event loop, as a process would."""

    def __init__(self, settings: Settings, scorer: Scorer) -> None:
        servicer = front_door.ReliabilityServicer(
            settings, scorer.store, MemoryCache(), JobRecords(MemoryCache(), 60)
        )
        self.server = GrpcServer("front", [front_door.service_spec(servicer)], "127.0.0.1:0")
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()
        port = asyncio.run_coroutine_threadsafe(self.server.start(), self.loop).result(30)
        self.address = f"127.0.0.1:{port}"

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self.server.stop(0), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)


@pytest.fixture(scope="module")
def front(data_dir) -> Iterator[reliability_pb2_grpc.ReliabilityServiceStub]:
    settings = Settings(data_dir=data_dir, embedded=True)
    door = _FrontDoor(settings, Scorer(RatingsStore.load(data_dir)))
    with grpc.insecure_channel(door.address) as channel:
        yield reliability_pb2_grpc.ReliabilityServiceStub(channel)
    door.close()


def _refusal(call, request, fields: set[str]) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(grpc.RpcError) as caught:
        call(request, timeout=10)
    error = from_rpc_error(caught.value)
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT, error
    assert error.field_violations and error.field_violations[0][0] in fields, error
    assert error.reason.isupper() and " " not in error.reason


def _invalid_url(url: str) -> bool:
    try:
        validate_url(url)
    except CredenceError:
        return True
    return False


@_FUZZ
@given(urls)
def test_score_url_refuses_bad_urls_naming_the_field(front, url: str) -> None:
    assume(_invalid_url(url))
    _refusal(front.ScoreUrl, reliability_pb2.ScoreUrlRequest(url=url), {"url"})


@_FUZZ
@given(urls, st.text(max_size=50), st.text(max_size=50))
def test_score_article_refuses_bad_input_naming_the_field(
    front, url: str, html: str, text: str
) -> None:
    bad_url = _invalid_url(url)
    assume(bad_url or bool(html) == bool(text))
    request = reliability_pb2.ScoreArticleRequest(url=url, html=html, text=text)
    _refusal(front.ScoreArticle, request, {"url"} if bad_url else {"html", "text"})


@_FUZZ
@given(st.text(max_size=100))
def test_get_report_answers_bad_or_unknown_job_ids(front, job_id: str) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        front.GetReport(reliability_pb2.GetReportRequest(job_id=job_id), timeout=10)
    error = from_rpc_error(caught.value)
    assert error.code in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.NOT_FOUND), error
    if error.code == grpc.StatusCode.INVALID_ARGUMENT:
        assert error.field_violations[0][0] == "job_id"


@_FUZZ
@given(st.one_of(st.text(max_size=60), urls))
def test_get_source_rating_rates_or_names_the_field(front, domain: str) -> None:
    try:
        reply = front.GetSourceRating(
            reliability_pb2.GetSourceRatingRequest(domain=domain), timeout=10
        )
    except grpc.RpcError as failure:
        error = from_rpc_error(failure)
        assert error.code == grpc.StatusCode.INVALID_ARGUMENT, error
        assert error.field_violations[0][0] == "domain"
        return
    assert 0 <= reply.rating.score <= 100
