"""The Connect JSON edge against the gRPC front door it forwards to: every RPC returns the
same message over both, and failures carry the same code, ErrorInfo reason and field
violations, through real processes (edge, scorer, fetcher, matcher, a Celery worker)."""

from __future__ import annotations

import base64
import json
from typing import Any

import grpc
import httpx
import pytest
from credence.v1 import reliability_pb2
from google.protobuf import json_format
from google.protobuf.message import Message
from google.rpc import error_details_pb2

from services.common.errors import from_rpc_error
from services.edge.connect_gateway import SERVICE
from tests.conftest import Stack
from tests.support.pages import ARTICLE_HTML, page_server

pytestmark = pytest.mark.timeout(240)

_PATH = "/credence.v1.ReliabilityService"


def post(stack: Stack, method: str, body: Any, **headers: str) -> httpx.Response:
    return httpx.post(
        f"{stack.edge_url}{_PATH}/{method}",
        content=body if isinstance(body, (str, bytes)) else json.dumps(body),
        headers={"Content-Type": "application/json", **headers},
        timeout=90,
    )


def parse(response: httpx.Response, message: type[Message]) -> Message:
    assert response.status_code == 200, response.text
    return json_format.Parse(response.text, message())


def error_info(body: dict[str, Any]) -> error_details_pb2.ErrorInfo:
    detail = next(d for d in body["details"] if d["type"] == "google.rpc.ErrorInfo")
    value = detail["value"] + "=" * (-len(detail["value"]) % 4)
    info = error_details_pb2.ErrorInfo.FromString(base64.b64decode(value))
    assert detail["debug"]["reason"] == info.reason
    return info


def test_every_rpc_of_the_service_is_routed(edge_stack: Stack) -> None:
    index = httpx.get(f"{edge_stack.edge_url}/", timeout=10).json()
    assert index["connect"] == [f"{_PATH}/{m.name}" for m in SERVICE.methods]
    assert {"/healthz", "/v1/ratings.json"} <= set(index["routes"])


def test_get_source_rating_is_the_same_message(edge_stack: Stack, front) -> None:
    request = reliability_pb2.GetSourceRatingRequest(domain="www.reuters.com")
    over_grpc = front.GetSourceRating(request, timeout=10)
    reply = post(edge_stack, "GetSourceRating", {"domain": "www.reuters.com"})
    assert parse(reply, reliability_pb2.GetSourceRatingResponse) == over_grpc
    assert reply.json()["rating"]["domain"] == "reuters.com"
    assert reply.json()["rating"]["label"].startswith("LABEL_")


def test_get_source_rating_by_connect_get(edge_stack: Stack, front) -> None:
    over_grpc = front.GetSourceRating(
        reliability_pb2.GetSourceRatingRequest(domain="apnews.com"), timeout=10
    )
    reply = httpx.get(
        f"{edge_stack.edge_url}{_PATH}/GetSourceRating",
        params={"encoding": "json", "message": '{"domain":"apnews.com"}', "connect": "v1"},
        timeout=10,
    )
    assert parse(reply, reliability_pb2.GetSourceRatingResponse) == over_grpc


def test_score_url_and_get_report_are_the_same_messages(edge_stack: Stack, front) -> None:
    with page_server() as (base, counts):
        url = f"{base}/news/edge-parity"
        over_grpc = front.ScoreUrl(reliability_pb2.ScoreUrlRequest(url=url), timeout=60)
        assert over_grpc.job.state == reliability_pb2.JOB_STATE_DONE, edge_stack.logs()
        reply = post(edge_stack, "ScoreUrl", {"url": url}, **{"connect-timeout-ms": "60000"})
        over_edge = parse(reply, reliability_pb2.ScoreUrlResponse)
        assert over_edge.cached
        assert over_edge.report == over_grpc.report
        assert counts["/news/edge-parity"] == 1

    job_id = over_grpc.job.id
    report_grpc = front.GetReport(reliability_pb2.GetReportRequest(job_id=job_id), timeout=10)
    report_edge = post(edge_stack, "GetReport", {"jobId": job_id})
    assert parse(report_edge, reliability_pb2.GetReportResponse) == report_grpc


def test_score_article_is_the_same_message(edge_stack: Stack, front) -> None:
    body = {"url": "https://gazette.invalid/news/edge-article", "html": ARTICLE_HTML}
    over_edge = parse(post(edge_stack, "ScoreArticle", body), reliability_pb2.ScoreArticleResponse)
    assert over_edge.job.state == reliability_pb2.JOB_STATE_DONE, edge_stack.logs()
    over_grpc = front.ScoreArticle(reliability_pb2.ScoreArticleRequest(**body), timeout=60)
    assert over_grpc.cached
    assert over_grpc.report == over_edge.report
    assert over_edge.report.title.startswith("City council approves")


def _grpc_outcome(call: Any) -> tuple[str, list[Message]]:
    try:
        return "OK", list(call)
    except grpc.RpcError as error:
        return from_rpc_error(error).reason, []


