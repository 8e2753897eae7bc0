"""Every field of every ReliabilityService RPC is checked: bad input gets INVALID_ARGUMENT
with an ErrorInfo reason and a BadRequest field violation naming the field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import grpc
import pytest
from credence.v1 import reliability_pb2 as pb

from services.common.errors import from_rpc_error
from tests.api.conftest import StartFrontDoor

MAX_BYTES = 2000
GOOD = "https://example.com/news/a"

CASES: list[tuple[str, str, Any, str, str]] = [
    ("score_url_empty", "ScoreUrl", pb.ScoreUrlRequest(), "url", "URL_EMPTY"),
    (
        "score_url_scheme",
        "ScoreUrl",
        pb.ScoreUrlRequest(url="file:///etc/passwd"),
        "url",
        "URL_UNSUPPORTED_SCHEME",
    ),
    (
        "score_url_space",
        "ScoreUrl",
        pb.ScoreUrlRequest(url="https://ex ample.com/"),
        "url",
        "URL_MALFORMED",
    ),
    (
        "score_url_long",
        "ScoreUrl",
        pb.ScoreUrlRequest(url=GOOD + "a" * 3000),
        "url",
        "URL_TOO_LONG",
    ),
    (
        "score_url_creds",
        "ScoreUrl",
        pb.ScoreUrlRequest(url="https://u:p@example.com/"),
        "url",
        "URL_MALFORMED",
    ),
    (
        "score_url_no_host",
        "ScoreUrl",
        pb.ScoreUrlRequest(url="https:///path"),
        "url",
        "URL_MALFORMED",
    ),
    ("article_url", "ScoreArticle", pb.ScoreArticleRequest(text="words"), "url", "URL_EMPTY"),
    (
        "article_no_body",
        "ScoreArticle",
        pb.ScoreArticleRequest(url=GOOD),
        "html",
        "ARTICLE_BODY_MISSING",
    ),
    (
        "article_both",
        "ScoreArticle",
        pb.ScoreArticleRequest(url=GOOD, html="<p>a</p>", text="a"),
        "text",
        "ARTICLE_BODY_AMBIGUOUS",
    ),
    (
        "article_blank",
        "ScoreArticle",
        pb.ScoreArticleRequest(url=GOOD, text="   \n "),
        "text",
        "ARTICLE_BODY_EMPTY",
    ),
    (
        "article_html_big",
        "ScoreArticle",
        pb.ScoreArticleRequest(url=GOOD, html="<p>" + "a" * MAX_BYTES),
        "html",
        "BODY_TOO_LARGE",
    ),
    (
        "article_text_big",
        "ScoreArticle",
        pb.ScoreArticleRequest(url=GOOD, text="é" * MAX_BYTES),
        "text",
        "BODY_TOO_LARGE",
    ),
    (
        "rating_empty",
        "GetSourceRating",
        pb.GetSourceRatingRequest(domain=" "),
        "domain",
        "DOMAIN_EMPTY",
    ),
    (
        "rating_space",
        "GetSourceRating",
        pb.GetSourceRatingRequest(domain="a b.com"),
        "domain",
        "DOMAIN_MALFORMED",
    ),
    (
        "rating_long",
        "GetSourceRating",
        pb.GetSourceRatingRequest(domain="a" * 3000),
        "domain",
        "DOMAIN_MALFORMED",
    ),
    ("report_empty", "GetReport", pb.GetReportRequest(), "job_id", "JOB_ID_EMPTY"),
    (
        "report_bad",
        "GetReport",
        pb.GetReportRequest(job_id="../../etc"),
        "job_id",
        "JOB_ID_MALFORMED",
    ),
    (
        "report_long",
        "GetReport",
        pb.GetReportRequest(job_id="a" * 65),
        "job_id",
        "JOB_ID_MALFORMED",
    ),
    ("watch_empty", "WatchReport", pb.WatchReportRequest(), "job_id", "JOB_ID_EMPTY"),
    (
        "watch_bad",
        "WatchReport",
        pb.WatchReportRequest(job_id="ab-cd"),
        "job_id",
        "JOB_ID_MALFORMED",
    ),
]


def _invoke(channel: grpc.aio.Channel, method: str, request: Any) -> Callable[..., Any]:
    path = f"/credence.v1.ReliabilityService/{method}"
    response = {
        "ScoreUrl": pb.ScoreUrlResponse,
        "ScoreArticle": pb.ScoreArticleResponse,
        "GetSourceRating": pb.GetSourceRatingResponse,
        "GetReport": pb.GetReportResponse,
        "WatchReport": pb.WatchReportResponse,
    }[method]
    factory = channel.unary_stream if method == "WatchReport" else channel.unary_unary
    return factory(  # type: ignore[no-any-return]
        path,
        request_serializer=type(request).SerializeToString,
        response_deserializer=response.FromString,
    )


@pytest.mark.parametrize(
    ("method", "request_", "field", "reason"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
async def test_field_violation(
    start_front_door: StartFrontDoor, method: str, request_: Any, field: str, reason: str
) -> None:
    door = await start_front_door(max_body_bytes=MAX_BYTES)
    async with grpc.aio.insecure_channel(door.address) as channel:
        rpc = _invoke(channel, method, request_)
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            if method == "WatchReport":
                async for _ in rpc(request_, timeout=5):
                    pass
            else:
                await rpc(request_, timeout=5)
    error = from_rpc_error(caught.value)
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT
    assert error.reason == reason
    assert [f for f, _ in error.field_violations] == [field]
    assert error.message.startswith(f"{field}:")


async def test_watch_unknown_job_is_not_found(start_front_door: StartFrontDoor) -> None:
    door = await start_front_door()
    async with grpc.aio.insecure_channel(door.address) as channel:
        rpc = _invoke(channel, "WatchReport", pb.WatchReportRequest(job_id="f" * 32))
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            async for _ in rpc(pb.WatchReportRequest(job_id="f" * 32), timeout=5):
                pass
    assert from_rpc_error(caught.value).reason == "JOB_NOT_FOUND"
