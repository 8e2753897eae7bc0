"""Observing the edge's HTTP traffic: a pure ASGI middleware that gives every request a
request id (the caller's `x-request-id`, or a new one written into the request so the
Connect gateway forwards the same id), counts and times requests by route, and logs one
JSON line per request carrying that id."""

from __future__ import annotations

import logging
import time

from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.common.log import REQUEST_ID_HEADER, new_request_id, request_id_var
from services.edge.connect_gateway import SERVICE, SERVICE_PATH

_LOGGER = logging.getLogger(__name__)

HTTP_REQUESTS = Counter(
    "credence_http_requests_total",
    "HTTP requests served by the edge, by route, method and status code.",
    ["route", "method", "code"],
)
HTTP_SECONDS = Histogram(
    "credence_http_request_seconds",
    "Time to serve an HTTP request at the edge, by route.",
    ["route", "method"],
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
_QUIET_ROUTES = frozenset({"/metrics", "/status.json", "/healthz"})
_HEADER = REQUEST_ID_HEADER.encode()
_ROUTES = frozenset(
    {"/", "/healthz", "/metrics", "/status", "/status.json", "/v1/ratings.json"}
    | {f"{SERVICE_PATH}/{m.name}" for m in SERVICE.methods}
)


def route_label(path: str) -> str:
    """A bounded label for a path: known routes and API methods as they are, else "other"."""
    return path if path in _ROUTES else "other"


class ObserveHttp:
    """Request ids, metrics and one log line per HTTP request."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        headers = list(scope.get("headers", []))
        given = next((v for k, v in headers if k == _HEADER and v), b"")
        request_id = given.decode("latin-1")[:128] if given else new_request_id()
        if not given:
            headers.append((_HEADER, request_id.encode()))
            scope = {**scope, "headers": headers}
        request_id_var.set(request_id)
        route = route_label(scope.get("path", ""))
        method = scope.get("method", "GET")
        status = 500
        start = time.perf_counter()

        async def send_observed(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self._app(scope, receive, send_observed)
        finally:
            elapsed = time.perf_counter() - start
            HTTP_REQUESTS.labels(route, method, str(status)).inc()
            HTTP_SECONDS.labels(route, method).observe(elapsed)
            if route not in _QUIET_ROUTES:
                _LOGGER.info(
                    "%s %s %d in %.1f ms",
                    method,
                    scope.get("path", ""),
                    status,
                    elapsed * 1000,
                    extra={"http_route": route, "http_status": status, "duration_s": elapsed},
                )
