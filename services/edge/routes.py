"""The edge's own HTTP routes (everything that is not the Connect API): the health check,
the ratings list and the index of routes. Pages of other modules (the status page, feedback)
are passed in by the app that assembles them."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from services.edge.connect_gateway import SERVICE, SERVICE_PATH
from services.edge.ratings_list import MAX_AGE_S, RatingsList

_LOGGER = logging.getLogger(__name__)

HEALTH_TIMEOUT_S = 2.0


async def healthz(request: Request) -> Response:
    """200 when the gRPC front door answers SERVING to its health check, else 503."""
    stub = health_pb2_grpc.HealthStub(request.app.state.channel)
    try:
        reply = await stub.Check(health_pb2.HealthCheckRequest(), timeout=HEALTH_TIMEOUT_S)
        status = health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)
    except grpc.aio.AioRpcError as error:
        status = f"UNREACHABLE: {error.code().name}"
    serving = status == "SERVING"
    return JSONResponse(
        {"status": "SERVING" if serving else "NOT_SERVING", "front_door": status},
        status_code=200 if serving else 503,
        headers={"Cache-Control": "no-store"},
    )


async def ratings_json(request: Request) -> Response:
    """The domain-ratings list: strong ETag, 304 on If-None-Match, gzip when accepted."""
    ratings: RatingsList = await request.app.state.ratings()
    gzip_ok = "gzip" in request.headers.get("accept-encoding", "").lower()
    etag = f'"{ratings.etag}-gzip"' if gzip_ok else f'"{ratings.etag}"'
    headers = {
        "ETag": etag,
        "Cache-Control": f"public, max-age={MAX_AGE_S}",
        "Vary": "Accept-Encoding",
    }
    if ratings.matches(request.headers.get("if-none-match", "")):
        return Response(status_code=304, headers=headers)
    if gzip_ok:
        headers["Content-Encoding"] = "gzip"
    body = ratings.gzipped if gzip_ok else ratings.body
    return Response(body, media_type="application/json", headers=headers)


async def index(request: Request) -> Response:
    """What this edge serves."""
    paths = sorted(
        {getattr(route, "path", "") for route in request.app.routes} - {"", SERVICE_PATH}
    )
    methods = [f"{SERVICE_PATH}/{m.name}" for m in SERVICE.methods]
    return JSONResponse({"service": "credence-edge", "routes": paths, "connect": methods})


def routes(connect_app: object, extra: Sequence[BaseRoute] = ()) -> list[BaseRoute]:
    """Every route of the edge: its own, then `extra`, then the Connect API mounted at the
    service's path."""
    return [
        Route("/", index, methods=["GET"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/v1/ratings.json", ratings_json, methods=["GET"]),
        *extra,
        Mount(SERVICE_PATH, app=connect_app),  # type: ignore[arg-type]
    ]
