"""The operators' status page on the edge: `/status` (a self-refreshing HTML page with no
external assets), `/status.json` (its figures, see `status_figures`) and `/metrics` (the
edge's own Prometheus metrics), listed in `STATUS_ROUTES` for the edge's app to mount.

The page (HTML, CSS and script, no external assets) ships as `static/status.html` in the
package; its script fetches /status.json every few seconds and inserts all text through
textContent, never innerHTML."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources

from prometheus_client import REGISTRY, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from services.common.config import get_settings
from services.edge.status_access import visible_figures
from services.edge.status_figures import StatusGatherer

_LOGGER = logging.getLogger(__name__)

_NO_STORE = {"Cache-Control": "no-store"}
# The page only loads itself and its figures: no external assets, no inline-script injection.
_CSP = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'"
)


@functools.cache
def status_page_html() -> str:
    """The page, read once from the package's static files."""
    return resources.files("services.edge").joinpath("static/status.html").read_text("utf-8")


def _own_metrics() -> str:
    return generate_latest(REGISTRY).decode()


def _gatherer(app: Starlette) -> StatusGatherer:
    gatherer = getattr(app.state, "status_gatherer", None)
    if gatherer is None:
        gatherer = StatusGatherer(get_settings(), _own_metrics)
        app.state.status_gatherer = gatherer
    return gatherer


@asynccontextmanager
async def status_sampler(app: Starlette) -> AsyncIterator[None]:
    """Samples the processes' metrics from the edge's start on (the baseline of the first
    rates) until it stops; used in the edge's lifespan."""
    gatherer = _gatherer(app)
    task = asyncio.create_task(gatherer.run_sampler())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await gatherer.close()


async def status_json(request: Request) -> Response:
    """Every figure of the status page."""
    figures = await _gatherer(request.app).gather()
    visible = await visible_figures(request, get_settings(), figures)
    return JSONResponse(visible, headers=_NO_STORE)


async def status_html(request: Request) -> Response:
    """The status page; it fetches /status.json every few seconds."""
    return HTMLResponse(status_page_html(), headers={**_NO_STORE, "Content-Security-Policy": _CSP})


async def metrics(request: Request) -> Response:
    """The edge's own metrics in the Prometheus text format."""
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)


STATUS_ROUTES: list[BaseRoute] = [
    Route("/status", status_html, methods=["GET"]),
    Route("/status.json", status_json, methods=["GET"]),
    Route("/metrics", metrics, methods=["GET"]),
]
