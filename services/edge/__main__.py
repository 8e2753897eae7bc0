"""Runs the HTTP/JSON edge: `python -m services.edge`, listening on `CREDENCE_EDGE_ADDR`.

uvicorn serves the application; on SIGTERM it stops accepting connections and lets running
requests finish for up to `grace_s` seconds.
"""

from __future__ import annotations

import asyncio
import logging

import uvicorn

from services.common.config import get_settings
from services.common.log import configure_logging
from services.common.metrics import BUILD_INFO, start_metrics_server
from services.common.tracing import setup_tracing
from services.edge.app import create_app

_LOGGER = logging.getLogger(__name__)


def split_address(address: str) -> tuple[str, int]:
    """("host", port) of "host:port" (IPv6 hosts in brackets)."""
    host, _, port = address.rpartition(":")
    return host.strip("[]") or "0.0.0.0", int(port)


async def serve() -> None:
    settings = get_settings()
    configure_logging("edge", settings.log_level, settings.log_json)
    setup_tracing("edge")
    start_metrics_server(settings.metrics_port)
    BUILD_INFO.info({"service": "edge"})
    host, port = split_address(settings.edge_addr)
    config = uvicorn.Config(
        create_app(settings),
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        proxy_headers=False,
        server_header=False,
        timeout_graceful_shutdown=int(settings.grace_s),
        lifespan="on",
    )
    _LOGGER.info("edge listening on %s, front door %s", settings.edge_addr, settings.gateway_addr)
    await uvicorn.Server(config).serve()


if __name__ == "__main__":
    asyncio.run(serve())