def _connect_stream(stack: Stack, method: str, messages: list[dict[str, Any]]) -> Any:
    frames = b"".join(
        b"\x00" + len(m).to_bytes(4, "big") + m for m in (json.dumps(x).encode() for x in messages)
    )
    reply = httpx.post(
        f"{stack.edge_url}{_PATH}/{method}",
        content=frames,
        headers={"Content-Type": "application/connect+json", "Connect-Protocol-Version": "1"},
        timeout=90,
    )
    assert reply.status_code == 200, reply.text
    data, out, end = reply.content, [], None
    while data:
        flags, size = data[0], int.from_bytes(data[1:5], "big")
        payload, data = json.loads(data[5 : 5 + size]), data[5 + size :]
        if flags & 0x02:
            end = payload
        else:
            out.append(payload)
    assert end is not None, "a Connect stream ends with an end-of-stream message"
    return out, end


def test_watch_report_streams_what_grpc_streams(edge_stack: Stack, front) -> None:
    body = {"url": "https://gazette.invalid/news/edge-watch", "text": "Short text " * 40}
    job = parse(post(edge_stack, "ScoreArticle", body), reliability_pb2.ScoreArticleResponse).job
    reason, over_grpc = _grpc_outcome(
        front.WatchReport(reliability_pb2.WatchReportRequest(job_id=job.id), timeout=60)
    )
    messages, end = _connect_stream(edge_stack, "WatchReport", [{"jobId": job.id}])
    if reason == "OK":
        assert "error" not in end, end
        assert [json_format.ParseDict(m, reliability_pb2.WatchReportResponse()) for m in messages]
        assert (
            json_format.ParseDict(messages[-1], reliability_pb2.WatchReportResponse()).report
            == over_grpc[-1].report
        )
    else:
        assert error_info(end["error"]).reason == reason


def test_score_batch_answers_each_item(edge_stack: Stack, front) -> None:
    items = [
        {"itemId": "a", "url": "https://gazette.invalid/news/batch-a", "text": "Alpha " * 50},
        {"itemId": "b", "url": "not a url"},
    ]
    reason, over_grpc = _grpc_outcome(
        front.ScoreBatch(
            iter(
                [
                    reliability_pb2.ScoreBatchRequest(
                        **{"item_id": i["itemId"], **{k: v for k, v in i.items() if k != "itemId"}}
                    )
                    for i in items
                ]
            ),
            timeout=60,
        )
    )
    messages, end = _connect_stream(edge_stack, "ScoreBatch", items)
    if reason == "OK":
        assert "error" not in end, end
        by_id = {m["itemId"]: m for m in messages}
        assert set(by_id) == {r.item_id for r in over_grpc} == {"a", "b"}
        assert by_id["b"]["errorReason"] == next(
            r.error_reason for r in over_grpc if r.item_id == "b"
        )
    else:
        assert error_info(end["error"]).reason == reason


@pytest.mark.parametrize(
    ("method", "body", "expected"),
    [
        ("ScoreUrl", {"url": ""}, (400, "invalid_argument")),
        ("ScoreUrl", {"url": "not a url"}, (400, "invalid_argument")),
        ("ScoreUrl", {"url": "ftp://x.org/a"}, (400, "invalid_argument")),
        ("ScoreArticle", {"url": "https://x.org/a"}, (400, "invalid_argument")),
        ("GetSourceRating", {"domain": " "}, (400, "invalid_argument")),
        ("GetReport", {"jobId": "abc123"}, (404, "not_found")),
        ("GetReport", {"jobId": "../etc"}, (400, "invalid_argument")),
    ],
)
def test_errors_carry_the_grpc_reason(
    edge_stack: Stack, front, method: str, body: dict[str, str], expected: tuple[int, str]
) -> None:
    status, code = expected
    request_type = getattr(reliability_pb2, f"{method}Request")
    with pytest.raises(grpc.RpcError) as caught:
        getattr(front, method)(json_format.ParseDict(body, request_type()), timeout=10)
    grpc_error = from_rpc_error(caught.value)

    reply = post(edge_stack, method, body)
    assert reply.status_code == status
    error = reply.json()
    assert error["code"] == code
    assert error["message"] == caught.value.details()
    info = error_info(error)
    assert info.reason == grpc_error.reason
    assert info.domain == "credence.v1"
    assert dict(info.metadata) == grpc_error.metadata
    if grpc_error.field_violations:
        bad = next(d for d in error["details"] if d["type"] == "google.rpc.BadRequest")
        fields = [v["field"] for v in bad["debug"]["fieldViolations"]]
        assert fields == [f for f, _ in grpc_error.field_violations]


def test_bad_json_and_unknown_methods_are_clear_errors(edge_stack: Stack) -> None:
    reply = post(edge_stack, "ScoreUrl", "{not json")
    assert reply.status_code == 400 and reply.json()["code"] == "invalid_argument"
    reply = post(edge_stack, "ScoreUrl", {"uri": "https://x.org"})
    assert reply.status_code in (200, 400)  # unknown fields are ignored, then url is empty
    if reply.status_code == 400:
        assert error_info(reply.json()).reason == "URL_EMPTY"
    reply = post(edge_stack, "NoSuchMethod", {})
    assert reply.status_code == 404
    reply = httpx.get(f"{edge_stack.edge_url}{_PATH}/ScoreUrl", timeout=10)
    assert reply.status_code in (405, 415)


def test_request_id_is_echoed(edge_stack: Stack) -> None:
    reply = post(
        edge_stack, "GetSourceRating", {"domain": "bbc.co.uk"}, **{"x-request-id": "rid42"}
    )
    assert reply.headers["x-request-id"] == "rid42"
    assert post(edge_stack, "GetSourceRating", {"domain": "bbc.co.uk"}).headers["x-request-id"]
