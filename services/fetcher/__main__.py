"""`python -m services.fetcher`: the FetcherService as its own process, with metrics, the
shared Redis cache (robots.txt rules, recent failures) and a graceful shutdown."""

from __future__ import annotations

import asyncio
import logging

from services.common.cache import RedisCache
from services.common.config import get_settings
from services.common.log import configure_logging
from services.common.metrics import BUILD_INFO, start_metrics_server
from services.common.server import GrpcServer, run_until_signalled
from services.common.tracing import setup_tracing
from services.fetcher.core import Fetcher
from services.fetcher.service import service_spec

_LOGGER = logging.getLogger(__name__)


async def serve() -> None:
    """Serves FetcherService on settings.fetcher_addr until SIGTERM or SIGINT."""
    settings = get_settings()
    fetcher = Fetcher(settings, RedisCache(settings.cache_url))
    server = GrpcServer("fetcher", [service_spec(fetcher)], settings.fetcher_addr)
    _LOGGER.info("starting fetcher on %s", settings.fetcher_addr)
    await run_until_signalled(server, settings.grace_s)


def main() -> None:
    """Configures logging and metrics, then serves."""
    settings = get_settings()
    configure_logging("fetcher", settings.log_level, settings.log_json)
    setup_tracing("fetcher")
    BUILD_INFO.info({"service": "fetcher"})
    start_metrics_server(settings.metrics_port)
    asyncio.run(serve())


if __name__ == "__main__":
    main()
