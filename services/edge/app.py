"""Assembles the edge's ASGI application: the routes, CORS limited to the configured web
origins and extension ids, and the state every request shares (one gRPC channel to the front
door, the ratings list built once in the background)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import grpc
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware

from services.common.channels import async_channel
from services.common.config import Settings
from services.common.log import REQUEST_ID_HEADER
from services.edge.connect_gateway import (
    API_KEY_HEADER,
    FrontDoorForwarder,
    ReliabilityConnectApp,
)
from services.edge.feedback_route import FEEDBACK_ROUTE
from services.edge.http_observe import ObserveHttp
from services.edge.ratings_list import RatingsList, load_ratings_list
from services.edge.routes import routes
from services.edge.status_page import STATUS_ROUTES, status_sampler

_LOGGER = logging.getLogger(__name__)

CORS_MAX_AGE_S = 7200
_ALLOWED_HEADERS = [
    "content-type",
    "connect-protocol-version",
    "connect-timeout-ms",
    "connect-accept-encoding",
    "connect-content-encoding",
    API_KEY_HEADER,
    REQUEST_ID_HEADER,
    "if-none-match",
]
_EXPOSED_HEADERS = [REQUEST_ID_HEADER, "etag", "grpc-status", "grpc-message"]


def allowed_origins(settings: Settings) -> list[str]:
    """The configured web origins and the origins of the configured extension ids."""
    origins = [o.rstrip("/") for o in settings.edge_cors_origins if o and o != "*"]
    origins += [f"chrome-extension://{i}" for i in settings.edge_extension_ids if i]
    return origins


def _ratings_loader(settings: Settings) -> Callable[[], Awaitable[RatingsList]]:
    """Builds the ratings list once, off the event loop, on first need or at start."""
    task: asyncio.Task[RatingsList] | None = None

    async def get() -> RatingsList:
        nonlocal task
        if task is None:
            task = asyncio.create_task(asyncio.to_thread(load_ratings_list, settings.data_dir))
        return await asyncio.shield(task)

    return get


def create_app(settings: Settings) -> Starlette:
    """The edge application for `settings`."""
    channels: list[grpc.aio.Channel] = []

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        channel = async_channel(settings.gateway_addr)
        channels.append(channel)
        app.state.channel = channel
        app.state.ratings = _ratings_loader(settings)
        warm = asyncio.create_task(app.state.ratings())
        try:
            async with status_sampler(app):
                yield
        finally:
            warm.cancel()
            channels.clear()
            await channel.close()

    forwarder = FrontDoorForwarder(lambda: channels[0], settings.edge_max_timeout_s)
    connect_app = ReliabilityConnectApp(forwarder, settings.edge_max_body_bytes)
    middleware = [
        Middleware(ObserveHttp),
        Middleware(
            CORSMiddleware,
            allow_origins=allowed_origins(settings),
            allow_methods=["GET", "POST"],
            allow_headers=_ALLOWED_HEADERS,
            expose_headers=_EXPOSED_HEADERS,
            allow_credentials=False,
            max_age=CORS_MAX_AGE_S,
        ),
    ]
    edge_routes = routes(connect_app, [*STATUS_ROUTES, FEEDBACK_ROUTE])
    return Starlette(routes=edge_routes, middleware=middleware, lifespan=lifespan)
