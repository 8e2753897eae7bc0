"""The edge's own HTTP behaviour: CORS limited to the configured origins, the ratings list
(ETag, 304, gzip, cache headers), the health check, and what it passes to the front door
(API key, request id, deadline), observed by a recording gRPC server."""

from __future__ import annotations

import gzip
import json
import os
import threading
from collections.abc import Iterator
from concurrent import futures
from pathlib import Path
from typing import Any

import grpc
import httpx
import pytest
from credence.v1 import reliability_pb2, report_pb2

from services.edge.ratings_list import RatingsList
from services.scorer.ratings.kinds import KindsCatalogue
from tests.conftest import Stack
from tests.edge.conftest import ALLOWED_ORIGIN, EXTENSION_ID
from tests.support.processes import Process, free_port, service_args, wait_http_ok

pytestmark = pytest.mark.timeout(180)

_RATING_PATH = "/credence.v1.ReliabilityService/GetSourceRating"


def _preflight(stack: Stack, origin: str) -> httpx.Response:
    return httpx.options(
        f"{stack.edge_url}{_RATING_PATH}",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,x-api-key,connect-protocol-version",
        },
        timeout=10,
    )


@pytest.mark.parametrize("origin", [ALLOWED_ORIGIN, f"chrome-extension://{EXTENSION_ID}"])
def test_cors_allows_configured_origins(edge_stack: Stack, origin: str) -> None:
    preflight = _preflight(edge_stack, origin)
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == origin
    allowed = preflight.headers["access-control-allow-headers"].lower()
    assert "x-api-key" in allowed and "connect-protocol-version" in allowed
    assert "access-control-allow-credentials" not in preflight.headers

    reply = httpx.post(
        f"{edge_stack.edge_url}{_RATING_PATH}",
        json={"domain": "reuters.com"},
        headers={"Origin": origin},
        timeout=10,
    )
    assert reply.status_code == 200
    assert reply.headers["access-control-allow-origin"] == origin
    assert "x-request-id" in reply.headers["access-control-expose-headers"].lower()


@pytest.mark.parametrize(
    "origin",
    ["https://evil.example", "chrome-extension://ponmlkjihgfedcbaponmlkjihgfedcba", "null"],
)
def test_cors_denies_other_origins(edge_stack: Stack, origin: str) -> None:
    preflight = _preflight(edge_stack, origin)
    assert preflight.status_code == 400
    assert "access-control-allow-origin" not in preflight.headers
    reply = httpx.post(
        f"{edge_stack.edge_url}{_RATING_PATH}",
        json={"domain": "reuters.com"},
        headers={"Origin": origin},
        timeout=10,
    )
    assert "access-control-allow-origin" not in reply.headers


def test_ratings_list_is_compact_cacheable_and_gzipped(edge_stack: Stack) -> None:
    url = f"{edge_stack.edge_url}/v1/ratings.json"
    raw = httpx.get(url, headers={"Accept-Encoding": "gzip"}, timeout=30)
    assert raw.status_code == 200
    assert raw.headers["content-encoding"] == "gzip"
    assert "max-age=" in raw.headers["cache-control"]
    assert "accept-encoding" in raw.headers["vary"].lower()
    etag = raw.headers["etag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    document = raw.json()  # httpx decodes the gzip body
    assert len(raw.content) > len(gzip.compress(json.dumps(document).encode())) // 2
    assert document["model_version"] and document["generated_at"].endswith("Z")
    score, label, lists, kind = document["domains"]["reuters.com"]
    assert score >= 60 and label in (1, 2) and lists >= 2
    assert kind == report_pb2.SOURCE_KIND_WIRE_SERVICE
    assert document["domains"]["infowars.com"][1] == 4
    assert document["domains"]["theonion.com"][1] == report_pb2.LABEL_SATIRE
    assert document["domains"]["rt.com"][3] == report_pb2.SOURCE_KIND_STATE_AFFILIATED
    assert {"medium.com", "substack.com", "youtube.com"} <= set(document["platforms"])
    assert "example.com" not in document["domains"]

    again = httpx.get(url, headers={"Accept-Encoding": "gzip", "If-None-Match": etag}, timeout=30)
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag

    plain = httpx.get(url, headers={"Accept-Encoding": "identity"}, timeout=30)
    assert "content-encoding" not in plain.headers
    assert plain.headers["etag"] != etag
    assert json.loads(plain.content) == document
    stale = httpx.get(url, headers={"If-None-Match": '"0123456789"'}, timeout=30)
    assert stale.status_code == 200


def test_ratings_list_etag_follows_content() -> None:
    class Store:
        kinds = KindsCatalogue({}, {})

        def __init__(self, score: float) -> None:
            self.score = score

        def hosts(self) -> list[str]:
            return ["a.org"]

        def rate(self, host: str) -> Any:
            from credence.v1 import report_pb2

            return report_pb2.SourceRating(
                domain=host,
                score=self.score,
                label=report_pb2.LABEL_GENERALLY_CREDIBLE,
                known=True,
                ratings=[report_pb2.Rating(list="x"), report_pb2.Rating(list="x")],
            )

    one = RatingsList.build(Store(70.0), "v1", "2024-01-01T00:00:00Z")  # type: ignore[arg-type]
    same = RatingsList.build(Store(70.0), "v1", "2024-01-01T00:00:00Z")  # type: ignore[arg-type]
    other = RatingsList.build(Store(71.0), "v1", "2024-01-01T00:00:00Z")  # type: ignore[arg-type]
    assert one.etag == same.etag != other.etag
    assert json.loads(one.body)["domains"] == {"a.org": [70.0, 2, 1, 0]}
    assert one.matches(f'W/"{one.etag}-gzip", "zzz"') and not one.matches('"zzz"')


def test_healthz_reports_the_front_door(edge_stack: Stack) -> None:
    reply = httpx.get(f"{edge_stack.edge_url}/healthz", timeout=10)
    assert reply.status_code == 200 and reply.json()["status"] == "SERVING"


class _Recorder:
    """A ReliabilityService.GetSourceRating that records what the edge sent it."""

    def __init__(self) -> None:
        self.metadata: dict[str, str] = {}
        self.time_remaining: float | None = None
        self.called = threading.Event()

    def get_source_rating(
        self, request: reliability_pb2.GetSourceRatingRequest, context: grpc.ServicerContext
    ) -> reliability_pb2.GetSourceRatingResponse:
        self.metadata = {k: str(v) for k, v in context.invocation_metadata()}
        self.time_remaining = context.time_remaining()
        self.called.set()
        if request.domain == "quota.example":
            context.abort(grpc.StatusCode.RESOURCE_EXHAUSTED, "quota exceeded")
        return reliability_pb2.GetSourceRatingResponse()


@pytest.fixture(scope="module")
def recorded_edge(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, _Recorder]]:
    """An edge whose front door is a recording server; no health service, so /healthz is 503."""
    recorder = _Recorder()
    server = grpc.server(futures.ThreadPoolExecutor(4))
    handler = grpc.method_handlers_generic_handler(
        "credence.v1.ReliabilityService",
        {
            "GetSourceRating": grpc.unary_unary_rpc_method_handler(
                recorder.get_source_rating,
                request_deserializer=reliability_pb2.GetSourceRatingRequest.FromString,
                response_serializer=reliability_pb2.GetSourceRatingResponse.SerializeToString,
            )
        },
    )
    server.add_generic_rpc_handlers((handler,))
    grpc_port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    folder: Path = tmp_path_factory.mktemp("recorded-edge")
    edge_addr = f"127.0.0.1:{free_port()}"
    env = {
        **os.environ,
        "CREDENCE_GATEWAY_ADDR": f"127.0.0.1:{grpc_port}",
        "CREDENCE_EDGE_ADDR": edge_addr,
        "CREDENCE_EDGE_MAX_TIMEOUT_S": "30",
        "PYTHONUNBUFFERED": "1",
    }
    edge = Process("edge", service_args("services.edge"), env, folder)
    try:
        wait_http_ok(f"http://{edge_addr}/")
        yield f"http://{edge_addr}", recorder
    finally:
        edge.stop()
        server.stop(0)


def test_api_key_request_id_and_deadline_reach_the_front_door(
    recorded_edge: tuple[str, _Recorder],
) -> None:
    base, recorder = recorded_edge
    reply = httpx.post(
        f"{base}{_RATING_PATH}",
        json={"domain": "a.org"},
        headers={"x-api-key": "key-123", "x-request-id": "req-7", "connect-timeout-ms": "5000"},
        timeout=10,
    )
    assert reply.status_code == 200, reply.text
    assert recorder.metadata["x-api-key"] == "key-123"
    assert recorder.metadata["x-request-id"] == "req-7"
    assert recorder.time_remaining is not None and 0 < recorder.time_remaining <= 5.0

    httpx.post(f"{base}{_RATING_PATH}", json={"domain": "a.org"}, timeout=10)
    assert "x-api-key" not in recorder.metadata
    assert recorder.metadata["x-request-id"]
    assert recorder.time_remaining is not None and recorder.time_remaining <= 31.0


def test_errors_without_details_still_name_a_reason(recorded_edge: tuple[str, _Recorder]) -> None:
    base, _ = recorded_edge
    reply = httpx.post(f"{base}{_RATING_PATH}", json={"domain": "quota.example"}, timeout=10)
    assert reply.status_code == 429
    body = reply.json()
    assert body["code"] == "resource_exhausted" and body["message"] == "quota exceeded"
    assert body["details"][0]["debug"]["reason"] == "RESOURCE_EXHAUSTED"

    unimplemented = httpx.post(
        f"{base}/credence.v1.ReliabilityService/GetReport", json={"jobId": "abc"}, timeout=10
    )
    assert unimplemented.status_code == 501
    assert unimplemented.json()["code"] == "unimplemented"


def test_healthz_is_503_when_the_front_door_has_no_health(
    recorded_edge: tuple[str, _Recorder],
) -> None:
    base, _ = recorded_edge
    reply = httpx.get(f"{base}/healthz", timeout=10)
    assert reply.status_code == 503 and reply.json()["status"] == "NOT_SERVING"


def test_front_door_down_is_unavailable_with_a_reason(tmp_path: Path) -> None:
    edge_addr = f"127.0.0.1:{free_port()}"
    env = {
        **os.environ,
        "CREDENCE_GATEWAY_ADDR": f"127.0.0.1:{free_port()}",
        "CREDENCE_EDGE_ADDR": edge_addr,
    }
    edge = Process("edge-down", service_args("services.edge"), env, tmp_path)
    try:
        wait_http_ok(f"http://{edge_addr}/")
        reply = httpx.post(
            f"http://{edge_addr}{_RATING_PATH}",
            json={"domain": "a.org"},
            headers={"connect-timeout-ms": "2000"},
            timeout=10,
        )
        assert reply.status_code in (503, 504)
        reason = reply.json()["details"][0]["debug"]["reason"]
        assert reason in ("SCORER_UNAVAILABLE", "DEADLINE_EXCEEDED")
    finally:
        edge.stop()
